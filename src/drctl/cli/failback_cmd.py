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
@click.option(
    "--engine",
    type=click.Choice(["cli", "stepfunctions"]),
    default="cli",
    show_default=True,
    help="cli: run the steps from here; stepfunctions: start the deployed failback state "
    "machine (drctl deploy stepfunctions --action failback) and follow it.",
)
@pass_app
def failback(
    app: AppContext, /, plan_path: str, from_run: str | None, engine: str, **flags: Any
) -> None:
    """Return to regions.primary: re-protect data first, then fail over back.

    Capacities and settings the failover changed (group sizes, service counts)
    are restored from what that failover's journal recorded. Same flags, gates,
    journal, lock and exit codes as failover.
    """
    if engine == "stepfunctions" and not flags["dry_run"]:
        from drctl.cli.remote_view import run_on_step_functions

        run_on_step_functions(app, "failback", plan_path, {**flags, "from_run": from_run})
        return
    run_and_report(app, "failback", plan_path, {**flags, "from_run": from_run})
