"""S3 calls of failback: replication DR -> primary, and copying what replication never will.

Cross-region replication copies only objects written after a rule exists, so
the objects written in DR during the outage -- before failback added the DR ->
primary rule -- are copied explicitly (a small-scale S3 Batch Replication).
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from drctl.aws.errors import is_not_found
from drctl.aws.s3 import bucket_arn


def replication_config(s3: Any, bucket: str) -> dict[str, Any] | None:
    try:
        return dict(s3.get_bucket_replication(Bucket=bucket)["ReplicationConfiguration"])
    except ClientError as exc:
        if is_not_found(exc, "ReplicationConfigurationNotFoundError"):
            return None
        raise


def add_rule(s3: Any, bucket: str, rule_id: str, destination: str, role: str) -> None:
    """Add (or replace) rule ``rule_id`` replicating everything to ``destination``."""
    config = replication_config(s3, bucket) or {"Role": role, "Rules": []}
    rules = [r for r in config.get("Rules", []) if r.get("ID") != rule_id]
    priority = max((int(r.get("Priority", 0)) for r in rules), default=0) + 1
    rules.append(
        {
            "ID": rule_id,
            "Priority": priority,
            "Status": "Enabled",
            "Filter": {},
            "DeleteMarkerReplication": {"Status": "Enabled"},
            "Destination": {"Bucket": bucket_arn(destination)},
        }
    )
    s3.put_bucket_replication(
        Bucket=bucket, ReplicationConfiguration={"Role": config.get("Role") or role, "Rules": rules}
    )


def keys_newest_first(s3: Any, bucket: str, limit: int) -> list[tuple[str, Any]]:
    """(key, LastModified) of up to ``limit`` newest objects (scans every page)."""
    found: list[tuple[str, Any]] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        found.extend((o["Key"], o["LastModified"]) for o in page.get("Contents", []))
    found.sort(key=lambda item: item[1], reverse=True)
    return found[:limit]


def copy_object(s3_destination: Any, source_bucket: str, key: str, destination: str) -> None:
    s3_destination.copy_object(
        Bucket=destination, Key=key, CopySource={"Bucket": source_bucket, "Key": key}
    )
