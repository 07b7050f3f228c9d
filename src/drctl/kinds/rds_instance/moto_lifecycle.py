"""RDS DB instances move through states over time, as AWS's do; moto makes every change instant.

moto sets ``DBInstanceStatus`` to ``available`` and ``ParameterApplyStatus`` to ``in-sync`` at
once, whatever was asked. A step that waits for a promotion, a read replica or a read-only
parameter group would therefore pass here and, on AWS, either hang or act before the change
took effect. This extension gives every instance a timeline on the sandbox's AWS clock
(:data:`drctl.kinds.sandboxing.aws_time`): a call records the transitions it starts (when each
is due) and a describe reports the state current at ``aws_time.now()``. No state is skipped.

Modelled from the RDS API Reference and User Guide:

* ``ModifyDBInstance`` with a new ``DBParameterGroupName``: the instance is ``modifying`` and
  the group ``applying``; then the group is ``in-sync`` if the parameters that differ are all
  dynamic, or ``pending-reboot`` when a static one is set ("When you associate a new DB
  parameter group with a DB instance, the modified static and dynamic parameters are applied
  only after the DB instance is rebooted. However, if you modify dynamic parameters in the DB
  parameter group after you associate it ... these changes are applied immediately",
  USER_WorkingWithParamGroups.Associating). A parameter set with ``ApplyMethod``
  ``pending-reboot`` is taken as static (``immediate`` is only allowed for dynamic ones,
  API_ModifyDBParameterGroup). The group's parameters take effect only once ``in-sync``.
* ``RebootDBInstance``: ``rebooting``, then ``available`` with a ``pending-reboot`` group
  ``in-sync``. Refused with ``InvalidDBInstanceState`` unless the instance is ``available``.
* ``CreateDBInstanceReadReplica``: ``creating`` for minutes, then ``available``. A
  cross-Region replica lands in the default VPC (its default security group) unless
  ``DBSubnetGroupName`` / ``VpcSecurityGroupIds`` are given, gets the default parameter group
  of its family unless ``DBParameterGroupName`` is given, and an encrypted source needs a
  ``KmsKeyId`` in the destination Region (API_CreateDBInstanceReadReplica).
* ``RestoreDBInstanceFromDBSnapshot``: "created from the source database restore point with
  most of the source's original configuration, including the default security group and DB
  parameter group ... as a Single-AZ deployment" (API_RestoreDBInstanceFromDBSnapshot), and in
  the default VPC unless ``DBSubnetGroupName`` is given. moto kept the source's subnet group,
  which does not exist in another Region: a restore of a copied snapshot failed there.
* ``ModifyDBInstance`` on an instance that is not ``available`` is refused with
  ``InvalidDBInstanceState``, as AWS does for an instance already being modified.

Every timestamp RDS reports (instance and snapshot creation, restorable times, backup
windows) is read from the same AWS clock: moto stamps them with the machine's wall time, so at
a time scale above 1 a snapshot taken a moment ago would look hours old, or hours young. A
read replica's ``InstanceCreateTime`` is when it was created, and its ``DbiResourceId`` its own
(moto's copy kept its source's).

Whether an instance takes writes is derived from the same state
(:func:`writes_stopped_at`): ``read_only=1`` (MySQL/MariaDB) or
``default_transaction_read_only=on`` (PostgreSQL) in an ``in-sync`` group, or the instance
stopped. The ReplicaLag model (``moto_replica_metrics``) reads it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from moto.rds.exceptions import RDSClientError

from drctl.kinds.sandboxing import PatchSet, aws_time

__all__ = [
    "CREATE_REPLICA_SECONDS",
    "MODIFY_SECONDS",
    "REBOOT_SECONDS",
    "InvalidDBInstanceState",
    "advance",
    "install",
    "is_installed",
    "parameter_apply_status",
    "schedule",
    "uninstall",
    "writes_stopped_at",
]

MODIFY_SECONDS: Final = 60.0  # parameter group "applying"
REBOOT_SECONDS: Final = 90.0
CREATE_REPLICA_SECONDS: Final = 600.0  # a small replica: ~10 minutes
READ_ONLY: Final = {"read_only": "1", "default_transaction_read_only": "on"}

_patches = PatchSet()
_lock = threading.RLock()
_pending: dict[int, Any] = {}  # id -> instance with transitions still due
_STATUS = "_drctl_status"
_DUE = "_drctl_due"
_PG_STATE = "_drctl_pg_state"
_STOPPED_AT = "_drctl_writes_stopped_at"
_SINCE = "_drctl_replicating_since"
# Only the sandbox builder sets it (never a drctl step): a replica that already existed
# before the sandbox was stood up, so it is available and replicating from the start.
ESTABLISHED_TAG: Final = "drctl:sandbox-established"


class InvalidDBInstanceState(RDSClientError):
    """AWS's error for a call the instance's current state does not allow."""

    def __init__(self, message: str) -> None:
        super().__init__("InvalidDBInstanceState", message)


@dataclass
class _Due:
    at: datetime
    apply: Callable[[Any], None]


def schedule(instance: Any, steps: list[tuple[float, Callable[[Any], None]]]) -> None:
    """Queue transitions, each ``seconds`` after the previous one (the first after now)."""
    with _lock:
        due: list[_Due] = instance.__dict__.setdefault(_DUE, [])
        _pending[id(instance)] = instance
        at = due[-1].at if due else aws_time.now()
        for seconds, apply in steps:
            at = at + timedelta(seconds=seconds)
            due.append(_Due(at, apply))


def advance(instance: Any) -> None:
    """Apply every transition that is due at ``aws_time.now()``, oldest first."""
    with _lock:
        due: list[_Due] = instance.__dict__.get(_DUE) or []
        if not due:
            return
        now = aws_time.now()
        while due and due[0].at <= now:
            due.pop(0).apply(instance)


def advance_all() -> None:
    """Advance every instance with transitions pending: a promotion's end changes its source
    too (another instance, maybe in another Region), so any read brings all of them up to
    date."""
    with _lock:
        for key, instance in list(_pending.items()):
            advance(instance)
            if not instance.__dict__.get(_DUE):
                _pending.pop(key, None)


def busy(instance: Any) -> bool:
    """Whether a transition is still pending on ``instance``."""
    advance(instance)
    return bool(instance.__dict__.get(_DUE))


def set_status(status: str) -> Callable[[Any], None]:
    def apply(instance: Any) -> None:
        instance.__dict__[_STATUS] = status

    return apply


def _get_status(self: Any) -> str:
    advance(self)
    return str(self.__dict__.get(_STATUS, "available"))


def _set_status(self: Any, value: str) -> None:
    self.__dict__[_STATUS] = value
    _track_writes(self)


def parameter_apply_status(instance: Any) -> str:
    """``applying``, ``pending-reboot`` or ``in-sync``."""
    advance(instance)
    return str(instance.__dict__.get(_PG_STATE, "in-sync"))


def _group_parameters(instance: Any) -> dict[str, dict[str, Any]]:
    """The user-set parameters of the instance's parameter group (name -> parameter)."""
    name = instance.__dict__.get("db_parameter_group_name")
    backend = instance.__dict__.get("backend")
    group = backend.db_parameter_groups.get(name) if name and backend is not None else None
    return dict(getattr(group, "parameters", {}) or {}) if group is not None else {}


def _has_static(instance: Any) -> bool:
    return any(
        str(p.get("ApplyMethod", p.get("apply_method", ""))) == "pending-reboot"
        for p in _group_parameters(instance).values()
    )


def _read_only_in_effect(instance: Any) -> bool:
    # The raw state, not parameter_apply_status(): this runs inside advance().
    if instance.__dict__.get(_PG_STATE, "in-sync") != "in-sync":
        return False
    for name, param in _group_parameters(instance).items():
        value = str(param.get("ParameterValue", param.get("parameter_value", ""))).lower()
        if READ_ONLY.get(name) == value:
            return True
    return False


def _track_writes(instance: Any) -> None:
    """Record when the instance stopped taking writes (None while it takes them)."""
    status = instance.__dict__.get(_STATUS, "available")
    stopped = status in ("stopped", "stopping", "deleting") or _read_only_in_effect(instance)
    if instance.__dict__.get("is_replica"):
        stopped = True  # a replica takes no application writes
    if stopped and instance.__dict__.get(_STOPPED_AT) is None:
        instance.__dict__[_STOPPED_AT] = aws_time.now()
    elif not stopped:
        instance.__dict__[_STOPPED_AT] = None


def writes_stopped_at(instance: Any) -> datetime | None:
    """When the instance stopped taking writes (fenced in-sync, stopped), or None."""
    advance(instance)
    _track_writes(instance)
    value = instance.__dict__.get(_STOPPED_AT)
    return value if isinstance(value, datetime) else None


def _set_pg_state(state: str) -> Callable[[Any], None]:
    def apply(instance: Any) -> None:
        instance.__dict__[_PG_STATE] = state
        _track_writes(instance)

    return apply


def _applied(instance: Any) -> None:
    """The group has been applied: in-sync, or waiting for a reboot for a static parameter."""
    _set_pg_state("pending-reboot" if _has_static(instance) else "in-sync")(instance)


def _status_list(self: Any) -> list[dict[str, str]]:
    """``DBParameterGroups`` of a described instance, with the apply status modelled here."""
    groups = self.db_parameter_groups()
    state = parameter_apply_status(self)
    return [{"DBParameterGroupName": g.name, "ParameterApplyStatus": state} for g in groups]


def _require_available(instance: Any) -> None:
    status = _get_status(instance)
    if status != "available":
        raise InvalidDBInstanceState(f"Database instance is not in available state: {status}.")


def _wrap_describe(original: Any) -> Any:
    def describe_db_instances(self: Any, *args: Any, **kwargs: Any) -> Any:
        advance_all()
        return original(self, *args, **kwargs)

    return describe_db_instances


def _wrap_modify(original: Any) -> Any:
    def modify_db_instance(self: Any, db_instance_identifier: str, db_kwargs: Any) -> Any:
        database = self.describe_db_instances(db_instance_identifier)[0]
        _require_available(database)
        before = database.db_parameter_group_name
        changed = original(self, db_instance_identifier, db_kwargs)
        group = db_kwargs.get("db_parameter_group_name")
        if group and group != before:
            with _lock:
                changed.__dict__[_PG_STATE] = "applying"
                _set_status(changed, "modifying")
                schedule(changed, [(MODIFY_SECONDS, _applied_and_available)])
        return changed

    return modify_db_instance


def _applied_and_available(instance: Any) -> None:
    _applied(instance)
    set_status("available")(instance)
    _track_writes(instance)


def _rebooted(instance: Any) -> None:
    if instance.__dict__.get(_PG_STATE) == "pending-reboot":
        instance.__dict__[_PG_STATE] = "in-sync"
    set_status("available")(instance)
    _track_writes(instance)


def reboot_db_instance(self: Any, db_instance_identifier: str) -> Any:
    """Replacement for ``RDSBackend.reboot_db_instance``: ``rebooting`` for a while."""
    database = self.describe_db_instances(db_instance_identifier)[0]
    _require_available(database)
    with _lock:
        _set_status(database, "rebooting")
        schedule(database, [(REBOOT_SECONDS, _rebooted)])
    return database


def _param(db_kwargs: Any, snake: str, camel: str) -> Any:
    value = db_kwargs.get(snake)
    return db_kwargs.get(camel) if value is None else value


def _wrap_create_replica(original: Any) -> Any:
    def create_db_instance_read_replica(self: Any, db_kwargs: Any) -> Any:
        source_id = str(_param(db_kwargs, "source_db_instance_identifier", ""))
        source = self.find_db_from_id(source_id)
        cross_region = source.region != self.region_name
        if cross_region and source.storage_encrypted and not _param(db_kwargs, "kms_key_id", ""):
            raise RDSClientError(
                "InvalidParameterCombination",
                "KmsKeyId is required for a cross-Region read replica of an encrypted DB instance.",
            )
        replica = original(self, db_kwargs)
        with _lock:
            # copy.copy of the source: none of its modelled state belongs to the replica.
            for name in [k for k in replica.__dict__ if k.startswith("_drctl_")]:
                replica.__dict__.pop(name, None)
            replica.__dict__[_STATUS] = "creating"
            # moto's copy keeps the source's creation time and resource id; AWS's are its own.
            replica.created = replica.instance_create_time = _aws_utcnow()
            replica.dbi_resource_id = _new_resource_id()
            tags = list(db_kwargs.get("tags") or [])
            replica.tags = [t for t in tags if t.get("Key") != ESTABLISHED_TAG]
            if cross_region:
                _place_cross_region(self, replica, db_kwargs)
            if len(tags) != len(replica.tags):
                # The sandbox builder stands up a deployment that has existed for a while.
                _set_status(replica, "available")
                replica.__dict__[_SINCE] = aws_time.now() - timedelta(days=1)
            else:
                _set_status(replica, "creating")
                schedule(replica, [(CREATE_REPLICA_SECONDS, _replica_ready)])
        return replica

    return create_db_instance_read_replica


def _new_resource_id() -> str:
    """A ``DbiResourceId`` of AWS's shape: "db-" and 26 upper-case letters and digits."""
    import secrets
    import string

    alphabet = string.ascii_uppercase + string.digits
    return "db-" + "".join(secrets.choice(alphabet) for _ in range(26))


def replicating_since(instance: Any) -> datetime | None:
    """When the replica finished creating and started replicating (None: not yet)."""
    advance(instance)
    value = instance.__dict__.get(_SINCE)
    return value if isinstance(value, datetime) else None


def _replica_ready(instance: Any) -> None:
    instance.__dict__[_SINCE] = aws_time.now()
    set_status("available")(instance)


def _place_cross_region(backend: Any, replica: Any, db_kwargs: Any) -> None:
    """Where AWS puts a cross-Region replica: what was asked for, else the Region's defaults."""
    from moto.ec2.models import ec2_backends

    subnet_group = _param(db_kwargs, "db_subnet_group_name", "DBSubnetGroupName")
    replica.__dict__.pop("db_subnet_group", None)
    replica.__dict__["_db_subnet_group_name"] = None
    if subnet_group:
        replica.db_subnet_group_name = subnet_group
    groups = _param(db_kwargs, "vpc_security_group_ids", "VpcSecurityGroupIds")
    if groups:
        replica.vpc_security_group_ids = list(groups)
    else:
        ec2 = ec2_backends[backend.account_id][backend.region_name]
        default = ec2.get_default_security_group(ec2.default_vpc.id)
        replica.vpc_security_group_ids = [default.id] if default is not None else []
    if not _param(db_kwargs, "db_parameter_group_name", "DBParameterGroupName"):
        replica.db_parameter_group_name = None  # the family's default group
    replica.availability_zone = f"{backend.region_name}a"
    if not _param(db_kwargs, "multi_az", "MultiAZ"):
        replica.multi_az = False


def _default_security_group(backend: Any) -> list[str]:
    from moto.ec2.models import ec2_backends

    ec2 = ec2_backends[backend.account_id][backend.region_name]
    default = ec2.get_default_security_group(ec2.default_vpc.id)
    return [default.id] if default is not None else []


def restore_db_instance_from_db_snapshot(
    self: Any, from_snapshot_id: str, overrides: dict[str, Any]
) -> Any:
    """Replacement for moto's restore: the snapshot's data and engine settings, AWS's defaults
    for placement (default VPC and security group, default parameter group, single-AZ)
    unless the request names them."""
    import copy

    from moto.rds.exceptions import DBInstanceAlreadyExists

    if from_snapshot_id.startswith("arn:aws:rds:"):
        from_snapshot_id = self.extract_snapshot_name_from_arn(from_snapshot_id)
    snapshot = self.describe_db_snapshots(
        db_instance_identifier=None, db_snapshot_identifier=from_snapshot_id
    )[0]
    if overrides["db_instance_identifier"] in self.databases:
        raise DBInstanceAlreadyExists()
    skipped = {
        "backend", "db_parameter_group_name", "vpc_security_group_ids", "max_allocated_storage",
        "db_subnet_group", "db_subnet_group_name", "replicas", "availability_zone",
        "source_db_instance_identifier", "source_db_identifier",
    }  # fmt: skip
    props: dict[str, Any] = {
        key.lstrip("_"): copy.copy(value)
        for key, value in snapshot.database.__dict__.items()
        if key.lstrip("_") not in skipped and not key.startswith("_drctl_")
    }
    if not snapshot.database.option_group_supplied:
        props.pop("option_group_name", None)
    props.update(
        kms_key_id=snapshot.kms_key_id,
        storage_encrypted=snapshot.encrypted,
        multi_az=False,
        availability_zone=f"{self.region_name}a",
        vpc_security_group_ids=_default_security_group(self),
    )
    for key, value in overrides.items():
        if value:
            props[key] = value
    return self.create_db_instance(props)


def _wrap_modify_group(original: Any) -> Any:
    def modify_db_parameter_group(
        self: Any, db_parameter_group_name: str, db_parameter_group_parameters: Any
    ) -> Any:
        parameters = list(db_parameter_group_parameters)
        group = original(self, db_parameter_group_name, parameters)
        static = any(str(p.get("ApplyMethod")) == "pending-reboot" for p in parameters)
        for instance in list(self.databases.values()):
            if instance.__dict__.get("db_parameter_group_name") != group.name:
                continue
            with _lock:
                if static and parameter_apply_status(instance) == "in-sync":
                    instance.__dict__[_PG_STATE] = "pending-reboot"
                _track_writes(instance)  # dynamic changes apply at once
        return group

    return modify_db_parameter_group


def _wrap_copy_group(original: Any) -> Any:
    """``CopyDBParameterGroup`` of a default group: "You can't copy a default DB parameter
    group. Instead, create a new custom DB parameter group" (API reference); moto copies it."""

    def copy_db_parameter_group(self: Any, *args: Any, **kwargs: Any) -> Any:
        source = str(kwargs.get("source_db_parameter_group_identifier") or args[0])
        name = source.split(":")[-1] if source.startswith("arn:") else source
        if name.startswith("default."):
            raise RDSClientError(
                "InvalidParameterValue",
                f"Cannot copy default parameter group {name}: create a new custom DB "
                "parameter group of its family instead.",
            )
        return original(self, *args, **kwargs)

    return copy_db_parameter_group


def _aws_utcnow() -> datetime:
    """moto's naive-UTC ``utcnow``, on the sandbox's AWS clock."""
    return aws_time.now().replace(tzinfo=None)


def install() -> None:
    """Patch moto's RDS classes; idempotent."""
    if _patches.active:
        return
    import moto.rds.models as rds_models
    from moto.rds.models import DBInstance, RDSBackend

    _patches.replace(rds_models, "utcnow", _aws_utcnow)

    _patches.replace(DBInstance, "status", property(_get_status, _set_status))
    _patches.replace(DBInstance, "db_parameter_group_status_list", property(_status_list))
    _patches.replace(RDSBackend, "modify_db_instance", _wrap_modify(RDSBackend.modify_db_instance))
    _patches.replace(RDSBackend, "reboot_db_instance", reboot_db_instance)
    _patches.replace(
        RDSBackend, "copy_db_parameter_group", _wrap_copy_group(RDSBackend.copy_db_parameter_group)
    )
    _patches.replace(
        RDSBackend, "restore_db_instance_from_db_snapshot", restore_db_instance_from_db_snapshot
    )
    _patches.replace(
        RDSBackend, "describe_db_instances", _wrap_describe(RDSBackend.describe_db_instances)
    )
    _patches.replace(
        RDSBackend,
        "modify_db_parameter_group",
        _wrap_modify_group(RDSBackend.modify_db_parameter_group),
    )
    _patches.replace(
        RDSBackend,
        "create_db_instance_read_replica",
        _wrap_create_replica(RDSBackend.create_db_instance_read_replica),
    )


def uninstall() -> None:
    """Restore moto's original RDS behaviour."""
    _patches.restore_all()
    with _lock:
        _pending.clear()


def is_installed() -> bool:
    """Whether this extension is in effect."""
    return _patches.active
