"""``drctl failover --plan PLAN``: move the application to regions.dr."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from drctl.cli.common import plan_option
from drctl.cli.main import AppContext, pass_app
from drctl.cli.run_flow import RunRequest, run_steps

F = TypeVar("F", bound=Callable[..., Any])


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


@click.command()
@run_options
@pass_app
def failover(app: AppContext, /, plan_path: str, **flags: Any) -> None:
    """Fail over to regions.dr in a safe order, journaled, with the RTO measured.

    Exit 0 when every step succeeded, 1 when one failed, 3 when refused or paused
    at a manual step (resume with --resume RUN_ID --approve NAME).
    """
    from drctl.engine.operations import failover_graph

    run_steps(app, RunRequest(action="failover", plan_path=plan_path, **flags), failover_graph)
