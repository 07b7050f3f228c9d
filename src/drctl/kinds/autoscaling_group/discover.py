"""Discovery of ``autoscaling-group``: the DR Region's group, paired with the primary's by name
(nothing in AWS links the two). The plan's ``desired`` -- what failover scales the DR group
to -- is guessed from what the primary group runs now, else from the DR group's maximum size;
both are marked as guesses. Tags come from DescribeAutoScalingGroups itself (the tagging API
is not relied on for Auto Scaling groups)."""

from __future__ import annotations

from typing import Any

from drctl.aws.discovery import tag_dict
from drctl.kinds.autoscaling_group import api
from drctl.kinds.discovery import Compute, Scope
from drctl.plan.draft import DraftField

TYPES = ("AWS::AutoScaling::AutoScalingGroup",)


def _name(group: dict[str, Any]) -> str:
    return str(group["AutoScalingGroupName"])


def _in_scope(scope: Scope, region: str, group: dict[str, Any]) -> bool:
    tags = tag_dict(group.get("Tags", []))
    return scope.wanted(region, types=TYPES, ids=(_name(group),), tags=tags)


def _alone(scope: Scope, group: dict[str, Any]) -> tuple[int, str]:
    why = f"the DR group's maximum size (no group in {scope.primary} pairs)"
    return int(group.get("MaxSize", 0)), why


def _entry(scope: Scope, group: dict[str, Any]) -> tuple[str, tuple[DraftField, ...]]:
    return _name(group), (DraftField("dr", _name(group), f"group in {scope.dr}"),)


COMPUTE = Compute(
    kind="autoscaling-group",
    what="Auto Scaling group",
    paired_by="name",
    service="autoscaling",
    list_all=api.all_groups,
    name=_name,
    in_scope=_in_scope,
    running="DesiredCapacity",
    alone=_alone,
    entry=_entry,
)
discover = COMPUTE.discover
