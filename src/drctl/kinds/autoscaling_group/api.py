"""EC2 Auto Scaling: DR groups described, scaled up for a failover, back after."""

from __future__ import annotations

from typing import Any


def describe_group(autoscaling: Any, name: str) -> dict[str, Any] | None:
    groups = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])[
        "AutoScalingGroups"
    ]
    return dict(groups[0]) if groups else None


def launch_source(group: dict[str, Any]) -> str | None:
    """What new instances are launched from: a template, a mixed policy or a configuration."""
    if group.get("LaunchTemplate"):
        lt = group["LaunchTemplate"]
        return f"launch template {lt.get('LaunchTemplateName') or lt.get('LaunchTemplateId')}"
    if group.get("MixedInstancesPolicy"):
        return "mixed instances policy"
    if group.get("LaunchConfigurationName"):
        return f"launch configuration {group['LaunchConfigurationName']}"
    return None


def in_service(group: dict[str, Any]) -> int:
    return sum(
        1
        for i in group.get("Instances", [])
        if i.get("LifecycleState") == "InService" and i.get("HealthStatus", "Healthy") == "Healthy"
    )


def set_capacity(autoscaling: Any, name: str, *, minimum: int, desired: int, maximum: int) -> None:
    autoscaling.update_auto_scaling_group(
        AutoScalingGroupName=name, MinSize=minimum, DesiredCapacity=desired, MaxSize=maximum
    )


# Processes without which a scale-up never launches an instance (SuspendProcesses, EC2 Auto
# Scaling User Guide: "Suspend and resume processes"): Launch adds instances; with
# AlarmNotification or ScheduledActions suspended drctl's explicit desired capacity still
# applies, so only Launch blocks it.
BLOCKING_PROCESSES = ("Launch",)


def suspended_processes(group: dict[str, Any]) -> list[str]:
    """The group's suspended processes that stop a scale-up from launching instances."""
    return [
        str(p["ProcessName"])
        for p in group.get("SuspendedProcesses", [])
        if p.get("ProcessName") in BLOCKING_PROCESSES
    ]


def template_image(ec2: Any, group: dict[str, Any]) -> tuple[str, str] | None:
    """(launch template label, image id) the group launches from; None when it uses no template
    or the template names no image."""
    spec = group.get("LaunchTemplate") or (
        group.get("MixedInstancesPolicy", {})
        .get("LaunchTemplate", {})
        .get("LaunchTemplateSpecification")
    )
    if not spec:
        return None
    kwargs: dict[str, Any] = {"Versions": [str(spec.get("Version") or "$Default")]}
    if spec.get("LaunchTemplateId"):
        kwargs["LaunchTemplateId"] = spec["LaunchTemplateId"]
    else:
        kwargs["LaunchTemplateName"] = spec["LaunchTemplateName"]
    versions = ec2.describe_launch_template_versions(**kwargs)["LaunchTemplateVersions"]
    if not versions:
        return None
    image = versions[0].get("LaunchTemplateData", {}).get("ImageId")
    label = str(spec.get("LaunchTemplateName") or spec.get("LaunchTemplateId"))
    return (label, str(image)) if image else None


def image_exists(ec2: Any, image_id: str) -> bool:
    """Whether the AMI exists in the client's Region (AMIs are regional: a template copied from
    the primary Region names an image the DR Region does not have)."""
    from botocore.exceptions import ClientError

    try:
        return bool(ec2.describe_images(ImageIds=[image_id])["Images"])
    except ClientError as exc:
        if exc.response["Error"]["Code"] in ("InvalidAMIID.NotFound", "InvalidAMIID.Malformed"):
            return False
        raise


def activities(autoscaling: Any, name: str) -> list[dict[str, Any]]:
    """The group's most recent scaling activities, newest first (DescribeScalingActivities)."""
    found = autoscaling.describe_scaling_activities(AutoScalingGroupName=name, MaxRecords=20)
    return [dict(a) for a in found.get("Activities", [])]


def failed_activities(
    autoscaling: Any, name: str, known: frozenset[str] = frozenset()
) -> list[dict[str, Any]]:
    """Scaling activities that ended ``Failed`` or ``Cancelled``, newest first, with AWS's
    ``StatusMessage``; those whose ``ActivityId`` is in ``known`` (already there before a
    scale-up) are left out. Ids rather than times: the activity's ``StartTime`` is AWS's clock,
    which need not agree with this machine's."""
    return [
        a
        for a in activities(autoscaling, name)
        if a.get("StatusCode") in ("Failed", "Cancelled") and a.get("ActivityId") not in known
    ]


def all_groups(autoscaling: Any) -> list[dict[str, Any]]:
    """Every Auto Scaling group of the client's Region, with its tags (discovery)."""
    found: list[dict[str, Any]] = []
    for page in autoscaling.get_paginator("describe_auto_scaling_groups").paginate():
        found += page.get("AutoScalingGroups", [])
    return found
