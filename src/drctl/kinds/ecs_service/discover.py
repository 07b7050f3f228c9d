"""Discovery of ``ecs-service``: the DR Region's service, paired with the primary's by cluster
and service name (nothing in AWS links the two). ``desired`` -- what failover sets the DR
service to -- is guessed from the primary service's desired count, else from the DR
service's own (at least 1); both are marked as guesses."""

from __future__ import annotations

from typing import Any

from drctl.kinds.discovery import Found, Scope, compute_draft, paired_compute
from drctl.kinds.ecs_service import api
from drctl.plan.draft import DraftField

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
        d = pair.dr
        found.resources.append(
            compute_draft(
                scope,
                pair,
                kind="ecs-service",
                name=_name,
                what="ECS service",
                running="desiredCount",
                alone=(
                    max(int(d.get("desiredCount", 0)), 1),
                    f"no service in {scope.primary} pairs; set what DR must run",
                ),
                plan_name=str(d["serviceName"]),
                fields=(
                    DraftField("cluster", _cluster(d), f"cluster in {dr}"),
                    DraftField("service", str(d["serviceName"])),
                ),
            )
        )
    return found
