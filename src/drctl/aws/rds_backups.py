"""RDS point-in-time restore across regions, from replicated automated backups.

Cross-region PITR in AWS works from automated backups replicated to the other
region (``start-db-instance-automated-backups-replication``); the restore drill
restores from them into regions.dr and deletes the throw-away instance after.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from drctl.aws.errors import is_not_found


def replicated_backup(rds_dr: Any, source_arn: str) -> dict[str, Any] | None:
    """The replicated automated backup of ``source_arn`` in the client's region, if any."""
    paginator = rds_dr.get_paginator("describe_db_instance_automated_backups")
    for page in paginator.paginate():
        for backup in page.get("DBInstanceAutomatedBackups", []):
            if backup.get("DBInstanceArn") == source_arn and backup.get("Region") != _region(
                rds_dr
            ):
                return dict(backup)
    return None


def _region(client: Any) -> str:
    return str(client.meta.region_name)


def start_replication(rds_dr: Any, source_arn: str, kms_key_id: str | None = None) -> None:
    kwargs: dict[str, Any] = {"SourceDBInstanceArn": source_arn}
    if kms_key_id:
        kwargs["KmsKeyId"] = kms_key_id
    rds_dr.start_db_instance_automated_backups_replication(**kwargs)


def restore_latest(
    rds_dr: Any, backup_arn: str, target_id: str, instance_class: str, tags: dict[str, str]
) -> dict[str, Any]:
    response = rds_dr.restore_db_instance_to_point_in_time(
        SourceDBInstanceAutomatedBackupsArn=backup_arn,
        TargetDBInstanceIdentifier=target_id,
        UseLatestRestorableTime=True,
        DBInstanceClass=instance_class,
        PubliclyAccessible=False,
        DeletionProtection=False,
        Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
    )
    return dict(response["DBInstance"])


def restore_snapshot(
    rds_dr: Any, snapshot_id: str, target_id: str, instance_class: str, tags: dict[str, str]
) -> dict[str, Any]:
    response = rds_dr.restore_db_instance_from_db_snapshot(
        DBSnapshotIdentifier=snapshot_id,
        DBInstanceIdentifier=target_id,
        DBInstanceClass=instance_class,
        PubliclyAccessible=False,
        DeletionProtection=False,
        Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
    )
    return dict(response["DBInstance"])


def newest_snapshot(rds_dr: Any, source_instance: str) -> dict[str, Any] | None:
    """The newest available snapshot in the client's region whose source is
    ``source_instance`` (copies keep the source's instance identifier)."""
    paginator = rds_dr.get_paginator("describe_db_snapshots")
    found = [
        s
        for page in paginator.paginate()
        for s in page.get("DBSnapshots", [])
        if s.get("DBInstanceIdentifier") == source_instance and s.get("Status") == "available"
    ]
    found.sort(key=lambda s: s.get("SnapshotCreateTime") or 0)
    return dict(found[-1]) if found else None


def delete_throwaway(rds_dr: Any, instance_id: str) -> bool:
    """Delete without a final snapshot; False when it was already gone."""
    try:
        rds_dr.delete_db_instance(
            DBInstanceIdentifier=instance_id, SkipFinalSnapshot=True, DeleteAutomatedBackups=True
        )
    except ClientError as exc:
        if is_not_found(exc, "DBInstanceNotFound", "DBInstanceNotFoundFault"):
            return False
        raise
    return True
