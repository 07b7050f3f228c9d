"""Amazon ECS: DR services described, their desired count changed, stability read back."""

from __future__ import annotations

from typing import Any


def describe_cluster(ecs: Any, cluster: str) -> dict[str, Any] | None:
    found = ecs.describe_clusters(clusters=[cluster]).get("clusters", [])
    return dict(found[0]) if found else None


def describe_service(ecs: Any, cluster: str, service: str) -> dict[str, Any] | None:
    found = ecs.describe_services(cluster=cluster, services=[service]).get("services", [])
    return dict(found[0]) if found else None


def is_stable(service: dict[str, Any]) -> bool:
    """The ``services_stable`` waiter's condition (botocore ecs waiters-2.json): a single
    deployment, and the running count equal to the desired count."""
    return len(service.get("deployments", [])) == 1 and service.get("runningCount") == service.get(
        "desiredCount"
    )


def set_desired_count(ecs: Any, cluster: str, service: str, count: int) -> None:
    ecs.update_service(cluster=cluster, service=service, desiredCount=count)


def describe_task_definition(ecs: Any, arn: str) -> dict[str, Any]:
    """The service's task definition (its ``status`` says whether it can still launch)."""
    return dict(ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"])
