"""Every S3 call of the s3-bucket kind: location, versioning, replication rules, object
sampling, failback (DR -> primary rule, copying home) and the replication-drill canary."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from drctl.aws.errors import is_not_found


def bucket_region(s3: Any, bucket: str) -> str | None:
    """The bucket's region, or None if it does not exist."""
    try:
        location = s3.get_bucket_location(Bucket=bucket).get("LocationConstraint")
    except ClientError as exc:
        if is_not_found(exc, "NoSuchBucket", "404", "NotFound"):
            return None
        raise
    # Legacy answers: None means us-east-1 and "EU" means eu-west-1.
    legacy = {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}
    return str(legacy.get(location, location))


def versioning_status(s3: Any, bucket: str) -> str:
    """ "Enabled", "Suspended", or "" for never enabled."""
    return str(s3.get_bucket_versioning(Bucket=bucket).get("Status", ""))


def replication_rules(s3: Any, bucket: str) -> list[dict[str, Any]]:
    try:
        config = s3.get_bucket_replication(Bucket=bucket)["ReplicationConfiguration"]
    except ClientError as exc:
        if is_not_found(exc, "ReplicationConfigurationNotFoundError"):
            return []
        raise
    return list(config.get("Rules", []))


def bucket_arn(bucket: str) -> str:
    return f"arn:aws:s3:::{bucket}"


REPLICATION_TRUST: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "s3.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def replication_needs(source: str, destination: str) -> list[tuple[str, str]]:
    """(action, resource) pairs a replication role needs for ``source`` -> ``destination``
    (S3 user guide, "Setting up permissions for live replication")."""
    return [
        ("s3:GetReplicationConfiguration", bucket_arn(source)),
        ("s3:ListBucket", bucket_arn(source)),
        ("s3:GetObjectVersionForReplication", f"{bucket_arn(source)}/*"),
        ("s3:GetObjectVersionAcl", f"{bucket_arn(source)}/*"),
        ("s3:GetObjectVersionTagging", f"{bucket_arn(source)}/*"),
        ("s3:ReplicateObject", f"{bucket_arn(destination)}/*"),
        ("s3:ReplicateDelete", f"{bucket_arn(destination)}/*"),
        ("s3:ReplicateTags", f"{bucket_arn(destination)}/*"),
    ]


def replication_policy(source: str, destination: str) -> dict[str, Any]:
    """The policy that allows exactly one direction of replication, and nothing else."""
    by_resource: dict[str, list[str]] = {}
    for action, resource in replication_needs(source, destination):
        by_resource.setdefault(resource, []).append(action)
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": actions, "Resource": resource}
            for resource, actions in by_resource.items()
        ],
    }


def enabled_rules_to(rules: list[dict[str, Any]], destination_bucket: str) -> list[dict[str, Any]]:
    """Enabled rules whose destination is ``destination_bucket`` (by ARN)."""
    arn = bucket_arn(destination_bucket)
    return [
        r
        for r in rules
        if r.get("Status") == "Enabled" and r.get("Destination", {}).get("Bucket") == arn
    ]


def default_encryption(s3: Any, bucket: str) -> str | None:
    """The default SSE algorithm, or None (all new buckets get SSE-S3 since 2023)."""
    try:
        config = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
    except ClientError as exc:
        if is_not_found(exc, "ServerSideEncryptionConfigurationNotFoundError"):
            return None
        raise
    rules = config.get("Rules", [])
    if not rules:
        return None
    return str(rules[0].get("ApplyServerSideEncryptionByDefault", {}).get("SSEAlgorithm"))


def newest_keys(s3: Any, bucket: str, limit: int = 20) -> list[str]:
    """Up to ``limit`` most recently modified keys (scans at most 1000 objects)."""
    response = s3.list_objects_v2(Bucket=bucket, MaxKeys=1000)
    objects = sorted(response.get("Contents", []), key=lambda o: o["LastModified"], reverse=True)
    return [o["Key"] for o in objects[:limit]]


def object_exists(s3: Any, bucket: str, key: str) -> bool:
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if is_not_found(exc, "404", "NoSuchKey", "NotFound"):
            return False
        raise
    return True


# ------------------------------------------------------------------ failback: DR -> primary


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


# ------------------------------------------------------------------ replication drill canary

CANARY_PREFIX = "drctl-canary/"


def canary_put(s3: Any, bucket: str, key: str, body: bytes) -> str | None:
    response = s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="text/plain")
    version = response.get("VersionId")
    return str(version) if version else None


def canary_exists(s3: Any, bucket: str, key: str) -> bool:
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if is_not_found(exc, "404", "NoSuchKey", "NotFound"):
            return False
        raise
    return True


def canary_remove_all_versions(s3: Any, bucket: str, key: str) -> int:
    """Delete every version and delete marker of ``key`` (a versioned bucket keeps them)."""
    removed = 0
    paginator = s3.get_paginator("list_object_versions")
    for page in paginator.paginate(Bucket=bucket, Prefix=key):
        for entry in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
            if entry["Key"] == key:
                s3.delete_object(Bucket=bucket, Key=key, VersionId=entry["VersionId"])
                removed += 1
    return removed
