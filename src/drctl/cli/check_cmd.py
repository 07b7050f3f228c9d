"""``drctl check --plan PLAN``: readiness of every resource against the objectives, and of
what the plan's drills and experiments need (``drctl.drills.prerequisites``), the plan's
alarms (``drctl.drills.alarms``) and, with ``--policy``, a compliance policy's controls."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from drctl.cli.app import AppContext, pass_app
from drctl.cli.common import load_for_command, plan_option, run_settings
from drctl.errors import ExitCode
from drctl.plan.policies import POLICIES

if TYPE_CHECKING:
    from drctl.engine.context import RunContext
    from drctl.engine.step import Check
    from drctl.plan.models import Plan


@click.command()
@plan_option
@click.option("--only", multiple=True, metavar="NAME", help="Check only these resources.")
@click.option(
    "--publish",
    is_flag=True,
    help="Also write each check's result and the readiness score to CloudWatch "
    "(namespace drctl/Readiness, in regions.dr).",
)
@click.option(
    "--policy",
    "policy_name",
    type=click.Choice(sorted(POLICIES)),
    help="Also check a compliance policy's controls: baseline, or hipaa.",
)
@pass_app
def check(
    app: AppContext,
    plan_path: str,
    only: tuple[str, ...],
    publish: bool,
    policy_name: str | None,
) -> None:
    """Readiness checks of every resource against the plan's RTO/RPO, and of what the
    plan's drills and experiments need (restore sources, stop-condition alarms, FIS roles),
    and whether the plan's DR alarms are applied.

    Exit 0 when nothing failed (warnings allowed), 1 when a check failed.
    """
    from drctl.drills import alarms, compliance, prerequisites
    from drctl.engine.checks import summarize
    from drctl.engine.run import plan_readiness
    from drctl.engine.settings import make_context
    from drctl.kinds.registry import registry

    loaded = load_for_command(app, plan_path)
    settings = run_settings(app)
    chosen = compliance.policy(policy_name) if policy_name else None

    def context(plan: Plan) -> RunContext:
        return make_context(plan, settings, mode="planned", require_credentials=True)

    def plan_checks(plan: Plan, ctx: RunContext, only: Sequence[str] | None = None) -> list[Check]:
        found = prerequisites.checks(plan, ctx, only)
        found += [c for c in alarms.checks(plan, ctx) if not only or c.resource in only]
        if chosen is not None:
            found += compliance.checks(plan, ctx, chosen, only)
        return found

    # With include: every included plan's checks too, named under its app.
    ctx = context(loaded.plan)
    results = plan_readiness(loaded, ctx, context, registry(), list(only), plan_checks)
    summary = summarize(results)
    published = None
    if publish:
        from drctl.engine.publish import publish as put_metrics

        published = put_metrics(ctx, results).document()
    if app.json:
        from drctl.render.json_out import check_document, emit

        document = check_document(loaded.plan.app, results, summary)
        if published is not None:
            document["published"] = published
        emit(document)
    else:
        from drctl.render.tables import checks_table

        checks_table(loaded.plan.app, results, summary)
        if published is not None:
            from drctl.render.readiness import published as published_line

            published_line(published)
    if summary["fail"] or summary["error"]:
        raise click.exceptions.Exit(ExitCode.FAILED)
