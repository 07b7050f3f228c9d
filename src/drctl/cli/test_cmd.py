"""``drctl test --plan PLAN``: run the plan's drills (for CI: JSON and JUnit)."""

from __future__ import annotations

from pathlib import Path

import click

from drctl.cli.app import AppContext, pass_app
from drctl.cli.common import load_for_command, plan_option, run_settings
from drctl.cli.completion import drill_names
from drctl.errors import ExitCode


@click.command("test")
@plan_option
@click.option(
    "--drill",
    "drills",
    multiple=True,
    metavar="NAME",
    help="Run only these drills.",
    shell_complete=drill_names,
)
@click.option(
    "--junit",
    "junit_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write JUnit XML here (one testsuite per drill).",
)
@click.option(
    "--allow-disruptive",
    is_flag=True,
    help="Allow drills that move production (type: failover).",
)
@pass_app
def test(
    app: AppContext, plan_path: str, drills: tuple[str, ...], junit_file: Path | None,
    allow_disruptive: bool,
) -> None:  # fmt: skip
    """Run the plan's drills in order; exit 0 only if every drill passed.

    Each drill is journaled as a run: `drctl runs list --type drill` shows the
    measured RTO/RPO over time.
    """
    from drctl.drills.env import DrillEnv
    from drctl.drills.runner import run_drills, select

    loaded = load_for_command(app, plan_path)
    select(loaded.plan.drills, drills)  # unknown names: exit 2 before any AWS call
    if not loaded.plan.drills:
        raise click.UsageError(f"{plan_path} has no drills: add a `drills:` section")
    settings = run_settings(app)
    from drctl.engine.settings import sessions_for

    sessions_for(loaded.plan, settings).require_credentials()
    from drctl.cli.run_view import warn

    env = DrillEnv(loaded, settings, allow_disruptive=allow_disruptive, warn=warn)
    started = settings.clock.now()
    on_result = None
    if not app.json:
        from drctl.render.drills import print_drill

        on_result = print_drill
    report = run_drills(env, drills, on_result=on_result)
    if junit_file:
        from drctl.render.junit import write_junit

        write_junit(junit_file, report, started)
    if app.json:
        from drctl.render.json_out import emit

        emit(report.as_dict())
    else:
        from drctl.render.drills import print_summary

        print_summary(report, junit_file)
    if report.refused_only:
        raise click.exceptions.Exit(ExitCode.REFUSED)
    if not report.ok:
        raise click.exceptions.Exit(ExitCode.FAILED)
