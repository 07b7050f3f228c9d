"""Failback of AWS Backup copies: the original direction again.

1. ``remove-copy-home``: delete the backup plan failover created in regions.dr (its selection
   first: AWS refuses to delete a plan that still has one). What it copied to the primary vault
   stays there. Done when there is no such plan.
2. ``copy-rule``: the primary's backup plan still copies its vault to the DR vault (failover
   never changed it); read only -- a plan without the rule fails the step, saying how to add it.
"""

from __future__ import annotations

import re

from drctl.aws.errors import aws_errors
from drctl.engine.context import RunContext
from drctl.engine.declarative import Probe, SdkCall, SfnStep, at_least, equals, negate
from drctl.engine.step import Phase, Precheck, Step, StepOutcome, Verification
from drctl.errors import AwsError, DrctlError
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
        sfn=lambda: _remove_declarative(res, ctx),
    )


def _remove_declarative(res: BackupVault, ctx: RunContext) -> SfnStep:
    """Two parts, as the CLI step (DR calls only), each skipped when the plan is gone
    (``ListBackupPlans`` in DR, as failover's ``copy-home`` reads it; its id looked up by
    name first): its selections deleted -- ``ListBackupSelections`` read until there is
    none, each poll deleting the first one listed (any number: what failover created and
    anything added to the plan since) -- then the plan itself, which AWS deletes only once
    it has no selection."""
    dr = ctx.region("dr")
    name = reverse_plan_name(res)
    plan_id = "$.lookup.Ids[0]"
    named = f"$.BackupPlansList[?(@.BackupPlanName == '{name}')]"
    gone = Probe(
        SdkCall("backup", "listBackupPlans", {}, dr),
        equals("$.Found", 0),
        select={"Ids": f"{named}.BackupPlanId", "Found": f"States.ArrayLength({named})"},
    )
    empty = equals("$.Count", 0)
    selections = Probe(
        SdkCall("backup", "listBackupSelections", {"BackupPlanId.$": plan_id}, dr),
        empty,
        select={
            "Count": "States.ArrayLength($.BackupSelectionsList)",
            "Ids": "$.BackupSelectionsList[*].SelectionId",
        },
        nudge=(
            at_least("$.Count", 1),
            SdkCall(
                "backup",
                "deleteBackupSelection",
                {"BackupPlanId.$": plan_id, "SelectionId.$": "$.probe.Ids[0]"},
                dr,
            ),
        ),
    )
    delete = SdkCall("backup", "deleteBackupPlan", {"BackupPlanId.$": plan_id}, dr)
    return SfnStep(
        parts=(
            SfnStep(lookup=gone, precheck=gone, verify=selections),
            SfnStep(lookup=gone, precheck=gone, run=(delete,), verify=gone),
        )
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
        sfn=lambda: _copy_rule_declarative(res, ctx),
    )


# A backup plan's id (AWS Backup answers UUIDs); any other ``backup_plan`` is a plan's name.
_PLAN_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _copy_rule_declarative(res: BackupVault, ctx: RunContext) -> SfnStep | None:
    """Read only, as the CLI step: the primary's plan (its id looked up by name with every
    page of ``ListBackupPlans``, unless the plan names it by id) read with ``GetBackupPlan``;
    done when a rule backs up into the primary vault and copies to the DR vault (a JSONPath
    filter on the rules, then on their copy actions), failed at once otherwise. The DR
    vault's ARN is read when exporting; None offline. A plan that is gone fails the step on
    its id, where the CLI names it."""
    if ctx.offline:
        return None
    try:
        with aws_errors(f"{res.name} (backup {ctx.region('dr')})"):
            target = dr_vault_arn(res, ctx) or res.dr_vault
    except DrctlError:
        return None
    home = ctx.region("primary")
    lookup = None
    plan_id: dict[str, str] = {"BackupPlanId": res.backup_plan}
    if not _PLAN_ID.match(res.backup_plan):
        named = f"$.BackupPlansList[?(@.BackupPlanName == '{res.backup_plan}')]"
        lookup = Probe(
            SdkCall("backup", "listBackupPlans", {}, home, side="primary", paginate=True),
            at_least("$.Found", 1),
            select={"Ids": f"{named}.BackupPlanId", "Found": f"States.ArrayLength({named})"},
        )
        plan_id = {"BackupPlanId.$": "$.lookup.Ids[0]"}
    rules = f"$.BackupPlan.Rules[?(@.TargetBackupVaultName == '{res.vault}')]"
    copying = f"{rules}.CopyActions[?(@.DestinationBackupVaultArn == '{target}')]"
    read = SdkCall("backup", "getBackupPlan", plan_id, home, side="primary")
    holds = at_least("$.Copies", 1)
    probe = Probe(read, holds, select={"Copies": f"States.ArrayLength({copying})"})
    missing = (
        f"backup plan {res.backup_plan} does not copy {res.vault} to {target}: add a rule with "
        f"CopyActions DestinationBackupVaultArn of {res.dr_vault} ({ctx.region('dr')}): aws "
        "backup update-backup-plan, then fail back again"
    )
    return SfnStep(
        lookup=lookup,
        precheck=probe,
        verify=Probe(read, holds, select=probe.select, fails=(negate(holds), missing)),
    )
