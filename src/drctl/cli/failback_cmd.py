"""``drctl failback --plan PLAN``: bring the application home to regions.primary."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import click

from drctl.cli.failover_cmd import run_options
from drctl.cli.main import AppContext, pass_app
from drctl.cli.run_flow import RunRequest, run_steps

if TYPE_CHECKING:
    from drctl.engine.graph import StepGraph
    from drctl.kinds.base import KindContext
    from drctl.plan.models import Plan


@click.command()
@run_options
@click.option(
    "--from-run",
    metavar="RUN_ID",
    help="The failover to undo (default: the newest succeeded failover of this app).",
)
@pass_app
def failback(app: AppContext, /, plan_path: str, from_run: str | None, **flags: Any) -> None:
    """Return to regions.primary: re-protect data first, then fail over back.

    Capacities and settings the failover changed (group sizes, service counts)
    are restored from what that failover's journal recorded. Same flags, gates,
    journal, lock and exit codes as failover.
    """
    from drctl.engine.operations import failback_graph, recorded_by_step
    from drctl.engine.runs import list_runs, load_run, state_dir

    base = state_dir(app.state_dir)
    recorded: dict[str, dict[str, Any]] = {}
    if from_run:
        recorded = recorded_by_step(load_run(base, from_run))
    else:
        undone = _newest_failover(list_runs(base), plan_path)
        if undone is not None:
            recorded = recorded_by_step(undone)

    def build(plan: Plan, ctx: KindContext, only: Sequence[str] | None) -> StepGraph:
        ctx.recorded = recorded
        return failback_graph(plan, ctx, only)

    run_steps(app, RunRequest(action="failback", plan_path=plan_path, **flags), build)


def _newest_failover(records: list[Any], plan_path: str) -> Any:
    from drctl.plan.loader import load_plan

    app_name = load_plan(plan_path).plan.app
    for record in records:  # newest first
        if record.app == app_name and record.action == "failover" and record.status == "succeeded":
            return record
    return None
