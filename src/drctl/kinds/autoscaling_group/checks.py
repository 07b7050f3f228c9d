"""Readiness of a DR Auto Scaling group: it exists, may grow to the plan's capacity, and has
something to launch from.
"""

from __future__ import annotations

from typing import Any

from drctl.engine.context import RunContext
from drctl.engine.step import (
    Check,
    CheckResult,
    failed,
    passed,
    warned,
)
from drctl.kinds.autoscaling_group import api
from drctl.kinds.autoscaling_group.scaling import NAME, _capacity, launch_blockers
from drctl.kinds.steps import check_maker
from drctl.plan.models import AutoScalingGroup


def checks(res: AutoScalingGroup, ctx: RunContext) -> list[Check]:
    region = ctx.region("dr")

    def memo() -> dict[str, Any] | None:
        return ctx.memo.get(
            ("asg", res.dr),
            lambda: api.describe_group(ctx.client("autoscaling", "dr"), res.dr),
        )

    def exists() -> CheckResult:
        group = memo()
        if group is None:
            return failed(f"group {res.dr} not found in {region}")
        cap = _capacity(group)
        return passed(
            f"{res.dr} in {region}: {api.in_service(group)} InService, "
            f"min {cap['min']} / desired {cap['desired']} / max {cap['max']}"
        )

    def room() -> CheckResult:
        group = memo()
        if group is None:
            return failed(f"group {res.dr} not found")
        top = int(group["MaxSize"])
        if top < res.desired:
            return failed(
                f"max size {top} < {res.desired}: failover could not scale to the plan's capacity",
                top,
                res.desired,
            )
        return passed(f"max size {top} >= {res.desired}", top, res.desired)

    def launch() -> CheckResult:
        group = memo()
        if group is None:
            return failed(f"group {res.dr} not found")
        source = api.launch_source(group)
        if source is None:
            return failed("no launch template, mixed instances policy or configuration")
        if not group.get("VPCZoneIdentifier") and not group.get("AvailabilityZones"):
            return warned(f"{source}, but no subnets or availability zones")
        return passed(source)

    def can_launch() -> CheckResult:
        group = memo()
        if group is None:
            return failed(f"group {res.dr} not found")
        problems = launch_blockers(res, ctx, group)
        if problems:
            return failed("; ".join(problems))
        # The group's last word on launching: a capacity error or an abandoned launch is not
        # visible in its configuration, only in its newest scaling activity.
        recent = api.activities(ctx.client("autoscaling", "dr"), res.dr)
        if recent and recent[0].get("StatusCode") in ("Failed", "Cancelled"):
            last = recent[0]
            return warned(
                f"the last scaling activity of {res.dr} is {last.get('StatusCode')}: "
                f"{last.get('StatusMessage') or last.get('Description', '')}"
            )
        return passed(f"no suspended Launch process; the launch image exists in {region}")

    check = check_maker(res.name, NAME, f"{res.name} (autoscaling {region})")

    return [
        check("group", "DR group exists", exists),
        check("max-size", "max size allows the failover capacity", room),
        check("launch-source", "instances can be launched", launch),
        check("launch-ready", "nothing stops a scale-up from launching", can_launch),
    ]
