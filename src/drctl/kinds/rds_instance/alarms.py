"""The alarm that says an rds-instance's replica has fallen behind the RPO.

RDS publishes ``ReplicaLag`` (seconds) for a read replica, in the replica's Region, under
``AWS/RDS`` with the ``DBInstanceIdentifier`` dimension (RDS User Guide, "Amazon CloudWatch
metrics for Amazon RDS"). A replica whose replication stopped publishes nothing or -1, so
missing data is breaching: an unmeasured lag is not a lag within the RPO (the RPO gate fails
closed the same way).
"""

from __future__ import annotations

from drctl.aws.alarms import AlarmSpec, alarm_name
from drctl.engine.context import RunContext
from drctl.plan.durations import format_seconds
from drctl.plan.models import RdsInstance


def alarms(res: RdsInstance, ctx: RunContext) -> list[AlarmSpec]:
    if res.recovery == "snapshot":
        return []  # nothing replicates: the snapshot's age is a check, not a metric
    rpo = ctx.objectives.rpo_seconds
    return [
        AlarmSpec(
            name=alarm_name(ctx.plan.app, res.name, "replica-lag"),
            resource=res.name,
            side="dr",
            description=f"{res.dr} lags {res.primary} by more than the RPO "
            f"({format_seconds(rpo)}), or reports no lag",
            namespace="AWS/RDS",
            metric="ReplicaLag",
            dimensions=(("DBInstanceIdentifier", res.dr),),
            statistic="Maximum",
            period=60,
            evaluation_periods=3,
            threshold=float(rpo),
            comparison="GreaterThanThreshold",
            treat_missing_data="breaching",
        )
    ]
