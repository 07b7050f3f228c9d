"""``ecs-service``: a service in regions.dr scaled to ``desired`` on failover.

Readiness: the cluster and the service exist and are ACTIVE, and the service's
task definition is registered. Failover records the desired count, sets it to
``desired`` and waits until the service is stable (one deployment, running =
desired -- the condition of AWS's ``services_stable`` waiter). Failback restores
the recorded count after traffic is home.
"""

from __future__ import annotations

from typing import Any

from drctl.engine.context import RunContext
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
    return [_count_step(res, ctx, "scale-up", Phase.COMPUTE, res.desired)]


def failback(res: EcsService, ctx: RunContext) -> list[Step]:
    before = ctx.recorded.get(f"{res.name}.scale-up", {}).get("desired_count_before")
    return [_count_step(res, ctx, "scale-back", Phase.NOTIFY, before)]


def _count_step(
    res: EcsService, ctx: RunContext, action: str, phase: Phase, count: int | None
) -> Step:
    region = ctx.region("dr")
    client = ctx.client("ecs", "dr")

    def wanted() -> int:
        if count is None:
            raise DrctlError(
                f"{res.name}: no desired count recorded by a failover to restore",
                hint="fail back with --from-run RUN_ID of the failover, or set it by hand",
            )
        return count

    def precheck() -> Precheck:
        svc = _service(res, ctx)
        now = f"desired {svc.get('desiredCount')}, running {svc.get('runningCount')}"
        done = svc.get("desiredCount") == wanted() and api.is_stable(svc)
        return Precheck(done, now, f"desired {wanted()}, stable")

    def run() -> StepOutcome:
        before = int(_service(res, ctx).get("desiredCount", 0))
        api.set_desired_count(client, res.cluster, res.service, wanted())
        return StepOutcome(
            detail=f"{res.service}: desired {before} -> {wanted()}",
            data={"desired_count_before": before},
        )

    def verify() -> Verification:
        svc = _service(res, ctx)
        detail = (
            f"{len(svc.get('deployments', []))} deployment(s), running "
            f"{svc.get('runningCount')} of {svc.get('desiredCount')}"
        )
        return Verification(api.is_stable(svc), detail)

    target = str(count) if count is not None else "<recorded>"
    return aws_step(
        resource=res.name,
        kind=NAME,
        action=action,
        phase=phase,
        description=f"Set {res.service} in {res.cluster} ({region}) to {target} tasks and wait "
        "until the service is stable",
        cli=[
            f"aws ecs update-service --cluster {res.cluster} --service {res.service} "
            f"--desired-count {target} --region {region}",
            f"aws ecs wait services-stable --cluster {res.cluster} --services {res.service} "
            f"--region {region}",
        ],
        where=f"{res.name} (ecs {region})",
        precheck=precheck,
        run=run,
        verify=verify,
        poll_seconds=15.0,
    )
