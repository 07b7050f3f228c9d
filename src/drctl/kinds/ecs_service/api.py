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


# Application Auto Scaling names an ECS service's desired count this way
# (RegisterScalableTarget: ResourceId, ScalableDimension).
SCALABLE_DIMENSION = "ecs:service:DesiredCount"


def resource_id(cluster: str, service: str) -> str:
    return f"service/{cluster}/{service}"


def scalable_target(appscaling: Any, cluster: str, service: str) -> dict[str, Any] | None:
    """The service's Application Auto Scaling target (MinCapacity, MaxCapacity), if any."""
    found = appscaling.describe_scalable_targets(
        ServiceNamespace="ecs",
        ResourceIds=[resource_id(cluster, service)],
        ScalableDimension=SCALABLE_DIMENSION,
    ).get("ScalableTargets", [])
    return dict(found[0]) if found else None


def set_scalable_bounds(
    appscaling: Any, cluster: str, service: str, *, minimum: int, maximum: int
) -> None:
    """Update the target's min and max (AWS moves the desired count into the new range)."""
    appscaling.register_scalable_target(
        ServiceNamespace="ecs",
        ResourceId=resource_id(cluster, service),
        ScalableDimension=SCALABLE_DIMENSION,
        MinCapacity=minimum,
        MaxCapacity=maximum,
    )


DESCRIBE_BATCH = 10  # DescribeServices takes at most 10 services per call


def all_services(ecs: Any) -> list[dict[str, Any]]:
    """Every service of every cluster of the client's Region (discovery)."""
    found: list[dict[str, Any]] = []
    for page in ecs.get_paginator("list_clusters").paginate():
        for cluster in page.get("clusterArns", []):
            arns: list[str] = []
            for services in ecs.get_paginator("list_services").paginate(cluster=cluster):
                arns += services.get("serviceArns", [])
            for start in range(0, len(arns), DESCRIBE_BATCH):
                found += ecs.describe_services(
                    cluster=cluster, services=arns[start : start + DESCRIBE_BATCH]
                ).get("services", [])
    return found


TASKS_PAGE = 100  # ListTasks maxResults and DescribeTasks tasks: at most 100 each
FAILED_TO_START = "TaskFailedToStart"  # Task.stopCode of a task that never ran


def failed_starts(ecs: Any, cluster: str, service: str, deployment: str) -> list[dict[str, Any]]:
    """The deployment's tasks that stopped before they ran (``stopCode`` TaskFailedToStart),
    from the newest page of the service's stopped tasks (one ListTasks, one DescribeTasks:
    bounded, as it runs on every poll). A service's tasks carry ``startedBy`` = the deployment
    id and ``group`` = ``service:<name>`` (API reference, Task)."""
    arns = ecs.list_tasks(
        cluster=cluster, serviceName=service, desiredStatus="STOPPED", maxResults=TASKS_PAGE
    ).get("taskArns", [])
    if not arns:
        return []
    tasks = ecs.describe_tasks(cluster=cluster, tasks=arns[:TASKS_PAGE]).get("tasks", [])
    return [
        dict(task)
        for task in tasks
        if task.get("stopCode") == FAILED_TO_START
        and task.get("startedBy") == deployment
        and task.get("group") == f"service:{service}"
    ]
