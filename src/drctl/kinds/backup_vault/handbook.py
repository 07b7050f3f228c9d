"""``backup-vault`` by hand: the readiness checks and step verifications as AWS CLI commands."""

from __future__ import annotations

from drctl.engine.context import RunContext
from drctl.kinds.backup_vault.copies import plan_id_lookup, reverse_plan_name
from drctl.kinds.handbook import HandCheck
from drctl.plan.models import BackupVault


def _newest(res: BackupVault, region: str, arn: str) -> HandCheck:
    return HandCheck(
        f"newest copy of {arn.rsplit(':', 1)[-1]} in {res.dr_vault}",
        f"aws backup list-recovery-points-by-backup-vault --backup-vault-name {res.dr_vault} "
        f"--by-resource-arn {arn} --query \"sort_by(RecoveryPoints[?Status=='COMPLETED'], "
        f'&CreationDate)[-1].[RecoveryPointArn,CreationDate]" --region {region}',
        "a recovery point created less than the RPO ago",
        ("dr-recovery-point",),
    )


def _copy_rule(res: BackupVault, region: str) -> HandCheck:
    return HandCheck(
        f"backup plan {res.backup_plan} copies to {res.dr_vault}",
        f"aws backup get-backup-plan --backup-plan-id {plan_id_lookup(res.backup_plan, region)} "
        "--query 'BackupPlan.Rules[].[TargetBackupVaultName,CopyActions[]."
        f"DestinationBackupVaultArn]' --region {region}",
        f"a rule targeting `{res.vault}` whose copy action names the ARN of `{res.dr_vault}`",
        ("copy-rule",),
    )


def prechecks(res: BackupVault, ctx: RunContext) -> list[HandCheck]:
    p, d = ctx.region("primary"), ctx.region("dr")
    return [
        _copy_rule(res, p),
        HandCheck(
            f"DR vault {res.dr_vault}",
            f"aws backup describe-backup-vault --backup-vault-name {res.dr_vault} "
            f"--query '[BackupVaultArn,EncryptionKeyArn,Locked,MinRetentionDays]' --region {d}",
            "the vault's ARN and a KMS key ARN (whose key is Enabled); Locked shows the vault lock",
            ("dr-vault",),
        ),
        *(_newest(res, d, arn) for arn in res.resources),
        HandCheck(
            f"copy jobs to {res.dr_vault}",
            "aws backup list-copy-jobs --by-destination-vault-arn "
            f"$(aws backup describe-backup-vault --backup-vault-name {res.dr_vault} "
            f"--query BackupVaultArn --output text --region {d}) "
            f"--query 'CopyJobs[].[ResourceArn,State,CreationDate]' --region {p}",
            "the newest job of each resource `COMPLETED` (or still running), not `FAILED`",
            ("copy-jobs",),
        ),
    ]


def verifications(res: BackupVault, ctx: RunContext, action: str) -> dict[str, list[HandCheck]]:
    p, d = ctx.region("primary"), ctx.region("dr")
    name = reverse_plan_name(res)
    plan = HandCheck(
        f"backup plan {name} in {d}",
        f"aws backup list-backup-plans --query \"BackupPlansList[?BackupPlanName=='{name}']"
        f'.BackupPlanId" --region {d}',
        "one id after failover; `[]` after failback",
    )
    if action == "failover":
        return {
            "dr-recovery-point": [_newest(res, d, arn) for arn in res.resources],
            "copy-home": [plan],
            "copy-home-selection": [
                HandCheck(
                    f"what backup plan {name} in {d} backs up",
                    f"aws backup list-backup-selections --backup-plan-id {plan_id_lookup(name, d)} "
                    f"--query 'BackupSelectionsList[].SelectionName' --region {d}",
                    '`["restored-in-dr"]` (resources tagged `drctl:backup-vault`)',
                )
            ],
        }
    return {"remove-copy-home": [plan], "copy-rule": [_copy_rule(res, p)]}
