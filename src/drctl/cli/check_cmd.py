"""``drctl check --plan PLAN``: readiness of every resource against the objectives, and of
what the plan's drills and experiments need (``drctl.drills.prerequisites``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from drctl.cli.app import AppContext, pass_app
from drctl.cli.common import load_for_command, plan_option, run_settings
from drctl.errors import ExitCode

if TYPE_CHECKING:
    from drctl.engine.context import RunContext


@click.command()
@plan_option
@click.option("--only", multiple=True, metavar="NAME", help="Check only these resources.")
@pass_app
def check(app: AppContext, plan_path: str, only: tuple[str, ...]) -> None:
    """Readiness checks of every resource against the plan's RTO/RPO, and of what the
    plan's drills and experiments need (restore sources, stop-condition alarms, FIS roles).

    Exit 0 when nothing failed (warnings allowed), 1 when a check failed.
    """
    from drctl.drills import prerequisites
    from drctl.engine.checks import summarize
    from drctl.engine.run import plan_readiness
    from drctl.engine.settings import make_context
    from drctl.kinds.registry import registry
    from drctl.plan.models import Plan

    loaded = load_for_command(app, plan_path)
    settings = run_settings(app)

    def context(plan: Plan) -> RunContext:
        return make_context(plan, settings, mode="planned", require_credentials=True)

    # With include: every included plan's checks too, named under its app.
    results = plan_readiness(
        loaded, context(loaded.plan), context, registry(), list(only), prerequisites.checks
    )
    summary = summarize(results)
    if app.json:
        from drctl.render.json_out import check_document, emit

        emit(check_document(loaded.plan.app, results, summary))
    else:
        from drctl.render.tables import checks_table

        checks_table(loaded.plan.app, results, summary)
    if summary["fail"] or summary["error"]:
        raise click.exceptions.Exit(ExitCode.FAILED)
