"""Moving the writer of an Aurora global database: managed switchover (planned) or failover with
data loss (unplanned), and back.
"""

from __future__ import annotations

from typing import Any

from drctl.aws import cloudwatch
from drctl.engine.context import RunContext
from drctl.engine.step import (
    Phase,
    Precheck,
    Step,
    StepOutcome,
    Verification,
)
from drctl.errors import AwsError
from drctl.kinds.aurora_global import api
from drctl.kinds.steps import aws_step
from drctl.plan.models import AuroraGlobal

NAME = "aurora-global"


def _global(res: AuroraGlobal, ctx: RunContext) -> dict[str, Any]:
    glob = api.describe_global(ctx.client("rds", "dr"), res.global_cluster)
    if glob is None:
        raise AwsError(f"{res.name}: global cluster {res.global_cluster} not found")
    return glob


def _lag_seconds(res: AuroraGlobal, ctx: RunContext) -> float | None:
    glob = api.describe_global(ctx.client("rds", "dr"), res.global_cluster)
    secondary = api.member_in(glob, ctx.region("dr")) if glob else None
    if secondary is None:
        return None
    ms = cloudwatch.latest_maximum(
        ctx.client("cloudwatch", "dr"),
        namespace="AWS/RDS",
        metric="AuroraGlobalDBReplicationLag",
        dimensions={"DBClusterIdentifier": secondary.rsplit(":", 1)[-1]},
        now=ctx.clock.now(),
    )
    return None if ms is None else ms / 1000.0


def failover(res: AuroraGlobal, ctx: RunContext) -> list[Step]:
    return [_move_writer(res, ctx, "dr", "switch-writer")]


def failback(res: AuroraGlobal, ctx: RunContext) -> list[Step]:
    return [_move_writer(res, ctx, "primary", "switch-writer-home")]


def _move_writer(res: AuroraGlobal, ctx: RunContext, side: str, action: str) -> Step:
    region = ctx.region(side)
    client = ctx.client("rds", side)
    planned = ctx.mode == "planned" or side == "primary"

    def precheck() -> Precheck:
        g = _global(res, ctx)
        writer = api.writer_arn(g) or "none"
        done = writer != "none" and api.region_of(writer) == region
        return Precheck(done, f"writer {writer.rsplit(':', 1)[-1]}", f"writer in {region}")

    def run() -> StepOutcome:
        g = _global(res, ctx)
        target = api.member_in(g, region)
        if target is None:
            raise AwsError(f"{res.name}: no member of {res.global_cluster} in {region}")
        if planned:
            api.switchover(client, res.global_cluster, target)
        else:
            api.failover(client, res.global_cluster, target)
        how = "switchover" if planned else "failover with data loss allowed"
        return StepOutcome(
            detail=f"{how} to {target.rsplit(':', 1)[-1]}",
            data={"previous_writer": api.writer_arn(g)},
        )

    def verify() -> Verification:
        g = _global(res, ctx)
        writer = api.writer_arn(g) or ""
        ok = bool(writer) and api.region_of(writer) == region and g.get("Status") == "available"
        return Verification(ok, f"writer {writer.rsplit(':', 1)[-1]}, {g.get('Status')}")

    op = "switchover-global-cluster" if planned else "failover-global-cluster --allow-data-loss"
    return aws_step(
        resource=res.name,
        kind=NAME,
        action=action,
        phase=Phase.DATA,
        description=f"Make the {region} member of {res.global_cluster} the writer "
        f"({'managed switchover, no data loss' if planned else 'failover, data loss allowed'})",
        cli=[
            f"aws rds {op} --global-cluster-identifier {res.global_cluster} "
            f"--target-db-cluster-identifier <arn of the {region} member> --region {region}"
        ],
        where=f"{res.name} (rds {region})",
        precheck=precheck,
        run=run,
        verify=verify,
        poll_seconds=15.0,
    )
