"""``drctl cleanup --plan PLAN``: list, then delete after confirmation, what failbacks kept
aside (old primaries renamed ``*-pre-failback-*``)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from drctl.cli.app import AppContext, pass_app
from drctl.cli.common import confirm_or_refuse, load_single_plan, plan_option, run_settings

if TYPE_CHECKING:
    from drctl.kinds.contract import Cleanup, Leftover


@click.command()
@plan_option
@click.option("--only", multiple=True, metavar="NAME", help="Only these resources.")
@click.option("--dry-run", is_flag=True, help="List what would be deleted; delete nothing.")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--no-final-snapshot",
    is_flag=True,
    help="Delete databases without a final snapshot (default: take one, named <id>-final).",
)
@pass_app
def cleanup(
    app: AppContext,
    plan_path: str,
    only: tuple[str, ...],
    dry_run: bool,
    yes: bool,
    no_final_snapshot: bool,
) -> None:
    """List what failbacks kept aside instead of deleting (old primaries renamed
    *-pre-failback-*), with their age, and delete them once confirmed.

    Databases get a final snapshot first unless --no-final-snapshot. Exit 3 when the
    deletion is not confirmed; nothing is deleted then.
    """
    from drctl.engine.run import selected_resources
    from drctl.engine.settings import make_context
    from drctl.kinds.registry import registry

    loaded = load_single_plan(app, plan_path, "cleanup")
    ctx = make_context(loaded.plan, run_settings(app), require_credentials=True)
    found: list[tuple[Cleanup, Any, Leftover]] = []
    for res in selected_resources(loaded.plan, list(only) or None):
        impl = registry().get(res.kind).cleanup
        if impl is not None:
            found.extend((impl, res, item) for item in impl.leftovers(res, ctx))
    now = ctx.clock.now()
    rows = [_row(item, now) for _, _, item in found]
    if not found or dry_run:
        _show(app, loaded.plan.app, rows, "would delete" if found else "")
        return
    if not app.json:
        _show(app, loaded.plan.app, rows, "")
    snapshot = "without a final snapshot" if no_final_snapshot else "each with a final snapshot"
    confirm_or_refuse(
        f"Delete these {len(found)} resources ({snapshot})?", yes=yes, what="delete them"
    )
    for row, (impl, res, item) in zip(rows, found, strict=True):
        row["result"] = impl.remove(res, ctx, item, final_snapshot=not no_final_snapshot)
        if not app.json:
            click.echo(row["result"])
    if app.json:
        from drctl.render.json_out import emit

        emit({"app": loaded.plan.app, "dry_run": False, "leftovers": rows})


def _row(item: Any, now: datetime) -> dict[str, Any]:
    age = (now - item.since).total_seconds() if item.since is not None else None
    return {
        "resource": item.resource,
        "side": item.side,
        "region": item.region,
        "id": item.identifier,
        "what": item.what,
        "since": item.since.isoformat() if item.since is not None else None,
        "age_seconds": round(age) if age is not None else None,
        "detail": item.detail,
        "result": None,
    }


def _show(app: AppContext, name: str, rows: list[dict[str, Any]], result: str) -> None:
    if app.json:
        from drctl.render.json_out import emit

        for row in rows:
            row["result"] = result or None
        emit({"app": name, "dry_run": bool(result), "leftovers": rows})
        return
    from drctl.render.tables import leftovers_table

    leftovers_table(name, rows)
