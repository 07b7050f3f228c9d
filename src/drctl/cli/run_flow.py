"""The flow shared by commands that run a step graph (failover, failback).

Load the plan, resolve a resume, build the graph, then either show a dry run or
confirm, execute under the live view and report. One place, so every such
command has the same confirmation gate, resume rules, manual-step prompts and
exit codes.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import click

from drctl.cli import common
from drctl.cli.common import confirm_or_refuse, load_for_command, run_settings
from drctl.cli.main import AppContext
from drctl.errors import ExitCode

if TYPE_CHECKING:
    from drctl.engine.gate import GateResult
    from drctl.engine.graph import StepGraph
    from drctl.engine.runs import RunRecord
    from drctl.kinds.base import KindContext
    from drctl.plan.models import Plan


@dataclass
class RunRequest:
    action: str  # failover | failback
    plan_path: str
    mode: str
    dry_run: bool
    yes: bool
    only: Sequence[str]
    workers: int
    resume: str | None
    approve: Sequence[str]
    accept_data_loss: bool = False
    step: bool = False


GraphBuilder = Callable[["Plan", "KindContext", Sequence[str] | None], "StepGraph"]


def run_steps(app: AppContext, req: RunRequest, build: GraphBuilder) -> None:
    from drctl.engine.gate import enforce
    from drctl.engine.operations import (
        check_resumable,
        dry_run_record,
        make_context,
        manual_approvals,
        operator,
        rpo_gate,
        run_lock,
    )
    from drctl.engine.runs import new_run_id

    loaded = load_for_command(app, req.plan_path)
    plan = loaded.plan
    settings = run_settings(app, dry_run=req.dry_run)
    settings.max_workers = req.workers

    previous = None
    mode, only = req.mode, list(req.only)
    if req.resume:
        previous = _load_for_resume(plan, settings, req.resume)
        check_resumable(loaded, previous, req.action)
        mode, only = previous.mode, list(previous.meta.get("only") or [])
        run_id = previous.run_id
    else:
        run_id = new_run_id(settings.clock.now(), plan.app, req.action)

    approvals = {a["step"]: a["by"] for a in previous.approvals} if previous else {}
    approvals.update(manual_approvals(plan, req.approve, operator()))
    ctx = make_context(plan, settings, mode=mode, run_id=run_id, require_credentials=True)
    ctx.approvals = dict(approvals)
    graph = build(plan, ctx, only)
    gate = rpo_gate(plan, ctx, only)

    if req.dry_run:
        if not app.json:
            show_gate(gate)
        show_dry_run(
            app, dry_run_record(loaded, graph, settings, action=req.action, mode=mode), graph
        )
        return

    enforce(gate, mode=mode, accept_data_loss=req.accept_data_loss)
    if req.step and not common.interactive():
        from drctl.errors import UsageError

        raise UsageError("--step asks before each step: it needs a terminal")
    # Take the lock before asking: a second operator learns at once who holds it.
    lock = run_lock(
        plan, settings, run_id=run_id, action=req.action, takeover=req.resume and run_id
    )
    lock.acquire()
    record: RunRecord | None = None
    try:
        remaining = [
            s.id
            for s in graph.steps
            if not previous
            or next((p.status for p in previous.steps if p.id == s.id), "pending")
            not in ("succeeded", "skipped")
        ]
        confirm_or_refuse(
            _question(plan, req.action, mode, remaining, run_id, previous),
            yes=req.yes,
            what=req.action,
        )
        run_args: dict[str, Any] = {
            "action": req.action,
            "mode": mode,
            "run_id": run_id,
            "only": only,
            "previous": previous,
            "approvals": manual_approvals(plan, req.approve, operator()),
            "gate": gate,
            "step_mode": req.step,
        }
        record = _execute(
            app,
            loaded,
            graph,
            settings,
            ctx,
            run_args,
            title_suffix=" (resumed)" if previous else "",
        )
    finally:
        # A paused or interrupted run keeps the lock: it is not over, and --resume
        # takes the lock over. Anything else -- done, failed, refused -- lets go.
        if record is None or record.status not in ("waiting", "aborted", "interrupted"):
            lock.release()
    assert record is not None
    report(app, record, req)
    if record.status == "waiting":
        raise click.exceptions.Exit(ExitCode.REFUSED)
    if record.status == "aborted":
        raise click.exceptions.Exit(ExitCode.INTERRUPTED)  # stopped by Ctrl-C, resumable
    if record.status != "succeeded":
        raise click.exceptions.Exit(ExitCode.FAILED)


def _load_for_resume(plan: Plan, settings: Any, run_id: str) -> RunRecord:
    from drctl.engine.operations import fetch_remote_journal
    from drctl.engine.runs import load_run
    from drctl.errors import UsageError

    try:
        return load_run(settings.state_dir, run_id)
    except UsageError:
        if not fetch_remote_journal(plan, settings, run_id):
            raise
    return load_run(settings.state_dir, run_id)


def _execute(
    app: AppContext,
    loaded: Any,
    graph: StepGraph,
    settings: Any,
    ctx: KindContext,
    run_args: dict[str, Any],
    *,
    title_suffix: str,
) -> RunRecord:
    from drctl.engine.operations import execute

    plan = loaded.plan
    if app.json:
        if run_args.pop("step_mode", False):
            run_args["before_step"] = _step_asker(None)
        return execute(loaded, graph, settings, **run_args)
    from drctl.render.live import LiveStepView

    title = (
        f"{run_args['action'].capitalize()} of {plan.app} ({run_args['mode']}) "
        f"run {run_args['run_id']}{title_suffix}"
    )
    with LiveStepView(graph.steps, title) as view:
        if common.interactive():
            ctx.ask = _prompter(view)
        if run_args.pop("step_mode", False):
            run_args["before_step"] = _step_asker(view)
        return execute(loaded, graph, settings, observer=view, **run_args)


def _question(
    plan: Plan,
    action: str,
    mode: str,
    remaining: list[str],
    run_id: str,
    previous: RunRecord | None,
) -> str:
    where = (
        f"from {plan.regions.primary} to {plan.regions.dr}"
        if action == "failover"
        else f"from {plan.regions.dr} back to {plan.regions.primary}"
    )
    verb = f"Resume {action} run {run_id} of" if previous else action.capitalize()
    return (
        f"{verb} {plan.app} {where} ({mode})? "
        f"This runs {len(remaining)} steps: {', '.join(remaining)}"
    )


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


def report(app: AppContext, record: RunRecord, req: RunRequest) -> None:
    if app.json:
        from drctl.render.json_out import emit

        emit(record.as_dict())
        return
    from drctl.render.console import out
    from drctl.render.tables import rto_line

    console = out()
    console.print(rto_line(record))
    for step in record.steps:
        if step.status == "waiting":
            console.print(
                f"  [magenta]waiting[/] {step.id}: {step.detail}\n"
                f"    when it is done: drctl {req.action} --plan {req.plan_path} "
                f"--resume {record.run_id} --approve {step.resource}"
            )
    if record.status in ("aborted", "interrupted", "failed"):
        console.print(
            f"  resume with: drctl {req.action} --plan {req.plan_path} --resume {record.run_id}"
        )
    console.print(f"  journal: run {record.run_id} (drctl runs show {record.run_id})")


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
