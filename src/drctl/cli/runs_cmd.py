"""``drctl runs list|show``: past runs, rebuilt from their journals."""

from __future__ import annotations

import click

from drctl.cli.app import AppContext, pass_app
from drctl.cli.completion import run_ids


@click.group()
def runs() -> None:
    """Past failover, failback and drill runs, from the journal."""


def _base(app: AppContext):  # type: ignore[no-untyped-def]
    from drctl.engine.runs import state_dir

    return state_dir(app.state_dir)


@runs.command("list")
@click.option("--app", "app_name", metavar="APP", help="Only this application's runs.")
@click.option("--type", "action", metavar="TYPE", help="Only runs of this type (failover, ...).")
@click.option("--limit", type=int, default=50, show_default=True)
@pass_app
def list_runs(app: AppContext, app_name: str | None, action: str | None, limit: int) -> None:
    """Runs kept in the state directory, newest first."""
    from drctl.engine.runs import list_runs as all_runs

    every = all_runs(_base(app))
    records = [
        r
        for r in every
        if (app_name is None or r.app == app_name) and (action is None or r.action == action)
    ][:limit]
    if app.json:
        from drctl.render.json_out import emit

        emit({"runs": [{k: v for k, v in r.as_dict().items() if k != "steps"} for r in records]})
        return
    if not records and every:  # there are runs; the filters left none: say which exist
        wanted = " and ".join(
            f"{flag} {value}" for flag, value in (("--app", app_name), ("--type", action)) if value
        )
        apps = ", ".join(sorted({r.app for r in every}))
        types = ", ".join(sorted({r.action for r in every}))
        click.echo(f"no runs match {wanted} in {_base(app)} (apps: {apps}; types: {types})")
        return
    if not records:
        click.echo(f"no runs in {_base(app)}")
        return
    from drctl.render.tables import runs_table

    runs_table(records)


@runs.command("show")
@click.argument("run_id", shell_complete=run_ids)
@pass_app
def show_run(app: AppContext, run_id: str) -> None:
    """One run: every step, its times and outcome, and the measured RTO."""
    from drctl.engine.runs import load_run

    record = load_run(_base(app), run_id)
    if app.json:
        from drctl.render.json_out import emit

        emit(record.as_dict())
        return
    from drctl.render.tables import run_summary

    run_summary(record)
