"""``aurora-global``: an Aurora global database whose writer moves to regions.dr.

Readiness: the global cluster exists, its writer is in regions.primary, a
secondary cluster is in regions.dr, storage is encrypted, and the replication
lag (CloudWatch ``AuroraGlobalDBReplicationLag``) is within the RPO. Failover:
planned mode is the managed switchover (no data loss, the service fences the
old writer); unplanned mode is a failover with ``AllowDataLoss``. Failback is a
switchover back to the member in regions.primary.
"""

from __future__ import annotations

from typing import Any

from drctl.aws import aurora, cloudwatch
from drctl.engine.gate import LagReading
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
)
from drctl.errors import AwsError
from drctl.kinds.base import KindContext, aws_step, check_maker, lag_within_rpo
from drctl.kinds.registry import register
from drctl.plan.models import AuroraGlobal

KIND = "aurora-global"


def _global(res: AuroraGlobal, ctx: KindContext) -> dict[str, Any]:
    glob = aurora.describe_global(ctx.client("rds", "dr"), res.global_cluster)
    if glob is None:
        raise AwsError(f"{res.name}: global cluster {res.global_cluster} not found")
    return glob


def _lag_seconds(res: AuroraGlobal, ctx: KindContext) -> float | None:
    glob = aurora.describe_global(ctx.client("rds", "dr"), res.global_cluster)
    secondary = aurora.member_in(glob, ctx.region("dr")) if glob else None
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


@register(KIND)
class AuroraGlobalKind:
    def checks(self, res: AuroraGlobal, ctx: KindContext) -> list[Check]:
        p_region, d_region = ctx.region("primary"), ctx.region("dr")
        rpo = ctx.objectives.rpo_seconds

        def glob() -> dict[str, Any] | None:
            return ctx.memo.get(
                ("aurora", res.global_cluster),
                lambda: aurora.describe_global(ctx.client("rds", "dr"), res.global_cluster),
            )

        def exists() -> CheckResult:
            g = glob()
            if g is None:
                return failed(f"global cluster {res.global_cluster} not found")
            members = len(g.get("GlobalClusterMembers", []))
            return passed(f"{res.global_cluster} {g.get('Status')}, {members} members")

        def writer() -> CheckResult:
            g = glob()
            arn = aurora.writer_arn(g) if g else None
            if arn is None:
                return failed("no writer cluster")
            if aurora.region_of(arn) != p_region:
                return failed(f"the writer is in {aurora.region_of(arn)}, not {p_region}")
            return passed(f"writer {arn.rsplit(':', 1)[-1]} in {p_region}")

        def secondary() -> CheckResult:
            g = glob()
            arn = aurora.member_in(g, d_region) if g else None
            if arn is None:
                return failed(f"no secondary cluster in {d_region}")
            return passed(f"secondary {arn.rsplit(':', 1)[-1]} in {d_region}")

        def encrypted() -> CheckResult:
            g = glob()
            if g is None:
                return failed("global cluster not found")
            return (
                passed("storage encrypted")
                if g.get("StorageEncrypted")
                else failed("storage not encrypted")
            )

        def lag() -> CheckResult:
            return lag_within_rpo(
                _lag_seconds(res, ctx), rpo, what="replication lag",
                missing="no AuroraGlobalDBReplicationLag datapoint",
            )  # fmt: skip

        check = check_maker(res.name, KIND, f"{res.name} (aurora {res.global_cluster})")

        return [
            check("global-cluster", "global cluster exists", exists),
            check("writer", "writer in the primary region", writer),
            check("secondary", "secondary cluster in the DR region", secondary),
            check("encryption", "storage encrypted", encrypted),
            check("replication-lag", "replication lag within the RPO", lag),
        ]

    def failover(self, res: AuroraGlobal, ctx: KindContext) -> list[Step]:
        return [_move_writer(res, ctx, "dr", "switch-writer")]

    def failback(self, res: AuroraGlobal, ctx: KindContext) -> list[Step]:
        return [_move_writer(res, ctx, "primary", "switch-writer-home")]

    def lag(self, res: AuroraGlobal, ctx: KindContext) -> LagReading:
        seconds = _lag_seconds(res, ctx)
        return LagReading(
            res.name, KIND, seconds, "CloudWatch AWS/RDS AuroraGlobalDBReplicationLag",
            "" if seconds is not None else "no datapoint in the last 10 minutes",
        )  # fmt: skip


def _move_writer(res: AuroraGlobal, ctx: KindContext, side: str, action: str) -> Step:
    region = ctx.region(side)
    client = ctx.client("rds", side)
    planned = ctx.mode == "planned" or side == "primary"

    def precheck() -> Precheck:
        g = _global(res, ctx)
        writer = aurora.writer_arn(g) or "none"
        done = writer != "none" and aurora.region_of(writer) == region
        return Precheck(done, f"writer {writer.rsplit(':', 1)[-1]}", f"writer in {region}")

    def run() -> StepOutcome:
        g = _global(res, ctx)
        target = aurora.member_in(g, region)
        if target is None:
            raise AwsError(f"{res.name}: no member of {res.global_cluster} in {region}")
        if planned:
            aurora.switchover(client, res.global_cluster, target)
        else:
            aurora.failover(client, res.global_cluster, target)
        how = "switchover" if planned else "failover with data loss allowed"
        return StepOutcome(
            detail=f"{how} to {target.rsplit(':', 1)[-1]}",
            data={"previous_writer": aurora.writer_arn(g)},
        )

    def verify() -> Verification:
        g = _global(res, ctx)
        writer = aurora.writer_arn(g) or ""
        ok = bool(writer) and aurora.region_of(writer) == region and g.get("Status") == "available"
        return Verification(ok, f"writer {writer.rsplit(':', 1)[-1]}, {g.get('Status')}")

    op = "switchover-global-cluster" if planned else "failover-global-cluster --allow-data-loss"
    return aws_step(
        resource=res.name,
        kind=KIND,
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
