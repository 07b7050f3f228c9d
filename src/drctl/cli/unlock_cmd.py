"""``drctl unlock --plan PLAN LOCK_ID``: break the lock a dead run left behind."""

from __future__ import annotations

import click

from drctl.cli.app import AppContext, pass_app
from drctl.cli.common import load_for_command, plan_option, run_settings


@click.command()
@plan_option
@click.argument("lock_id")
@pass_app
def unlock(app: AppContext, plan_path: str, lock_id: str) -> None:
    """Break PLAN's run lock. LOCK_ID must match: it is shown by the run that was refused.

    Only for a lock whose run is dead (its machine crashed, its process was
    killed). A run that is merely paused is continued with --resume RUN_ID,
    which takes its lock over without breaking it.
    """
    from drctl.engine.lock import break_lock
    from drctl.engine.state import lock_store

    loaded = load_for_command(app, plan_path)
    store = lock_store(loaded.plan, run_settings(app))
    broken = break_lock(store, lock_id)
    if app.json:
        from drctl.render.json_out import emit

        emit({"unlocked": True, "lock": broken.as_dict(), "where": store.where})
        return
    click.echo(f"broke the lock of {broken.describe()} ({store.where})")
