"""``autoscaling-group``: compute in regions.dr scaled up on failover, back on failback.

Readiness: the DR group exists, can grow to ``desired`` (max size), and has
something to launch from. Failover records the group's capacity, sets min and
desired to ``desired`` and waits for that many healthy InService instances.
Failback restores the recorded capacity -- after traffic is home (notify phase),
since scaling DR down while it still serves would be an outage.
"""

from __future__ import annotations

from typing import Any

from drctl.engine.context import RunContext
from drctl.engine.declarative import Probe, SdkCall, SfnStep, all_of, at_least, equals
from drctl.engine.step import (
    Phase,
    Precheck,
    Step,
    StepOutcome,
    Verification,
)
from drctl.errors import AwsError, DrctlError
from drctl.kinds.autoscaling_group import api
from drctl.kinds.steps import aws_step
from drctl.plan.models import AutoScalingGroup

NAME = "autoscaling-group"


def _group(res: AutoScalingGroup, ctx: RunContext) -> dict[str, Any]:
    group = api.describe_group(ctx.client("autoscaling", "dr"), res.dr)
    if group is None:
        raise AwsError(f"{res.name}: group {res.dr} not found in {ctx.region('dr')}")
    return group


def _capacity(group: dict[str, Any]) -> dict[str, int]:
    return {
        "min": int(group["MinSize"]),
        "desired": int(group["DesiredCapacity"]),
        "max": int(group["MaxSize"]),
    }


def launch_blockers(res: AutoScalingGroup, ctx: RunContext, group: dict[str, Any]) -> list[str]:
    """What stops this group from launching instances in the DR Region, in words: suspended
    processes and a launch template whose image the Region does not have. A scale-up that
    ignored them would wait out its timeout while AWS launches nothing."""
    problems = []
    suspended = api.suspended_processes(group)
    if suspended:
        problems.append(
            f"{res.dr} has suspended processes {', '.join(suspended)}: it launches nothing "
            f"(aws autoscaling resume-processes --auto-scaling-group-name {res.dr} "
            f"--scaling-processes {' '.join(suspended)})"
        )
    ec2 = ctx.client("ec2", "dr")
    source = api.template_image(ec2, group)
    if source is not None and not api.image_exists(ec2, source[1]):
        problems.append(
            f"launch template {source[0]} names image {source[1]}, which does not exist in "
            f"{ctx.region('dr')} (AMIs are regional: copy it there, or point the template at "
            "the DR copy)"
        )
    return problems


def failover(res: AutoScalingGroup, ctx: RunContext) -> list[Step]:
    return [_scale_step(res, ctx, action="scale-up", phase=Phase.COMPUTE, target=None)]


def failback(res: AutoScalingGroup, ctx: RunContext) -> list[Step]:
    recorded = ctx.recorded.get(f"{res.name}.scale-up", {}).get("before")
    return [_scale_step(res, ctx, action="scale-back", phase=Phase.NOTIFY, target=recorded)]


def _scale_step(
    res: AutoScalingGroup,
    ctx: RunContext,
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
        ready = api.in_service(group)
        done = cap == want and (going_back or ready >= want["desired"])
        return Precheck(
            done,
            f"min {cap['min']} / desired {cap['desired']} / max {cap['max']}, {ready} InService",
            f"min {want['min']} / desired {want['desired']} / max {want['max']}",
        )

    # Activities already reported before this step's request: only newer ones are its own.
    known: set[str] = set()

    def run() -> StepOutcome:
        group = _group(res, ctx)
        want = wanted(group)
        if not going_back:
            problems = launch_blockers(res, ctx, group)
            if problems:
                raise AwsError(f"{res.name}: cannot scale up: {'; '.join(problems)}")
            known.update(str(a.get("ActivityId")) for a in api.activities(client, res.dr))
        api.set_capacity(
            client, res.dr, minimum=want["min"], desired=want["desired"], maximum=want["max"]
        )
        return StepOutcome(
            detail=f"{res.dr}: desired {want['desired']}", data={"before": _capacity(group)}
        )

    def verify() -> Verification:
        group = _group(res, ctx)
        ready = api.in_service(group)
        want = wanted(group)["desired"]
        ok = ready <= want if going_back else ready >= want
        if not ok and not going_back:
            # AWS reports why it launches nothing as failed scaling activities: say so now
            # instead of waiting out the timeout.
            failed = api.failed_activities(client, res.dr, frozenset(known))
            if failed:
                newest = failed[0]
                raise AwsError(
                    f"{res.name}: {res.dr} scaling activity {newest.get('StatusCode')}: "
                    f"{newest.get('StatusMessage') or newest.get('Description', '')} "
                    f"({ready} InService of {want} wanted; aws autoscaling "
                    f"describe-scaling-activities --auto-scaling-group-name {res.dr} "
                    f"--region {region})"
                )
        return Verification(ok, f"{ready} InService of {want} wanted")

    verb = (
        "back to the capacity recorded before the failover"
        if going_back
        else (f"to {res.desired} and wait for {res.desired} healthy InService instances")
    )
    return aws_step(
        resource=res.name,
        kind=NAME,
        action=action,
        phase=phase,
        description=f"Scale {res.dr} in {region} {verb}",
        cli=[_scale_cli(res, region, going_back, target)],
        where=f"{res.name} (autoscaling {region})",
        precheck=precheck,
        run=run,
        verify=verify,
        poll_seconds=15.0,
        sfn=(lambda: _declarative_back(res, ctx, target))
        if going_back
        else (lambda: _declarative(res, ctx)),
    )


_GROUP = "$.AutoScalingGroups[0]"


def _declarative(res: AutoScalingGroup, ctx: RunContext) -> SfnStep | None:
    """Set min and desired (max only when it is below), wait for ``desired`` InService
    instances and none unhealthy -- a Choice cannot count, so the describe selects the
    counts (a JSONPath filter). The launch blockers the CLI reports before scaling show here
    as the timeout. None offline: whether max must grow is read when exporting."""
    if ctx.offline:
        return None
    try:
        group = _group(res, ctx)
    except Exception:
        return None
    region = ctx.region("dr")
    sizes: dict[str, object] = {"MinSize": res.desired, "DesiredCapacity": res.desired}
    if int(group["MaxSize"]) < res.desired:
        sizes["MaxSize"] = res.desired
    probe = Probe(
        SdkCall(
            "autoscaling", "describeAutoScalingGroups", {"AutoScalingGroupNames": [res.dr]}, region
        ),
        all_of(
            equals("$.MinSize", res.desired),
            equals("$.DesiredCapacity", res.desired),
            at_least("$.InService", res.desired),
            equals("$.Unhealthy", 0),
        ),
        select={
            "MinSize": f"{_GROUP}.MinSize",
            "DesiredCapacity": f"{_GROUP}.DesiredCapacity",
            "InService": f"States.ArrayLength({_GROUP}.Instances[?(@.LifecycleState == "
            "'InService')])",
            "Unhealthy": f"States.ArrayLength({_GROUP}.Instances[?(@.HealthStatus == "
            "'Unhealthy')])",
        },
    )
    return SfnStep(
        precheck=probe,
        run=(
            SdkCall(
                "autoscaling",
                "updateAutoScalingGroup",
                {"AutoScalingGroupName": res.dr, **sizes},
                region,
            ),
        ),
        verify=probe,
    )


def _declarative_back(
    res: AutoScalingGroup, ctx: RunContext, target: dict[str, int] | None
) -> SfnStep | None:
    """Set min, desired and max back to what the failover recorded, wait until no more than
    ``desired`` instances are InService. None without a recorded capacity (the CLI refuses
    such a step too): the numbers come from the failover's journal when exporting."""
    if target is None:
        return None
    region = ctx.region("dr")
    call = SdkCall(
        "autoscaling", "describeAutoScalingGroups", {"AutoScalingGroupNames": [res.dr]}, region
    )
    select = {
        "MinSize": f"{_GROUP}.MinSize",
        "DesiredCapacity": f"{_GROUP}.DesiredCapacity",
        "MaxSize": f"{_GROUP}.MaxSize",
        "InService": f"States.ArrayLength({_GROUP}.Instances[?(@.LifecycleState == 'InService')])",
    }
    sized = all_of(
        equals("$.MinSize", target["min"]),
        equals("$.DesiredCapacity", target["desired"]),
        equals("$.MaxSize", target["max"]),
    )
    fewer = {"Variable": "$.InService", "NumericLessThanEquals": target["desired"]}
    return SfnStep(
        precheck=Probe(call, sized, select=select),
        run=(
            SdkCall(
                "autoscaling",
                "updateAutoScalingGroup",
                {
                    "AutoScalingGroupName": res.dr,
                    "MinSize": target["min"],
                    "DesiredCapacity": target["desired"],
                    "MaxSize": target["max"],
                },
                region,
            ),
        ),
        verify=Probe(call, all_of(sized, fewer), select=select),
    )


def _scale_cli(
    res: AutoScalingGroup, region: str, going_back: bool, target: dict[str, int] | None
) -> str:
    """The command with the numbers it will use; without a recorded capacity, words."""
    if not going_back:
        return (
            f"aws autoscaling update-auto-scaling-group --auto-scaling-group-name {res.dr} "
            f"--min-size {res.desired} --desired-capacity {res.desired} --region {region}"
        )
    if target is None:
        return (
            "# no capacity recorded by a failover of this plan: the step refuses; fail back "
            "with --from-run RUN_ID of the failover"
        )
    return (
        f"aws autoscaling update-auto-scaling-group --auto-scaling-group-name {res.dr} "
        f"--min-size {target['min']} --desired-capacity {target['desired']} "
        f"--max-size {target['max']} --region {region}"
    )
