"""Discovery of ``ecs-service``: the DR Region's service, paired with the primary's by cluster
and service name (nothing in AWS links the two). ``desired`` -- what failover sets the DR
service to -- is guessed from the primary service's desired count, else from the DR
service's own (at least 1); both are marked as guesses."""

from __future__ import annotations

from typing import Any

from drctl.kinds.discovery import Found, Scope, pair_by_name
from drctl.kinds.ecs_service import api
from drctl.plan.draft import GUESSED, DraftField, DraftResource

TYPES = ("AWS::ECS::Service",)


def _cluster(service: dict[str, Any]) -> str:
    return str(service["clusterArn"]).rsplit("/", 1)[-1]


def _name(service: dict[str, Any]) -> str:
    return f"{_cluster(service)}/{service['serviceName']}"


def _in_scope(scope: Scope, region: str, service: dict[str, Any]) -> bool:
    arn = str(service["serviceArn"])
    return scope.wanted(region, types=TYPES, ids=(arn, str(service["serviceName"])), arns=(arn,))


def discover(scope: Scope) -> Found:
    found = Found()
    if scope.dr is None:
        return found  # compute says nothing about where data replicates
    dr = scope.dr
    primaries = [
        s
        for s in api.all_services(scope.client("ecs", scope.primary))
        if _in_scope(scope, scope.primary, s)
    ]
    drs = api.all_services(scope.client("ecs", dr))
    if scope.stack is None:
        drs = [s for s in drs if _in_scope(scope, dr, s)]
    for p, d, how in pair_by_name(primaries, drs, _name, scope.primary, dr):
        if d is None:
            assert p is not None
            found.unpaired.append(
                f"ECS service {_name(p)} in {scope.primary}: no service in {dr} pairs with it "
                "by cluster and name"
            )
            continue
        if p is None and scope.stack is not None:
            continue  # stack mode: DR compute counts only as a twin of the stack's
        if p is None:
            desired = max(int(d.get("desiredCount", 0)), 1)
            why = f"{GUESSED}no service in {scope.primary} pairs; set what DR must run"
            notes = (f"found in {dr} only: no ECS service in {scope.primary} pairs with it",)
        else:
            desired = int(p.get("desiredCount", 0))
            why = f"{GUESSED}what {_name(p)} runs in {scope.primary} now"
            notes = (f"{GUESSED}paired with {_name(p)} in {scope.primary} by {how}",)
        found.resources.append(
            DraftResource(
                "ecs-service",
                str(d["serviceName"]),
                (
                    DraftField("cluster", _cluster(d), f"cluster in {dr}"),
                    DraftField("service", str(d["serviceName"])),
                    DraftField("desired", desired, why),
                ),
                ((dr, _name(d)),) + (((scope.primary, _name(p)),) if p else ()),
                notes,
                dr_running=int(d.get("desiredCount", 0)) > 0,
            )
        )
    return found
