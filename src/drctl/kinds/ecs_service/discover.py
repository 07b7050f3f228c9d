"""Discovery of ``ecs-service``: the DR Region's service, paired with the primary's by cluster
and service name (nothing in AWS links the two). ``desired`` -- what failover sets the DR
service to -- is guessed from the primary service's desired count, else from the DR
service's own (at least 1); both are marked as guesses."""

from __future__ import annotations

from typing import Any

from drctl.kinds.discovery import Compute, Scope
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


def _alone(scope: Scope, service: dict[str, Any]) -> tuple[int, str]:
    why = f"no service in {scope.primary} pairs; set what DR must run"
    return max(int(service.get("desiredCount", 0)), 1), why


def _entry(scope: Scope, service: dict[str, Any]) -> tuple[str, tuple[DraftField, ...]]:
    name = str(service["serviceName"])
    cluster = DraftField("cluster", _cluster(service), f"cluster in {scope.dr}")
    return name, (cluster, DraftField("service", name))


COMPUTE = Compute(
    kind="ecs-service",
    what="ECS service",
    paired_by="cluster and name",
    service="ecs",
    list_all=api.all_services,
    name=_name,
    in_scope=_in_scope,
    running="desiredCount",
    alone=_alone,
    entry=_entry,
)
discover = COMPUTE.discover
