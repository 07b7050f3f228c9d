"""Every DynamoDB call of the dynamodb-table kind: global-table membership, point-in-time
recovery, writability probes and the replication-drill canary."""

from __future__ import annotations

import zlib
from typing import Any

from botocore.exceptions import ClientError

from drctl.aws.errors import is_not_found
from drctl.errors import DrctlError


def describe_table(dynamodb: Any, table: str) -> dict[str, Any] | None:
    try:
        return dict(dynamodb.describe_table(TableName=table)["Table"])
    except ClientError as exc:
        if is_not_found(exc, "ResourceNotFoundException"):
            return None
        raise


def pitr_status(dynamodb: Any, table: str) -> str:
    """ENABLED / DISABLED, or "" when the table is not there."""
    try:
        desc = dynamodb.describe_continuous_backups(TableName=table)["ContinuousBackupsDescription"]
    except ClientError as exc:
        if is_not_found(exc, "TableNotFoundException", "ResourceNotFoundException"):
            return ""
        raise
    return str(desc.get("PointInTimeRecoveryDescription", {}).get("PointInTimeRecoveryStatus", ""))


def pitr_description(dynamodb: Any, table: str) -> dict[str, Any] | None:
    """``PointInTimeRecoveryDescription`` (status, and ``RecoveryPeriodInDays`` where AWS
    reports it), or None when the table is not there."""
    try:
        desc = dynamodb.describe_continuous_backups(TableName=table)["ContinuousBackupsDescription"]
    except ClientError as exc:
        if is_not_found(exc, "TableNotFoundException", "ResourceNotFoundException"):
            return None
        raise
    return dict(desc.get("PointInTimeRecoveryDescription", {}))


def table_present(dynamodb: Any, table: str) -> bool | None:
    """Whether ``table`` exists on this client's Region; None when the Region does not answer
    (the question is asked of a Region that may still be recovering)."""
    from botocore.exceptions import BotoCoreError

    try:
        return describe_table(dynamodb, table) is not None
    except (BotoCoreError, ClientError, DrctlError):
        return None


def replica(table: dict[str, Any], region: str) -> dict[str, Any] | None:
    """The ``ReplicaDescription`` of ``region`` in a ``DescribeTable`` answer, if it lists one."""
    for entry in table.get("Replicas", []):
        if entry.get("RegionName") == region:
            return dict(entry)
    return None


# ------------------------------------------------------ marked items: probe and drill canary

CANARY_MARK = "drctl-canary#"
PROBE_MARK = "drctl-probe#"


def key_schema_of(table: dict[str, Any]) -> list[tuple[str, str]]:
    """[(attribute name, type S|N|B)] of a described table's key, hash first."""
    types = {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}
    ordered = sorted(table["KeySchema"], key=lambda k: 0 if k["KeyType"] == "HASH" else 1)
    return [(k["AttributeName"], types[k["AttributeName"]]) for k in ordered]


def canary_key_schema(dynamodb: Any, table: str) -> list[tuple[str, str]]:
    """[(attribute name, type S|N|B)] of the table's key, hash first."""
    return key_schema_of(dynamodb.describe_table(TableName=table)["Table"])


def marked_key(schema: list[tuple[str, str]], mark: str, run_id: str) -> dict[str, Any]:
    """A key no application writes: ``<mark><run id>`` in string and binary attributes, and a
    negative number derived from it in number attributes (keys are rarely negative)."""
    text = f"{mark}{run_id}"
    key: dict[str, Any] = {}
    for name, kind in schema:
        if kind == "S":
            key[name] = {"S": text}
        elif kind == "N":
            key[name] = {"N": str(-zlib.crc32(text.encode()) - 1)}
        else:
            key[name] = {"B": text.encode()}
    return key


def canary_key(schema: list[tuple[str, str]], run_id: str) -> dict[str, Any]:
    """The replication drill's canary key: ``drctl-canary#<run id>``."""
    return marked_key(schema, CANARY_MARK, run_id)


def probe_key(schema: list[tuple[str, str]], run_id: str) -> dict[str, Any]:
    """The writability probe's key: ``drctl-probe#<run id>``, never an application's item."""
    return marked_key(schema, PROBE_MARK, run_id)


def canary_put(dynamodb: Any, table: str, key: dict[str, Any], written_at: str) -> None:
    dynamodb.put_item(
        TableName=table,
        Item={**key, "drctl_canary": {"S": "true"}, "drctl_written_at": {"S": written_at}},
    )


def probe_put(dynamodb: Any, table: str, key: dict[str, Any], written_at: str) -> None:
    """The probe item says what it is, in case anyone finds it before it is removed."""
    dynamodb.put_item(
        TableName=table,
        Item={
            **key,
            "drctl_probe": {"S": "drctl writability probe: removed by the step that wrote it"},
            "drctl_written_at": {"S": written_at},
        },
    )


def item_exists(dynamodb: Any, table: str, key: dict[str, Any]) -> bool:
    return "Item" in dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True)


def delete_item(dynamodb: Any, table: str, key: dict[str, Any]) -> None:
    dynamodb.delete_item(TableName=table, Key=key)


def table_names(dynamodb: Any) -> list[str]:
    """Every table of the client's Region (discovery)."""
    names: list[str] = []
    for page in dynamodb.get_paginator("list_tables").paginate():
        names += [str(n) for n in page.get("TableNames", [])]
    return names
