"""Sandbox: a 2019.11.21 global table (primary + DR replica), PITR on in both regions,
and a ReplicationLatency datapoint well inside the RPO.

The table carries the tag ``drctl-sandbox-established: true``: it stands for a global table
set up long before the sandbox's clock started, so its DR replica is ACTIVE at once instead of
CREATING for minutes (``moto_replicas``). The latency datapoint stands for the writes such a
table has replicated before; it is the extension's own replication delay.
"""

from __future__ import annotations

from drctl.aws.cloudwatch import put_metric
from drctl.kinds.dynamodb_table.moto_replicas import DEFAULT_DELAY_SECONDS, ESTABLISHED_TAG
from drctl.kinds.sandboxing import SandboxBuild
from drctl.plan.models import DynamoDbTable

LATENCY_MS = DEFAULT_DELAY_SECONDS * 1000.0


def build(b: SandboxBuild, res: DynamoDbTable) -> None:
    primary = b.client("dynamodb", "primary")
    primary.create_table(
        TableName=res.table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        Tags=[{"Key": ESTABLISHED_TAG, "Value": "true"}, *b.tag_list()],
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
