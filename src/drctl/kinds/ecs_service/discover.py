"""Discovery of ``ecs-service``: the DR Region's service, paired with the primary's by cluster
and service name (nothing in AWS links the two). ``desired`` -- what failover sets the DR
service to -- is guessed from the primary service's desired count, else from the DR
service's own (at least 1); both are marked as guesses."""

from __future__ import annotations

from typing import Any

from drctl.kinds.discovery import Found, Scope, paired_compute
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
    pairs = paired_compute(
        scope,
        found,
        api.all_services(scope.client("ecs", scope.primary)),
        api.all_services(scope.client("ecs", dr)),
        name=_name,
        in_scope=_in_scope,
        what="ECS service",
        paired_by="cluster and name",
    )
    for pair in pairs:
        p, d, how = pair.primary, pair.dr, pair.how
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
