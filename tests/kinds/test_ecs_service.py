"""`ecs-service`: checks on a fresh sandbox and a missing service; failover raises the
Application Auto Scaling minimum with the desired count and waits for the rollout to be stable;
failback restores the recorded bounds and count."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from drctl.kinds.ecs_service import moto_deployments, moto_image_pull, moto_service_scaling
from drctl.sandbox.outages import outages
from tests.support import build_plan_text, run_action, run_checks

PLAN = """
version: 1
app: api
tier: gold
strategy: warm-standby
regions: {primary: us-east-1, dr: us-west-2}
resources:
  - {kind: ecs-service, name: api, cluster: api-dr, service: api, desired: 4}
"""
RESOURCE = "service/api-dr/api"
DIMENSION = "ecs:service:DesiredCount"


@pytest.fixture
def loaded(aws: None, settings: Any) -> Any:
    return build_plan_text(PLAN, settings)  # tasks start as the run's fake clock sleeps


def _service() -> dict[str, Any]:
    ecs = boto3.client("ecs", region_name="us-west-2")
    return dict(ecs.describe_services(cluster="api-dr", services=["api"])["services"][0])


def _scaling() -> Any:
    return boto3.client("application-autoscaling", region_name="us-west-2")


def _bounds() -> tuple[int, int]:
    [target] = _scaling().describe_scalable_targets(
        ServiceNamespace="ecs", ResourceIds=[RESOURCE], ScalableDimension=DIMENSION
    )["ScalableTargets"]
    return int(target["MinCapacity"]), int(target["MaxCapacity"])


def _register(**bounds: int) -> None:
    _scaling().register_scalable_target(
        ServiceNamespace="ecs", ResourceId=RESOURCE, ScalableDimension=DIMENSION, **bounds
    )


def _run(loaded: Any, settings: Any, action: str, from_run: str | None) -> Any:
    return run_action(loaded, settings, action, from_run=from_run)


def test_checks_pass_then_fail_when_the_service_is_gone(loaded: Any, settings: Any) -> None:
    results = run_checks(loaded, settings)
    assert {n: r.status.value for n, r in results.items()} == {
        "cluster": "pass",
        "service": "pass",
        "task-definition": "pass",
        "image-region": "pass",
        "scaling-bounds": "pass",
    }
    assert "public.ecr.aws/nginx/nginx:stable" in results["image-region"].detail
    assert "min 0 / max 8" in results["scaling-bounds"].detail
    boto3.client("ecs", region_name="us-west-2").delete_service(
        cluster="api-dr", service="api", force=True
    )
    results = run_checks(loaded, settings)
    assert results["service"].status.value == "fail" and "not active" in results["service"].detail


def test_failover_raises_the_minimum_waits_for_the_rollout_and_failback_restores(
    loaded: Any, settings: Any
) -> None:
    record = _run(loaded, settings, "failover", None)
    assert record.status == "succeeded", [(s.id, s.detail) for s in record.steps]
    [step] = record.steps
    assert step.data == {
        "desired_count_before": 0,
        "scalable_target_before": {"min": 0, "max": 8},
    }
    # The tasks started over time: the step waited for them, as `services-stable` would.
    assert step.duration_seconds is not None
    assert step.duration_seconds >= moto_deployments.TASK_START_SECONDS
    svc = _service()
    assert (svc["desiredCount"], svc["runningCount"], len(svc["deployments"])) == (4, 4, 1)
    assert _bounds() == (4, 8)

    # An idle DR service: its target-tracking policy would scale it in, but not below the
    # minimum the failover raised.
    settings.clock.advance(moto_service_scaling.SCALE_IN_SECONDS + 60)
    assert _service()["desiredCount"] == 4

    rerun = _run(loaded, settings, "failover", None)
    assert rerun.steps[0].status == "skipped"

    back = _run(loaded, settings, "failback", record.run_id)
    assert back.status == "succeeded" and back.steps[0].id == "api.scale-back"
    assert _bounds() == (0, 8)
    svc = _service()
    assert (svc["desiredCount"], svc["runningCount"]) == (0, 0)


def test_raising_only_the_desired_count_is_undone_by_the_scaling_policy(
    loaded: Any, settings: Any
) -> None:
    """What the old step did, and why it was wrong: the policy scales the idle service back
    in to its minimum a quarter of an hour after the failover."""
    boto3.client("ecs", region_name="us-west-2").update_service(
        cluster="api-dr", service="api", desiredCount=4
    )
    settings.clock.advance(moto_service_scaling.SCALE_IN_SECONDS + 60)
    assert _service()["desiredCount"] == 0


def test_a_maximum_below_the_plan_warns_and_failover_raises_it_and_failback_lowers_it(
    loaded: Any, settings: Any
) -> None:
    _register(MinCapacity=1, MaxCapacity=2)
    bounds = run_checks(loaded, settings)["scaling-bounds"]
    assert bounds.status.value == "warn"
    assert "MaxCapacity is below the failover's 4 tasks" in bounds.detail
    assert (bounds.observed, bounds.threshold) == (2, 4)

    record = _run(loaded, settings, "failover", None)
    assert record.status == "succeeded", [(s.id, s.detail) for s in record.steps]
    assert record.steps[0].data["scalable_target_before"] == {"min": 1, "max": 2}
    assert "min 1 -> 4, max 2 -> 4" in record.steps[0].detail
    assert _bounds() == (4, 4) and _service()["desiredCount"] == 4

    back = _run(loaded, settings, "failback", record.run_id)
    assert back.status == "succeeded", [(s.id, s.detail) for s in back.steps]
    assert _bounds() == (1, 2)
    # The registered minimum keeps one task, as AWS would: the recorded count was 1 too.
    assert _service()["desiredCount"] == 1


def test_a_service_without_a_scalable_target_is_scaled_by_its_desired_count_alone(
    loaded: Any, settings: Any
) -> None:
    _scaling().deregister_scalable_target(
        ServiceNamespace="ecs", ResourceId=RESOURCE, ScalableDimension=DIMENSION
    )
    bounds = run_checks(loaded, settings)["scaling-bounds"]
    assert bounds.status.value == "pass" and "no Application Auto Scaling target" in bounds.detail
    record = _run(loaded, settings, "failover", None)
    assert record.status == "succeeded"
    assert record.steps[0].data == {"desired_count_before": 0}
    back = _run(loaded, settings, "failback", record.run_id)
    assert back.status == "succeeded" and _service()["desiredCount"] == 0


def test_failback_without_a_recorded_count_refuses_to_guess(loaded: Any, settings: Any) -> None:
    back = _run(loaded, settings, "failback", None)
    assert back.status == "failed"
    assert "no desired count recorded" in back.steps[0].detail
    assert _bounds() == (0, 8)


PRIMARY_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/api:1"


def _pull_from_primary() -> None:
    """The DR service's task definition names an image in the primary Region's registry."""
    boto3.client("ecr", region_name="us-east-1").create_repository(repositoryName="api")
    ecs = boto3.client("ecs", region_name="us-west-2")
    ecs.register_task_definition(
        family="api-task",
        containerDefinitions=[{"name": "api", "image": PRIMARY_IMAGE, "memory": 256}],
    )
    ecs.update_service(cluster="api-dr", service="api", taskDefinition="api-task:2")


def test_an_image_in_the_primary_region_fails_the_check_and_the_failover_fast(
    loaded: Any, settings: Any
) -> None:
    _pull_from_primary()
    results = run_checks(loaded, settings)
    image = results["image-region"]
    assert image.status.value == "fail"
    assert PRIMARY_IMAGE in image.detail and "ECR cross-Region replication" in image.detail
    assert "failover starts 4 new tasks" in image.detail

    outages.add("us-east-1")
    try:
        record = _run(loaded, settings, "failover", None)
    finally:
        outages.clear()
    [step] = record.steps
    assert record.status == "failed" and step.status == "failed"
    assert "tasks stopped before running (0 of 4 running in us-west-2)" in step.detail
    assert (
        f"CannotPullContainerError: pull image manifest has been retried 5 time(s): "
        f"failed to resolve ref {PRIMARY_IMAGE}" in step.detail
    )
    assert "hint:" in step.detail and "ECR cross-Region replication" in step.detail
    # Failed on the first round of stopped tasks, not after the step's timeout.
    assert step.duration_seconds is not None
    assert step.duration_seconds <= moto_image_pull.PULL_FAIL_SECONDS + 15 + 1
    # What AWS reads back: the service short of its count, its tasks stopped with the reason.
    svc = _service()
    assert (svc["desiredCount"], svc["runningCount"]) == (4, 0)
    ecs = boto3.client("ecs", region_name="us-west-2")
    arns = ecs.list_tasks(cluster="api-dr", serviceName="api", desiredStatus="STOPPED")
    tasks = ecs.describe_tasks(cluster="api-dr", tasks=arns["taskArns"])["tasks"]
    assert len(tasks) >= 4
    assert {t["stopCode"] for t in tasks} == {"TaskFailedToStart"}
    assert all(PRIMARY_IMAGE in t["containers"][0]["reason"] for t in tasks)


def test_an_image_in_the_primary_region_warns_when_the_dr_service_already_runs_the_count(
    loaded: Any, settings: Any
) -> None:
    _pull_from_primary()
    ecs = boto3.client("ecs", region_name="us-west-2")
    ecs.update_service(cluster="api-dr", service="api", desiredCount=4)
    settings.clock.advance(moto_deployments.TASK_START_SECONDS + 4 * 5)
    assert _service()["runningCount"] == 4
    image = run_checks(loaded, settings)["image-region"]
    assert image.status.value == "warn"
    assert PRIMARY_IMAGE in image.detail and "4 running tasks could not be replaced" in image.detail
