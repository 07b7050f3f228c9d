"""``drctl backup --plan PLAN``: snapshots for backup-and-restore, copied to regions.dr."""

from __future__ import annotations

from typing import Any

import click

from drctl.cli.app import AppContext, pass_app
from drctl.cli.common import run_options
from drctl.cli.run_view import run_and_report


@click.command()
@run_options
@pass_app
def backup(app: AppContext, /, plan_path: str, **flags: Any) -> None:
    """Snapshot every rds-instance with recovery: snapshot and copy it to regions.dr.

    Run it at least as often as the RPO (cron, a scheduled CI job): `drctl check`
    fails when the newest copy in regions.dr is older than the RPO. Journaled,
    locked and confirmed like a failover; --dry-run shows the calls.
    """
    run_and_report(app, "backup", plan_path, flags)
