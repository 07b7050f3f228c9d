"""``dynamodb-table`` by hand: the readiness checks and step verifications as AWS CLI commands."""

from __future__ import annotations

from drctl.engine.context import RunContext
from drctl.kinds.handbook import HandCheck, metric_cli
from drctl.plan.models import DynamoDbTable


def _status(res: DynamoDbTable, region: str) -> HandCheck:
    return HandCheck(
        f"{res.table} ACTIVE in {region}",
        f"aws dynamodb describe-table --table-name {res.table} --query Table.TableStatus "
        f"--region {region}",
        '`"ACTIVE"`',
        ("dr-table",),
    )


def _pitr(res: DynamoDbTable, region: str) -> HandCheck:
    return HandCheck(
        f"point-in-time recovery in {region}",
        f"aws dynamodb describe-continuous-backups --table-name {res.table} --query "
        "ContinuousBackupsDescription.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus "
        f"--region {region}",
        '`"ENABLED"`',
        ("pitr",),
    )


def prechecks(res: DynamoDbTable, ctx: RunContext) -> list[HandCheck]:
    p, d = ctx.region("primary"), ctx.region("dr")
    return [
        HandCheck(
            f"global table {res.table} and its replica in {d}",
            f"aws dynamodb describe-table --table-name {res.table} --query "
            f"\"Table.[GlobalTableVersion,Replicas[?RegionName=='{d}'].ReplicaStatus]\" "
            f"--region {p}",
            f'`"2019.11.21"` and `["ACTIVE"]` (no replica, or REGION_DISABLED: writes do not '
            f"reach {d})",
            ("global-table",),
        ),
        _status(res, d),
        _pitr(res, p),
        _pitr(res, d),
        HandCheck(
            f"replication latency {p} -> {d}",
            metric_cli(
                "AWS/DynamoDB",
                "ReplicationLatency",
                {"TableName": res.table, "ReceivingRegion": d},
                "Average",
                p,
            ),
            f"milliseconds at most {ctx.objectives.rpo_seconds * 1000} (the RPO)",
            ("replication-latency",),
        ),
    ]


def _probe(res: DynamoDbTable, region: str) -> list[HandCheck]:
    return [
        _status(res, region),
        HandCheck(
            f"{res.table} takes writes in {region}",
            f"aws dynamodb put-item --table-name {res.table} --item "
            "'<an item whose key is drctl-probe#<date>>' --return-consumed-capacity TOTAL "
            f"--region {region}",
            "the consumed capacity, no error; then delete the item with `aws dynamodb "
            "delete-item` and the same key",
        ),
    ]


def verifications(res: DynamoDbTable, ctx: RunContext, action: str) -> dict[str, list[HandCheck]]:
    p, d = ctx.region("primary"), ctx.region("dr")
    if action == "failover":
        return {"probe-dr": _probe(res, d)}
    return {
        "await-home-replica": [
            HandCheck(
                f"the replica in {p} is back",
                f"aws dynamodb describe-table --table-name {res.table} --query "
                f"\"Table.Replicas[?RegionName=='{p}'].ReplicaStatus\" --region {d}",
                '`["ACTIVE"]`',
            )
        ],
        "probe-home": _probe(res, p),
    }
