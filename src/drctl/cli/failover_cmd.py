"""``drctl failover --plan PLAN``: move the application to regions.dr."""

from __future__ import annotations

from typing import Any

import click

from drctl.cli.app import AppContext, pass_app
from drctl.cli.common import run_options
from drctl.cli.run_view import run_and_report


@click.command()
@run_options
@click.option(
    "--engine",
    type=click.Choice(["cli", "stepfunctions"]),
    default="cli",
    show_default=True,
    help="cli: run the steps from here; stepfunctions: start the deployed state machine "
    "(drctl deploy stepfunctions) in the DR Region and follow it.",
)
@pass_app
def failover(app: AppContext, /, plan_path: str, engine: str, **flags: Any) -> None:
    """Fail over to regions.dr in a safe order, journaled, with the RTO measured.

    Exit 0 when every step succeeded, 1 when one failed, 3 when refused or paused
    at a manual step (resume with --resume RUN_ID --approve NAME).
    """
    if engine == "stepfunctions" and not flags["dry_run"]:
        from drctl.cli.remote_view import run_on_step_functions

        run_on_step_functions(app, "failover", plan_path, flags)
        return
    run_and_report(app, "failover", plan_path, flags)
