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
