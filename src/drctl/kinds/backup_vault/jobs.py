"""The records of the sandbox's AWS Backup (``moto_backup_jobs``): recovery points and backup,
copy and restore jobs, each computing its state from when its transitions are due on the AWS
clock, and the cron schedules of backup rules. No moto here: the extension stores these on
moto's backends and serves them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar, Final

from drctl.kinds.backup_vault.schedule import ScheduleError, parse

BACKUP_START_SECONDS: Final = 60.0  # CREATED -> RUNNING
BACKUP_RUN_SECONDS: Final = 600.0  # RUNNING -> COMPLETED
COPY_START_SECONDS: Final = 60.0
COPY_RUN_SECONDS: Final = 900.0
RESTORE_PENDING_SECONDS: Final = 60.0  # PENDING -> RUNNING
RESTORE_RUN_SECONDS: Final = 540.0  # RUNNING -> COMPLETED
DELETE_SECONDS: Final = 60.0  # DELETING -> gone
ESTABLISHED_TAG: Final = "drctl-sandbox-established"
ESTABLISHED_HOURS: Final = 3

# Resource types by the service (and resource prefix) of an ARN.
TYPES: Final = (
    ("dynamodb", "table/", "DynamoDB"),
    ("rds", "db:", "RDS"),
    ("rds", "cluster:", "Aurora"),
    ("ec2", "volume/", "EBS"),
    ("ec2", "instance/", "EC2"),
    ("elasticfilesystem", "file-system/", "EFS"),
    ("s3", "", "S3"),
    ("fsx", "", "FSx"),
)


def resource_type(arn: str) -> str | None:
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return None
    for service, prefix, name in TYPES:
        if parts[2] == service and parts[5].startswith(prefix):
            return name
    return None


def ts(when: datetime | None) -> float | None:
    return None if when is None else when.timestamp()


# --------------------------------------------------------------------------- the records


@dataclass
class RecoveryPoint:
    arn: str
    region: str
    vault_name: str
    vault_arn: str
    resource_arn: str
    resource_type: str
    created: datetime
    completes: datetime
    key_arn: str | None
    iam_role: str
    plan_id: str | None = None
    source_vault_arn: str | None = None
    snapshot: dict[str, Any] = field(default_factory=dict)  # the resource as it was backed up
    deleting_since: datetime | None = None
    last_restore: datetime | None = None

    def status(self, now: datetime) -> str:
        if self.deleting_since is not None:
            return "DELETING"
        return "COMPLETED" if now >= self.completes else "CREATING"

    def gone(self, now: datetime) -> bool:
        return self.deleting_since is not None and now >= self.deleting_since + timedelta(
            seconds=DELETE_SECONDS
        )

    def as_dict(self, now: datetime) -> dict[str, Any]:
        status = self.status(now)
        dct: dict[str, Any] = {
            "RecoveryPointArn": self.arn,
            "BackupVaultName": self.vault_name,
            "BackupVaultArn": self.vault_arn,
            "ResourceArn": self.resource_arn,
            "ResourceType": self.resource_type,
            "ResourceName": self.resource_arn.rsplit("/", 1)[-1].rsplit(":", 1)[-1],
            "IamRoleArn": self.iam_role,
            "Status": status,
            "CreationDate": ts(self.created),
            "IsEncrypted": self.key_arn is not None,
            "StorageClass": "WARM",
            "VaultType": "BACKUP_VAULT",
        }
        if status == "COMPLETED":
            dct["CompletionDate"] = ts(self.completes)
            dct["BackupSizeInBytes"] = 1024 * 1024
        if self.key_arn:
            dct["EncryptionKeyArn"] = self.key_arn
        if self.source_vault_arn:
            dct["SourceBackupVaultArn"] = self.source_vault_arn
        if self.plan_id:
            dct["CreatedBy"] = {"BackupPlanId": self.plan_id}
        if self.last_restore:
            dct["LastRestoreTime"] = ts(self.last_restore)
        return dct


class _Timed:
    """The clock of a job: it starts ``start_seconds`` after it is created and runs for
    ``run_seconds``. One place, so that backup, copy and restore jobs keep the same clock."""

    start_seconds: ClassVar[float]
    run_seconds: ClassVar[float]
    created: datetime

    @property
    def starts(self) -> datetime:
        return self.created + timedelta(seconds=self.start_seconds)

    @property
    def completes(self) -> datetime:
        return self.starts + timedelta(seconds=self.run_seconds)


class _Job(_Timed):
    """Backup and copy jobs: CREATED, then FAILED as they start or RUNNING to COMPLETED; and
    the fields of their outcome, which both report alike."""

    failure: str | None
    plan_id: str | None

    def state(self, now: datetime) -> str:
        if now < self.starts:
            return "CREATED"
        if self.failure is not None:
            return "FAILED"
        return "RUNNING" if now < self.completes else "COMPLETED"

    def outcome(self, state: str) -> dict[str, Any]:
        """The fields a job's description adds as it completes or fails, and its plan."""
        dct: dict[str, Any] = {}
        if state == "COMPLETED":
            dct["CompletionDate"] = ts(self.completes)
            dct["BackupSizeInBytes"] = 1024 * 1024
        if state == "FAILED":
            dct["StatusMessage"] = self.failure
        if self.plan_id:
            dct["CreatedBy"] = {"BackupPlanId": self.plan_id}
        return dct


@dataclass
class BackupJob(_Job):
    job_id: str
    region: str
    account: str
    vault_name: str
    vault_arn: str
    point: RecoveryPoint
    created: datetime
    iam_role: str
    plan_id: str | None = None
    copy_actions: list[dict[str, Any]] = field(default_factory=list)
    failure: str | None = None
    copies_started: bool = False
    start_seconds: ClassVar[float] = BACKUP_START_SECONDS
    run_seconds: ClassVar[float] = BACKUP_RUN_SECONDS

    def as_dict(self, now: datetime) -> dict[str, Any]:
        state = self.state(now)
        dct: dict[str, Any] = {
            "AccountId": self.account,
            "BackupJobId": self.job_id,
            "BackupVaultName": self.vault_name,
            "BackupVaultArn": self.vault_arn,
            "RecoveryPointArn": self.point.arn,
            "ResourceArn": self.point.resource_arn,
            "ResourceType": self.point.resource_type,
            "CreationDate": ts(self.created),
            "State": state,
            "PercentDone": "100.0" if state == "COMPLETED" else "0.0",
            "IamRoleArn": self.iam_role,
            "StartBy": ts(self.created + timedelta(hours=8)),
            "BackupType": "",
            "IsParent": False,
        }
        return dct | self.outcome(state)


@dataclass
class CopyJob(_Job):
    job_id: str
    region: str  # the source Region, where it is listed
    account: str
    source: RecoveryPoint
    destination_vault_arn: str
    destination: RecoveryPoint | None  # None: failed before a copy was made
    created: datetime
    iam_role: str
    backup_job_id: str | None = None
    plan_id: str | None = None
    failure: str | None = None
    start_seconds: ClassVar[float] = COPY_START_SECONDS
    run_seconds: ClassVar[float] = COPY_RUN_SECONDS

    def as_dict(self, now: datetime) -> dict[str, Any]:
        state = self.state(now)
        dct: dict[str, Any] = {
            "AccountId": self.account,
            "CopyJobId": self.job_id,
            "SourceBackupVaultArn": self.source.vault_arn,
            "SourceRecoveryPointArn": self.source.arn,
            "DestinationBackupVaultArn": self.destination_vault_arn,
            "ResourceArn": self.source.resource_arn,
            "ResourceType": self.source.resource_type,
            "CreationDate": ts(self.created),
            "State": state,
            "IamRoleArn": self.iam_role,
            "IsParent": False,
        }
        if self.destination is not None:
            dct["DestinationRecoveryPointArn"] = self.destination.arn
        if state == "FAILED":
            dct["CompletionDate"] = ts(self.starts)
        if self.backup_job_id:
            dct["CreatedByBackupJobId"] = self.backup_job_id
        return dct | self.outcome(state)


@dataclass
class RestoreJob(_Timed):
    job_id: str
    region: str
    account: str
    point: RecoveryPoint
    created: datetime
    iam_role: str
    target: str | None  # DynamoDB targetTableName
    failure: str | None = None
    created_arn: str | None = None
    settled: bool = False  # the restored resource was made (or the job failed)
    metadata: dict[str, Any] = field(default_factory=dict)  # StartRestoreJob's Metadata
    start_seconds: ClassVar[float] = RESTORE_PENDING_SECONDS
    run_seconds: ClassVar[float] = RESTORE_RUN_SECONDS

    def status(self, now: datetime) -> str:
        if now < self.starts:
            return "PENDING"
        if now < self.completes:
            return "RUNNING"
        return "FAILED" if self.failure is not None else "COMPLETED"

    def as_dict(self, now: datetime) -> dict[str, Any]:
        status = self.status(now)
        dct: dict[str, Any] = {
            "AccountId": self.account,
            "RestoreJobId": self.job_id,
            "RecoveryPointArn": self.point.arn,
            "SourceResourceArn": self.point.resource_arn,
            "BackupVaultArn": self.point.vault_arn,
            "CreationDate": ts(self.created),
            "Status": status,
            "PercentDone": "100.00%" if status == "COMPLETED" else "0.00%",
            "IamRoleArn": self.iam_role,
            "ResourceType": self.point.resource_type,
            "RecoveryPointCreationDate": ts(self.point.created),
            "ExpectedCompletionTimeMinutes": int(
                (RESTORE_PENDING_SECONDS + RESTORE_RUN_SECONDS) // 60
            ),
            "IsParent": False,
        }
        if status in ("COMPLETED", "FAILED"):
            dct["CompletionDate"] = ts(self.completes)
        if status == "COMPLETED" and self.created_arn:
            dct["CreatedResourceArn"] = self.created_arn
        if status == "FAILED":
            dct["StatusMessage"] = self.failure
        return dct


@dataclass
class RegionState:
    """What one Region's AWS Backup holds beyond moto's plans and vaults."""

    points: dict[str, RecoveryPoint] = field(default_factory=dict)
    backup_jobs: dict[str, BackupJob] = field(default_factory=dict)
    copy_jobs: dict[str, CopyJob] = field(default_factory=dict)
    restore_jobs: dict[str, RestoreJob] = field(default_factory=dict)
    selections: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # plan id
    last_run: dict[tuple[str, str], datetime] = field(default_factory=dict)  # (plan, rule)
    selected_since: dict[str, datetime] = field(default_factory=dict)  # plan id: 1st selection


def next_run(expression: str | None, after: datetime) -> datetime | None:
    """The first time strictly after ``after`` that the rule's schedule fires (None: never
    again, or an expression AWS Backup refuses -- ``CreateBackupPlan`` keeps those out)."""
    try:
        return parse(expression).next_after(after)
    except ScheduleError:
        return None
