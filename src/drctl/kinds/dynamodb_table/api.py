"""Every DynamoDB call of the dynamodb-table kind: global-table membership, point-in-time
recovery, writability probes and the replication-drill canary."""

from __future__ import annotations

import zlib
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


# ------------------------------------------------------------------ replication drill canary

CANARY_MARK = "drctl-canary#"


def canary_key_schema(dynamodb: Any, table: str) -> list[tuple[str, str]]:
    """[(attribute name, type S|N|B)] of the table's key, hash first."""
    desc = dynamodb.describe_table(TableName=table)["Table"]
    types = {a["AttributeName"]: a["AttributeType"] for a in desc["AttributeDefinitions"]}
    ordered = sorted(desc["KeySchema"], key=lambda k: 0 if k["KeyType"] == "HASH" else 1)
    return [(k["AttributeName"], types[k["AttributeName"]]) for k in ordered]


def canary_key(schema: list[tuple[str, str]], run_id: str) -> dict[str, Any]:
    """A key no application writes: marked strings, or a number derived from the run."""
    key: dict[str, Any] = {}
    for name, kind in schema:
        if kind == "S":
            key[name] = {"S": f"{CANARY_MARK}{run_id}"}
        elif kind == "N":
            key[name] = {"N": str(-zlib.crc32(run_id.encode()) - 1)}  # negative: unlikely used
        else:
            key[name] = {"B": f"{CANARY_MARK}{run_id}".encode()}
    return key


def canary_put(dynamodb: Any, table: str, key: dict[str, Any], written_at: str) -> None:
    dynamodb.put_item(
        TableName=table,
        Item={**key, "drctl_canary": {"S": "true"}, "drctl_written_at": {"S": written_at}},
    )


def canary_exists(dynamodb: Any, table: str, key: dict[str, Any]) -> bool:
    return "Item" in dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True)


def canary_delete(dynamodb: Any, table: str, key: dict[str, Any]) -> None:
    dynamodb.delete_item(TableName=table, Key=key)
