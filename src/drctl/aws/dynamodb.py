"""DynamoDB: global-table membership, point-in-time recovery, writability probes."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from drctl.aws.errors import is_not_found


def describe_table(dynamodb: Any, table: str) -> dict[str, Any] | None:
    try:
        return dict(dynamodb.describe_table(TableName=table)["Table"])
    except ClientError as exc:
        if is_not_found(exc, "ResourceNotFoundException"):
            return None
        raise


def replica_status(table: dict[str, Any], region: str) -> str | None:
    for replica in table.get("Replicas", []):
        if replica.get("RegionName") == region:
            return str(replica.get("ReplicaStatus"))
    return None


def pitr_status(dynamodb: Any, table: str) -> str:
    """ENABLED / DISABLED, or "" when the table is not there."""
    try:
        desc = dynamodb.describe_continuous_backups(TableName=table)["ContinuousBackupsDescription"]
    except ClientError as exc:
        if is_not_found(exc, "TableNotFoundException", "ResourceNotFoundException"):
            return ""
        raise
    return str(desc.get("PointInTimeRecoveryDescription", {}).get("PointInTimeRecoveryStatus", ""))
