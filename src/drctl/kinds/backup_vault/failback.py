"""Failback of AWS Backup copies: the original direction again.

1. ``remove-copy-home``: delete the backup plan failover created in regions.dr (its selection
   first: AWS refuses to delete a plan that still has one). What it copied to the primary vault
   stays there. Done when there is no such plan.
2. ``copy-rule``: the primary's backup plan still copies its vault to the DR vault (failover
   never changed it); read only -- a plan without the rule fails the step, saying how to add it.
"""

from __future__ import annotations

from drctl.engine.context import RunContext
from drctl.engine.step import Phase, Precheck, Step, StepOutcome, Verification
from drctl.errors import AwsError
from drctl.kinds.backup_vault import api
from drctl.kinds.backup_vault.checks import dr_vault_arn
from drctl.kinds.backup_vault.copies import NAME, plan_id_lookup, reverse_plan_name
from drctl.kinds.backup_vault.failover import reverse_plan
from drctl.kinds.steps import aws_step
from drctl.plan.models import BackupVault


def failback(res: BackupVault, ctx: RunContext) -> list[Step]:
    remove = remove_copy_home_step(res, ctx)
    return [remove, copy_rule_step(res, ctx, depends_on=[remove.id])]


def remove_copy_home_step(res: BackupVault, ctx: RunContext) -> Step:
    dr = ctx.region("dr")
    client = ctx.client("backup", "dr")
    name = reverse_plan_name(res)

    def present() -> str | None:
        plan = reverse_plan(res, ctx)
        return None if plan is None else str(plan["BackupPlanId"])

    def run() -> StepOutcome:
        plan_id = present()
        if plan_id is None:
            return StepOutcome(detail=f"no backup plan {name} in {dr}")
        removed = []
        for selection in api.selections(client, plan_id):
            api.delete_selection(client, plan_id, str(selection["SelectionId"]))
            removed.append(str(selection.get("SelectionName")))
        api.delete_plan(client, plan_id)
        return StepOutcome(
            detail=f"deleted backup plan {name} in {dr} (selections: "
            f"{', '.join(removed) or 'none'}); what it copied to {res.vault} stays there",
            data={"backup_plan_id": plan_id},
        )

    def precheck() -> Precheck:
        plan_id = present()
        current = f"no backup plan {name} in {dr}" if plan_id is None else f"{name} {plan_id}"
        return Precheck(plan_id is None, current, f"no backup plan {name} in {dr}")

    def verify() -> Verification:
        plan_id = present()
        return Verification(
            plan_id is None, f"no backup plan {name} in {dr}" if plan_id is None else "still there"
        )

    lookup = plan_id_lookup(name, dr)
    return aws_step(
        resource=res.name,
        kind=NAME,
        action="remove-copy-home",
        phase=Phase.DATA,
        description=f"Delete backup plan {name} in {dr} (DR copying to {res.vault}): the copies "
        f"go {ctx.region('primary')} -> {dr} again",
        cli=[
            f"PLAN_ID={lookup}",
            'aws backup list-backup-selections --backup-plan-id "$PLAN_ID" --query '
            f"'BackupSelectionsList[].SelectionId' --output text --region {dr}  # each: "
            f'aws backup delete-backup-selection --backup-plan-id "$PLAN_ID" --selection-id ID',
            f'aws backup delete-backup-plan --backup-plan-id "$PLAN_ID" --region {dr}',
        ],
        where=f"{res.name} (backup {dr})",
        precheck=precheck,
        run=run,
        verify=verify,
    )


def copy_rule_step(res: BackupVault, ctx: RunContext, depends_on: list[str]) -> Step:
    home, dr = ctx.region("primary"), ctx.region("dr")

    def state() -> tuple[bool, str]:
        plan = api.find_plan(ctx.client("backup", "primary"), res.backup_plan)
        if plan is None:
            return False, f"no backup plan {res.backup_plan} in {home}"
        target = dr_vault_arn(res, ctx) or res.dr_vault
        rules = api.copy_rules(plan, res.vault, target)
        if not rules:
            return False, f"backup plan {res.backup_plan} does not copy {res.vault} to {target}"
        return True, f"backup plan {res.backup_plan}: rule {', '.join(rules)} copies to {target}"

    def run() -> StepOutcome:
        ok, text = state()
        if not ok:
            raise AwsError(
                f"{res.name}: {text}",
                hint=f"add a rule with CopyActions DestinationBackupVaultArn of {res.dr_vault} "
                f"({dr}): aws backup update-backup-plan, then fail back again",
            )
        return StepOutcome(detail=text)

    def verify() -> Verification:
        ok, text = state()
        return Verification(ok, text)

    return aws_step(
        resource=res.name,
        kind=NAME,
        action="copy-rule",
        phase=Phase.DATA,
        description=f"Check backup plan {res.backup_plan} in {home} still copies {res.vault} "
        f"to {res.dr_vault} in {dr}",
        cli=[
            f"aws backup get-backup-plan --backup-plan-id {plan_id_lookup(res.backup_plan, home)} "
            "--query 'BackupPlan.Rules[].[TargetBackupVaultName,CopyActions[]."
            f"DestinationBackupVaultArn]' --region {home}"
        ],
        where=f"{res.name} (backup {home})",
        precheck=lambda: Precheck(*state(), "the copy rule to the DR vault in place"),
        run=run,
        verify=verify,
        mutating=False,
        depends_on=depends_on,
    )
