"""How a failover, failback or backup looks in the terminal: the dry-run table, the
confirmation, the live step view with manual-step prompts, the report and the exit code.

The engine's :class:`~drctl.engine.run.Run` decides everything (resume, approvals, lock,
gate, journal); this module only renders it and asks the operator.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from drctl.cli import common
from drctl.cli.app import AppContext
from drctl.cli.common import confirm_or_refuse, load_for_command, run_settings
from drctl.errors import ExitCode

if TYPE_CHECKING:
    from drctl.engine.gate import GateResult
    from drctl.engine.graph import StepGraph
    from drctl.engine.run import Run
    from drctl.engine.runs import RunRecord


def run_and_report(app: AppContext, action: str, plan_path: str, flags: dict[str, Any]) -> None:
    """Prepare the engine's Run from the flags, then show a dry run or execute it live."""
    from drctl.engine.run import Run, RunRequest
    from drctl.kinds.registry import registry

    loaded = load_for_command(app, plan_path)
    settings = run_settings(app, dry_run=flags["dry_run"])
    settings.max_workers = flags["workers"]
    step_mode = bool(flags.get("step"))
    request = RunRequest(
        action=action,
        mode=flags["mode"],
        only=list(flags["only"]),
        resume=flags["resume"],
        approve=list(flags["approve"]),
        accept_data_loss=flags["accept_data_loss"],
        dry_run=flags["dry_run"],
        from_run=flags.get("from_run"),
    )
    run = Run(loaded, settings, registry(), request)
    if request.dry_run:
        if not app.json:
            show_gate(run.gate)
        show_dry_run(app, run.dry_run(), run.graph)
        return
    if step_mode and not common.interactive():
        from drctl.errors import UsageError

        raise UsageError("--step asks before each step: it needs a terminal")

    def confirm(question: str) -> None:
        confirm_or_refuse(question, yes=flags["yes"], what=action)

    record = _execute_live(app, run, confirm, step_mode)
    report(app, record, action, plan_path)
    if record.status == "waiting":
        raise click.exceptions.Exit(ExitCode.REFUSED)
    if record.status == "aborted":
        raise click.exceptions.Exit(ExitCode.INTERRUPTED)  # stopped by Ctrl-C, resumable
    if record.status != "succeeded":
        raise click.exceptions.Exit(ExitCode.FAILED)


def _execute_live(
    app: AppContext, run: Run, confirm: Callable[[str], None], step_mode: bool
) -> RunRecord:
    if app.json:
        return run.execute(
            confirm=confirm, before_step=_step_asker(None) if step_mode else None, warn=warn
        )
    from drctl.render.live import LiveStepView

    title = f"{run.action.capitalize()} of {run.plan.app} ({run.mode}) run {run.run_id}" + (
        " (resumed)" if run.previous else ""
    )
    with LiveStepView(run.graph.steps, title) as view:
        if common.interactive():
            ask = _prompter(view)
            for ctx in run.contexts:  # the plan's and each included plan's manual steps
                ctx.ask = ask
        return run.execute(
            confirm=confirm,
            observer=view,
            before_step=_step_asker(view) if step_mode else None,
            warn=warn,
        )


def warn(message: str) -> None:
    """Something the operator must know that does not stop the run (stderr, not the JSON)."""
    from drctl.render.console import err

    err().print(f"[yellow]warning:[/] {message}", soft_wrap=True)


def _prompter(view: Any) -> Callable[[str, str], bool]:
    """Ask about one manual step at a time, with the live view paused."""
    lock = threading.Lock()

    def ask(name: str, instructions: str) -> bool:
        from drctl.render.console import err

        with lock, view.paused():
            err().print(f"\n[bold magenta]Manual step {name}[/]: {instructions}")
            try:
                return click.confirm("Is it done?", default=False, err=True)
            except click.Abort:
                return False

    return ask


def _step_asker(view: Any) -> Callable[[Any], bool]:
    """``--step``: show each step and its command, and ask before it starts."""

    def ask(step: Any) -> bool:
        from drctl.render.console import err

        with view.paused() if view is not None else contextlib.nullcontext():
            err().print(f"\n[bold]Next: {step.id}[/] ({step.phase.label}): {step.description}")
            for line in step.cli:
                err().print(f"  [green]$[/] {line}", soft_wrap=True)
            try:
                return click.confirm("Run this step?", default=True, err=True)
            except click.Abort:
                return False

    return ask


def report(app: AppContext, record: RunRecord, action: str, plan_path: str) -> None:
    if app.json:
        from drctl.render.json_out import emit

        emit(record.as_dict())
        return
    from rich.markup import escape

    from drctl.render.console import out
    from drctl.render.tables import rto_line

    console = out()
    console.print(rto_line(record))
    kept = [str(s.data["renamed_to"]) for s in record.steps if s.data.get("renamed_to")]
    if kept:
        cleanup = _drctl(app, "cleanup", "--plan", plan_path, state=False)
        console.print(
            f"  kept aside, not deleted: {', '.join(kept)} ({cleanup} lists and deletes them)"
        )
    for step in record.steps:
        if step.status == "waiting":
            approve = ("--resume", record.run_id, "--approve", step.resource)
            console.print(
                f"  [magenta]waiting[/] {step.id}: {escape(step.detail)}\n"
                f"    when it is done: {_drctl(app, action, '--plan', plan_path, *approve)}"
            )
    if record.status in ("aborted", "interrupted", "failed"):
        resume = _drctl(app, action, "--plan", plan_path, "--resume", record.run_id)
        console.print(f"  resume with: {resume}")
    shown = _drctl(app, "runs", "show", record.run_id)
    console.print(f"  journal: run {record.run_id} ({shown})")


def _drctl(app: AppContext, *words: str, state: bool = True) -> str:
    """A drctl command to paste into a shell, as rich markup: quoted, and naming the state
    directory this run used unless it is the default (a resume, or ``runs show``, elsewhere
    would look in ./.drctl and not find the run)."""
    import shlex

    from rich.markup import escape

    from drctl.engine.runs import DEFAULT_STATE_DIR, state_dir

    where = state_dir(app.state_dir)
    prefix = ["--state-dir", str(where)] if state and str(where) != DEFAULT_STATE_DIR else []
    return escape(shlex.join(["drctl", *prefix, *words]))


def show_gate(gate: GateResult) -> None:
    """The lag of each replicated resource against the RPO (dry run)."""
    if not gate.readings:
        return
    from drctl.render.console import out
    from drctl.render.tables import lag_table

    lag_table(gate)
    out().print()


def show_dry_run(app: AppContext, record: RunRecord, graph: StepGraph) -> None:
    by_id = graph.by_id()
    if app.json:
        from drctl.render.json_out import emit

        doc = record.as_dict()
        for step in doc["steps"]:
            s = by_id[step["id"]]
            step["description"] = s.description
            step["cli"] = s.cli
            step["depends_on"] = sorted(graph.deps[s.id])
        emit(doc)
        return
    from drctl.render.tables import steps_table

    rows = [
        {
            "id": step.id,
            "phase": by_id[step.id].phase.label,
            "status": step.status,
            "depends_on": sorted(graph.deps[step.id]),
            "description": by_id[step.id].description,
            "now": step.detail,
            "cli": by_id[step.id].cli,
        }
        for step in record.steps
    ]
    steps_table(
        f"Dry run: {record.action} of {record.app} ({record.mode}); nothing will change",
        rows,
        show_status=True,
    )
