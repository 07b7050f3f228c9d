"""Readiness of an Aurora global database: writer home, secondary in DR, available, encrypted, lag
within the RPO.
"""

from __future__ import annotations

from typing import Any

from drctl.aws import cloudwatch
from drctl.engine.context import RunContext
from drctl.engine.gate import LagReading
from drctl.engine.step import (
    Check,
    CheckResult,
    failed,
    passed,
)
from drctl.kinds.aurora_global import api
from drctl.kinds.aurora_global.switchover import NAME, short, switchover_problems
from drctl.kinds.steps import check_maker, lag_within_rpo
from drctl.plan.models import AuroraGlobal


def checks(res: AuroraGlobal, ctx: RunContext) -> list[Check]:
    p_region, d_region = ctx.region("primary"), ctx.region("dr")
    rpo = ctx.objectives.rpo_seconds

    def glob() -> dict[str, Any] | None:
        return ctx.memo.get(
            ("aurora", res.global_cluster),
            lambda: api.describe_global(ctx.client("rds", "dr"), res.global_cluster),
        )

    def exists() -> CheckResult:
        g = glob()
        if g is None:
            return failed(f"global cluster {res.global_cluster} not found")
        members = len(g.get("GlobalClusterMembers", []))
        return passed(f"{res.global_cluster} {g.get('Status')}, {members} members")

    def writer() -> CheckResult:
        g = glob()
        arn = api.writer_arn(g) if g else None
        if arn is None:
            return failed("no writer cluster")
        if api.region_of(arn) != p_region:
            return failed(f"the writer is in {api.region_of(arn)}, not {p_region}")
        return passed(f"writer {arn.rsplit(':', 1)[-1]} in {p_region}")

    def secondary() -> CheckResult:
        g = glob()
        arn = api.member_in(g, d_region) if g else None
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
        seconds, metric = lag_seconds(res, ctx)
        return lag_within_rpo(
            seconds, rpo, what=f"{metric}", missing=f"no {metric} datapoint",
        )  # fmt: skip

    def switchover_ready() -> CheckResult:
        g = glob()
        target = api.member_in(g, d_region) if g else None
        if g is None or target is None:
            return failed(f"no secondary cluster in {d_region} to switch over to")
        problems = switchover_problems(res, ctx, g, target)
        if problems:
            return failed("; ".join(problems))
        return passed(f"{short(target)} connected, available, same engine version")

    check = check_maker(res.name, NAME, f"{res.name} (aurora {res.global_cluster})")

    return [
        check("global-cluster", "global cluster exists", exists),
        check("writer", "writer in the primary region", writer),
        check("secondary", "secondary cluster in the DR region", secondary),
        check("encryption", "storage encrypted", encrypted),
        check("replication-lag", "replication lag within the RPO", lag),
        check(
            "switchover-ready", "a switchover to the DR member would be accepted", switchover_ready
        ),
    ]


REPLICATION_LAG = "AuroraGlobalDBReplicationLag"
RPO_LAG = "AuroraGlobalDBRPOLag"


def lag_metric(engine: str | None) -> str:
    """The metric that measures what a failover would lose, per engine.

    AWS documents ``AuroraGlobalDBRPOLag`` for Aurora PostgreSQL: the time between the last
    commit stored on the secondary and the last one on the primary, which is the data a
    failover loses (``AuroraGlobalDBReplicationLag`` there tracks storage replication, not
    commits). Aurora MySQL publishes only ``AuroraGlobalDBReplicationLag``. Source: "Monitoring
    Aurora global databases" and "Managing RPOs for Aurora PostgreSQL-based global databases"
    (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.AuroraMonitoring.Metrics.html,
    https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-disaster-recovery.html).
    """
    return RPO_LAG if str(engine or "").startswith("aurora-postgresql") else REPLICATION_LAG


def lag_seconds(res: AuroraGlobal, ctx: RunContext) -> tuple[float | None, str]:
    """The DR member's lag (seconds, None without a recent datapoint) and the metric read."""
    glob = ctx.memo.get(
        ("aurora", res.global_cluster),
        lambda: api.describe_global(ctx.client("rds", "dr"), res.global_cluster),
    )
    metric = lag_metric(glob.get("Engine") if glob else None)
    secondary = api.member_in(glob, ctx.region("dr")) if glob else None
    if secondary is None:
        return None, metric
    ms = cloudwatch.latest_maximum(
        ctx.client("cloudwatch", "dr"),
        namespace="AWS/RDS",
        metric=metric,
        dimensions={"DBClusterIdentifier": short(secondary)},
        now=ctx.clock.now(),
    )
    return (None if ms is None else ms / 1000.0), metric


def lag(res: AuroraGlobal, ctx: RunContext) -> LagReading:
    seconds, metric = lag_seconds(res, ctx)
    return LagReading(
        res.name, NAME, seconds, f"CloudWatch AWS/RDS {metric}",
        "" if seconds is not None else "no datapoint in the last 10 minutes",
    )  # fmt: skip
