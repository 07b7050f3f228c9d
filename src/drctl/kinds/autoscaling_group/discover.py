"""Discovery of ``autoscaling-group``: the DR Region's group, paired with the primary's by name
(nothing in AWS links the two). The plan's ``desired`` -- what failover scales the DR group
to -- is guessed from what the primary group runs now, else from the DR group's maximum size;
both are marked as guesses. Tags come from DescribeAutoScalingGroups itself (the tagging API
is not relied on for Auto Scaling groups)."""

from __future__ import annotations

from typing import Any

from drctl.aws.discovery import tag_dict
from drctl.kinds.autoscaling_group import api
from drctl.kinds.discovery import Found, Scope, compute_draft, paired_compute
from drctl.plan.draft import DraftField

TYPES = ("AWS::AutoScaling::AutoScalingGroup",)


def _name(group: dict[str, Any]) -> str:
    return str(group["AutoScalingGroupName"])


def _in_scope(scope: Scope, region: str, group: dict[str, Any]) -> bool:
    tags = tag_dict(group.get("Tags", []))
    return scope.wanted(region, types=TYPES, ids=(_name(group),), tags=tags)


def discover(scope: Scope) -> Found:
    found = Found()
    if scope.dr is None:
        return found  # compute says nothing about where data replicates
    dr = scope.dr
    pairs = paired_compute(
        scope,
        found,
        api.all_groups(scope.client("autoscaling", scope.primary)),
        api.all_groups(scope.client("autoscaling", dr)),
        name=_name,
        in_scope=_in_scope,
        what="Auto Scaling group",
        paired_by="name",
    )
    for pair in pairs:
        d = pair.dr
        found.resources.append(
            compute_draft(
                scope,
                pair,
                kind="autoscaling-group",
                name=_name,
                what="Auto Scaling group",
                running="DesiredCapacity",
                alone=(
                    int(d.get("MaxSize", 0)),
                    f"the DR group's maximum size (no group in {scope.primary} pairs)",
                ),
                plan_name=_name(d),
                fields=(DraftField("dr", _name(d), f"group in {dr}"),),
            )
        )
    return found
