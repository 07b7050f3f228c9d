"""S3 buckets: location, versioning, replication rules, object sampling."""

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
