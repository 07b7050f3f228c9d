"""Canaries for replication drills: a marked object / item written on one side, looked
for on the other, and removed from both afterwards (every version, for S3)."""

from __future__ import annotations

import zlib
from typing import Any

from botocore.exceptions import ClientError

from drctl.aws.errors import is_not_found

CANARY_PREFIX = "drctl-canary/"
CANARY_MARK = "drctl-canary#"


def s3_put(s3: Any, bucket: str, key: str, body: bytes) -> str | None:
    response = s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="text/plain")
    version = response.get("VersionId")
    return str(version) if version else None


def s3_exists(s3: Any, bucket: str, key: str) -> bool:
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if is_not_found(exc, "404", "NoSuchKey", "NotFound"):
            return False
        raise
    return True


def s3_remove_all_versions(s3: Any, bucket: str, key: str) -> int:
    """Delete every version and delete marker of ``key`` (a versioned bucket keeps them)."""
    removed = 0
    paginator = s3.get_paginator("list_object_versions")
    for page in paginator.paginate(Bucket=bucket, Prefix=key):
        for entry in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
            if entry["Key"] == key:
                s3.delete_object(Bucket=bucket, Key=key, VersionId=entry["VersionId"])
                removed += 1
    return removed


def dynamodb_key_schema(dynamodb: Any, table: str) -> list[tuple[str, str]]:
    """[(attribute name, type S|N|B)] of the table's key, hash first."""
    desc = dynamodb.describe_table(TableName=table)["Table"]
    types = {a["AttributeName"]: a["AttributeType"] for a in desc["AttributeDefinitions"]}
    ordered = sorted(desc["KeySchema"], key=lambda k: 0 if k["KeyType"] == "HASH" else 1)
    return [(k["AttributeName"], types[k["AttributeName"]]) for k in ordered]


def dynamodb_canary_key(schema: list[tuple[str, str]], run_id: str) -> dict[str, Any]:
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


def dynamodb_put(dynamodb: Any, table: str, key: dict[str, Any], written_at: str) -> None:
    dynamodb.put_item(
        TableName=table,
        Item={**key, "drctl_canary": {"S": "true"}, "drctl_written_at": {"S": written_at}},
    )


def dynamodb_exists(dynamodb: Any, table: str, key: dict[str, Any]) -> bool:
    return "Item" in dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True)


def dynamodb_delete(dynamodb: Any, table: str, key: dict[str, Any]) -> None:
    dynamodb.delete_item(TableName=table, Key=key)
