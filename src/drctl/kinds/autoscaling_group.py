"""``autoscaling-group``: compute in regions.dr scaled up on failover, back on failback.

Readiness: the DR group exists, can grow to ``desired`` (max size), and has
something to launch from. Failover records the group's capacity, sets min and
desired to ``desired`` and waits for that many healthy InService instances.
Failback restores the recorded capacity -- after traffic is home (notify phase),
since scaling DR down while it still serves would be an outage.
"""

from __future__ import annotations

from typing import Any

from drctl.aws import autoscaling
from drctl.engine.step import (
    Check,
    CheckResult,
    Phase,
    Precheck,
    Step,
    StepOutcome,
    Verification,
    failed,
    passed,
    warned,
)
from drctl.errors import AwsError, DrctlError
from drctl.kinds.base import KindContext, aws_step, check_maker
from drctl.kinds.registry import register
from drctl.plan.models import AutoScalingGroup

KIND = "autoscaling-group"


def _group(res: AutoScalingGroup, ctx: KindContext) -> dict[str, Any]:
    group = autoscaling.describe_group(ctx.client("autoscaling", "dr"), res.dr)
    if group is None:
        raise AwsError(f"{res.name}: group {res.dr} not found in {ctx.region('dr')}")
    return group


def _capacity(group: dict[str, Any]) -> dict[str, int]:
    return {
        "min": int(group["MinSize"]),
        "desired": int(group["DesiredCapacity"]),
        "max": int(group["MaxSize"]),
    }


@register(KIND)
class AutoScalingGroupKind:
    def checks(self, res: AutoScalingGroup, ctx: KindContext) -> list[Check]:
        region = ctx.region("dr")

        def memo() -> dict[str, Any] | None:
            return ctx.memo.get(
                ("asg", res.dr),
                lambda: autoscaling.describe_group(ctx.client("autoscaling", "dr"), res.dr),
            )

        def exists() -> CheckResult:
            group = memo()
            if group is None:
                return failed(f"group {res.dr} not found in {region}")
            cap = _capacity(group)
            return passed(
                f"{res.dr} in {region}: {autoscaling.in_service(group)} InService, "
                f"min {cap['min']} / desired {cap['desired']} / max {cap['max']}"
            )

        def room() -> CheckResult:
            group = memo()
            if group is None:
                return failed(f"group {res.dr} not found")
            top = int(group["MaxSize"])
            if top < res.desired:
                return failed(
                    f"max size {top} < {res.desired}: failover could not scale to the plan's "
                    "capacity",
                    top,
                    res.desired,
                )
            return passed(f"max size {top} >= {res.desired}", top, res.desired)

        def launch() -> CheckResult:
            group = memo()
            if group is None:
                return failed(f"group {res.dr} not found")
            source = autoscaling.launch_source(group)
            if source is None:
                return failed("no launch template, mixed instances policy or configuration")
            if not group.get("VPCZoneIdentifier") and not group.get("AvailabilityZones"):
                return warned(f"{source}, but no subnets or availability zones")
            return passed(source)

        check = check_maker(res.name, KIND, f"{res.name} (autoscaling {region})")

        return [
            check("group", "DR group exists", exists),
            check("max-size", "max size allows the failover capacity", room),
            check("launch-source", "instances can be launched", launch),
        ]

    def failover(self, res: AutoScalingGroup, ctx: KindContext) -> list[Step]:
        return [_scale_step(res, ctx, action="scale-up", phase=Phase.COMPUTE, target=None)]

    def failback(self, res: AutoScalingGroup, ctx: KindContext) -> list[Step]:
        recorded = ctx.recorded.get(f"{res.name}.scale-up", {}).get("before")
        return [_scale_step(res, ctx, action="scale-back", phase=Phase.NOTIFY, target=recorded)]


def _scale_step(
    res: AutoScalingGroup,
    ctx: KindContext,
    *,
    action: str,
    phase: Phase,
    target: dict[str, int] | None,
) -> Step:
    """Scale to ``desired`` (target None) or back to a recorded capacity."""
    region = ctx.region("dr")
    client = ctx.client("autoscaling", "dr")
    going_back = action == "scale-back"

    def wanted(group: dict[str, Any]) -> dict[str, int]:
        if not going_back:
            cap = _capacity(group)
            return {"min": res.desired, "desired": res.desired, "max": max(cap["max"], res.desired)}
        if target is None:
            raise DrctlError(
                f"{res.name}: no capacity recorded by a failover to restore {res.dr} to",
                hint="fail back with --from-run RUN_ID of the failover, or set the group by hand",
            )
        return dict(target)

    def precheck() -> Precheck:
        group = _group(res, ctx)
        want = wanted(group)
        cap = _capacity(group)
        ready = autoscaling.in_service(group)
        done = cap == want and (going_back or ready >= want["desired"])
        return Precheck(
            done,
            f"min {cap['min']} / desired {cap['desired']} / max {cap['max']}, {ready} InService",
            f"min {want['min']} / desired {want['desired']} / max {want['max']}",
        )

    def run() -> StepOutcome:
        group = _group(res, ctx)
        want = wanted(group)
        autoscaling.set_capacity(
            client, res.dr, minimum=want["min"], desired=want["desired"], maximum=want["max"]
        )
        return StepOutcome(
            detail=f"{res.dr}: desired {want['desired']}", data={"before": _capacity(group)}
        )

    def verify() -> Verification:
        group = _group(res, ctx)
        ready = autoscaling.in_service(group)
        want = wanted(group)["desired"]
        ok = ready <= want if going_back else ready >= want
        return Verification(ok, f"{ready} InService of {want} wanted")

    verb = (
        "back to the capacity recorded before the failover"
        if going_back
        else (f"to {res.desired} and wait for {res.desired} healthy InService instances")
    )
    return aws_step(
        resource=res.name,
        kind=KIND,
        action=action,
        phase=phase,
        description=f"Scale {res.dr} in {region} {verb}",
        cli=[
            f"aws autoscaling update-auto-scaling-group --auto-scaling-group-name {res.dr} "
            f"--min-size {res.desired if not going_back else '<recorded>'} --desired-capacity "
            f"{res.desired if not going_back else '<recorded>'} --region {region}"
        ],
        where=f"{res.name} (autoscaling {region})",
        precheck=precheck,
        run=run,
        verify=verify,
        poll_seconds=15.0,
    )
