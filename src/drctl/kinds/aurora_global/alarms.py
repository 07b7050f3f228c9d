"""The alarm that says an Aurora global database's DR member has fallen behind the RPO.

Aurora publishes the global database's lag for the secondary cluster, in the secondary's
Region, under ``AWS/RDS`` with ``DBClusterIdentifier`` and in milliseconds:
``AuroraGlobalDBRPOLag`` for Aurora PostgreSQL, ``AuroraGlobalDBReplicationLag`` for Aurora
MySQL (see :func:`drctl.kinds.aurora_global.checks.lag_metric`). Missing data is breaching:
a secondary that stopped replicating stops reporting.
"""

from __future__ import annotations

from drctl.aws.alarms import AlarmSpec, alarm_name
from drctl.engine.context import RunContext
from drctl.kinds.aurora_global import api
from drctl.kinds.aurora_global.checks import lag_metric
from drctl.kinds.aurora_global.switchover import FLAVOR, short
from drctl.kinds.global_cluster import describe
from drctl.plan.durations import format_seconds
from drctl.plan.models import AuroraGlobal


def alarms(res: AuroraGlobal, ctx: RunContext) -> list[AlarmSpec]:
    glob = describe(FLAVOR, res, ctx)
    secondary = api.member_in(glob, ctx.region("dr")) if glob else None
    if glob is None or secondary is None:
        return []  # nothing to watch yet: the readiness checks fail on it
    rpo = ctx.objectives.rpo_seconds
    metric = lag_metric(glob.get("Engine"))
    return [
        AlarmSpec(
            name=alarm_name(ctx.plan.app, res.name, "replication-lag"),
            resource=res.name,
            side="dr",
            description=f"{short(secondary)} lags the writer of {res.global_cluster} by "
            f"more than the RPO ({format_seconds(rpo)}), or reports no lag",
            namespace="AWS/RDS",
            metric=metric,
            dimensions=(("DBClusterIdentifier", short(secondary)),),
            statistic="Maximum",
            period=60,
            evaluation_periods=3,
            threshold=float(rpo * 1000),
            comparison="GreaterThanThreshold",
            treat_missing_data="breaching",
        )
    ]
