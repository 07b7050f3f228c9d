"""``drctl compliance rules|status --plan PLAN``: AWS Config managed rules for the plan's
resources, deployed and read back."""

from __future__ import annotations

import click

from drctl.cli.app import AppContext, pass_app
from drctl.cli.common import confirm_or_refuse, load_single_plan, plan_option, run_settings
from drctl.errors import ExitCode
from drctl.plan.policies import POLICIES

policy_option = click.option(
    "--policy",
    "policy_name",
    type=click.Choice(sorted(POLICIES)),
    default="baseline",
    show_default=True,
    help="Which controls: baseline, or hipaa (35-day backups).",
)


@click.group()
def compliance() -> None:
    """AWS Config managed rules that keep watching the plan's DR controls."""


@compliance.command("rules")
@plan_option
@policy_option
@click.option("--dry-run", is_flag=True, help="Show every PutConfigRule; change nothing.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@pass_app
def rules(app: AppContext, plan_path: str, policy_name: str, dry_run: bool, yes: bool) -> None:
    """Deploy the policy's AWS Config managed rules, each scoped to one of the plan's
    resources (encryption, backups, deletion protection, Multi-AZ, S3 logging, versioning
    and replication, DynamoDB PITR). Rules already as wanted are left alone."""
    from drctl.drills import compliance as plan_compliance
    from drctl.engine.settings import make_context

    loaded = load_single_plan(app, plan_path, "compliance rules")
    plan = loaded.plan
    chosen = plan_compliance.policy(policy_name)
    ctx = make_context(plan, run_settings(app, dry_run=dry_run), require_credentials=True)
    changes, recorders = plan_compliance.plan_changes(plan, ctx, chosen)
    pending = [c for c in changes if c.action != "unchanged"]
    applied = False
    if not dry_run and pending:
        confirm_or_refuse(
            f"Put {len(pending)} AWS Config rule(s) for {plan.app}?",
            yes=yes,
            what=f"deploy the AWS Config rules of {plan.app}",
        )
        plan_compliance.apply(ctx, changes, recorders)
        applied = True
    if app.json:
        from drctl.render.json_out import emit

        emit(
            {
                "app": plan.app,
                "policy": chosen.name,
                "dry_run": dry_run,
                "changed": applied,
                "rules": [c.document() for c in changes],
                "recorders": [
                    {"region": region, "state": state} for region, state in recorders.items()
                ],
            }
        )
        return
    from drctl.render.readiness import rule_changes

    rule_changes(plan.app, chosen.name, changes, recorders, dry_run=dry_run, applied=applied)


@compliance.command("status")
@plan_option
@policy_option
@pass_app
def status(app: AppContext, plan_path: str, policy_name: str) -> None:
    """AWS Config's verdict on each of the policy's rules for the plan's resources.

    Exit 0 when every rule holds (COMPLIANT or NOT_APPLICABLE), 1 otherwise (a rule not
    deployed or not evaluated yet does not hold either)."""
    from drctl.drills import compliance as plan_compliance
    from drctl.engine.settings import make_context

    loaded = load_single_plan(app, plan_path, "compliance status")
    plan = loaded.plan
    chosen = plan_compliance.policy(policy_name)
    ctx = make_context(plan, run_settings(app), require_credentials=True)
    statuses = plan_compliance.status(plan, ctx, chosen)
    ok = all(s.holds for s in statuses)
    if app.json:
        from drctl.render.json_out import emit

        summary = {kind: 0 for kind in plan_compliance.COMPLIANCE_TYPES}
        for s in statuses:
            summary[s.compliance] += 1
        emit(
            {
                "app": plan.app,
                "policy": chosen.name,
                "ok": ok,
                "rules": [s.document() for s in statuses],
                "summary": summary,
            }
        )
    else:
        from drctl.render.readiness import rule_status

        rule_status(plan.app, chosen.name, statuses)
    if not ok:
        raise click.exceptions.Exit(ExitCode.FAILED)
