"""``drctl failover --plan PLAN``: move the application to regions.dr."""

from __future__ import annotations

import click

from drctl.cli.common import confirm_or_refuse, load_for_command, plan_option, run_settings
from drctl.cli.main import AppContext, pass_app
from drctl.errors import ExitCode


@click.command()
@plan_option
@click.option(
    "--mode",
    type=click.Choice(["planned", "unplanned"]),
    default="planned",
    show_default=True,
    help="planned: the primary is up (no data loss); unplanned: it is not.",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Show every step, its AWS CLI command and current vs target state; change nothing.",
)
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--only", multiple=True, metavar="NAME", help="Fail over only these resources (repeatable)."
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=8,
    show_default=True,
    help="Steps run in parallel at most.",
)
@pass_app
def failover(
    app: AppContext,
    plan_path: str,
    mode: str,
    dry_run: bool,
    yes: bool,
    only: tuple[str, ...],
    workers: int,
) -> None:
    """Fail over to regions.dr in a safe order, journaled, with the RTO measured."""
    from drctl.engine.operations import (
        dry_run_record,
        execute,
        failover_graph,
        make_context,
    )
    from drctl.engine.runs import new_run_id

    loaded = load_for_command(app, plan_path)
    plan = loaded.plan
    settings = run_settings(app, dry_run=dry_run)
    settings.max_workers = workers
    run_id = new_run_id(settings.clock.now(), plan.app, "failover")
    ctx = make_context(plan, settings, mode=mode, run_id=run_id, require_credentials=True)
    graph = failover_graph(plan, ctx, list(only))

    if dry_run:
        record = dry_run_record(loaded, graph, settings, action="failover", mode=mode)
        _show_dry_run(app, record, graph)
        return

    _confirm(plan, mode, [s.id for s in graph.steps], yes)

    if app.json:
        record = execute(loaded, graph, settings, action="failover", mode=mode, run_id=run_id)
    else:
        from drctl.render.live import LiveStepView

        title = (
            f"Failover of {plan.app}: {plan.regions.primary} -> {plan.regions.dr} "
            f"({mode}) run {run_id}"
        )
        with LiveStepView(graph.steps, title) as view:
            record = execute(
                loaded, graph, settings, action="failover", mode=mode, run_id=run_id, observer=view
            )
    _report(app, record)
    if record.status != "succeeded":
        raise click.exceptions.Exit(ExitCode.FAILED)


def _confirm(plan: object, mode: str, step_ids: list[str], yes: bool) -> None:
    from drctl.plan.models import Plan

    assert isinstance(plan, Plan)
    question = (
        f"Fail over {plan.app} from {plan.regions.primary} to {plan.regions.dr} ({mode})? "
        f"This runs {len(step_ids)} steps: {', '.join(step_ids)}"
    )
    confirm_or_refuse(question, yes=yes, what="fail over")


def _report(app: AppContext, record: object) -> None:
    from drctl.engine.runs import RunRecord

    assert isinstance(record, RunRecord)
    if app.json:
        from drctl.render.json_out import emit

        emit(record.as_dict())
        return
    from drctl.render.console import out
    from drctl.render.tables import rto_line

    out().print(rto_line(record))
    out().print(f"  journal: run {record.run_id} (drctl runs show {record.run_id})")


def _show_dry_run(app: AppContext, record: object, graph: object) -> None:
    from drctl.engine.graph import StepGraph
    from drctl.engine.runs import RunRecord

    assert isinstance(record, RunRecord) and isinstance(graph, StepGraph)
    if app.json:
        from drctl.render.json_out import emit

        doc = record.as_dict()
        by_id = graph.by_id()
        for step in doc["steps"]:
            s = by_id[step["id"]]
            step["description"] = s.description
            step["cli"] = s.cli
            step["depends_on"] = sorted(graph.deps[s.id])
        emit(doc)
        return
    from drctl.render.tables import steps_table

    by_id = graph.by_id()
    rows = []
    for step in record.steps:
        s = by_id[step.id]
        rows.append(
            {
                "id": s.id,
                "phase": s.phase.label,
                "status": step.status,
                "depends_on": sorted(graph.deps[s.id]),
                "description": s.description,
                "now": step.detail,
                "cli": s.cli,
            }
        )
    steps_table(
        f"Dry run: failover of {record.app} ({record.mode}); nothing will change",
        rows,
        show_status=True,
    )
