"""``backup-vault``: AWS Backup copies of resources in a vault of regions.dr.

Readiness: the backup plan copies the primary vault to the DR vault; the DR vault is encrypted
with a usable KMS key (vault lock noted); the newest COMPLETED copy of every protected resource
in DR is younger than the RPO (the resource's own ``rpo`` or the plan's; none fails); recent
copy jobs have not failed. ``lag`` is the age of those copies, so the RPO gate holds a planned
failover to them.

Failover has nothing to promote: it records the recovery points restores in DR start from and
creates a backup plan in DR copying back to the primary vault (``failover.py``); failback
removes it (``failback.py``). The restore drill restores the newest copy in DR, times it and
deletes it (``restore.py``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from drctl.engine.context import RunContext
from drctl.engine.step import Check, Step
from drctl.kinds.backup_vault import checks, copies, failback, failover, restore
from drctl.kinds.contract import IamActions, Kind
from drctl.kinds.sandboxing import SandboxBuild
from drctl.plan.models import BackupVault

_READ = (
    "backup:DescribeBackupVault",
    "backup:ListBackupPlans",
    "backup:GetBackupPlan",
    "backup:ListRecoveryPointsByBackupVault",
)


class BackupVaultKind(Kind):
    name = "backup-vault"
    model = BackupVault
    iam_actions: ClassVar[IamActions] = {
        "check": (*_READ, "backup:ListCopyJobs", "kms:DescribeKey"),
        # CreateBackupSelection passes the plan's role to AWS Backup.
        "failover": (
            *_READ,
            "backup:CreateBackupPlan",
            "backup:ListBackupSelections",
            "backup:CreateBackupSelection",
            "iam:PassRole",
        ),
        "failback": (
            *_READ,
            "backup:ListBackupSelections",
            "backup:DeleteBackupSelection",
            "backup:DeleteBackupPlan",
        ),
        # StartRestoreJob passes the role; AWS Backup creates the table with it.
        "restore": (
            "backup:DescribeBackupVault",
            "backup:ListRecoveryPointsByBackupVault",
            "backup:StartRestoreJob",
            "backup:DescribeRestoreJob",
            "iam:PassRole",
            "dynamodb:DescribeTable",
            "dynamodb:Scan",
            "dynamodb:DeleteTable",
        ),
    }
    moto_extensions = ("moto_backup_jobs",)

    lag = staticmethod(copies.lag)
    restore = restore.BackupRestore()

    def checks(self, res: BackupVault, ctx: RunContext) -> list[Check]:
        return checks.checks(res, ctx)

    def failover(self, res: BackupVault, ctx: RunContext) -> list[Step]:
        return failover.failover(res, ctx)

    def failback(self, res: BackupVault, ctx: RunContext) -> list[Step]:
        return failback.failback(res, ctx)

    def build_sandbox(self, b: SandboxBuild, res: Any) -> None:
        from drctl.kinds.backup_vault import sandbox

        sandbox.build(b, res)


KIND = BackupVaultKind()
