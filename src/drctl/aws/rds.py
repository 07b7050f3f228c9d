"""RDS instances: describe, replica relationships, promotion."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from drctl.aws.errors import is_not_found


def describe_instance(rds: Any, instance_id: str) -> dict[str, Any] | None:
    """The instance, or None if it does not exist."""
    try:
        found = rds.describe_db_instances(DBInstanceIdentifier=instance_id)["DBInstances"]
    except ClientError as exc:
        if is_not_found(exc, "DBInstanceNotFound", "DBInstanceNotFoundFault"):
            return None
        raise
    return found[0] if found else None


def replica_source(instance: dict[str, Any]) -> str | None:
    """The id or ARN this instance replicates from (cross-region replicas hold an ARN)."""
    source = instance.get("ReadReplicaSourceDBInstanceIdentifier")
    return str(source) if source else None


def same_instance(reference: str, instance: dict[str, Any]) -> bool:
    """Whether ``reference`` (an id or an ARN) names ``instance``."""
    return reference in {instance.get("DBInstanceIdentifier"), instance.get("DBInstanceArn")}


def is_standalone_writable(instance: dict[str, Any]) -> bool:
    """Promoted and usable: no replication source left and status available."""
    return replica_source(instance) is None and instance.get("DBInstanceStatus") == "available"


def promote_read_replica(
    rds: Any, instance_id: str, *, backup_retention_days: int | None = None
) -> dict[str, Any]:
    """Start promotion; AWS returns at once with the instance ``modifying``."""
    kwargs: dict[str, Any] = {"DBInstanceIdentifier": instance_id}
    if backup_retention_days:
        kwargs["BackupRetentionPeriod"] = backup_retention_days
    return dict(rds.promote_read_replica(**kwargs)["DBInstance"])


def promote_once(rds: Any, instance_id: str, *, backup_retention_days: int | None = None) -> bool:
    """Promote; False when RDS refuses because the instance is already standalone.

    botocore retries a call whose response was lost (a 5xx, a timeout) although
    RDS may have acted on the first attempt; the retry is then refused with
    ``InvalidDBInstanceState`` ("not a read replica"). The promotion we wanted
    has happened, so that is not a failure.
    """
    try:
        promote_read_replica(rds, instance_id, backup_retention_days=backup_retention_days)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "InvalidDBInstanceState":
            raise
        inst = describe_instance(rds, instance_id)
        if inst is None or replica_source(inst) is not None:
            raise
        return False
    return True
