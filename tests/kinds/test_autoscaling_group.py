"""`autoscaling-group`: checks on a fresh sandbox and on broken groups; failover scales
to `desired` with InService instances; failback restores the recorded capacity."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from drctl.kinds.autoscaling_group import moto_launch
from tests.support import build_plan_text, run_action, run_checks

PLAN = """
version: 1
app: web
tier: silver
strategy: pilot-light
objectives: {rto: 1h, rpo: 15m}
regions: {primary: us-east-1, dr: us-west-2}
resources:
  - {kind: autoscaling-group, name: web, dr: web-dr, desired: 3}
"""


@pytest.fixture
def loaded(aws: None, settings: Any) -> Any:
    return build_plan_text(PLAN, settings)  # instances launch as the run's fake clock sleeps


def _group() -> dict[str, Any]:
    asg = boto3.client("autoscaling", region_name="us-west-2")
    return dict(
        asg.describe_auto_scaling_groups(AutoScalingGroupNames=["web-dr"])["AutoScalingGroups"][0]
    )


def _activities() -> list[dict[str, Any]]:
    asg = boto3.client("autoscaling", region_name="us-west-2")
    found = asg.describe_scaling_activities(AutoScalingGroupName="web-dr")["Activities"]
    return [dict(a) for a in found]


def test_checks_pass_on_the_pilot_light_group(loaded: Any, settings: Any) -> None:
    results = run_checks(loaded, settings)
    assert {n: r.status.value for n, r in results.items()} == {
        "group": "pass",
        "max-size": "pass",
        "launch-source": "pass",
        "launch-ready": "pass",
    }
    assert "0 InService" in results["group"].detail


def test_checks_fail_on_a_group_that_cannot_grow_or_is_missing(loaded: Any, settings: Any) -> None:
    boto3.client("autoscaling", region_name="us-west-2").update_auto_scaling_group(
        AutoScalingGroupName="web-dr", MaxSize=2
    )
    room = run_checks(loaded, settings)["max-size"]
    assert room.status.value == "fail" and room.observed == 2 and room.threshold == 3
    boto3.client("autoscaling", region_name="us-west-2").delete_auto_scaling_group(
        AutoScalingGroupName="web-dr", ForceDelete=True
    )
    assert "not found" in run_checks(loaded, settings)["group"].detail


def _run(loaded: Any, settings: Any, action: str, from_run: str | None) -> Any:
    return run_action(loaded, settings, action, from_run=from_run)


def test_failover_scales_up_and_failback_restores(loaded: Any, settings: Any) -> None:
    record = _run(loaded, settings, "failover", None)
    assert record.status == "succeeded", [(s.id, s.detail) for s in record.steps]
    group = _group()
    assert (group["MinSize"], group["DesiredCapacity"]) == (3, 3)
    assert sum(i["LifecycleState"] == "InService" for i in group["Instances"]) == 3
    [step] = record.steps
    assert step.data["before"] == {"min": 0, "desired": 0, "max": 6}
    # The instances were Pending for a while: the step waited for them, as on AWS.
    assert step.duration_seconds is not None
    assert step.duration_seconds >= moto_launch.PENDING_SECONDS
    activities = _activities()
    assert [a["StatusCode"] for a in activities] == ["Successful"] * 3
    assert "increasing the capacity from 0 to 3" in activities[0]["Cause"]

    rerun = _run(loaded, settings, "failover", None)
    assert rerun.steps[0].status == "skipped" and rerun.steps[0].calls == []

    back = _run(loaded, settings, "failback", record.run_id)
    assert back.status == "succeeded"
    assert back.steps[0].id == "web.scale-back"
    group = _group()
    assert (group["MinSize"], group["DesiredCapacity"], group["MaxSize"]) == (0, 0, 6)


def test_failback_without_a_recorded_capacity_refuses_to_guess(loaded: Any, settings: Any) -> None:
    back = _run(loaded, settings, "failback", None)
    assert back.status == "failed"
    assert "no capacity recorded" in back.steps[0].detail
    assert _group()["DesiredCapacity"] == 0


def test_suspended_launch_fails_the_check_and_the_scale_up_at_once(
    loaded: Any, settings: Any
) -> None:
    """With Launch suspended AWS launches nothing (moto launches anyway): the check and the
    step name the suspended process instead of waiting out the timeout."""
    asg = boto3.client("autoscaling", region_name="us-west-2")
    asg.suspend_processes(AutoScalingGroupName="web-dr", ScalingProcesses=["Launch"])
    ready = run_checks(loaded, settings)["launch-ready"]
    assert ready.status.value == "fail" and "suspended processes Launch" in ready.detail

    record = _run(loaded, settings, "failover", None)
    assert record.status == "failed"
    [step] = record.steps
    assert "suspended processes Launch" in step.detail and "resume-processes" in step.detail
    assert step.duration_seconds is not None and step.duration_seconds < 60
    assert _group()["DesiredCapacity"] == 0, "nothing was changed"


def test_a_template_image_missing_in_the_dr_region_is_reported(loaded: Any, settings: Any) -> None:
    ec2 = boto3.client("ec2", region_name="us-west-2")
    version = ec2.describe_launch_template_versions(
        LaunchTemplateName="web-dr-lt", Versions=["$Latest"]
    )["LaunchTemplateVersions"][0]
    image = version["LaunchTemplateData"]["ImageId"]
    ec2.create_launch_template_version(
        LaunchTemplateName="web-dr-lt",
        SourceVersion=str(version["VersionNumber"]),
        LaunchTemplateData={"ImageId": "ami-0123456789abcdef0"},
    )
    ready = run_checks(loaded, settings)["launch-ready"]
    assert ready.status.value == "fail"
    assert "ami-0123456789abcdef0" in ready.detail and "us-west-2" in ready.detail
    assert image not in ready.detail

    record = _run(loaded, settings, "failover", None)
    assert record.status == "failed"
    assert "does not exist in us-west-2" in record.steps[0].detail


@pytest.fixture
def no_capacity() -> Any:
    moto_launch.set_insufficient_capacity("us-west-2", "t3.micro")
    yield
    moto_launch.clear_insufficient_capacity()


def test_a_failed_launch_fails_the_scale_up_quickly_quoting_aws(
    loaded: Any, settings: Any, no_capacity: None
) -> None:
    """EC2 has no t3.micro capacity: nothing in the group's configuration shows it, so the
    scale-up starts; AWS reports the failed scaling activity and the step stops on it, quoting
    AWS's message, instead of waiting out its hour."""
    record = _run(loaded, settings, "failover", None)
    assert record.status == "failed"
    [step] = record.steps
    assert "scaling activity Failed" in step.detail
    assert "do not have sufficient t3.micro capacity" in step.detail
    assert "Launching EC2 instance failed." in step.detail
    assert step.duration_seconds is not None and step.duration_seconds < 60
    group = _group()
    assert group["DesiredCapacity"] == 3 and group["Instances"] == []
    [activity] = _activities()
    assert activity["StatusCode"] == "Failed"
    assert activity["StatusMessage"].endswith("Launching EC2 instance failed.")

    ready = run_checks(loaded, settings)["launch-ready"]
    assert ready.status.value == "warn"
    assert "sufficient t3.micro capacity" in ready.detail


def test_an_abandoned_launch_hook_fails_the_scale_up_on_the_cancelled_activity(
    loaded: Any, settings: Any
) -> None:
    """A launch lifecycle hook nobody completes: the instances wait in Pending:Wait for the
    heartbeat timeout, then ABANDON cancels the launches; the step quotes AWS's reason."""
    asg = boto3.client("autoscaling", region_name="us-west-2")
    asg.put_lifecycle_hook(
        LifecycleHookName="bootstrap",
        AutoScalingGroupName="web-dr",
        LifecycleTransition="autoscaling:EC2_INSTANCE_LAUNCHING",
        HeartbeatTimeout=300,
        DefaultResult="ABANDON",
    )
    record = _run(loaded, settings, "failover", None)
    assert record.status == "failed"
    [step] = record.steps
    assert "scaling activity Cancelled" in step.detail and "was abandoned" in step.detail
    assert step.duration_seconds is not None
    assert moto_launch.PENDING_SECONDS + 300 <= step.duration_seconds < 600
