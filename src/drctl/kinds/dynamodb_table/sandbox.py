"""Sandbox: a 2019.11.21 global table (primary + DR replica), PITR on in both regions,
and a ReplicationLatency datapoint well inside the RPO."""

from __future__ import annotations

from drctl.aws.cloudwatch import put_metric
from drctl.kinds.sandboxing import SandboxBuild
from drctl.plan.models import DynamoDbTable

LATENCY_MS = 800.0


def build(b: SandboxBuild, res: DynamoDbTable) -> None:
    primary = b.client("dynamodb", "primary")
    primary.create_table(
        TableName=res.table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    primary.update_table(
        TableName=res.table, ReplicaUpdates=[{"Create": {"RegionName": b.region("dr")}}]
    )
    for side in ("primary", "dr"):
        b.client("dynamodb", side).update_continuous_backups(
            TableName=res.table,
            PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
        )
    put_metric(
        b.client("cloudwatch", "primary"),
        namespace="AWS/DynamoDB",
        metric="ReplicationLatency",
        dimensions={"TableName": res.table, "ReceivingRegion": b.region("dr")},
        value=LATENCY_MS,
        unit="Milliseconds",
        at=b.clock.now(),
    )
