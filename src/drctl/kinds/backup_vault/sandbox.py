"""Sandbox: the protected DynamoDB tables in regions.primary, a vault on each side encrypted
with its own customer managed KMS key (the DR vault locked), and a backup plan backing the
tables up hourly into the primary vault with a copy rule to the DR vault.

The plan carries the tag ``drctl-sandbox-established: true``: it stands for one that has run
for hours before the sandbox's clock started, so the DR vault holds copies at once
(``moto_backup_jobs`` runs its schedule from then), and it keeps running on the AWS clock.
Resources the plan names that are not DynamoDB tables are assigned to the plan as they are;
the sandbox backs up what exists (a table, DB instance or file system it does not find fails
its backup job).
"""

from __future__ import annotations

from drctl.kinds.backup_vault.copies import HOURLY, role_arn, vault_arn
from drctl.kinds.backup_vault.moto_backup_jobs import ESTABLISHED_TAG
from drctl.kinds.sandboxing import SANDBOX_ACCOUNT, SandboxBuild, ignore_codes
from drctl.plan.models import BackupVault


def _vault(b: SandboxBuild, side: str, name: str) -> str:
    kms = b.client("kms", side)
    key = kms.create_key(Description=f"drctl sandbox: backup vault {name}")["KeyMetadata"]
    backup = b.client("backup", side)
    ignore_codes(
        backup.create_backup_vault,
        "AlreadyExistsException",
        BackupVaultName=name,
        EncryptionKeyArn=key["Arn"],
    )
    return vault_arn(b.region(side), SANDBOX_ACCOUNT, name)


def build(b: SandboxBuild, res: BackupVault) -> None:
    dynamodb = b.client("dynamodb", "primary")
    for arn in res.resources:
        if ":dynamodb:" in arn and ":table/" in arn:
            ignore_codes(
                dynamodb.create_table,
                "ResourceInUseException",
                TableName=arn.rsplit("/", 1)[-1],
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST",
            )
    _vault(b, "primary", res.vault)
    dr_arn = _vault(b, "dr", res.dr_vault)
    b.client("backup", "dr").put_backup_vault_lock_configuration(
        BackupVaultName=res.dr_vault, MinRetentionDays=7
    )
    backup = b.client("backup", "primary")
    plan_id = backup.create_backup_plan(
        BackupPlan={
            "BackupPlanName": res.backup_plan,
            "Rules": [
                {
                    "RuleName": "hourly-with-dr-copy",
                    "TargetBackupVaultName": res.vault,
                    "ScheduleExpression": HOURLY,
                    "CopyActions": [{"DestinationBackupVaultArn": dr_arn}],
                }
            ],
        },
        BackupPlanTags={ESTABLISHED_TAG: "true"},
    )["BackupPlanId"]
    backup.create_backup_selection(
        BackupPlanId=plan_id,
        BackupSelection={
            "SelectionName": "protected",
            "IamRoleArn": role_arn(res, SANDBOX_ACCOUNT),
            "Resources": list(res.resources),
        },
    )
