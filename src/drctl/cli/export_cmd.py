"""``drctl export stepfunctions``: the plan's failover or failback as a Step Functions state
machine definition (Amazon States Language), generated from the same step graph the CLI runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from drctl.cli.app import AppContext, pass_app
from drctl.cli.common import load_single_plan, plan_option, run_settings
from drctl.errors import UsageError

if TYPE_CHECKING:
    from drctl.engine.graph import StepGraph
    from drctl.plan.loader import LoadedPlan


def from_run_option(f: Any) -> Any:
    """``--from-run``: the failover whose journal a failback definition restores from."""
    return click.option(
        "--from-run",
        metavar="RUN_ID",
        default=None,
        help="failback: the failover to undo, whose recorded capacities the definition "
        "restores (default: the newest succeeded failover of this app).",
    )(f)


@click.group()
def export() -> None:
    """Hand a plan's run to another engine."""


@export.command()
@plan_option
@click.option(
    "--action",
    type=click.Choice(["failover", "failback"]),
    required=True,
    help="Which run the state machine carries out.",
)
@click.option(
    "--mode",
    type=click.Choice(["planned", "unplanned"]),
    default="planned",
    show_default=True,
    help="planned: fence, drain, gate on lag; unplanned: the primary may be gone.",
)
@click.option("--only", multiple=True, metavar="NAME", help="Only these resources (repeatable).")
@from_run_option
@click.option(
    "-o",
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    metavar="FILE",
    help="Write the definition to FILE instead of standard output.",
)
@click.option(
    "--proxy-package",
    "proxy_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    metavar="ZIP",
    help="Also write the Region proxy's Lambda deployment package to ZIP (for deploying the "
    "definition by other means than drctl deploy).",
)
@pass_app
def stepfunctions(
    app: AppContext,
    plan_path: str,
    action: str,
    mode: str,
    only: tuple[str, ...],
    from_run: str | None,
    out_file: Path | None,
    proxy_file: Path | None,
) -> None:
    """The Amazon States Language definition that runs PLAN's ACTION on AWS Step Functions.

    AWS is read (nothing is changed) to resolve what the calls need: a health check's id, a
    parameter group's name. A step that only the CLI engine can run makes the export fail
    (exit 2), naming it.
    """
    from drctl.aws.stepfunctions import proxy_name, proxy_zip
    from drctl.export.iam import uses_proxy
    from drctl.export.stepfunctions import cross_region_calls, state_transitions

    loaded, graph, document, _ = build_definition(app, plan_path, action, mode, only, from_run)
    plan = loaded.plan
    text = json.dumps(document, indent=2) + "\n"
    summary: dict[str, Any] = {
        "app": plan.app,
        "action": action,
        "mode": mode,
        "region": plan.regions.dr,
        "steps": [s.id for s in graph.steps],
        "states": _count_states(document),
        "min_state_transitions": state_transitions(document),
        "cross_region_calls": cross_region_calls(document),
        "region_proxy": proxy_name(plan.app) if uses_proxy(document) else None,
        "file": str(out_file) if out_file else None,
    }
    warn_cross_region(app, summary["cross_region_calls"])
    if proxy_file is not None:
        try:
            proxy_file.write_bytes(proxy_zip())
        except OSError as exc:
            raise UsageError(f"cannot write {proxy_file}: {exc.strerror or exc}") from None
    if out_file is None:
        click.echo(text, nl=False)
        return
    out_file.write_text(text)
    if app.json:
        from drctl.render.json_out import emit

        emit(summary)
        return
    if not app.quiet:
        click.echo(
            f"wrote {out_file}: {summary['states']} states for {len(graph.steps)} steps "
            f"({', '.join(summary['steps'])}); an execution that finds everything done makes "
            f"{summary['min_state_transitions']} state transitions"
        )


def build_definition(
    app: AppContext,
    plan_path: str,
    action: str,
    mode: str,
    only: tuple[str, ...],
    from_run: str | None = None,
) -> tuple[LoadedPlan, StepGraph, dict[str, Any], str]:
    """The plan, its step graph for ``action``, and the definition that runs it (AWS is read,
    not changed, to resolve ids): shared by ``export`` and ``deploy``. A failback's steps
    restore what the failover it undoes recorded (``from_run``, else the newest succeeded
    one): the numbers are written into the definition, and that failover's run id is the
    last element returned ("" for a failover)."""
    from drctl.engine.run import recorded_by_step, step_graph, undone_failover
    from drctl.engine.settings import make_context
    from drctl.export.stepfunctions import Target, definition, roles_of
    from drctl.kinds.registry import registry

    loaded = load_single_plan(app, plan_path, "export stepfunctions")
    plan = loaded.plan
    settings = run_settings(app, dry_run=True)
    ctx = make_context(plan, settings, mode=mode, require_credentials=True)
    undone_id = ""
    if action == "failback":
        undone = undone_failover(settings.state_dir, plan.app, from_run)
        ctx.recorded = recorded_by_step(undone) if undone is not None else {}
        undone_id = undone.run_id if undone is not None else ""
    graph = step_graph(plan, ctx, registry(), action, list(only))
    target = Target(
        app=plan.app,
        action=action,
        mode=mode,
        region=plan.regions.dr,
        default_timeout_seconds=float(plan.effective_objectives().rto_seconds),
        topic_arn=plan.notifications.sns_topic_arn if plan.notifications else None,
        roles=roles_of(plan),
    )
    return loaded, graph, definition(graph, target), undone_id


def warn_cross_region(app: AppContext, calls: list[str]) -> None:
    """Say on stderr (never in the JSON on stdout) which tasks call another Region through
    the Region proxy, which must be deployed with the machine for them to run."""
    if not calls or app.quiet:
        return
    from drctl.export.stepfunctions import CROSS_REGION_NOTE

    click.echo(
        f"note: {len(calls)} task(s) call another Region than the state machine's: "
        + "; ".join(calls)
        + ". "
        + CROSS_REGION_NOTE,
        err=True,
    )


def _count_states(document: dict[str, Any]) -> int:
    count = 0
    for state in document["States"].values():
        count += 1
        for branch in state.get("Branches", []):
            count += _count_states(branch)
    return count
