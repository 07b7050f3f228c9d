"""``drctl backup --plan PLAN``: snapshots for backup-and-restore, copied to regions.dr."""

from __future__ import annotations

from typing import Any

import click

from drctl.cli.failover_cmd import run_options
from drctl.cli.main import AppContext, pass_app
from drctl.cli.run_flow import RunRequest, run_steps


@click.command()
@run_options
@pass_app
def backup(app: AppContext, /, plan_path: str, **flags: Any) -> None:
    """Snapshot every rds-instance with recovery: snapshot and copy it to regions.dr.

    Run it at least as often as the RPO (cron, a scheduled CI job): `drctl check`
    fails when the newest copy in regions.dr is older than the RPO. Journaled,
    locked and confirmed like a failover; --dry-run shows the calls.
    """
    from drctl.engine.backup import backup_graph

    run_steps(app, RunRequest(action="backup", plan_path=plan_path, **flags), backup_graph)
