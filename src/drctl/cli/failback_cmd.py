"""``drctl failback --plan PLAN``: bring the application home to regions.primary."""

from __future__ import annotations

from typing import Any

import click

from drctl.cli.app import AppContext, pass_app
from drctl.cli.common import run_options
from drctl.cli.completion import run_ids
from drctl.cli.run_view import run_and_report


@click.command()
@run_options
@click.option(
    "--from-run",
    metavar="RUN_ID",
    help="The failover to undo (default: the newest succeeded failover of this app).",
    shell_complete=run_ids,
)
@pass_app
def failback(app: AppContext, /, plan_path: str, from_run: str | None, **flags: Any) -> None:
    """Return to regions.primary: re-protect data first, then fail over back.

    Capacities and settings the failover changed (group sizes, service counts)
    are restored from what that failover's journal recorded. Same flags, gates,
    journal, lock and exit codes as failover.
    """
    run_and_report(app, "failback", plan_path, {**flags, "from_run": from_run})
