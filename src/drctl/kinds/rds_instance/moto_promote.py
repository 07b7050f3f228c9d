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

from collections.abc import Callable, Mapping
from typing import Any, Final

from moto.rds.exceptions import InvalidParameterValue
from moto.rds.models import DBInstance, RDSBackend, rds_backends

from drctl.kinds.rds_instance import moto_lifecycle as lifecycle
from drctl.kinds.rds_instance.moto_lifecycle import InvalidDBInstanceState
from drctl.kinds.sandboxing import PatchSet, aws_time

__all__ = [
    "BACKING_UP_SECONDS",
    "DEFAULT_BACKUP_RETENTION_DAYS",
    "MODIFYING_SECONDS",
    "NOT_A_REPLICA_MESSAGE",
    "PROMOTED_AT",
    "PROMOTING_SINCE",
    "REBOOTING_SECONDS",
    "install",
    "is_installed",
    "uninstall",
]

NOT_A_REPLICA_MESSAGE: Final = "DB Instance is not a read replica."
DEFAULT_BACKUP_RETENTION_DAYS: Final = 1
_MAX_BACKUP_RETENTION_DAYS: Final = 35
_ARN_PREFIX: Final = "arn:"
# AWS: a promotion takes a few minutes ("modifying", a reboot, then a backup when kept).
MODIFYING_SECONDS: Final = 60.0
REBOOTING_SECONDS: Final = 90.0
BACKING_UP_SECONDS: Final = 120.0
PROMOTING_SINCE: Final = "_drctl_promoting_since"  # replication stopped at this moment
PROMOTED_AT: Final = "_drctl_promoted_at"

_patches = PatchSet()


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

    Rejects non-replicas and instances that are not ``available`` (a promotion already under
    way included), stops replication at once, and then moves the instance through
    ``modifying`` -> ``rebooting`` -> ``backing-up`` (when backups are kept) -> ``available``
    on the sandbox's AWS clock. Only at the end is the replica detached from its source
    (also across Regions) and standalone.
    """
    identifier = _param(db_kwargs, "db_instance_identifier", "DBInstanceIdentifier")
    replica = self.describe_db_instances(identifier)[0]  # raises DBInstanceNotFound
    if not replica.is_replica:
        raise InvalidDBInstanceState(NOT_A_REPLICA_MESSAGE)
    if replica.status != "available":
        raise InvalidDBInstanceState(f"DB Instance is not in an available state: {replica.status}.")
    retention = _backup_retention(db_kwargs, replica)
    window = _param(db_kwargs, "preferred_backup_window", "PreferredBackupWindow")

    def finish(instance: Any) -> None:
        source = _find_source(instance)
        if source is not None:
            _unlink(source, instance)
        instance.is_replica = False
        instance.source_db_instance_identifier = None
        instance.backup_retention_period = retention
        if window:
            instance.preferred_backup_window = window
        instance.__dict__[PROMOTED_AT] = aws_time.now()
        lifecycle.set_status("available")(instance)
        lifecycle.writes_stopped_at(instance)

    steps: list[tuple[float, Callable[[Any], None]]] = [
        (MODIFYING_SECONDS, lifecycle.set_status("rebooting")),
    ]
    if retention:
        steps.append((REBOOTING_SECONDS, lifecycle.set_status("backing-up")))
        steps.append((BACKING_UP_SECONDS, finish))
    else:
        steps.append((REBOOTING_SECONDS, finish))
    replica.status = "modifying"
    replica.__dict__[PROMOTING_SINCE] = aws_time.now()
    lifecycle.schedule(replica, steps)
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
