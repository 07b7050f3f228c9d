"""AWS Backup's jobs as AWS runs them: scheduled backups, the cross-Region copies a plan's copy
rules make, recovery points, restores and deletions, over time -- none of which moto 5.2.5 has
(its backup backend keeps plans and vaults only, and never makes a recovery point).

Everything moves on the sandbox's AWS clock (:data:`drctl.kinds.sandboxing.aws_time`): a job
records when each transition is due and reports the state that is current when asked; nothing
jumps a state. Work that AWS does unasked (a plan's scheduled run, the copy its rule starts when
a backup completes, the table a finished restore creates) is brought up to date at the start of
every Backup request of the account (``_settle``), so each request sees what AWS would show.

Sources (AWS Backup API reference and Developer Guide; botocore ``backup`` model):

* ``StartBackupJob`` (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_StartBackupJob.html):
  returns ``BackupJobId`` and the ``RecoveryPointArn`` it will fill; a vault that does not
  exist is ``ResourceNotFoundException``. ``BackupJobState`` is ``CREATED`` -> ``RUNNING`` ->
  ``COMPLETED`` (``DescribeBackupJob``,
  https://docs.aws.amazon.com/aws-backup/latest/devguide/API_DescribeBackupJob.html). On-demand
  backups do not run a plan's copy rules; a plan's scheduled backups do.
* Backup plans (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_BackupRule.html):
  each rule runs on its ``ScheduleExpression`` (AWS cron, UTC: ``schedule.py``; a rule
  without one on ``cron(0 5 ? * * *)``; an expression AWS Backup refuses is
  ``InvalidParameterValueException`` at ``CreateBackupPlan``, as is a ``StartWindowMinutes``
  under 60) for the resources its plan's selections assign (``CreateBackupSelection``,
  https://docs.aws.amazon.com/aws-backup/latest/devguide/API_CreateBackupSelection.html):
  by ARN and by tag (``selection.py``), over the DynamoDB tables, RDS DB instances and
  clusters, EFS file systems, EBS volumes and EC2 instances of moto's backends; a completed
  backup starts one copy job per ``CopyActions`` entry
  (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_CopyAction.html).
  ``DeleteBackupPlan`` of a plan that still has selections is ``InvalidRequestException``
  (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_DeleteBackupPlan.html: "Deletion is
  only possible if all related backup selections have been deleted").
* What a recovery point holds: a DynamoDB table's key schema, attribute definitions, billing
  mode and items; an RDS DB instance's engine, class, storage and database settings; an EFS
  file system's performance and throughput modes and encryption. A copy holds the same.
* Copy jobs (``ListCopyJobs``, ``DescribeCopyJob``, ``StartCopyJob``,
  https://docs.aws.amazon.com/aws-backup/latest/devguide/API_CopyJob.html): ``CopyJobState`` is
  ``CREATED`` -> ``RUNNING`` -> ``COMPLETED`` (or ``FAILED`` with a ``StatusMessage``: here when
  the destination vault does not exist); a cross-Region copy job is listed in the source
  Region; the copy is a recovery point of the destination vault whose ``SourceBackupVaultArn``
  names the source vault and whose ``ResourceArn`` is the original resource's.
* Recovery points (``ListRecoveryPointsByBackupVault``, ``DescribeRecoveryPoint``,
  https://docs.aws.amazon.com/aws-backup/latest/devguide/API_DescribeRecoveryPoint.html):
  ``Status`` ``CREATING`` while its job runs, then ``COMPLETED``; ``DeleteRecoveryPoint``
  (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_DeleteRecoveryPoint.html) makes it
  ``DELETING`` before it is gone; deleting one still ``CREATING`` is
  ``InvalidResourceStateException``. A vault or recovery point that does not exist is
  ``ResourceNotFoundException``.
* Restores (``StartRestoreJob``, ``DescribeRestoreJob``, ``GetRecoveryPointRestoreMetadata``,
  https://docs.aws.amazon.com/aws-backup/latest/devguide/API_StartRestoreJob.html,
  https://docs.aws.amazon.com/aws-backup/latest/devguide/API_DescribeRestoreJob.html,
  https://docs.aws.amazon.com/aws-backup/latest/devguide/API_GetRecoveryPointRestoreMetadata.html):
  status ``PENDING`` -> ``RUNNING`` -> ``COMPLETED`` with ``CreatedResourceArn`` (AWS's
  ``RestoreJobStatus`` has no ``CREATED``); a recovery point not ``COMPLETED`` is
  ``InvalidRequestException``. DynamoDB needs ``targetTableName``
  (https://docs.aws.amazon.com/aws-backup/latest/devguide/restoring-dynamodb.html) and gets
  the table with the backed-up items; RDS needs ``DBInstanceIdentifier`` and takes
  ``RestoreDBInstanceFromDBSnapshot``'s parameters (``DBInstanceClass``, ``Port``,
  ``MultiAZ``, ...; https://docs.aws.amazon.com/aws-backup/latest/devguide/restoring-rds.html);
  EFS restores into a new file system (``newFileSystem`` true,
  https://docs.aws.amazon.com/aws-backup/latest/devguide/restoring-efs.html). A resource of
  the target's name that exists fails the job; any other resource type fails it
  (``StatusMessage`` says so).

Durations (AWS gives none; the sandbox's choices): ``BACKUP_*_SECONDS``, ``COPY_*_SECONDS``,
``RESTORE_*_SECONDS``, ``DELETE_SECONDS`` below. A plan tagged ``drctl-sandbox-established:
true`` stands for one that has run for a long time: its schedule is run from
``ESTABLISHED_HOURS`` before it was created, so DR holds copies at once.

Not modelled: start and completion windows beyond the 60-minute floor (jobs start and end
well inside them); ``UpdateBackupPlan`` (moto has none); vault lock retention on deletion;
the content of an EFS file system or an RDS database (the restored one is new and empty of
data the sandbox never had); restores of EBS, EC2, Aurora, S3 and FSx (the job fails). A
scheduled backup holds the resource as the first Backup request after its start time finds
it (the sandbox settles lazily). A scheduled run while the plan's Region is out (the
sandbox's outage layer) does not happen.
"""

from __future__ import annotations

import copy
import json
import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, Final
from urllib.parse import unquote

from drctl.kinds.backup_vault.jobs import (
    BACKUP_RUN_SECONDS,
    BACKUP_START_SECONDS,
    COPY_RUN_SECONDS,
    COPY_START_SECONDS,
    DELETE_SECONDS,
    ESTABLISHED_HOURS,
    ESTABLISHED_TAG,
    RESTORE_PENDING_SECONDS,
    RESTORE_RUN_SECONDS,
    BackupJob,
    CopyJob,
    RecoveryPoint,
    RegionState,
    RestoreJob,
    next_run,
    resource_type,
    ts,
)
from drctl.kinds.backup_vault.schedule import ScheduleError, parse
from drctl.kinds.backup_vault.selection import names_only, selects
from drctl.kinds.sandboxing import PatchSet, aws_time, unreachable

__all__ = [
    "BACKUP_RUN_SECONDS",
    "BACKUP_START_SECONDS",
    "COPY_RUN_SECONDS",
    "COPY_START_SECONDS",
    "DELETE_SECONDS",
    "ESTABLISHED_HOURS",
    "ESTABLISHED_TAG",
    "RESTORE_PENDING_SECONDS",
    "RESTORE_RUN_SECONDS",
    "install",
    "is_installed",
    "uninstall",
]


_patches = PatchSet()
_lock = threading.RLock()

# What a backup of an RDS DB instance keeps (moto's DBInstance attributes), what an EFS one
# keeps, and the restore metadata keys (RestoreDBInstanceFromDBSnapshot's parameters) that
# override them.
RDS_FIELDS: Final = (
    "engine", "engine_version", "db_instance_class", "allocated_storage", "storage_type",
    "db_name", "master_username", "port", "storage_encrypted",
    "license_model", "multi_az", "iops", "copy_tags_to_snapshot",
)  # fmt: skip
EFS_FIELDS: Final = (
    "performance_mode", "throughput_mode", "encrypted", "provisioned_throughput_in_mibps",
)  # fmt: skip
RDS_METADATA: Final = {
    "DBInstanceClass": "db_instance_class", "Engine": "engine",
    "EngineVersion": "engine_version", "Port": "port", "MultiAZ": "multi_az",
    "AllocatedStorage": "allocated_storage", "StorageType": "storage_type", "DBName": "db_name",
    "LicenseModel": "license_model", "DBSubnetGroupName": "db_subnet_group_name",
}  # fmt: skip
# The metadata StartRestoreJob needs, by resource type.
REQUIRED_METADATA: Final = {"DynamoDB": "targetTableName", "RDS": "DBInstanceIdentifier"}


def _unsupported(resource_type: str) -> str:
    return (
        f"Restore of resource type {resource_type} is not supported by the sandbox "
        "(it restores DynamoDB, RDS and EFS recovery points)."
    )


def _region_of(arn: str) -> str:
    return arn.split(":")[3]


def _vault_name_of(arn: str) -> str:
    return arn.rsplit(":", 1)[-1]


def _down(region: str, when: datetime) -> bool:
    """Whether AWS Backup in ``region`` was out at ``when`` (the sandbox's outage layer)."""
    return any(
        start <= when and (end is None or when < end)
        for start, end in unreachable.periods("backup", region)
    )


def _state(backend: Any) -> RegionState:
    state = backend.__dict__.get("_drctl_jobs")
    if state is None:
        state = backend.__dict__["_drctl_jobs"] = RegionState()
    return state  # type: ignore[no-any-return]


def _backends(account: str) -> dict[str, Any]:
    """Every Region's backup backend of ``account`` that exists."""
    from moto.backup.models import backup_backends

    return dict(dict.items(backup_backends[account]))


def _backend(account: str, region: str) -> Any:
    from moto.backup.models import backup_backends

    return backup_backends[account][region]


# --------------------------------------------------------------------------- what AWS does unasked


class _RestoreFailed(Exception):
    """A restore job's failure: its message is the job's ``StatusMessage``."""


def _table_name(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def _capture_dynamodb(account: str, region: str, arn: str) -> dict[str, Any] | None:
    """The table's definition and its items now (a DynamoDB backup is the whole table)."""
    from moto.dynamodb.models import dynamodb_backends

    table = dynamodb_backends[account][region].tables.get(_table_name(arn))
    if table is None:
        return None
    desc = table.describe(base_key="Table")["Table"]
    items = [copy.deepcopy(item.to_json()["Attributes"]) for item in table.all_items()]
    return {
        "KeySchema": desc.get("KeySchema"),
        "AttributeDefinitions": desc.get("AttributeDefinitions"),
        "BillingMode": (desc.get("BillingModeSummary") or {}).get("BillingMode"),
        "ProvisionedThroughput": {
            k: v
            for k, v in (desc.get("ProvisionedThroughput") or {}).items()
            if k in ("ReadCapacityUnits", "WriteCapacityUnits")
        },
        "Items": items,
    }


def _capture_rds(account: str, region: str, arn: str) -> dict[str, Any] | None:
    """The DB instance's engine and storage settings (a DB snapshot of it)."""
    from moto.rds.models import rds_backends

    db = rds_backends[account][region].databases.get(arn.rsplit(":", 1)[-1])
    if db is None:
        return None
    return {"Instance": {field: copy.copy(getattr(db, field, None)) for field in RDS_FIELDS}}


def _capture_efs(account: str, region: str, arn: str) -> dict[str, Any] | None:
    from moto.efs.models import efs_backends

    found = efs_backends[account][region].file_systems_by_id.get(_table_name(arn))
    if found is None:
        return None
    return {"FileSystem": {field: getattr(found, field, None) for field in EFS_FIELDS}}


_CAPTURE: Final = {"DynamoDB": _capture_dynamodb, "RDS": _capture_rds, "EFS": _capture_efs}


def _snapshot(account: str, region: str, arn: str, resource_type: str) -> dict[str, Any] | None:
    """What a backup of ``arn`` holds; None: no such resource. Types the sandbox does not
    model are backed up holding nothing (their restores fail)."""
    capture = _CAPTURE.get(resource_type)
    if capture is None:
        return {}
    if _region_of(arn) != region:
        return None
    return capture(account, region, arn)


def _restore_metadata(point: RecoveryPoint) -> dict[str, str]:
    """``GetRecoveryPointRestoreMetadata``: the source's settings, as strings, that
    ``StartRestoreJob`` takes back (changed where the restore should differ)."""
    name = _table_name(point.resource_arn)
    if point.resource_type == "DynamoDB":
        return {"originalTableName": name, "targetTableName": name}
    if point.resource_type == "RDS":
        db = point.snapshot.get("Instance") or {}
        found = {
            "DBInstanceIdentifier": point.resource_arn.rsplit(":", 1)[-1],
            "DBInstanceClass": db.get("db_instance_class"),
            "Engine": db.get("engine"),
            "EngineVersion": db.get("engine_version"),
            "Port": db.get("port"),
            "MultiAZ": db.get("multi_az"),
            "AllocatedStorage": db.get("allocated_storage"),
            "StorageType": db.get("storage_type"),
            "DBName": db.get("db_name"),
            "LicenseModel": db.get("license_model"),
        }
        return {
            k: str(v).lower() if isinstance(v, bool) else str(v)
            for k, v in found.items()
            if v is not None
        }
    if point.resource_type == "EFS":
        fs = point.snapshot.get("FileSystem") or {}
        return {
            "file-system-id": name,
            "newFileSystem": "true",
            "Encrypted": str(bool(fs.get("encrypted"))).lower(),
            "PerformanceMode": str(fs.get("performance_mode") or "generalPurpose"),
            "CreationToken": str(uuid.uuid4()),
        }
    return {}


def _restore_dynamodb(job: RestoreJob) -> str:
    from moto.dynamodb.models import dynamodb_backends

    target = str(job.metadata.get("targetTableName"))
    tables = dynamodb_backends[job.account][job.region]
    if target in tables.tables:
        raise _RestoreFailed(f"Table already exists: {target}")
    snap = job.point.snapshot
    billing = snap.get("BillingMode") or "PAY_PER_REQUEST"
    table = tables.create_table(
        target,
        schema=snap.get("KeySchema") or [],
        throughput=snap.get("ProvisionedThroughput") if billing == "PROVISIONED" else None,
        attr=snap.get("AttributeDefinitions") or [],
        global_indexes=None,
        indexes=None,
        streams=None,
        billing_mode=billing,
        sse_specification=None,
        tags=[],
        deletion_protection_enabled=False,
        warm_throughput=None,
    )
    for item in snap.get("Items") or []:
        table.put_item(copy.deepcopy(item))
    return str(table.table_arn)


def _restore_rds(job: RestoreJob) -> str:
    from moto.ec2.models import ec2_backends
    from moto.rds.models import rds_backends

    backend = rds_backends[job.account][job.region]
    target = str(job.metadata["DBInstanceIdentifier"])
    if target in backend.databases:
        raise _RestoreFailed(f"DB instance already exists: {target}")
    props = {k: copy.copy(v) for k, v in (job.point.snapshot.get("Instance") or {}).items()}
    props = {k: v for k, v in props.items() if v is not None}
    for key, field in RDS_METADATA.items():
        value = job.metadata.get(key)
        if value not in (None, ""):
            props[field] = value
    for field in ("port", "allocated_storage"):
        if field in props:
            props[field] = int(props[field])
    if "multi_az" in props:
        props["multi_az"] = str(props["multi_az"]).lower() == "true"
    ec2 = ec2_backends[job.account][job.region]
    default = ec2.get_default_security_group(ec2.default_vpc.id)
    props.update(
        db_instance_identifier=target,
        availability_zone=f"{job.region}a",
        vpc_security_group_ids=[default.id] if default is not None else [],
        kms_key_id=job.point.key_arn if props.get("storage_encrypted") else None,
        tags=[],
    )
    try:
        instance = backend.create_db_instance(props)
    except Exception as exc:  # moto's validation of the metadata: the job fails with it
        raise _RestoreFailed(f"RestoreDBInstanceFromDBSnapshot failed: {exc}") from exc
    return str(instance.db_instance_arn)


def _restore_efs(job: RestoreJob) -> str:
    from moto.efs.models import efs_backends

    if str(job.metadata.get("newFileSystem", "")).lower() != "true":
        raise _RestoreFailed(
            "The sandbox restores an EFS recovery point into a new file system only "
            "(newFileSystem true)."
        )
    fs = job.point.snapshot.get("FileSystem") or {}
    encrypted = str(job.metadata.get("Encrypted", fs.get("encrypted"))).lower() == "true"
    created = efs_backends[job.account][job.region].create_file_system(
        creation_token=str(job.metadata.get("CreationToken") or job.job_id),
        performance_mode=str(job.metadata.get("PerformanceMode") or fs.get("performance_mode")),
        encrypted=encrypted,
        kms_key_id=str(job.metadata.get("KmsKeyId") or job.point.key_arn) if encrypted else "",
        throughput_mode=str(fs.get("throughput_mode") or "bursting"),
        provisioned_throughput_in_mibps=fs.get("provisioned_throughput_in_mibps") or 0,
        availability_zone_name="",
        backup=False,
        tags=[],
    )
    return str(created.file_system_arn)


_RESTORE: Final = {"DynamoDB": _restore_dynamodb, "RDS": _restore_rds, "EFS": _restore_efs}


def _vault(account: str, region: str, name: str) -> Any | None:
    return _backend(account, region).vaults.get(name)


def _new_point(
    account: str,
    region: str,
    vault: Any,
    resource_arn: str,
    resource_type: str,
    created: datetime,
    completes: datetime,
    iam_role: str,
    **extra: Any,
) -> RecoveryPoint:
    arn = f"arn:aws:backup:{region}:{account}:recovery-point:{str(uuid.uuid4()).upper()}"
    point = RecoveryPoint(
        arn=arn,
        region=region,
        vault_name=vault.backup_vault_name,
        vault_arn=vault.backup_vault_arn,
        resource_arn=resource_arn,
        resource_type=resource_type,
        created=created,
        completes=completes,
        key_arn=vault.encryption_key_arn,
        iam_role=iam_role,
        **extra,
    )
    _state(_backend(account, region)).points[arn] = point
    return point


def _start_backup(
    account: str,
    region: str,
    vault_name: str,
    resource_arn: str,
    iam_role: str,
    created: datetime,
    plan_id: str | None = None,
    copy_actions: list[dict[str, Any]] | None = None,
) -> BackupJob:
    from moto.backup.exceptions import InvalidParameterValueException, ResourceNotFoundException

    vault = _vault(account, region, vault_name)
    if vault is None:
        raise ResourceNotFoundException(msg=f"Backup vault {vault_name} does not exist")
    kind = resource_type(resource_arn)
    if kind is None:
        raise InvalidParameterValueException(msg=f"Invalid resource ARN: {resource_arn}")
    job = BackupJob(
        job_id=str(uuid.uuid4()).upper(),
        region=region,
        account=account,
        vault_name=vault_name,
        vault_arn=vault.backup_vault_arn,
        point=None,  # type: ignore[arg-type]
        created=created,
        iam_role=iam_role,
        plan_id=plan_id,
        copy_actions=list(copy_actions or []),
    )
    snapshot = _snapshot(account, region, resource_arn, kind)
    if snapshot is None:
        job.failure = f"Resource {resource_arn} not found."
    job.point = _new_point(
        account,
        region,
        vault,
        resource_arn,
        kind,
        created,
        job.completes,
        iam_role,
        plan_id=plan_id,
        snapshot=snapshot or {},
    )
    if job.failure is not None:
        del _state(_backend(account, region)).points[job.point.arn]
    _state(_backend(account, region)).backup_jobs[job.job_id] = job
    return job


def _start_copy(
    account: str,
    region: str,
    source: RecoveryPoint,
    destination_arn: str,
    created: datetime,
    iam_role: str,
    backup_job: BackupJob | None = None,
) -> CopyJob:
    dest_region = _region_of(destination_arn)
    vault = _vault(account, dest_region, _vault_name_of(destination_arn))
    job = CopyJob(
        job_id=str(uuid.uuid4()).upper(),
        region=region,
        account=account,
        source=source,
        destination_vault_arn=destination_arn,
        destination=None,
        created=created,
        iam_role=iam_role,
        backup_job_id=backup_job.job_id if backup_job else None,
        plan_id=backup_job.plan_id if backup_job else None,
    )
    if vault is None:
        job.failure = (
            f"Copy job failed: the destination backup vault {destination_arn} does not exist."
        )
    else:
        job.destination = _new_point(
            account,
            dest_region,
            vault,
            source.resource_arn,
            source.resource_type,
            created,
            job.completes,
            iam_role,
            source_vault_arn=source.vault_arn,
            plan_id=job.plan_id,
            snapshot=dict(source.snapshot),
        )
    _state(_backend(account, region)).copy_jobs[job.job_id] = job
    return job


def _tags(pairs: Any) -> dict[str, str]:
    """Tags as a dict, from moto's ``[{"Key": .., "Value": ..}]`` (or lower-case) lists."""
    if isinstance(pairs, dict):
        return {str(k): str(v) for k, v in pairs.items()}
    return {
        str(p.get("Key", p.get("key"))): str(p.get("Value", p.get("value", "")))
        for p in pairs or []
    }


def _existing(backends: Any, account: str, region: str) -> Any | None:
    """The service's backend of the Region, None when nothing was ever made there."""
    return dict.get(dict.get(backends, account) or {}, region)


def _resources(account: str, region: str) -> list[tuple[str, dict[str, str]]]:
    """(ARN, tags) of every resource of the Region the sandbox's AWS Backup can assign by
    tag or wildcard: DynamoDB tables, RDS DB instances and clusters, EFS file systems, EBS
    volumes and EC2 instances."""
    from moto.dynamodb.models import dynamodb_backends
    from moto.ec2.models import ec2_backends
    from moto.efs.models import efs_backends
    from moto.rds.models import rds_backends

    found: list[tuple[str, dict[str, str]]] = []
    if (ddb := _existing(dynamodb_backends, account, region)) is not None:
        found += [(str(t.table_arn), _tags(t.tags)) for t in ddb.tables.values()]
    if (rds := _existing(rds_backends, account, region)) is not None:
        found += [(str(d.db_instance_arn), _tags(d.tags)) for d in rds.databases.values()]
        found += [(str(c.db_cluster_arn), _tags(c.tags)) for c in rds.clusters.values()]
    if (efs := _existing(efs_backends, account, region)) is not None:
        found += [
            (str(f.file_system_arn), _tags(efs.list_tags_for_resource(fid)))
            for fid, f in efs.file_systems_by_id.items()
        ]
    if (ec2 := _existing(ec2_backends, account, region)) is not None:
        prefix = f"arn:aws:ec2:{region}:{account}"
        found += [(f"{prefix}:volume/{vid}", _tags(v.get_tags())) for vid, v in ec2.volumes.items()]
        found += [(f"{prefix}:instance/{i.id}", _tags(i.get_tags())) for i in ec2.all_instances()]
    return found


def _by_name_only(selection: dict[str, Any]) -> bool:
    """A selection that names ARNs outright (no wildcard, no tag): no listing needed."""
    resources = selection.get("Resources") or []
    return bool(resources) and not (
        selection.get("ListOfTags")
        or any((selection.get("Conditions") or {}).values())
        or any("*" in str(r) for r in resources)
    )


def _selected(account: str, region: str, state: RegionState, plan_id: str) -> list[tuple[str, str]]:
    """(resource ARN, role) of every resource the plan's selections assign now."""
    found: list[tuple[str, str]] = []
    listed: list[tuple[str, dict[str, str]]] | None = None
    for entry in state.selections.get(plan_id, {}).values():
        selection = entry["BackupSelection"]
        role = selection["IamRoleArn"]
        arns = names_only(selection)
        if not _by_name_only(selection):
            if listed is None:
                listed = _resources(account, region)
            known = {arn for arn, _ in listed}
            arns = [a for a in arns if a not in known]
            arns += [arn for arn, tags in listed if selects(selection, arn, tags)]
        for arn in arns:
            if (arn, role) not in found:
                found.append((arn, role))
    return found


def _established(backend: Any, plan: Any) -> bool:
    tags = backend.list_tags(plan.backup_plan_arn) or {}
    return tags.get(ESTABLISHED_TAG) == "true"


def _run_schedules(account: str, region: str, backend: Any, now: datetime) -> None:
    state = _state(backend)
    for plan in list(backend.plans.values()):
        if plan.deletion_date is not None:
            continue
        # Runs back up what the plan's selections assign: none before its first selection
        # (an established plan has had it for ESTABLISHED_HOURS already).
        created = state.selected_since.get(plan.backup_plan_id)
        if created is None:
            continue
        if _established(backend, plan):
            created -= timedelta(hours=ESTABLISHED_HOURS)
        for rule in plan.backup_plan.get("Rules", []):
            key = (plan.backup_plan_id, rule["RuleId"])
            last = state.last_run.get(key, created)
            while True:
                due = next_run(rule.get("ScheduleExpression", ""), last)
                if due is None or due > now:
                    break
                last = due
                if _down(region, due):
                    continue
                for arn, role in _selected(account, region, state, plan.backup_plan_id):
                    try:
                        _start_backup(
                            account,
                            region,
                            rule["TargetBackupVaultName"],
                            arn,
                            role,
                            due,
                            plan_id=plan.backup_plan_id,
                            copy_actions=rule.get("CopyActions") or [],
                        )
                    except Exception:  # a vault deleted since: AWS skips the run
                        continue
            state.last_run[key] = last


def _run_copies(account: str, region: str, backend: Any, now: datetime) -> None:
    for job in list(_state(backend).backup_jobs.values()):
        if job.copies_started or job.state(now) not in ("COMPLETED", "FAILED"):
            continue
        job.copies_started = True
        if job.state(now) == "FAILED" or _down(region, job.completes):
            continue
        for action in job.copy_actions:
            _start_copy(
                account,
                region,
                job.point,
                action["DestinationBackupVaultArn"],
                job.completes,
                job.iam_role,
                backup_job=job,
            )


def _run_restores(backend: Any, now: datetime) -> None:
    """A restore job that has run its course makes its resource (or fails saying why)."""
    for job in _state(backend).restore_jobs.values():
        if job.settled or now < job.completes:
            continue
        job.settled = True
        if job.failure is not None:
            continue
        restore = _RESTORE.get(job.point.resource_type)
        if restore is None:
            job.failure = _unsupported(job.point.resource_type)
            continue
        try:
            job.created_arn = restore(job)
        except _RestoreFailed as exc:
            job.failure = str(exc)


def _settle(account: str) -> None:
    """Bring every Region's jobs of ``account`` up to the AWS clock's now."""
    now = aws_time.now()
    with _lock:
        backends = _backends(account)
        for region, backend in backends.items():
            _run_schedules(account, region, backend, now)
        for region, backend in backends.items():
            _run_copies(account, region, backend, now)
        for backend in backends.values():
            _run_restores(backend, now)
            state = _state(backend)
            for arn, point in list(state.points.items()):
                if point.gone(now):
                    del state.points[arn]


# --------------------------------------------------------------------------- the API


def _param(resp: Any, member: str, location: str | None = None) -> Any:
    """A request parameter: the query string (by location name), the JSON body, the URI."""
    if location is not None:
        value = resp.querystring.get(location)
        if value:
            return value[0]
    if resp.body:
        try:
            body = json.loads(resp.body)
        except ValueError:
            body = {}
        if isinstance(body, dict) and member in body:
            return body[member]
    match = getattr(resp, "uri_match", None) or {}
    if location is not None and location in match:
        return unquote(str(match[location]))
    return None


def _time_param(resp: Any, location: str) -> datetime | None:
    value = resp.querystring.get(location)
    if not value:
        return None
    text = str(value[0])
    try:
        return datetime.fromtimestamp(float(text), UTC)
    except ValueError:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _begin(resp: Any) -> tuple[str, str, Any, datetime]:
    account, region = resp.current_account, resp.region
    _settle(account)
    return account, region, _backend(account, region), aws_time.now()


def _in_window(resp: Any, when: datetime, prefix: str = "created") -> bool:
    after = _time_param(resp, f"{prefix}After")
    before = _time_param(resp, f"{prefix}Before")
    return (after is None or when >= after) and (before is None or when <= before)


def _not_found(what: str) -> Exception:
    from moto.backup.exceptions import ResourceNotFoundException

    return ResourceNotFoundException(msg=what)


def _start_backup_job(self: Any) -> str:
    from moto.backup.exceptions import InvalidParameterValueException

    account, region, _, now = _begin(self)
    role = _param(self, "IamRoleArn")
    arn = _param(self, "ResourceArn")
    if not role or not arn:
        raise InvalidParameterValueException(msg="ResourceArn and IamRoleArn are required")
    with _lock:
        job = _start_backup(account, region, _param(self, "BackupVaultName"), arn, role, now)
    return json.dumps(
        {
            "BackupJobId": job.job_id,
            "RecoveryPointArn": job.point.arn,
            "CreationDate": ts(job.created),
            "IsParent": False,
        }
    )


def _describe_backup_job(self: Any) -> str:
    _, _, backend, now = _begin(self)
    job_id = _param(self, "BackupJobId", "backupJobId") or self.path.rstrip("/").split("/")[-1]
    job = _state(backend).backup_jobs.get(job_id)
    if job is None:
        raise _not_found(f"Backup job {job_id} not found")
    return json.dumps(job.as_dict(now))


def _list_backup_jobs(self: Any) -> str:
    _, _, backend, now = _begin(self)
    jobs = [
        j.as_dict(now)
        for j in _state(backend).backup_jobs.values()
        if _in_window(self, j.created)
        and _param(self, "ByResourceArn", "resourceArn") in (None, j.point.resource_arn)
        and _param(self, "ByState", "state") in (None, j.state(now))
        and _param(self, "ByBackupVaultName", "backupVaultName") in (None, j.vault_name)
    ]
    return json.dumps({"BackupJobs": jobs})


def _start_copy_job(self: Any) -> str:
    from moto.backup.exceptions import InvalidRequestException

    account, region, backend, now = _begin(self)
    arn = _param(self, "RecoveryPointArn")
    vault = _param(self, "SourceBackupVaultName")
    point = _state(backend).points.get(arn)
    if point is None or point.vault_name != vault:
        raise _not_found(f"Recovery point {arn} not found in backup vault {vault}")
    if point.status(now) != "COMPLETED":
        raise InvalidRequestException(
            msg=f"Recovery point {arn} is {point.status(now)}: only a COMPLETED recovery point "
            "can be copied"
        )
    with _lock:
        job = _start_copy(
            account,
            region,
            point,
            _param(self, "DestinationBackupVaultArn"),
            now,
            _param(self, "IamRoleArn") or point.iam_role,
        )
    return json.dumps({"CopyJobId": job.job_id, "CreationDate": ts(job.created), "IsParent": False})


def _describe_copy_job(self: Any) -> str:
    _, _, backend, now = _begin(self)
    job_id = _param(self, "CopyJobId", "copyJobId") or self.path.rstrip("/").split("/")[-1]
    job = _state(backend).copy_jobs.get(job_id)
    if job is None:
        raise _not_found(f"Copy job {job_id} not found")
    return json.dumps({"CopyJob": job.as_dict(now)})


def _list_copy_jobs(self: Any) -> str:
    _, _, backend, now = _begin(self)
    jobs = [
        j.as_dict(now)
        for j in _state(backend).copy_jobs.values()
        if _in_window(self, j.created)
        and _param(self, "ByResourceArn", "resourceArn") in (None, j.source.resource_arn)
        and _param(self, "ByState", "state") in (None, j.state(now))
        and _param(self, "ByDestinationVaultArn", "destinationVaultArn")
        in (None, j.destination_vault_arn)
    ]
    return json.dumps({"CopyJobs": jobs})


def _vault_from_path(self: Any, backend: Any) -> Any:
    parts = self.path.split("/backup-vaults/", 1)[-1].split("/")
    name = unquote(parts[0])
    vault = backend.vaults.get(name)
    if vault is None:
        raise _not_found(f"Backup vault {name} does not exist")
    return vault


def _point_from_path(self: Any, backend: Any, now: datetime) -> RecoveryPoint:
    vault = _vault_from_path(self, backend)
    arn = unquote(self.path.split("/recovery-points/", 1)[-1].rstrip("/"))
    arn = arn.removesuffix("/restore-metadata")
    point = _state(backend).points.get(arn)
    if point is None or point.vault_name != vault.backup_vault_name:
        raise _not_found(f"Recovery point {arn} not found")
    return point


def _list_recovery_points(self: Any) -> str:
    _, _, backend, now = _begin(self)
    vault = _vault_from_path(self, backend)
    points = [
        p.as_dict(now)
        for p in _state(backend).points.values()
        if p.vault_name == vault.backup_vault_name
        and _in_window(self, p.created)
        and _param(self, "ByResourceArn", "resourceArn") in (None, p.resource_arn)
        and _param(self, "ByResourceType", "resourceType") in (None, p.resource_type)
        and _param(self, "ByBackupPlanId", "backupPlanId") in (None, p.plan_id)
    ]
    return json.dumps({"RecoveryPoints": points})


def _describe_recovery_point(self: Any) -> str:
    _, _, backend, now = _begin(self)
    return json.dumps(_point_from_path(self, backend, now).as_dict(now))


def _delete_recovery_point(self: Any) -> str:
    from moto.backup.exceptions import BackupClientError

    _, _, backend, now = _begin(self)
    point = _point_from_path(self, backend, now)
    if point.status(now) == "CREATING":
        error = BackupClientError(
            "InvalidResourceStateException",
            f"Recovery point {point.arn} is being created: it can be deleted once COMPLETED",
        )
        raise error
    if point.deleting_since is None:
        point.deleting_since = now
    return "{}"


def _start_restore_job(self: Any) -> str:
    from moto.backup.exceptions import InvalidParameterValueException, InvalidRequestException

    account, region, backend, now = _begin(self)
    arn = _param(self, "RecoveryPointArn")
    point = _state(backend).points.get(arn)
    if point is None:
        raise _not_found(f"Recovery point {arn} not found")
    if point.status(now) != "COMPLETED":
        raise InvalidRequestException(
            msg=f"Recovery point {arn} is {point.status(now)}: only a COMPLETED recovery point "
            "can be restored"
        )
    metadata = {str(k): v for k, v in (_param(self, "Metadata") or {}).items()}
    required = REQUIRED_METADATA.get(point.resource_type)
    if required and not metadata.get(required):
        raise InvalidParameterValueException(
            msg=f"Metadata {required} is required to restore a {point.resource_type} recovery point"
        )
    failure = None if point.resource_type in _RESTORE else _unsupported(point.resource_type)
    job = RestoreJob(
        job_id=str(uuid.uuid4()).upper(),
        region=region,
        account=account,
        point=point,
        created=now,
        iam_role=_param(self, "IamRoleArn") or point.iam_role,
        target=metadata.get("targetTableName"),
        failure=failure,
        metadata=metadata,
    )
    point.last_restore = now
    with _lock:
        _state(backend).restore_jobs[job.job_id] = job
    return json.dumps({"RestoreJobId": job.job_id})


def _get_recovery_point_restore_metadata(self: Any) -> str:
    _, _, backend, now = _begin(self)
    point = _point_from_path(self, backend, now)
    return json.dumps(
        {
            "BackupVaultArn": point.vault_arn,
            "RecoveryPointArn": point.arn,
            "ResourceType": point.resource_type,
            "RestoreMetadata": _restore_metadata(point),
        }
    )


def _describe_restore_job(self: Any) -> str:
    _, _, backend, now = _begin(self)
    job_id = _param(self, "RestoreJobId", "restoreJobId") or self.path.rstrip("/").split("/")[-1]
    job = _state(backend).restore_jobs.get(job_id)
    if job is None:
        raise _not_found(f"Restore job {job_id} not found")
    return json.dumps(job.as_dict(now))


def _list_restore_jobs(self: Any) -> str:
    _, _, backend, now = _begin(self)
    jobs = [
        j.as_dict(now)
        for j in _state(backend).restore_jobs.values()
        if _in_window(self, j.created)
        and _param(self, "ByStatus", "status") in (None, j.status(now))
    ]
    return json.dumps({"RestoreJobs": jobs})


# --------------------------------------------------------------------------- selections, plans


def _plan_id_from_path(self: Any) -> str:
    return unquote(self.path.split("/backup/plans/", 1)[-1].split("/")[0])


def _live_plan(backend: Any, plan_id: str) -> Any:
    plan = backend.plans.get(plan_id)
    if plan is None or plan.deletion_date is not None:
        raise _not_found(f"Backup plan {plan_id} not found")
    return plan


def _create_backup_selection(self: Any) -> str:
    from moto.backup.exceptions import AlreadyExistsException, InvalidParameterValueException

    _, _, backend, now = _begin(self)
    plan_id = _plan_id_from_path(self)
    _live_plan(backend, plan_id)
    selection = _param(self, "BackupSelection") or {}
    if not selection.get("SelectionName") or not selection.get("IamRoleArn"):
        raise InvalidParameterValueException(msg="SelectionName and IamRoleArn are required")
    own = _state(backend).selections.setdefault(plan_id, {})
    if any(
        s["BackupSelection"]["SelectionName"] == selection["SelectionName"] for s in own.values()
    ):
        raise AlreadyExistsException(msg=f"Selection {selection['SelectionName']} already exists")
    selection_id = str(uuid.uuid4())
    _state(backend).selected_since.setdefault(plan_id, now)
    own[selection_id] = {
        "BackupSelection": selection,
        "SelectionId": selection_id,
        "BackupPlanId": plan_id,
        "CreationDate": ts(now),
        "CreatorRequestId": _param(self, "CreatorRequestId") or "",
    }
    return json.dumps(
        {"SelectionId": selection_id, "BackupPlanId": plan_id, "CreationDate": ts(now)}
    )


def _list_backup_selections(self: Any) -> str:
    _, _, backend, _now = _begin(self)
    plan_id = _plan_id_from_path(self)
    _live_plan(backend, plan_id)
    listed = [
        {
            "SelectionId": s["SelectionId"],
            "SelectionName": s["BackupSelection"]["SelectionName"],
            "BackupPlanId": plan_id,
            "CreationDate": s["CreationDate"],
            "IamRoleArn": s["BackupSelection"]["IamRoleArn"],
        }
        for s in _state(backend).selections.get(plan_id, {}).values()
    ]
    return json.dumps({"BackupSelectionsList": listed})


def _selection_from_path(self: Any, backend: Any) -> tuple[str, str, dict[str, Any]]:
    plan_id = _plan_id_from_path(self)
    selection_id = unquote(self.path.rstrip("/").rsplit("/", 1)[-1])
    found = _state(backend).selections.get(plan_id, {}).get(selection_id)
    if found is None:
        raise _not_found(f"Backup selection {selection_id} of plan {plan_id} not found")
    return plan_id, selection_id, found


def _get_backup_selection(self: Any) -> str:
    _, _, backend, _now = _begin(self)
    return json.dumps(_selection_from_path(self, backend)[2])


def _delete_backup_selection(self: Any) -> str:
    _, _, backend, _now = _begin(self)
    plan_id, selection_id, _found = _selection_from_path(self, backend)
    del _state(backend).selections[plan_id][selection_id]
    return "{}"


_original_create_plan: Any = None
_original_delete_plan: Any = None


def _refuse_bad_rules(backup_plan: dict[str, Any]) -> None:
    """AWS Backup refuses a rule whose schedule it cannot run (``schedule.parse``) or whose
    start window is under an hour (BackupRule: "If this value is included, it must be at
    least 60 minutes")."""
    from moto.backup.exceptions import InvalidParameterValueException

    for rule in backup_plan.get("Rules") or []:
        expression = rule.get("ScheduleExpression")
        try:
            parse(expression)
        except ScheduleError as exc:
            raise InvalidParameterValueException(
                msg=f"Invalid schedule expression {expression!r} in rule "
                f"{rule.get('RuleName')}: {exc}"
            ) from exc
        window = rule.get("StartWindowMinutes")
        if window is not None and int(window) < 60:
            raise InvalidParameterValueException(
                msg=f"StartWindowMinutes of rule {rule.get('RuleName')} must be at least 60"
            )


def _create_backup_plan(self: Any, backup_plan: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
    """A deleted plan's name can be used again (moto refuses it)."""
    from moto.backup.exceptions import AlreadyExistsException

    _refuse_bad_rules(backup_plan)
    name = backup_plan["BackupPlanName"]
    if any(
        p.backup_plan.get("BackupPlanName") == name and p.deletion_date is None
        for p in self.plans.values()
    ):
        raise AlreadyExistsException(msg="Backup plan with the same plan document already exists")
    hidden = {
        pid: p for pid, p in self.plans.items() if p.backup_plan.get("BackupPlanName") == name
    }
    for pid in hidden:
        del self.plans[pid]
    try:
        return _original_create_plan(self, backup_plan, *args, **kwargs)
    finally:
        self.plans.update(hidden)


def _delete_backup_plan(self: Any, backup_plan_id: str) -> Any:
    """Refused while the plan has selections; a plan already deleted is not found."""
    from moto.backup.exceptions import InvalidRequestException

    plan = self.plans.get(backup_plan_id)
    if plan is None or plan.deletion_date is not None:
        raise _not_found(f"Backup plan {backup_plan_id} not found")
    if _state(self).selections.get(backup_plan_id):
        raise InvalidRequestException(
            msg="Related backup plan selections must be deleted prior to backup plan deletion"
        )
    return _original_delete_plan(self, backup_plan_id)


_METHODS: Final = {
    "start_backup_job": _start_backup_job,
    "describe_backup_job": _describe_backup_job,
    "list_backup_jobs": _list_backup_jobs,
    "start_copy_job": _start_copy_job,
    "describe_copy_job": _describe_copy_job,
    "list_copy_jobs": _list_copy_jobs,
    "list_recovery_points_by_backup_vault": _list_recovery_points,
    "describe_recovery_point": _describe_recovery_point,
    "delete_recovery_point": _delete_recovery_point,
    "get_recovery_point_restore_metadata": _get_recovery_point_restore_metadata,
    "start_restore_job": _start_restore_job,
    "describe_restore_job": _describe_restore_job,
    "list_restore_jobs": _list_restore_jobs,
    "create_backup_selection": _create_backup_selection,
    "list_backup_selections": _list_backup_selections,
    "get_backup_selection": _get_backup_selection,
    "delete_backup_selection": _delete_backup_selection,
}
# Both with and without the trailing slash: botocore sends ``/backup-jobs`` for StartBackupJob
# and ``/backup-jobs/`` for ListBackupJobs, and the server's routes match slashes exactly.
_PATHS: Final = (
    r"{0}/backup-jobs$",
    r"{0}/backup-jobs/$",
    r"{0}/backup-jobs/(?P<backupJobId>[^/]+)$",
    r"{0}/copy-jobs$",
    r"{0}/copy-jobs/$",
    r"{0}/copy-jobs/(?P<copyJobId>[^/]+)$",
    r"{0}/restore-jobs$",
    r"{0}/restore-jobs/$",
    r"{0}/restore-jobs/(?P<restoreJobId>[^/]+)$",
    r"{0}/backup-vaults/(?P<backupVaultName>[^/]+)/recovery-points/$",
    r"{0}/backup-vaults/(?P<backupVaultName>[^/]+)/recovery-points/(?P<recoveryPointArn>.+)$",
    r"{0}/backup/plans/(?P<backupPlanId>[^/]+)/selections/$",
    r"{0}/backup/plans/(?P<backupPlanId>[^/]+)/selections/(?P<selectionId>[^/]+)$",
)


def install() -> None:
    """Patch moto's AWS Backup; idempotent."""
    global _original_create_plan, _original_delete_plan
    if _patches.active:
        return
    from moto.backup import urls
    from moto.backup.models import BackupBackend
    from moto.backup.responses import BackupResponse

    _original_create_plan = BackupBackend.create_backup_plan
    _original_delete_plan = BackupBackend.delete_backup_plan
    _patches.replace(BackupBackend, "create_backup_plan", _create_backup_plan)
    _patches.replace(BackupBackend, "delete_backup_plan", _delete_backup_plan)
    for name, method in _METHODS.items():
        _patches.replace(BackupResponse, name, method)
    for path in _PATHS:
        _patches.add_item(urls.url_paths, path, BackupResponse.dispatch)


def uninstall() -> None:
    """Restore moto's AWS Backup."""
    _patches.restore_all()


def is_installed() -> bool:
    """Whether this extension is in effect."""
    return _patches.active


def settle(account: str) -> None:
    """Bring ``account``'s jobs up to now (tests and the sandbox builder read state directly)."""
    _settle(account)
