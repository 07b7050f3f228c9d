"""Failover of AWS Backup copies: nothing to promote -- a recovery point is restored, by the
kinds (or people) that own the resource, with ``StartRestoreJob`` in DR. What failover owns is
the backups themselves:

1. ``dr-recovery-point`` (read only, DR calls only): the newest COMPLETED copy of each
   protected resource in the DR vault, recorded in the journal with its age -- the recovery
   point restores start from, and the data a restore would lose;
2. ``copy-home`` (DR calls only): while DR serves, what is written there must be backed up and
   copied the other way. A backup plan in regions.dr (``drctl-<name>-copy-home``) backs up, every
   hour, the resources tagged ``drctl:backup-vault: <name>`` (tag what you restore in DR) into
   the DR vault and copies each backup to the primary vault. Its copies fail while the primary
   Region is down and land once it is back. A rerun finds the plan and its selection in place.

The primary's own plan is left as it is (its Region may be down; when it is not, its backups of
the resources it still has do no harm). Failback removes the DR plan.
"""

from __future__ import annotations

import json
from typing import Any

from drctl.aws.errors import aws_errors
from drctl.engine.context import RunContext
from drctl.engine.step import Phase, Precheck, Step, StepOutcome, Verification
from drctl.errors import AwsError, DrctlError
from drctl.kinds.backup_vault import api
from drctl.kinds.backup_vault.copies import (
    HOURLY,
    NAME,
    TAG,
    account_of,
    dr_vault,
    newest_copies,
    plan_id_lookup,
    reverse_plan_name,
    role_arn,
    vault_arn,
)
from drctl.kinds.steps import aws_step
from drctl.plan.durations import human_seconds
from drctl.plan.models import BackupVault

SELECTION = "restored-in-dr"


def failover(res: BackupVault, ctx: RunContext) -> list[Step]:
    point = recovery_point_step(res, ctx)
    return [point, copy_home_step(res, ctx, depends_on=[point.id])]


def recovery_point_step(res: BackupVault, ctx: RunContext) -> Step:
    dr = ctx.region("dr")

    def read() -> tuple[bool, str, dict[str, Any]]:
        copies = newest_copies(res, ctx)
        now = ctx.clock.now()
        data = {
            c.resource_arn: {
                "recovery_point": c.point["RecoveryPointArn"],
                "created": c.point["CreationDate"].isoformat(),
                "age_seconds": round(c.age(now) or 0.0, 1),
            }
            for c in copies
            if c.point is not None
        }
        return all(c.point for c in copies), "; ".join(c.text(now) for c in copies), data

    def run() -> StepOutcome:
        ok, text, data = read()
        if not ok:
            raise AwsError(
                f"{res.name}: {text} in {res.dr_vault} ({dr}): nothing to restore in DR",
                hint=f"aws backup list-recovery-points-by-backup-vault --backup-vault-name "
                f"{res.dr_vault} --region {dr}",
            )
        window = max(float(d["age_seconds"]) for d in data.values())
        return StepOutcome(
            detail=f"restore from {text} (StartRestoreJob in {dr}); a restore loses up to "
            f"{human_seconds(window)} of writes",
            data={"recovery_points": data, "data_loss_window_seconds": window},
        )

    def verify() -> Verification:
        ok, text, _ = read()
        return Verification(ok, text)

    return aws_step(
        resource=res.name,
        kind=NAME,
        action="dr-recovery-point",
        phase=Phase.DATA,
        description=f"Record the newest COMPLETED copy of each resource in {res.dr_vault} "
        f"({dr}): the recovery points restores in DR start from",
        cli=[
            f"aws backup list-recovery-points-by-backup-vault --backup-vault-name {res.dr_vault} "
            f"--by-resource-arn {arn} --query \"sort_by(RecoveryPoints[?Status=='COMPLETED'], "
            f'&CreationDate)[-1].[RecoveryPointArn,CreationDate]" --region {dr}'
            for arn in res.resources
        ],
        where=f"{res.name} (backup {dr})",
        precheck=lambda: Precheck(
            False, "not recorded yet", f"the newest copies in {res.dr_vault} recorded"
        ),
        run=run,
        verify=verify,
        mutating=False,
    )


def home_vault_arn(res: BackupVault, ctx: RunContext) -> str:
    """The primary vault's ARN, built from the DR vault's account (DR calls only)."""
    there = dr_vault(res, ctx)
    if there is None:
        raise AwsError(f"{res.name}: no backup vault {res.dr_vault} in {ctx.region('dr')}")
    return vault_arn(ctx.region("primary"), account_of(str(there["BackupVaultArn"])), res.vault)


def plan_document(res: BackupVault, home_arn: str) -> dict[str, Any]:
    return {
        "BackupPlanName": reverse_plan_name(res),
        "Rules": [
            {
                "RuleName": "copy-home",
                "TargetBackupVaultName": res.dr_vault,
                "ScheduleExpression": HOURLY,
                "CopyActions": [{"DestinationBackupVaultArn": home_arn}],
            }
        ],
    }


def selection_document(res: BackupVault, account: str) -> dict[str, Any]:
    return {
        "SelectionName": SELECTION,
        "IamRoleArn": role_arn(res, account),
        "Resources": ["*"],
        "Conditions": {
            "StringEquals": [{"ConditionKey": f"aws:ResourceTag/{TAG}", "ConditionValue": res.name}]
        },
    }


def reverse_plan(res: BackupVault, ctx: RunContext) -> dict[str, Any] | None:
    return api.find_plan(ctx.client("backup", "dr"), reverse_plan_name(res))


def copy_home_step(res: BackupVault, ctx: RunContext, depends_on: list[str]) -> Step:
    dr = ctx.region("dr")
    client = ctx.client("backup", "dr")
    name = reverse_plan_name(res)

    def state() -> tuple[bool, str]:
        plan = reverse_plan(res, ctx)
        if plan is None:
            return False, f"no backup plan {name} in {dr}"
        home = home_vault_arn(res, ctx)
        if not api.copy_rules(plan, res.dr_vault, home):
            return False, f"backup plan {name} in {dr} does not copy {res.dr_vault} to {home}"
        chosen = [s for s in api.selections(client, str(plan["BackupPlanId"]))]
        if not any(s.get("SelectionName") == SELECTION for s in chosen):
            return False, f"backup plan {name} in {dr} has no selection {SELECTION}"
        return True, f"backup plan {name} in {dr} copies {res.dr_vault} to {home}"

    def run() -> StepOutcome:
        home = home_vault_arn(res, ctx)
        account = account_of(home)
        plan = reverse_plan(res, ctx)
        created = plan is None
        plan_id = (
            api.create_plan(client, plan_document(res, home))
            if plan is None
            else str(plan["BackupPlanId"])
        )
        if not any(s.get("SelectionName") == SELECTION for s in api.selections(client, plan_id)):
            api.create_selection(client, plan_id, selection_document(res, account))
        return StepOutcome(
            detail=f"backup plan {name} ({'created' if created else 'found'}) backs up what is "
            f"tagged {TAG}={res.name} in {dr} hourly into {res.dr_vault} and copies it to {home}",
            data={"backup_plan_id": plan_id, "copies_to": home},
        )

    def verify() -> Verification:
        ok, text = state()
        return Verification(ok, text)

    lookup = plan_id_lookup(name, dr)
    account = _known_account(res, ctx)
    home_arn = vault_arn(ctx.region("primary"), account or "$ACCOUNT_ID", res.vault)
    plan_cli = json.dumps(plan_document(res, home_arn))
    selection_cli = json.dumps(selection_document(res, account or "$ACCOUNT_ID"))
    account_line = (
        []
        if account
        else ["ACCOUNT_ID=$(aws sts get-caller-identity --query Account --output text)"]
    )
    return aws_step(
        resource=res.name,
        kind=NAME,
        action="copy-home",
        phase=Phase.DATA,
        description=f"Create backup plan {name} in {dr}: back up what runs in DR (tagged "
        f"{TAG}={res.name}) into {res.dr_vault} and copy it to {res.vault} in "
        f"{ctx.region('primary')}",
        cli=[
            *account_line,
            f'aws backup create-backup-plan --backup-plan "{_shell(plan_cli)}" --region {dr}',
            f"aws backup create-backup-selection --backup-plan-id {lookup} "
            f'--backup-selection "{_shell(selection_cli)}" --region {dr}',
        ],
        where=f"{res.name} (backup {dr})",
        precheck=lambda: Precheck(*state(), f"backup plan {name} in {dr} copying home"),
        run=run,
        verify=verify,
        depends_on=depends_on,
    )


def _known_account(res: BackupVault, ctx: RunContext) -> str | None:
    """The vaults' account, read from the DR vault when AWS can be read (None: offline, or
    no DR vault yet: the printed commands ask STS)."""
    if ctx.offline:
        return None
    try:
        with aws_errors(f"{res.name} (backup {ctx.region('dr')})"):
            there = dr_vault(res, ctx)
    except DrctlError:
        return None
    return account_of(str(there["BackupVaultArn"])) if there else None


def _shell(text: str) -> str:
    """``text`` inside double quotes (so ``$ACCOUNT_ID`` expands)."""
    return text.replace("\\", "\\\\").replace('"', '\\"')
