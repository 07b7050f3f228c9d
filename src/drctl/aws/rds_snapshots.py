"""RDS snapshots for backup-and-restore: take one of the primary, copy it to regions.dr.

Snapshots drctl takes are tagged ``drctl:app`` and ``drctl:resource`` (and the
copies keep the source's ``DBInstanceIdentifier``), so the newest usable copy
in regions.dr can be found again at failover time.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from drctl.aws.errors import is_not_found


def describe_snapshot(rds: Any, snapshot_id: str) -> dict[str, Any] | None:
    try:
        found = rds.describe_db_snapshots(DBSnapshotIdentifier=snapshot_id)["DBSnapshots"]
    except ClientError as exc:
        if is_not_found(exc, "DBSnapshotNotFound", "DBSnapshotNotFoundFault"):
            return None
        raise
    return dict(found[0]) if found else None


def create_snapshot(rds: Any, instance_id: str, snapshot_id: str, tags: dict[str, str]) -> None:
    rds.create_db_snapshot(
        DBInstanceIdentifier=instance_id,
        DBSnapshotIdentifier=snapshot_id,
        Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
    )


def copy_to_region(
    rds_dr: Any, source_arn: str, source_region: str, target_id: str, encrypted: bool
) -> None:
    """Copy a snapshot across regions; an encrypted one needs a key in the target region
    (the AWS managed ``alias/aws/rds`` there unless the account uses its own)."""
    kwargs: dict[str, Any] = {
        "SourceDBSnapshotIdentifier": source_arn,
        "TargetDBSnapshotIdentifier": target_id,
        "SourceRegion": source_region,
        "CopyTags": True,
    }
    if encrypted:
        kwargs["KmsKeyId"] = "alias/aws/rds"
    rds_dr.copy_db_snapshot(**kwargs)
