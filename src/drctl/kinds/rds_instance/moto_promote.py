"""RDS ``PromoteReadReplica`` as AWS performs it.

moto's promotion only flips an internal flag: the promoted instance keeps reporting
``ReadReplicaSourceDBInstanceIdentifier``, the source keeps listing it in
``ReadReplicaDBInstanceIdentifiers``, and promoting an instance that is not a replica
"succeeds". A DR drill that verifies its failover by describing the instances would therefore
never see the promotion, and one that promotes the wrong instance would never fail.

References:

- RDS API Reference, PromoteReadReplica: ``DBInstanceIdentifier`` "must match the identifier
  of an existing read replica DB instance"; ``BackupRetentionPeriod`` defaults to 1 and must be
  0-35; errors ``DBInstanceNotFound`` (404) and ``InvalidDBInstanceState`` (400).
- botocore ``rds/2014-10-31`` model: ``InvalidDBInstanceStateFault`` has the wire code
  ``InvalidDBInstanceState``. AWS words the not-a-replica case "DB Instance is not a read
  replica."

Cross-Region replicas: moto stores a cross-Region replica's source as the source's *ARN* (the
replica lives in the DR Region's backend, the source in another Region's backend), and the
source lists that replica by *ARN* too, while same-Region links use bare identifiers. Both
forms are handled here, and ``DBInstance.remove_replica`` is made to accept both so deleting a
cross-Region replica no longer fails inside moto.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from moto.rds.exceptions import InvalidParameterValue, RDSClientError
from moto.rds.models import DBInstance, RDSBackend, rds_backends

from drctl.kinds.sandboxing import PatchSet

__all__ = [
    "DEFAULT_BACKUP_RETENTION_DAYS",
    "NOT_A_REPLICA_MESSAGE",
    "install",
    "is_installed",
    "uninstall",
]

NOT_A_REPLICA_MESSAGE: Final = "DB Instance is not a read replica."
DEFAULT_BACKUP_RETENTION_DAYS: Final = 1
_MAX_BACKUP_RETENTION_DAYS: Final = 35
_ARN_PREFIX: Final = "arn:"

_patches = PatchSet()


class InvalidDBInstanceState(RDSClientError):
    """The wire error AWS returns for a promotion the instance's state does not allow."""

    def __init__(self, message: str) -> None:
        super().__init__("InvalidDBInstanceState", message)


def _param(db_kwargs: Mapping[str, Any], snake: str, camel: str) -> Any:
    """Read a request parameter whichever key style moto's parser produced."""
    value = db_kwargs.get(snake)
    return db_kwargs.get(camel) if value is None else value


def _find_source(replica: Any) -> Any | None:
    """The replica's source instance, looked up in whichever Region's backend holds it."""
    source_id = replica.source_db_instance_identifier
    if not source_id:
        return None
    if source_id.startswith(_ARN_PREFIX):
        # arn:aws:rds:<region>:<account>:db:<identifier>
        parts = source_id.split(":")
        region, account, name = parts[3], parts[4], parts[-1]
        backend = rds_backends[account][region]
    else:
        backend, name = replica.backend, source_id
    return backend.databases.get(name)


def _unlink(source: Any, replica: Any) -> None:
    """Drop every reference the source holds to the replica, in either stored form."""
    forms = {replica.db_instance_identifier, replica.db_instance_arn}
    source.replicas = [ref for ref in source.replicas if ref not in forms]


def _backup_retention(db_kwargs: Mapping[str, Any], replica: Any) -> int:
    requested = _param(db_kwargs, "backup_retention_period", "BackupRetentionPeriod")
    days = DEFAULT_BACKUP_RETENTION_DAYS if requested is None else int(requested)
    if not 0 <= days <= _MAX_BACKUP_RETENTION_DAYS:
        raise InvalidParameterValue(
            f"Invalid backup retention period: {days}. "
            f"The value must be between 0 and {_MAX_BACKUP_RETENTION_DAYS}."
        )
    if days == 0 and replica.replicas:
        raise InvalidParameterValue(
            "BackupRetentionPeriod can't be set to 0 for a DB instance that is a source "
            "for read replicas."
        )
    return days


def promote_read_replica(self: Any, db_kwargs: Mapping[str, Any]) -> Any:
    """Replacement for ``RDSBackend.promote_read_replica`` (same signature).

    Rejects non-replicas, detaches the replica from its source (also across Regions),
    applies the backup settings and leaves the instance ``available``.
    """
    identifier = _param(db_kwargs, "db_instance_identifier", "DBInstanceIdentifier")
    replica = self.describe_db_instances(identifier)[0]  # raises DBInstanceNotFound
    if not replica.is_replica:
        raise InvalidDBInstanceState(NOT_A_REPLICA_MESSAGE)
    if replica.status != "available":
        raise InvalidDBInstanceState(f"DB Instance is not in available state: {replica.status}.")

    retention = _backup_retention(db_kwargs, replica)
    source = _find_source(replica)
    if source is not None:
        _unlink(source, replica)

    replica.is_replica = False
    replica.source_db_instance_identifier = None
    replica.backup_retention_period = retention
    window = _param(db_kwargs, "preferred_backup_window", "PreferredBackupWindow")
    if window:
        replica.preferred_backup_window = window
    replica.status = "available"
    return replica


def remove_replica(self: Any, replica: Any) -> None:
    """Replacement for ``DBInstance.remove_replica`` accepting identifier or ARN links.

    moto's own version removes only the bare identifier, so deleting a cross-Region replica
    (linked by ARN) raised ``ValueError``.
    """
    _unlink(self, replica)


def install() -> None:
    """Patch moto's RDS classes; idempotent."""
    if _patches.active:
        return
    _patches.replace(RDSBackend, "promote_read_replica", promote_read_replica)
    _patches.replace(DBInstance, "remove_replica", remove_replica)


def uninstall() -> None:
    """Restore moto's original RDS behaviour."""
    _patches.restore_all()


def is_installed() -> bool:
    """Whether this extension is in effect."""
    return _patches.active
