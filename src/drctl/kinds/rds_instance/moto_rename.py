"""Renaming an RDS DB instance (``ModifyDBInstance`` ``NewDBInstanceIdentifier``) as AWS does it.

moto renames at once: the old name is free and the new one taken the moment the call returns,
and it overwrites whatever instance already had the new name. On AWS a rename takes minutes,
so a tool that renames an instance aside and creates another under the old name at once
passes in moto and fails on AWS with ``DBInstanceAlreadyExists``.

Modelled from the RDS User Guide and API Reference:

* "Renaming a DB instance" (USER_RenameInstance): "The new DNS name for the renamed DB
  instance becomes effective in about 10 minutes. The renamed DB instance is not available
  until the new name becomes effective"; "You cannot use an existing DB instance name when
  renaming an instance"; "After you rename, the DB instance reboots"; "All read replicas
  associated with a DB instance remain associated with that instance after it is renamed";
  "DB instance tags remain with the DB instance, regardless of renaming".
* DB instance status (Overview.DBInstance.Status): ``renaming`` -- "The DB instance is being
  renamed because of a customer request to rename it."
* API_ModifyDBInstance, ``NewDBInstanceIdentifier``: "an instance reboot occurs immediately if
  you enable ApplyImmediately, or will occur during the next maintenance window if you disable
  ApplyImmediately"; the call is refused with ``InvalidDBInstanceState`` for an instance that
  is not ``available`` (a second rename while the first is under way included), and
  ``DBInstanceAlreadyExists`` names a taken identifier.

So, with ``ApplyImmediately``: the instance answers to its old identifier, status
``renaming``, for :data:`RENAMING_SECONDS` of AWS time (the old name is taken, the new one is
not visible yet but reserved); then it answers only to the new identifier (and ARN), status
``rebooting`` for :data:`REBOOTING_SECONDS`, then ``available``. Creating an instance under
either name meanwhile (``CreateDBInstance``, ``CreateDBInstanceReadReplica``, a restore) is
``DBInstanceAlreadyExists``. moto's ``CreateDBInstanceReadReplica`` overwrote an instance of
the same name; it is refused here too, as AWS refuses it. Replication links (ids in the same
Region, ARNs across Regions) follow the renamed instance.

Without ``ApplyImmediately`` AWS waits for the maintenance window, which the sandbox does not
model: the rename is left to moto (at once), as before. drctl always renames with it.
"""

from __future__ import annotations

from typing import Any, Final

from moto.rds.exceptions import DBInstanceAlreadyExists
from moto.rds.models import RDSBackend, rds_backends

from drctl.kinds.rds_instance import moto_lifecycle as lifecycle
from drctl.kinds.rds_instance.moto_lifecycle import InvalidDBInstanceState
from drctl.kinds.sandboxing import PatchSet

__all__ = [
    "REBOOTING_SECONDS",
    "RENAMING_SECONDS",
    "install",
    "is_installed",
    "uninstall",
]

# AWS gives "about 10 minutes" for the new name to take effect; the sandbox's split: the old
# name held for 5 minutes, then a reboot under the new one.
RENAMING_SECONDS: Final = 300.0
REBOOTING_SECONDS: Final = lifecycle.REBOOT_SECONDS
_RENAMING_TO: Final = "_drctl_renaming_to"  # copies of an instance (replicas) drop _drctl_*
_ARN_PREFIX: Final = "arn:"

_patches = PatchSet()


def _param(db_kwargs: Any, snake: str, camel: str) -> Any:
    value = db_kwargs.get(snake)
    return db_kwargs.get(camel) if value is None else value


def renaming_to(instance: Any) -> str | None:
    """The identifier ``instance`` is being renamed to, while it still answers to its old one."""
    lifecycle.advance(instance)
    value = instance.__dict__.get(_RENAMING_TO)
    return str(value) if value else None


def _reserved(backend: Any) -> set[str]:
    """The new names of renames under way in this backend (taken, though not visible yet)."""
    lifecycle.advance_all()
    names = (instance.__dict__.get(_RENAMING_TO) for instance in backend.databases.values())
    return {str(name) for name in names if name}


def _taken(backend: Any, identifier: str) -> bool:
    reserved = _reserved(backend)  # brings every timeline up to date first
    return identifier in backend.databases or identifier in reserved


def _find(backend: Any, reference: str) -> Any | None:
    """The instance an id (this backend) or an ARN (any Region's backend) names."""
    if reference.startswith(_ARN_PREFIX):
        parts = reference.split(":")
        backend = rds_backends[parts[4]][parts[3]]
        reference = parts[-1]
    return backend.databases.get(reference)


def _relink(backend: Any, instance: Any, old_id: str, old_arn: str) -> None:
    """Replication follows the renamed instance: its replicas' source and its source's list
    of replicas name it by its new id (same Region) or ARN (across Regions)."""
    renamed = {old_id: instance.db_instance_identifier, old_arn: instance.db_instance_arn}
    for reference in list(getattr(instance, "replicas", None) or []):
        replica = _find(backend, str(reference))
        source = getattr(replica, "source_db_instance_identifier", None)
        if replica is not None and source in renamed:
            replica.source_db_instance_identifier = renamed[source]
    source_ref = getattr(instance, "source_db_instance_identifier", None)
    source = _find(backend, str(source_ref)) if source_ref else None
    if source is not None:
        source.replicas = [renamed.get(ref, ref) for ref in source.replicas]


def _rename_done(backend: Any) -> Any:
    def apply(instance: Any) -> None:
        new_id = instance.__dict__.pop(_RENAMING_TO, None)
        if not new_id:
            return
        old_id, old_arn = instance.db_instance_identifier, instance.db_instance_arn
        backend.databases.pop(old_id, None)
        instance.db_instance_identifier = new_id
        backend.databases[new_id] = instance
        _relink(backend, instance, old_id, old_arn)
        lifecycle.set_status("rebooting")(instance)

    return apply


def _wrap_modify(original: Any) -> Any:
    def modify_db_instance(self: Any, db_instance_identifier: str, db_kwargs: Any) -> Any:
        new_id = db_kwargs.get("new_db_instance_identifier")
        if not new_id or new_id == db_instance_identifier:
            return original(self, db_instance_identifier, db_kwargs)
        new_id = str(new_id).lower()
        database = self.describe_db_instances(db_instance_identifier)[0]  # DBInstanceNotFound
        status = database.status
        if status != "available":
            raise InvalidDBInstanceState(f"Database instance is not in available state: {status}.")
        if _taken(self, new_id):
            raise DBInstanceAlreadyExists()
        if not _param(db_kwargs, "apply_immediately", "ApplyImmediately"):
            return original(self, db_instance_identifier, db_kwargs)  # see the module's doc
        rest = {k: v for k, v in db_kwargs.items() if k != "new_db_instance_identifier"}
        changed = original(self, db_instance_identifier, rest)
        changed.__dict__[_RENAMING_TO] = new_id
        lifecycle.set_status("renaming")(changed)
        lifecycle.schedule(
            changed,
            [
                (RENAMING_SECONDS, _rename_done(self)),
                (REBOOTING_SECONDS, lifecycle.set_status("available")),
            ],
        )
        return changed

    return modify_db_instance


def _wrap_create(original: Any) -> Any:
    def create_db_instance(self: Any, db_kwargs: Any) -> Any:
        if str(db_kwargs.get("db_instance_identifier")) in _reserved(self):
            raise DBInstanceAlreadyExists()
        return original(self, db_kwargs)

    return create_db_instance


def _wrap_create_replica(original: Any) -> Any:
    def create_db_instance_read_replica(self: Any, db_kwargs: Any) -> Any:
        if _taken(self, str(_param(db_kwargs, "db_instance_identifier", "DBInstanceIdentifier"))):
            raise DBInstanceAlreadyExists()
        return original(self, db_kwargs)

    return create_db_instance_read_replica


def install() -> None:
    """Patch moto's RDS backend; idempotent. Needs ``moto_lifecycle`` (the states' timeline)."""
    if _patches.active:
        return
    _patches.replace(RDSBackend, "modify_db_instance", _wrap_modify(RDSBackend.modify_db_instance))
    _patches.replace(RDSBackend, "create_db_instance", _wrap_create(RDSBackend.create_db_instance))
    _patches.replace(
        RDSBackend,
        "create_db_instance_read_replica",
        _wrap_create_replica(RDSBackend.create_db_instance_read_replica),
    )


def uninstall() -> None:
    """Restore moto's original RDS behaviour."""
    _patches.restore_all()


def is_installed() -> bool:
    """Whether this extension is in effect."""
    return _patches.active
