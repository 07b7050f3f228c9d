"""``drctl backup``: snapshot each backup-restore database and copy it to regions.dr.

Built as steps, so it gets what failover gets: dry run, confirmation, the lock,
the journal and the live view. Run it from cron at least as often as the RPO.
"""

from __future__ import annotations

from collections.abc import Sequence

from drctl.engine.graph import StepGraph, build_graph
from drctl.engine.step import Step
from drctl.errors import UsageError
from drctl.kinds.base import KindContext
from drctl.plan.models import Plan, RdsInstance


def backup_targets(plan: Plan, only: Sequence[str] | None) -> list[RdsInstance]:
    targets = [r for r in plan.resources if isinstance(r, RdsInstance) and r.recovery == "snapshot"]
    if only:
        targets = [r for r in targets if r.name in set(only)]
    if not targets:
        raise UsageError(
            f"{plan.app} has no rds-instance with recovery: snapshot"
            + (f" among {', '.join(only)}" if only else ""),
            hint="drctl backup takes the snapshots that backup-and-restore plans restore from",
        )
    return targets


def backup_graph(plan: Plan, ctx: KindContext, only: Sequence[str] | None = None) -> StepGraph:
    from drctl.kinds.rds_backup import backup_steps

    steps: list[Step] = []
    for res in backup_targets(plan, only):
        steps.extend(backup_steps(res, ctx))
    return build_graph(steps, {})
