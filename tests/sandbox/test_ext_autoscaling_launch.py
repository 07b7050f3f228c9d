"""Auto Scaling extension: instances launch over the sandbox's AWS clock (Pending ->
InService, with a launch hook's Pending:Wait), and DescribeScalingActivities reports each launch
as AWS does: InProgress -> Successful, or Failed / Cancelled with AWS's StatusMessage. A
suspended Launch process launches nothing and records nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from drctl.engine.clock import FakeClock
from drctl.kinds.autoscaling_group import moto_launch
from drctl.kinds.sandboxing import aws_time

ClientFactory = Callable[..., Any]
REGION = "us-west-2"
GROUP = "web-dr"


@pytest.fixture(autouse=True)
def fake() -> Iterator[FakeClock]:
    """The sandbox's AWS clock follows a fake clock the test moves."""
    clock = FakeClock()
    aws_time.follow(clock.now)
    yield clock
    aws_time.reset()
    moto_launch.clear_insufficient_capacity()


def _group_with_template(client: ClientFactory, image: str | None = None) -> tuple[Any, Any]:
    ec2 = client("ec2", REGION)
    asg = client("autoscaling", REGION)
    image = image or ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.1.0/24", AvailabilityZone=f"{REGION}a")[
        "Subnet"
    ]["SubnetId"]
    ec2.create_launch_template(
        LaunchTemplateName=f"{GROUP}-lt",
        LaunchTemplateData={"ImageId": image, "InstanceType": "t3.micro"},
    )
    asg.create_auto_scaling_group(
        AutoScalingGroupName=GROUP,
        LaunchTemplate={"LaunchTemplateName": f"{GROUP}-lt", "Version": "$Latest"},
        MinSize=0,
        DesiredCapacity=0,
        MaxSize=6,
        VPCZoneIdentifier=subnet,
    )
    return asg, ec2


def _states(asg: Any) -> list[str]:
    group = asg.describe_auto_scaling_groups(AutoScalingGroupNames=[GROUP])["AutoScalingGroups"][0]
    return sorted(i["LifecycleState"] for i in group["Instances"])


def _activities(asg: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = asg.describe_scaling_activities(AutoScalingGroupName=GROUP)[
        "Activities"
    ]
    return found


def test_instances_launch_pending_then_in_service_with_their_activities(
    aws: ClientFactory, fake: FakeClock
) -> None:
    asg, _ = _group_with_template(aws)
    asg.set_desired_capacity(AutoScalingGroupName=GROUP, DesiredCapacity=2)
    assert _states(asg) == ["Pending", "Pending"]
    activities = _activities(asg)
    assert [a["StatusCode"] for a in activities] == ["InProgress", "InProgress"]
    assert all(a["Description"].startswith("Launching a new EC2 instance: i-") for a in activities)
    assert "increasing the capacity from 0 to 2" in activities[0]["Cause"]
    assert "EndTime" not in activities[0]

    # Pending instances count towards capacity: asking again launches nothing more.
    asg.set_desired_capacity(AutoScalingGroupName=GROUP, DesiredCapacity=2)
    assert len(_states(asg)) == 2

    fake.advance(moto_launch.PENDING_SECONDS - 1)
    assert _states(asg) == ["Pending", "Pending"]
    fake.advance(1)
    assert _states(asg) == ["InService", "InService"]
    activities = _activities(asg)
    assert [(a["StatusCode"], a["Progress"]) for a in activities] == [("Successful", 100)] * 2
    assert activities[0]["EndTime"] > activities[0]["StartTime"]
    instances = asg.describe_auto_scaling_instances()["AutoScalingInstances"]
    assert {i["LifecycleState"] for i in instances} == {"InService"}


def test_a_suspended_launch_process_launches_nothing_until_resumed(
    aws: ClientFactory, fake: FakeClock
) -> None:
    asg, _ = _group_with_template(aws)
    asg.suspend_processes(AutoScalingGroupName=GROUP, ScalingProcesses=["Launch"])
    asg.set_desired_capacity(AutoScalingGroupName=GROUP, DesiredCapacity=2)
    fake.advance(600)
    assert _states(asg) == [] and _activities(asg) == []

    asg.resume_processes(AutoScalingGroupName=GROUP, ScalingProcesses=["Launch"])
    assert _states(asg) == ["Pending", "Pending"]
    fake.advance(moto_launch.PENDING_SECONDS)
    assert _states(asg) == ["InService", "InService"]


def test_an_image_missing_in_the_region_fails_the_launch_and_the_group_retries(
    aws: ClientFactory, fake: FakeClock
) -> None:
    missing = "ami-0123456789abcdef0"
    asg, ec2 = _group_with_template(aws, image=missing)
    asg.set_desired_capacity(AutoScalingGroupName=GROUP, DesiredCapacity=1)
    [attempt] = _activities(asg)
    assert attempt["StatusCode"] == "InProgress" and _states(asg) == []
    fake.advance(moto_launch.FAIL_SECONDS)
    [attempt] = _activities(asg)
    assert attempt["StatusCode"] == "Failed"
    message = f"The image id '[{missing}]' does not exist. Launching EC2 instance failed."
    assert attempt["StatusMessage"] == message
    assert attempt["Description"] == f"Launching a new EC2 instance.  Status Reason: {message}"

    # The group tries again after its back-off, and fails again while the image is missing.
    fake.advance(moto_launch.RETRY_SECONDS)
    assert [a["StatusCode"] for a in _activities(asg)] == ["InProgress", "Failed"]

    # Point the template at an image the Region has: the next attempt launches.
    good = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    ec2.create_launch_template_version(
        LaunchTemplateName=f"{GROUP}-lt", SourceVersion="1", LaunchTemplateData={"ImageId": good}
    )
    fake.advance(moto_launch.RETRY_SECONDS)
    assert _states(asg) == ["Pending"]
    assert [a["StatusCode"] for a in _activities(asg)] == ["InProgress", "Failed", "Failed"]


def test_insufficient_capacity_fails_the_launch_with_ec2s_message(
    aws: ClientFactory, fake: FakeClock
) -> None:
    asg, _ = _group_with_template(aws)
    moto_launch.set_insufficient_capacity(REGION, "t3.micro")
    asg.set_desired_capacity(AutoScalingGroupName=GROUP, DesiredCapacity=3)
    fake.advance(moto_launch.FAIL_SECONDS)
    [attempt] = _activities(asg)
    assert attempt["StatusCode"] == "Failed"
    assert attempt["StatusMessage"].startswith(
        f"We currently do not have sufficient t3.micro capacity in the Availability Zone you "
        f"requested ({REGION}a)."
    )
    assert "increasing the capacity from 0 to 3" in attempt["Cause"]
    assert _states(asg) == []


def test_a_launch_hook_holds_instances_in_pending_wait(aws: ClientFactory, fake: FakeClock) -> None:
    asg, _ = _group_with_template(aws)
    asg.put_lifecycle_hook(
        LifecycleHookName="bootstrap",
        AutoScalingGroupName=GROUP,
        LifecycleTransition="autoscaling:EC2_INSTANCE_LAUNCHING",
        HeartbeatTimeout=120,
        DefaultResult="CONTINUE",
    )
    asg.set_desired_capacity(AutoScalingGroupName=GROUP, DesiredCapacity=1)
    seen = []
    for _ in range(30):
        state = _states(asg)[0]
        code = _activities(asg)[0]["StatusCode"]
        if not seen or seen[-1] != (state, code):
            seen.append((state, code))
        fake.advance(10)
    assert seen == [
        ("Pending", "InProgress"),
        ("Pending:Wait", "MidLifecycleAction"),
        ("Pending:Proceed", "PreInService"),
        ("InService", "Successful"),
    ]


def test_an_abandoned_launch_is_cancelled_and_replaced(aws: ClientFactory, fake: FakeClock) -> None:
    asg, ec2 = _group_with_template(aws)
    asg.put_lifecycle_hook(
        LifecycleHookName="bootstrap",
        AutoScalingGroupName=GROUP,
        LifecycleTransition="autoscaling:EC2_INSTANCE_LAUNCHING",
        HeartbeatTimeout=60,
        DefaultResult="ABANDON",
    )
    asg.set_desired_capacity(AutoScalingGroupName=GROUP, DesiredCapacity=1)
    first = _activities(asg)[0]
    fake.advance(moto_launch.PENDING_SECONDS + 60)
    # The abandoned instance terminates; it no longer counts, so a replacement launches.
    assert _states(asg) == ["Pending", "Terminating"]
    replacement, cancelled = _activities(asg)
    assert replacement["StatusCode"] == "InProgress"
    assert cancelled["ActivityId"] == first["ActivityId"]
    assert cancelled["StatusCode"] == "Cancelled"
    assert "Lifecycle Action with token" in cancelled["StatusMessage"]
    assert cancelled["StatusMessage"].endswith("was abandoned: Heartbeat Timeout")

    fake.advance(moto_launch.TERMINATE_SECONDS)
    assert _states(asg) == ["Pending"], "the abandoned instance is gone, its replacement not"
    old = first["Description"].rsplit(" ", 1)[-1]
    reservations = ec2.describe_instances(InstanceIds=[old])["Reservations"]
    assert reservations[0]["Instances"][0]["State"]["Name"] in ("shutting-down", "terminated")


def test_activities_are_paged_and_served_by_the_sandbox_server(
    server: ClientFactory, fake: FakeClock
) -> None:
    asg, _ = _group_with_template(server)
    asg.set_desired_capacity(AutoScalingGroupName=GROUP, DesiredCapacity=3)
    page = asg.describe_scaling_activities(AutoScalingGroupName=GROUP, MaxRecords=2)
    assert len(page["Activities"]) == 2 and page["NextToken"]
    rest = asg.describe_scaling_activities(
        AutoScalingGroupName=GROUP, MaxRecords=2, NextToken=page["NextToken"]
    )
    assert len(rest["Activities"]) == 1 and "NextToken" not in rest
    fake.advance(moto_launch.PENDING_SECONDS)
    assert _states(asg) == ["InService"] * 3
