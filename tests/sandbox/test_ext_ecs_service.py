"""ECS extensions: deployments roll over the sandbox's AWS clock (tasks PENDING then RUNNING
one by one, rolloutState IN_PROGRESS -> COMPLETED, a new deployment beside the old until it
drains, services_stable false until the end), and Application Auto Scaling bounds the desired
count (registration moves it into range; an idle service's target-tracking policy scales it in
to MinCapacity)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from drctl.engine.clock import FakeClock
from drctl.kinds.ecs_service import moto_deployments as rollout
from drctl.kinds.ecs_service import moto_image_pull as image_pull
from drctl.kinds.ecs_service import moto_service_scaling as scaling
from drctl.kinds.sandboxing import aws_time

ClientFactory = Callable[..., Any]
REGION = "us-west-2"
RESOURCE = "service/c1/web"
DIMENSION = "ecs:service:DesiredCount"


@pytest.fixture(autouse=True)
def fake() -> Iterator[FakeClock]:
    clock = FakeClock()
    aws_time.follow(clock.now)
    yield clock
    aws_time.reset()


def _service_in(client: ClientFactory, desired: int = 0) -> Any:
    ecs = client("ecs", REGION)
    ecs.create_cluster(clusterName="c1")
    ecs.register_task_definition(
        family="web", containerDefinitions=[{"name": "web", "image": "web:1", "memory": 256}]
    )
    ecs.create_service(cluster="c1", serviceName="web", taskDefinition="web", desiredCount=desired)
    return ecs


def _describe(ecs: Any) -> dict[str, Any]:
    found: dict[str, Any] = ecs.describe_services(cluster="c1", services=["web"])["services"][0]
    return found


def _counts(ecs: Any) -> tuple[int, int, int]:
    svc = _describe(ecs)
    return svc["desiredCount"], svc["runningCount"], svc["pendingCount"]


def _stable(svc: dict[str, Any]) -> bool:
    return len(svc["deployments"]) == 1 and svc["runningCount"] == svc["desiredCount"]


def test_a_new_service_rolls_out_its_tasks_one_by_one(aws: ClientFactory, fake: FakeClock) -> None:
    ecs = _service_in(aws, desired=3)
    svc = _describe(ecs)
    assert (svc["runningCount"], svc["pendingCount"]) == (0, 3) and not _stable(svc)
    assert svc["deployments"][0]["rolloutState"] == "IN_PROGRESS"
    running = []
    for _ in range(12):
        running.append(_describe(ecs)["runningCount"])
        fake.advance(rollout.TASK_STAGGER_SECONDS)
    start = int(rollout.TASK_START_SECONDS // rollout.TASK_STAGGER_SECONDS)
    assert running[:start] == [0] * start and running[start : start + 3] == [1, 2, 3]
    svc = _describe(ecs)
    deployment = svc["deployments"][0]
    assert _stable(svc) and deployment["rolloutState"] == "COMPLETED"
    assert deployment["rolloutStateReason"] == f"ECS deployment {deployment['id']} completed."


def test_scaling_moves_the_counts_not_the_rollout(aws: ClientFactory, fake: FakeClock) -> None:
    ecs = _service_in(aws)
    assert _stable(_describe(ecs))
    ecs.update_service(cluster="c1", service="web", desiredCount=4)
    svc = _describe(ecs)
    assert (svc["desiredCount"], svc["runningCount"], svc["pendingCount"]) == (4, 0, 4)
    assert not _stable(svc) and svc["deployments"][0]["rolloutState"] == "COMPLETED"
    fake.advance(rollout.TASK_START_SECONDS + 3 * rollout.TASK_STAGGER_SECONDS)
    assert _counts(ecs) == (4, 4, 0)

    ecs.update_service(cluster="c1", service="web", desiredCount=1)
    assert _counts(ecs) == (1, 4, 0), "stopping tasks still run until their stop timeout"
    fake.advance(rollout.TASK_STOP_SECONDS)
    assert _counts(ecs) == (1, 1, 0)


def test_a_new_deployment_replaces_the_old_before_the_service_is_stable(
    aws: ClientFactory, fake: FakeClock
) -> None:
    ecs = _service_in(aws, desired=2)
    fake.advance(rollout.TASK_START_SECONDS + rollout.TASK_STAGGER_SECONDS)
    old = _describe(ecs)["deployments"][0]["id"]
    ecs.update_service(cluster="c1", service="web", forceNewDeployment=True)
    svc = _describe(ecs)
    primary, active = svc["deployments"]
    assert (primary["status"], primary["rolloutState"], primary["runningCount"]) == (
        "PRIMARY",
        "IN_PROGRESS",
        0,
    )
    assert (active["id"], active["status"], active["runningCount"]) == (old, "ACTIVE", 2)
    assert not _stable(svc)

    fake.advance(rollout.TASK_START_SECONDS + rollout.TASK_STAGGER_SECONDS)
    svc = _describe(ecs)
    assert len(svc["deployments"]) == 2 and svc["runningCount"] == 4, "old tasks still draining"
    fake.advance(rollout.TASK_STOP_SECONDS)
    svc = _describe(ecs)
    assert _stable(svc) and svc["deployments"][0]["rolloutState"] == "COMPLETED"
    assert svc["deployments"][0]["id"] != old


def test_registering_a_target_moves_the_desired_count_into_range(aws: ClientFactory) -> None:
    ecs = _service_in(aws, desired=5)
    appscaling = aws("application-autoscaling", REGION)
    appscaling.register_scalable_target(
        ServiceNamespace="ecs",
        ResourceId=RESOURCE,
        ScalableDimension=DIMENSION,
        MinCapacity=1,
        MaxCapacity=3,
    )
    assert _describe(ecs)["desiredCount"] == 3
    # Only MinCapacity given: 4 above the stored maximum 3 is refused, as AWS refuses it.
    with pytest.raises(ClientError) as refused:
        appscaling.register_scalable_target(
            ServiceNamespace="ecs", ResourceId=RESOURCE, ScalableDimension=DIMENSION, MinCapacity=4
        )
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    appscaling.register_scalable_target(
        ServiceNamespace="ecs",
        ResourceId=RESOURCE,
        ScalableDimension=DIMENSION,
        MinCapacity=4,
        MaxCapacity=6,
    )
    assert _describe(ecs)["desiredCount"] == 4


@pytest.mark.parametrize("pinned", ["none", "disable-scale-in", "suspended"])
def test_an_idle_service_is_scaled_in_to_its_minimum_by_target_tracking(
    aws: ClientFactory, fake: FakeClock, pinned: str
) -> None:
    ecs = _service_in(aws)
    appscaling = aws("application-autoscaling", REGION)
    suspended = {"DynamicScalingInSuspended": pinned == "suspended"}
    appscaling.register_scalable_target(
        ServiceNamespace="ecs",
        ResourceId=RESOURCE,
        ScalableDimension=DIMENSION,
        MinCapacity=1,
        MaxCapacity=10,
        SuspendedState=suspended,
    )
    appscaling.put_scaling_policy(
        PolicyName="cpu",
        ServiceNamespace="ecs",
        ResourceId=RESOURCE,
        ScalableDimension=DIMENSION,
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={
            "TargetValue": 60.0,
            "PredefinedMetricSpecification": {
                "PredefinedMetricType": "ECSServiceAverageCPUUtilization"
            },
            "DisableScaleIn": pinned == "disable-scale-in",
        },
    )
    ecs.update_service(cluster="c1", service="web", desiredCount=6)
    fake.advance(scaling.SCALE_IN_SECONDS - 1)
    assert _describe(ecs)["desiredCount"] == 6
    fake.advance(1)
    assert _describe(ecs)["desiredCount"] == (1 if pinned == "none" else 6)


def test_rollouts_are_served_by_the_sandbox_server(server: ClientFactory, fake: FakeClock) -> None:
    ecs = _service_in(server, desired=2)
    assert not _stable(_describe(ecs))
    fake.advance(rollout.TASK_START_SECONDS + rollout.TASK_STAGGER_SECONDS)
    svc = _describe(ecs)
    assert _stable(svc) and svc["deployments"][0]["rolloutState"] == "COMPLETED"


PRIMARY_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1"


def _service_pulling(client: ClientFactory, image: str) -> Any:
    ecs = client("ecs", REGION)
    ecs.create_cluster(clusterName="c1")
    ecs.register_task_definition(
        family="web", containerDefinitions=[{"name": "web", "image": image, "memory": 256}]
    )
    ecs.create_service(cluster="c1", serviceName="web", taskDefinition="web", desiredCount=0)
    return ecs


def _stopped(ecs: Any) -> list[dict[str, Any]]:
    arns = ecs.list_tasks(cluster="c1", serviceName="web", desiredStatus="STOPPED")["taskArns"]
    if not arns:
        return []
    found: list[dict[str, Any]] = ecs.describe_tasks(cluster="c1", tasks=arns)["tasks"]
    return found


def test_tasks_whose_ecr_region_is_out_stop_with_cannot_pull_and_retry(
    aws: ClientFactory, fake: FakeClock
) -> None:
    from drctl.sandbox.outages import outages

    aws("ecr", "us-east-1").create_repository(repositoryName="web")
    ecs = _service_pulling(aws, PRIMARY_IMAGE)
    outages.add("us-east-1")
    try:
        ecs.update_service(cluster="c1", service="web", desiredCount=2)
        assert _stopped(ecs) == []  # PENDING while the pull is retried
        fake.advance(image_pull.PULL_FAIL_SECONDS)
        stopped = _stopped(ecs)
        assert len(stopped) == 2
        deployment = _describe(ecs)["deployments"][0]
        for task in stopped:
            assert task["lastStatus"] == "STOPPED" and task["stopCode"] == "TaskFailedToStart"
            assert task["group"] == "service:web" and task["startedBy"] == deployment["id"]
            assert task["stoppedReason"].startswith(
                "CannotPullContainerError: pull image manifest has been retried 5 time(s): "
                f"failed to resolve ref {PRIMARY_IMAGE}: failed to do request: Head "
            )
            assert task["stoppedReason"].endswith("i/o timeout")
            assert task["containers"][0]["reason"] == task["stoppedReason"]
        fake.advance(10 * 60)
        svc = _describe(ecs)
        assert (svc["desiredCount"], svc["runningCount"], svc["pendingCount"]) == (2, 0, 2)
        assert not _stable(svc)
        assert len(_stopped(ecs)) == 2 * 11  # a round a minute, each of the missing tasks
        assert svc["events"][0]["message"].startswith("(service web) has started 2 tasks: (task ")
    finally:
        outages.clear()
    # The scheduler's next round pulls the image and its tasks start as any do.
    retry = image_pull.PULL_FAIL_SECONDS + image_pull.RETRY_SECONDS
    fake.advance(retry + rollout.TASK_START_SECONDS + rollout.TASK_STAGGER_SECONDS)
    svc = _describe(ecs)
    assert (svc["runningCount"], svc["pendingCount"]) == (2, 0) and _stable(svc)
    before = len(_stopped(ecs))
    fake.advance(5 * 60)
    assert len(_stopped(ecs)) == before  # the retries end once the image pulls


def test_a_missing_ecr_repository_fails_every_start_and_an_existing_one_does_not(
    aws: ClientFactory, fake: FakeClock
) -> None:
    ecs = _service_pulling(aws, "123456789012.dkr.ecr.us-west-2.amazonaws.com/absent:7")
    ecs.update_service(cluster="c1", service="web", desiredCount=1)
    fake.advance(rollout.TASK_START_SECONDS + image_pull.PULL_FAIL_SECONDS)
    assert _describe(ecs)["runningCount"] == 0
    (task,) = _stopped(ecs)
    image = "123456789012.dkr.ecr.us-west-2.amazonaws.com/absent:7"
    assert task["stoppedReason"] == (
        "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to "
        f"resolve ref {image}: {image}: not found"
    )
    aws("ecr", REGION).create_repository(repositoryName="present")
    ecs.register_task_definition(
        family="web",
        containerDefinitions=[
            {
                "name": "web",
                "image": "123456789012.dkr.ecr.us-west-2.amazonaws.com/present:7",
                "memory": 256,
            }
        ],
    )
    ecs.update_service(cluster="c1", service="web", taskDefinition="web:2")
    fake.advance(rollout.TASK_START_SECONDS + rollout.TASK_STOP_SECONDS)
    svc = _describe(ecs)
    assert (svc["runningCount"], len(svc["deployments"])) == (1, 1) and _stable(svc)
