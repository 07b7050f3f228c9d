"""``ecs-service``: a service in regions.dr scaled to ``desired`` on failover.

Readiness: the cluster and the service exist and are ACTIVE, and the service's
task definition is registered. Failover records the desired count, sets it to
``desired`` and waits until the service is stable (one deployment, running =
desired -- the condition of AWS's ``services_stable`` waiter). A service with an
Application Auto Scaling target first gets its ``MinCapacity`` raised to
``desired`` (and ``MaxCapacity`` if below): otherwise a target-tracking policy
scales an idle DR service back in to its old minimum minutes after the failover.
Failback restores the recorded bounds and count after traffic is home.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
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
from drctl.kinds.ecs_service import api
from drctl.kinds.steps import aws_step
from drctl.plan.models import EcsService

NAME = "ecs-service"


def _service(res: EcsService, ctx: RunContext) -> dict[str, Any]:
    svc = api.describe_service(ctx.client("ecs", "dr"), res.cluster, res.service)
    if svc is None or svc.get("status") != "ACTIVE":
        raise AwsError(f"{res.name}: service {res.service} not active in {res.cluster}")
    return svc


def failover(res: EcsService, ctx: RunContext) -> list[Step]:
    return [_count_step(res, ctx, "scale-up", Phase.COMPUTE, res.desired, None)]


def failback(res: EcsService, ctx: RunContext) -> list[Step]:
    recorded = ctx.recorded.get(f"{res.name}.scale-up", {})
    before = recorded.get("desired_count_before")
    bounds = recorded.get("scalable_target_before")
    return [_count_step(res, ctx, "scale-back", Phase.NOTIFY, before, bounds)]


def _bounds(target: dict[str, Any] | None) -> dict[str, int] | None:
    if target is None:
        return None
    return {"min": int(target["MinCapacity"]), "max": int(target["MaxCapacity"])}


def _count_step(
    res: EcsService,
    ctx: RunContext,
    action: str,
    phase: Phase,
    count: int | None,
    restore_bounds: dict[str, int] | None,
) -> Step:
    """Scale up to ``count`` (raising the scalable target's minimum with it, so a scaling
    policy cannot scale the service back in), or back to a recorded count and bounds."""
    region = ctx.region("dr")
    client = ctx.client("ecs", "dr")
    going_back = action == "scale-back"

    def appscaling() -> Any:
        return ctx.client("application-autoscaling", "dr")

    def wanted() -> int:
        if count is None:
            raise DrctlError(
                f"{res.name}: no desired count recorded by a failover to restore",
                hint="fail back with --from-run RUN_ID of the failover, or set it by hand",
            )
        return count

    def wanted_bounds(target: dict[str, Any] | None) -> dict[str, int] | None:
        """The scalable target's bounds this step leaves: min raised to the count (never
        lowered), max raised if below; on failback, the bounds recorded before the failover."""
        now = _bounds(target)
        if now is None:
            return None
        if going_back:
            return dict(restore_bounds) if restore_bounds is not None else now
        low = max(now["min"], wanted())
        return {"min": low, "max": max(now["max"], low)}

    def target_count(bounds: dict[str, int] | None) -> int:
        # With a minimum above the plan's count, AWS would scale the service up to it anyway.
        if bounds is not None and not going_back:
            return max(wanted(), bounds["min"])
        return wanted()

    def describe_bounds(bounds: dict[str, int] | None) -> str:
        return f", scaling min {bounds['min']} / max {bounds['max']}" if bounds else ""

    def precheck() -> Precheck:
        svc = _service(res, ctx)
        target = api.scalable_target(appscaling(), res.cluster, res.service)
        bounds, want = _bounds(target), wanted_bounds(target)
        now = (
            f"desired {svc.get('desiredCount')}, running {svc.get('runningCount')}"
            f"{describe_bounds(bounds)}"
        )
        done = (
            svc.get("desiredCount") == target_count(want) and api.is_stable(svc) and bounds == want
        )
        return Precheck(done, now, f"desired {target_count(want)}, stable{describe_bounds(want)}")

    requested: list[datetime] = []  # when run() changed the count (failures before it are old)

    def run() -> StepOutcome:
        requested.append(ctx.clock.now())
        before = int(_service(res, ctx).get("desiredCount", 0))
        target = api.scalable_target(appscaling(), res.cluster, res.service)
        want = wanted_bounds(target)
        data: dict[str, Any] = {"desired_count_before": before}
        detail = ""
        if target is not None and want is not None:
            data["scalable_target_before"] = _bounds(target)
            # Bounds first: once the minimum is up, no scale-in can undo the new count.
            api.set_scalable_bounds(
                appscaling(), res.cluster, res.service, minimum=want["min"], maximum=want["max"]
            )
            old = _bounds(target)
            assert old is not None
            detail = (
                f"; scalable target min {old['min']} -> {want['min']}, "
                f"max {old['max']} -> {want['max']}"
            )
        api.set_desired_count(client, res.cluster, res.service, target_count(want))
        return StepOutcome(
            detail=f"{res.service}: desired {before} -> {target_count(want)}{detail}",
            data=data,
        )

    def verify() -> Verification:
        svc = _service(res, ctx)
        detail = (
            f"{len(svc.get('deployments', []))} deployment(s), running "
            f"{svc.get('runningCount')} of {svc.get('desiredCount')}"
        )
        ok = api.is_stable(svc)
        if not going_back:
            # A scaling policy may add tasks, never take the failover's away.
            ok = ok and int(svc.get("desiredCount", 0)) >= wanted()
        if not ok and int(svc.get("runningCount", 0)) < int(svc.get("desiredCount", 0)):
            _fail_if_tasks_cannot_start(res, ctx, svc, requested[-1] if requested else None)
        return Verification(ok, detail)

    target = str(count) if count is not None else "the recorded number of"
    resource = api.resource_id(res.cluster, res.service)
    scaling_prefix = (
        "aws application-autoscaling register-scalable-target --service-namespace ecs "
        f"--resource-id {resource} --scalable-dimension {api.SCALABLE_DIMENSION} "
    )
    if going_back and restore_bounds is not None:
        scaling_cli = (
            f"{scaling_prefix}--min-capacity {restore_bounds['min']} "
            f"--max-capacity {restore_bounds['max']} --region {region}"
            "  # only if the service has a scalable target"
        )
    elif going_back:
        scaling_cli = (
            "# no scalable target bounds recorded by the failover: the service's bounds are "
            "left as they are"
        )
    else:
        scaling_cli = (
            f"{scaling_prefix}--min-capacity {target} --region {region}"
            "  # only if the service has a scalable target"
        )
    count_cli = (
        f"aws ecs update-service --cluster {res.cluster} --service {res.service} "
        f"--desired-count {count} --region {region}"
        if count is not None
        else "# no desired count recorded by a failover of this plan: the step refuses; "
        "fail back with --from-run RUN_ID of the failover"
    )
    bounds_words = (
        "restore its Application Auto Scaling bounds, "
        if going_back
        else "raise its Application Auto Scaling minimum with it (if it has a scalable target), "
    )
    return aws_step(
        resource=res.name,
        kind=NAME,
        action=action,
        phase=phase,
        description=f"Set {res.service} in {res.cluster} ({region}) to {target} tasks, "
        f"{bounds_words}and wait until the service is stable",
        cli=[
            scaling_cli,
            count_cli,
            f"aws ecs wait services-stable --cluster {res.cluster} --services {res.service} "
            f"--region {region}",
        ],
        where=f"{res.name} (ecs {region})",
        precheck=precheck,
        run=run,
        verify=verify,
        poll_seconds=15.0,
        sfn=lambda: (
            None
            if going_back and count is None
            else _declarative(res, ctx, wanted_bounds, target_count, back=going_back)
        ),
    )


FAILED_STARTS = 3  # the deployment circuit breaker's minimum failure threshold (ECS guide)


def _fail_if_tasks_cannot_start(
    res: EcsService, ctx: RunContext, svc: dict[str, Any], since: datetime | None
) -> None:
    """Fail the step at once when the current deployment's tasks keep stopping before they
    run (``TaskFailedToStart``: an image that cannot be pulled, a secret that cannot be read):
    ECS retries for ever, ``runningCount`` never reaches the count, and waiting out the
    step's timeout would only hide the reason AWS gives."""
    deployments = svc.get("deployments", [])
    primary = next((d for d in deployments if d.get("status") == "PRIMARY"), None)
    if primary is None:
        return
    failed = api.failed_starts(
        ctx.client("ecs", "dr"), res.cluster, res.service, str(primary.get("id", ""))
    )
    if since is not None:
        failed = [t for t in failed if _at(t.get("createdAt")) >= since]
    if len(failed) < FAILED_STARTS:
        return
    reasons = Counter(str(t.get("stoppedReason") or "no reason given") for t in failed)
    reason, _ = reasons.most_common(1)[0]
    region = ctx.region("dr")
    raise AwsError(
        f"{res.name}: {len(failed)} tasks stopped before running "
        f"({svc.get('runningCount')} of {svc.get('desiredCount')} running in {region}): {reason}",
        hint=_hint(reason, region),
    )


def _at(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.min.replace(tzinfo=UTC)


def _hint(reason: str, region: str) -> str:
    if "CannotPullContainerError" in reason:
        return (
            f"the task definition's image must be pullable in {region} while the primary "
            f"Region is out: replicate it there (ECR cross-Region replication) and register "
            f"a task definition whose image is in {region}'s registry, then run the failover "
            "again"
        )
    return (
        "read the stopped tasks' reason (aws ecs describe-tasks) and the service events, fix "
        "the task definition, then run the failover again"
    )


_SERVICE = "$.Services[0]"


def _declarative(
    res: EcsService,
    ctx: RunContext,
    wanted_bounds: Any,
    target_count: Any,
    *,
    back: bool = False,
) -> SfnStep | None:
    """Raise the scalable target's bounds (when the service has one), set the count, wait
    until the service is stable (one deployment, running = desired) with at least the count.
    Bounds and count are read when exporting; the precheck looks at the service only.
    ``back`` (failback): the count and bounds the failover recorded, and a service that
    keeps exactly that count (the bounds are set first, so a restored count means restored
    bounds, as the run leaves them)."""
    if ctx.offline:
        return None
    try:
        target = api.scalable_target(
            ctx.client("application-autoscaling", "dr"), res.cluster, res.service
        )
    except Exception:
        return None
    region = ctx.region("dr")
    want = wanted_bounds(target)
    count = int(target_count(want))
    calls = []
    if target is not None and want is not None:
        calls.append(
            SdkCall(
                "applicationautoscaling",
                "registerScalableTarget",
                {
                    "ServiceNamespace": "ecs",
                    "ResourceId": api.resource_id(res.cluster, res.service),
                    "ScalableDimension": api.SCALABLE_DIMENSION,
                    "MinCapacity": want["min"],
                    "MaxCapacity": want["max"],
                },
                region,
            )
        )
    calls.append(
        SdkCall(
            "ecs",
            "updateService",
            {"Cluster": res.cluster, "Service": res.service, "DesiredCount": count},
            region,
        )
    )
    stable = all_of(
        equals("$.Deployments", 1),
        {"Variable": "$.Running", "NumericEqualsPath": "$.Desired"},
    )
    probe = Probe(
        SdkCall(
            "ecs", "describeServices", {"Cluster": res.cluster, "Services": [res.service]}, region
        ),
        all_of(equals("$.Desired", count) if back else at_least("$.Desired", count), stable),
        select={
            "Desired": f"{_SERVICE}.DesiredCount",
            "Running": f"{_SERVICE}.RunningCount",
            "Deployments": f"States.ArrayLength({_SERVICE}.Deployments)",
        },
    )
    return SfnStep(
        precheck=Probe(probe.call, all_of(equals("$.Desired", count), stable), select=probe.select),
        run=tuple(calls),
        verify=probe,
    )
