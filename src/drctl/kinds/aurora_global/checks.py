"""Readiness of an Aurora global database: writer home, secondary in DR, available, encrypted, lag
within the RPO.
"""

from __future__ import annotations

from typing import Any

from drctl.engine.context import RunContext
from drctl.engine.gate import LagReading
from drctl.engine.step import (
    Check,
    CheckResult,
    failed,
    passed,
)
from drctl.kinds.aurora_global import api
from drctl.kinds.aurora_global.switchover import NAME, _lag_seconds
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
        return lag_within_rpo(
            _lag_seconds(res, ctx), rpo, what="replication lag",
            missing="no AuroraGlobalDBReplicationLag datapoint",
        )  # fmt: skip

    check = check_maker(res.name, NAME, f"{res.name} (aurora {res.global_cluster})")

    return [
        check("global-cluster", "global cluster exists", exists),
        check("writer", "writer in the primary region", writer),
        check("secondary", "secondary cluster in the DR region", secondary),
        check("encryption", "storage encrypted", encrypted),
        check("replication-lag", "replication lag within the RPO", lag),
    ]


def lag(res: AuroraGlobal, ctx: RunContext) -> LagReading:
    seconds = _lag_seconds(res, ctx)
    return LagReading(
        res.name, NAME, seconds, "CloudWatch AWS/RDS AuroraGlobalDBReplicationLag",
        "" if seconds is not None else "no datapoint in the last 10 minutes",
    )  # fmt: skip
