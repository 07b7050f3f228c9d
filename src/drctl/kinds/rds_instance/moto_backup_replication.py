"""Cross-region automated backup replication for RDS instances, which moto lacks.

AWS API reference (RDS, 2014-10-31), operations and shapes from the botocore model:

* ``StartDBInstanceAutomatedBackupsReplication`` -- called in the *destination*
  region with ``SourceDBInstanceArn`` (required), ``BackupRetentionPeriod`` (default 7),
  ``KmsKeyId``. Returns ``DBInstanceAutomatedBackup``. Errors: ``DBInstanceNotFound``
  (no such source), ``InvalidDBInstanceState`` (the source has no automated backups),
  ``InvalidDBInstanceAutomatedBackupState`` (already replicating to this region).
* ``StopDBInstanceAutomatedBackupsReplication`` -- in the destination region; the
  replicated backup is removed from the replicating state.
* ``DescribeDBInstanceAutomatedBackups`` -- in the destination region lists the
  replicated backups (``DBInstanceAutomatedBackupsArn``, ``RestoreWindow``,
  ``Status`` ``replicating``, ``Region`` = the source region).
* ``RestoreDBInstanceToPointInTime`` with ``SourceDBInstanceAutomatedBackupsArn`` --
  restores, in the destination region, from the replicated backups; errors with
  ``DBInstanceAutomatedBackupNotFound`` for an unknown ARN.

moto 5.2.5 has none of the replication operations and restores only from an
instance in the same region. This extension keeps the replication records per
(account, destination region) and restores by copying the source instance's
configuration into the destination region, as moto's own same-region restore does.
"""

from __future__ import annotations

import copy
import threading
from datetime import UTC, datetime
from typing import Any

from drctl.kinds.sandboxing import PatchSet

_patches = PatchSet()
_lock = threading.Lock()
_ATTR = "_drctl_backup_replications"


def _records(account: str, region: str) -> dict[str, dict[str, Any]]:
    """Source instance ARN -> replication record, kept on the destination region's RDS
    backend so that moto's reset (which replaces backends) forgets them too."""
    from moto.rds.models import rds_backends

    backend = rds_backends[account][region]
    records: dict[str, dict[str, Any]] | None = getattr(backend, _ATTR, None)
    if records is None:
        records = {}
        setattr(backend, _ATTR, records)
    return records


def _parse_arn(arn: str) -> tuple[str, str, str]:
    """``arn:aws:rds:<region>:<account>:db:<id>`` -> (region, account, id)."""
    parts = arn.split(":")
    if len(parts) != 7 or parts[2] != "rds" or parts[5] != "db":
        from moto.rds.exceptions import InvalidParameterValue

        raise InvalidParameterValue(f"Invalid source DB instance ARN: {arn}")
    return parts[3], parts[4], parts[6]


def _source_instance(arn: str) -> Any:
    from moto.rds.exceptions import DBInstanceNotFoundError
    from moto.rds.models import rds_backends

    region, account, instance_id = _parse_arn(arn)
    instance = rds_backends[account][region].databases.get(instance_id)
    if instance is None:
        raise DBInstanceNotFoundError(instance_id)
    return instance


def _shape(record: dict[str, Any], status: str) -> dict[str, Any]:
    source = record["instance"]
    now = datetime.now(UTC)
    return {
        "DBInstanceArn": record["source_arn"],
        "DbiResourceId": getattr(source, "dbi_resource_id", None),
        "Region": record["source_region"],
        "DBInstanceIdentifier": source.db_instance_identifier,
        "RestoreWindow": {"EarliestTime": record["started"], "LatestTime": now},
        "AllocatedStorage": source.allocated_storage,
        "Status": status,
        "Port": source.port,
        "Engine": source.engine,
        "EngineVersion": source.engine_version,
        "Encrypted": bool(source.storage_encrypted),
        "KmsKeyId": record.get("kms_key_id"),
        "BackupRetentionPeriod": record["retention"],
        "DBInstanceAutomatedBackupsArn": record["backup_arn"],
        "InstanceCreateTime": record["started"],
        "MasterUsername": source.master_username,
        "StorageType": source.storage_type,
    }


def start_db_instance_automated_backups_replication(self: Any) -> Any:
    from moto.core.responses import ActionResult
    from moto.rds.exceptions import RDSClientError

    arn = self.params.get("SourceDBInstanceArn")
    source = _source_instance(arn)
    source_region, account, _ = _parse_arn(arn)
    if source_region == self.region:
        raise RDSClientError(
            "InvalidParameterValue", "The source and destination regions must differ."
        )
    if not source.backup_retention_period:
        raise RDSClientError(
            "InvalidDBInstanceState",
            f"Automated backups are not enabled for {source.db_instance_identifier}.",
        )
    key = (account, self.region)
    with _lock:
        existing = _records(*key)
        if arn in existing:
            raise RDSClientError(
                "InvalidDBInstanceAutomatedBackupState",
                f"Automated backups of {source.db_instance_identifier} are already "
                f"replicated to {self.region}.",
            )
        resource = getattr(source, "dbi_resource_id", source.db_instance_identifier)
        record = {
            "source_arn": arn,
            "source_region": source_region,
            "instance": source,
            "retention": int(self.params.get("BackupRetentionPeriod") or 7),
            "kms_key_id": self.params.get("KmsKeyId"),
            "started": datetime.now(UTC),
            "backup_arn": f"arn:aws:rds:{self.region}:{account}:auto-backup:ab-{resource}".lower(),
        }
        existing[arn] = record
    return ActionResult({"DBInstanceAutomatedBackup": _shape(record, "replicating")})


def stop_db_instance_automated_backups_replication(self: Any) -> Any:
    from moto.core.responses import ActionResult
    from moto.rds.exceptions import DBInstanceNotFoundError

    arn = self.params.get("SourceDBInstanceArn")
    _, account, instance_id = _parse_arn(arn)
    with _lock:
        record = _records(account, self.region).pop(arn, None)
    if record is None:
        raise DBInstanceNotFoundError(instance_id)
    return ActionResult({"DBInstanceAutomatedBackup": _shape(record, "retained")})


def _replicated_here(response: Any) -> list[dict[str, Any]]:
    with _lock:
        records = list(_records(response.current_account, response.region).values())
    wanted_arn = response.params.get("DBInstanceAutomatedBackupsArn")
    wanted_id = response.params.get("DBInstanceIdentifier")
    return [
        _shape(r, "replicating")
        for r in records
        if (not wanted_arn or r["backup_arn"] == wanted_arn)
        and (not wanted_id or r["instance"].db_instance_identifier == wanted_id)
    ]


def _wrap_describe(original: Any) -> Any:
    def describe_db_instance_automated_backups(self: Any) -> Any:
        from moto.core.responses import ActionResult

        replicated = _replicated_here(self)
        if self.params.get("DBInstanceAutomatedBackupsArn"):
            if not replicated:
                from moto.rds.exceptions import RDSClientError

                raise RDSClientError(
                    "DBInstanceAutomatedBackupNotFound",
                    f"No automated backup {self.params['DBInstanceAutomatedBackupsArn']}",
                )
            return ActionResult({"DBInstanceAutomatedBackups": replicated})
        native = original(self)
        return _merge(native, replicated)

    return describe_db_instance_automated_backups


def _merge(native: Any, replicated: list[dict[str, Any]]) -> Any:
    from moto.core.responses import ActionResult

    existing = list(getattr(native, "result", {}).get("DBInstanceAutomatedBackups", []) or [])
    return ActionResult({"DBInstanceAutomatedBackups": [*existing, *replicated]})


def _wrap_restore(original: Any) -> Any:
    def restore_db_instance_to_point_in_time(self: Any) -> Any:
        from moto.core.responses import ActionResult
        from moto.rds.exceptions import RDSClientError

        backup_arn = self.params.get("SourceDBInstanceAutomatedBackupsArn")
        if not backup_arn:
            return original(self)
        with _lock:
            records = _records(self.current_account, self.region).values()
            record = next((r for r in records if r["backup_arn"] == backup_arn), None)
        if record is None:
            raise RDSClientError(
                "DBInstanceAutomatedBackupNotFound", f"No automated backup {backup_arn}"
            )
        source = record["instance"]
        props: dict[str, Any] = {}
        for key, value in source.__dict__.items():
            key = key.lstrip("_")
            # Placement is the destination Region's: the default VPC, its default security
            # group and the default parameter group unless the request names them.
            if key in (
                "backend",
                "db_subnet_group",
                "db_subnet_group_name",
                "vpc_security_group_ids",
                "db_parameter_group_name",
                "max_allocated_storage",
                "replicas",
            ) or key.startswith("drctl_"):
                continue
            props[key] = copy.deepcopy(value)
        props.pop("option_group_name", None)
        props.pop("source_db_instance_identifier", None)
        props.pop("source_db_identifier", None)
        props["db_name"] = source.db_name
        props["availability_zone"] = f"{self.region}a"
        props["db_instance_identifier"] = self.params["TargetDBInstanceIdentifier"]
        if record.get("kms_key_id"):
            props["kms_key_id"] = record["kms_key_id"]
        for key, value in self.params.items():
            snake = {
                "DBInstanceClass": "db_instance_class",
                "Tags": "tags",
                "DeletionProtection": "deletion_protection",
                "PubliclyAccessible": "publicly_accessible",
                "MultiAZ": "multi_az",
                "DBSubnetGroupName": "db_subnet_group_name",
                "VpcSecurityGroupIds": "vpc_security_group_ids",
            }.get(key)
            if snake and value is not None:
                props[snake] = value
        instance = self.backend.create_db_instance(props)
        return ActionResult({"DBInstance": instance})

    return restore_db_instance_to_point_in_time


def install() -> None:
    if _patches.active:
        return
    from moto.rds.responses import RDSResponse

    _patches.replace(
        RDSResponse,
        "start_db_instance_automated_backups_replication",
        start_db_instance_automated_backups_replication,
    )
    _patches.replace(
        RDSResponse,
        "stop_db_instance_automated_backups_replication",
        stop_db_instance_automated_backups_replication,
    )
    _patches.replace(
        RDSResponse,
        "describe_db_instance_automated_backups",
        _wrap_describe(RDSResponse.describe_db_instance_automated_backups),
    )
    _patches.replace(
        RDSResponse,
        "restore_db_instance_to_point_in_time",
        _wrap_restore(RDSResponse.restore_db_instance_to_point_in_time),
    )


def uninstall() -> None:
    _patches.restore_all()


def is_installed() -> bool:
    return _patches.active
