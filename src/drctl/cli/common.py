"""Helpers shared by commands: loading a plan for a command, run settings, plan options."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from drctl.cli.completion import plan_files, run_ids
from drctl.errors import PlanError

if TYPE_CHECKING:
    from drctl.cli.app import AppContext
    from drctl.engine.settings import RunSettings
    from drctl.plan.loader import LoadedPlan

F = TypeVar("F", bound=Callable[..., Any])


def plan_option(fn: F) -> F:
    """``--plan PLAN``. Not ``click.Path(dir_okay=False)``: the loader refuses a
    directory, FIFO or device itself, as a ``PLAN:LINE:COL`` line like every other
    plan error, instead of click's differently shaped usage error."""
    return click.option(
        "--plan",
        "plan_path",
        required=True,
        type=click.Path(path_type=str),
        metavar="PLAN",
        help="The application's DR plan (YAML).",
        shell_complete=plan_files,
    )(fn)


def run_options(fn: F) -> F:
    """The flags failover and failback share (cli.md: "same flags")."""
    for option in reversed(
        [
            plan_option,
            click.option(
                "--mode",
                type=click.Choice(["planned", "unplanned"]),
                default="planned",
                show_default=True,
                help="planned: the primary is up (no data loss); unplanned: it is not.",
            ),
            click.option(
                "--dry-run",
                is_flag=True,
                help="Show every step, its AWS CLI command and current vs target state; "
                "change nothing.",
            ),
            click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation."),
            click.option(
                "--only", multiple=True, metavar="NAME", help="Only these resources (repeatable)."
            ),
            click.option(
                "--workers",
                type=click.IntRange(1, 64),
                default=8,
                show_default=True,
                help="Steps run in parallel at most.",
            ),
            click.option(
                "--resume",
                metavar="RUN_ID",
                help="Continue this run (waiting, interrupted or failed); done steps are kept.",
                shell_complete=run_ids,
            ),
            click.option(
                "--accept-data-loss",
                is_flag=True,
                help="Proceed in planned mode even when replication lag exceeds the RPO "
                "(the measured loss is journaled).",
            ),
            click.option(
                "--step",
                "step",
                is_flag=True,
                help="Ask before each step (for on-call following the runbook live).",
            ),
            click.option(
                "--approve",
                multiple=True,
                metavar="NAME",
                help="Record that manual step NAME has been done (repeatable).",
            ),
        ]
    ):
        fn = option(fn)
    return fn


def load_for_command(app: AppContext, path: str) -> LoadedPlan:
    """Load the plan; on errors, show each ``PLAN:LINE:COL`` line and exit 2."""
    from drctl.plan.loader import load_plan

    try:
        loaded = load_plan(path)
    except PlanError as exc:
        for line in exc.diagnostics or [exc.message]:
            click.echo(line, err=True)
        raise PlanError(f"{path} is not a valid plan", diagnostics=exc.diagnostics) from None
    if not app.quiet and not app.json:
        for warning in loaded.warnings:
            click.echo(str(warning), err=True)
    return loaded


def load_single_plan(app: AppContext, path: str, command: str) -> LoadedPlan:
    """Load a plan for a command that works on one plan at a time: a plan of plans
    (``include:``) is refused, naming the plans to run it on instead."""
    loaded = load_for_command(app, path)
    if loaded.plan.include:
        from pathlib import Path

        from drctl.errors import UsageError

        base = Path(path).parent
        files = [str(base / i.plan) for i in loaded.plan.include]
        raise UsageError(
            f"{path} includes other plans; drctl {command} works on one plan at a time",
            hint=f"run it on each included plan: {', '.join(files)}",
        )
    return loaded


def run_settings(app: AppContext, *, dry_run: bool = False) -> RunSettings:
    from drctl.engine.settings import default_settings

    return default_settings(
        profile=app.profile,
        endpoint_url=app.endpoint_url,
        dry_run=dry_run,
        state_dir=app.state_dir,
    )


def interactive() -> bool:
    """Whether a person can answer a prompt (stdin is a terminal)."""
    import sys

    return sys.stdin.isatty()


def confirm_or_refuse(question: str, *, yes: bool, what: str) -> None:
    """Ask before a destructive command; refuse (exit 3) when nobody can answer.

    A CI job that forgot ``--yes`` must not hang on a prompt nor go ahead
    silently: it is refused, and told how to proceed.
    """
    from drctl.errors import GateRefused

    if yes:
        return
    if not interactive():
        raise GateRefused(
            f"refusing to {what} without confirmation in a non-interactive run",
            hint="pass --yes to confirm, or --dry-run to see what would happen",
        )
    if not click.confirm(question, default=False, err=True):
        raise GateRefused(f"{what} not confirmed; nothing was changed")
