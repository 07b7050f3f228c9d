"""Failover of AWS Backup copies: nothing to promote -- a recovery point is restored, by the
kinds (or people) that own the resource, with ``StartRestoreJob`` in DR. What failover owns is
the backups themselves:

1. ``dr-recovery-point`` (read only, DR calls only): the newest COMPLETED copy of each
   protected resource in the DR vault, recorded in the journal with its age -- the recovery
   point restores start from, and the data a restore would lose;
2. ``copy-home`` then ``copy-home-selection`` (DR calls only): while DR serves, what is
   written there must be backed up and copied the other way. A backup plan in regions.dr
   (``drctl-<name>-copy-home``) backs up, every hour, the resources tagged
   ``drctl:backup-vault: <name>`` (tag what you restore in DR) into the DR vault and copies
   each backup to the primary vault. Its copies fail while the primary Region is down and land
   once it is back. A rerun finds the plan and its selection in place.

The primary's own plan is left as it is (its Region may be down; when it is not, its backups of
the resources it still has do no harm). Failback removes the DR plan.
"""

from __future__ import annotations

import json
from typing import Any

from drctl.aws.errors import aws_errors
from drctl.engine.context import RunContext
from drctl.engine.declarative import (
    Probe,
    Rule,
    SdkCall,
    SfnStep,
    at_least,
)
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
    plan = copy_home_step(res, ctx, depends_on=[point.id])
    return [point, plan, copy_home_selection_step(res, ctx, depends_on=[plan.id])]


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
        sfn=lambda: _recovery_point_declarative(res, ctx),
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
    """The backup plan in DR copying home (its rule); its selection is the next step."""
    dr = ctx.region("dr")
    client = ctx.client("backup", "dr")
    name = reverse_plan_name(res)

    def state() -> tuple[bool, str]:
        plan = reverse_plan(res, ctx)
        if plan is None:
            return False, f"no backup plan {name} in {dr}"
        home = home_vault_arn(res, ctx)
        if not api.copy_rules(plan, res.dr_vault, home):
            raise AwsError(
                f"{res.name}: backup plan {name} in {dr} does not copy {res.dr_vault} to {home}",
                hint=f"delete it (fail back) and fail over again: drctl owns {name}",
            )
        return True, f"backup plan {name} in {dr} copies {res.dr_vault} to {home}"

    def run() -> StepOutcome:
        home = home_vault_arn(res, ctx)
        plan = reverse_plan(res, ctx)
        if plan is not None:
            return StepOutcome(detail=f"backup plan {name} already in {dr}")
        plan_id = api.create_plan(client, plan_document(res, home))
        return StepOutcome(
            detail=f"backup plan {name} created in {dr}: hourly into {res.dr_vault}, copied to "
            f"{home}",
            data={"backup_plan_id": plan_id, "copies_to": home},
        )

    def verify() -> Verification:
        ok, text = state()
        return Verification(ok, text)

    account = _known_account(res, ctx)
    home_arn = vault_arn(ctx.region("primary"), account or "$ACCOUNT_ID", res.vault)
    plan_cli = json.dumps(plan_document(res, home_arn))
    ask_sts = "ACCOUNT_ID=$(aws sts get-caller-identity --query Account --output text)"
    return aws_step(
        resource=res.name,
        kind=NAME,
        action="copy-home",
        phase=Phase.DATA,
        description=f"Create backup plan {name} in {dr}: back up hourly into {res.dr_vault} "
        f"and copy to {res.vault} in {ctx.region('primary')}",
        cli=[
            *([] if account else [ask_sts]),
            f'aws backup create-backup-plan --backup-plan "{_shell(plan_cli)}" --region {dr}',
        ],
        where=f"{res.name} (backup {dr})",
        precheck=lambda: Precheck(*state(), f"backup plan {name} in {dr} copying home"),
        run=run,
        verify=verify,
        depends_on=depends_on,
        sfn=lambda: _plan_declarative(res, ctx, account),
    )


def copy_home_selection_step(res: BackupVault, ctx: RunContext, depends_on: list[str]) -> Step:
    """What the DR plan backs up: the resources tagged ``drctl:backup-vault: <name>``."""
    dr = ctx.region("dr")
    client = ctx.client("backup", "dr")
    name = reverse_plan_name(res)

    def plan_id() -> str:
        plan = reverse_plan(res, ctx)
        if plan is None:
            raise AwsError(f"{res.name}: no backup plan {name} in {dr}")
        return str(plan["BackupPlanId"])

    def state() -> tuple[bool, str]:
        chosen = api.selections(client, plan_id())
        if not any(s.get("SelectionName") == SELECTION for s in chosen):
            return False, f"backup plan {name} in {dr} has no selection {SELECTION}"
        return True, f"backup plan {name} in {dr} backs up what is tagged {TAG}={res.name}"

    def run() -> StepOutcome:
        account = account_of(home_vault_arn(res, ctx))
        selection = api.create_selection(client, plan_id(), selection_document(res, account))
        return StepOutcome(
            detail=f"selection {SELECTION} of {name}: resources tagged {TAG}={res.name} in {dr} "
            f"(tag what you restore there), backed up as {role_arn(res, account)}",
            data={"selection_id": selection},
        )

    def verify() -> Verification:
        ok, text = state()
        return Verification(ok, text)

    account = _known_account(res, ctx)
    selection_cli = json.dumps(selection_document(res, account or "$ACCOUNT_ID"))
    ask_sts = "ACCOUNT_ID=$(aws sts get-caller-identity --query Account --output text)"
    return aws_step(
        resource=res.name,
        kind=NAME,
        action="copy-home-selection",
        phase=Phase.DATA,
        description=f"Assign to backup plan {name} in {dr} the resources tagged "
        f"{TAG}={res.name} (tag what you restore in DR)",
        cli=[
            *([] if account else [ask_sts]),
            f"aws backup create-backup-selection --backup-plan-id {plan_id_lookup(name, dr)} "
            f'--backup-selection "{_shell(selection_cli)}" --region {dr}',
        ],
        where=f"{res.name} (backup {dr})",
        precheck=lambda: Precheck(*state(), f"selection {SELECTION} in backup plan {name}"),
        run=run,
        verify=verify,
        depends_on=depends_on,
        sfn=lambda: _selection_declarative(res, ctx, account),
    )


def _plans_probe(res: BackupVault, ctx: RunContext, holds: Rule) -> Probe:
    """``ListBackupPlans`` in DR, selecting the failover plan's ids (a Choice cannot filter)."""
    wanted = f"$.BackupPlansList[?(@.BackupPlanName == '{reverse_plan_name(res)}')]"
    return Probe(
        SdkCall("backup", "listBackupPlans", {}, ctx.region("dr")),
        holds,
        select={"Ids": f"{wanted}.BackupPlanId", "Found": f"States.ArrayLength({wanted})"},
    )


def _plan_declarative(res: BackupVault, ctx: RunContext, account: str | None) -> SfnStep | None:
    """Create the plan unless one of its name is there. None until the account is known."""
    if account is None:
        return None
    home = vault_arn(ctx.region("primary"), account, res.vault)
    probe = _plans_probe(res, ctx, at_least("$.Found", 1))
    call = SdkCall(
        "backup", "createBackupPlan", {"BackupPlan": plan_document(res, home)}, ctx.region("dr")
    )
    return SfnStep(precheck=probe, run=(call,), verify=probe)


def _selection_declarative(
    res: BackupVault, ctx: RunContext, account: str | None
) -> SfnStep | None:
    """Create the selection in the failover's plan unless it is there: the plan's id is
    looked up first (``ListBackupPlans``), then its selections are read by that id."""
    if account is None:
        return None
    dr = ctx.region("dr")
    plan_id = "$.lookup.Ids[0]"
    named = f"$.BackupSelectionsList[?(@.SelectionName == '{SELECTION}')]"
    present_ = Probe(
        SdkCall("backup", "listBackupSelections", {"BackupPlanId.$": plan_id}, dr),
        at_least("$.Found", 1),
        select={"Found": f"States.ArrayLength({named})"},
    )
    call = SdkCall(
        "backup",
        "createBackupSelection",
        {"BackupPlanId.$": plan_id, "BackupSelection": selection_document(res, account)},
        dr,
    )
    return SfnStep(
        lookup=_plans_probe(res, ctx, at_least("$.Found", 1)),
        precheck=present_,
        run=(call,),
        verify=present_,
    )


def _recovery_point_declarative(res: BackupVault, ctx: RunContext) -> SfnStep | None:
    """Wait until the DR vault holds a COMPLETED copy (one resource: a probe is one call)."""
    if len(res.resources) != 1:
        return None
    completed = "States.ArrayLength($.RecoveryPoints[?(@.Status == 'COMPLETED')])"
    probe = Probe(
        SdkCall(
            "backup",
            "listRecoveryPointsByBackupVault",
            {"BackupVaultName": res.dr_vault, "ByResourceArn": res.resources[0]},
            ctx.region("dr"),
        ),
        at_least("$.Completed", 1),
        select={"Completed": completed},
    )
    return SfnStep(verify=probe)


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
