"""Readiness of an Aurora global database: writer home, secondary in DR, available, encrypted, lag
within the RPO (the checks every global cluster shares, :func:`drctl.kinds.global_cluster.checks`,
on Aurora's lag metric).
"""

from __future__ import annotations

from drctl.engine.context import RunContext
from drctl.engine.gate import LagReading
from drctl.engine.step import Check, CheckResult
from drctl.kinds import global_cluster
from drctl.kinds.aurora_global import lag as lag_module
from drctl.kinds.aurora_global.lag import lag_metric
from drctl.kinds.aurora_global.switchover import FLAVOR
from drctl.kinds.steps import lag_within_rpo
from drctl.plan.models import AuroraGlobal

__all__ = ["checks", "lag", "lag_metric", "lag_seconds"]


def checks(res: AuroraGlobal, ctx: RunContext) -> list[Check]:
    rpo = ctx.objectives.rpo_seconds

    def lag_check() -> CheckResult:
        seconds, metric = lag_seconds(res, ctx)
        return lag_within_rpo(
            seconds, rpo, what=f"{metric}", missing=f"no {metric} datapoint",
        )  # fmt: skip

    return global_cluster.checks(FLAVOR, res, ctx, lag_check)


def lag_seconds(res: AuroraGlobal, ctx: RunContext) -> tuple[float | None, str]:
    """The secondary's lag (seconds, None without a recent datapoint) and the metric read."""
    return lag_module.lag_seconds(FLAVOR, res, ctx)


def lag(res: AuroraGlobal, ctx: RunContext) -> LagReading:
    return global_cluster.lag_reading(FLAVOR, res, ctx, "AWS/RDS")
