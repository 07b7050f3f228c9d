"""The alarm that says a DynamoDB global table's writes reach regions.dr later than the RPO.

DynamoDB publishes ``ReplicationLatency`` (milliseconds) in the Region that sends the
writes, under ``AWS/DynamoDB`` with ``TableName`` and ``ReceivingRegion`` (DynamoDB
Developer Guide, "DynamoDB Metrics and dimensions"). The metric exists only while writes
replicate; an idle table publishes nothing, so missing data is ``notBreaching`` here (the
readiness check warns when there is no datapoint, and the replica's status is its own check).
"""

from __future__ import annotations

from drctl.aws.alarms import AlarmSpec, alarm_name
from drctl.engine.context import RunContext
from drctl.plan.durations import format_seconds
from drctl.plan.models import DynamoDbTable


def alarms(res: DynamoDbTable, ctx: RunContext) -> list[AlarmSpec]:
    rpo = ctx.objectives.rpo_seconds
    dr = ctx.region("dr")
    return [
        AlarmSpec(
            name=alarm_name(ctx.plan.app, res.name, "replication-latency"),
            resource=res.name,
            side="primary",
            description=f"writes to {res.table} reach {dr} later than the RPO "
            f"({format_seconds(rpo)})",
            namespace="AWS/DynamoDB",
            metric="ReplicationLatency",
            dimensions=(("ReceivingRegion", dr), ("TableName", res.table)),
            statistic="Maximum",
            period=60,
            evaluation_periods=3,
            threshold=float(rpo * 1000),
            comparison="GreaterThanThreshold",
            treat_missing_data="notBreaching",
        )
    ]
