"""``drctl schedule stop|start --plan PLAN``: the DR side's non-critical compute off and on."""

from __future__ import annotations

from typing import Any

import click

from drctl.cli.app import AppContext, pass_app
from drctl.cli.common import confirm_or_refuse, load_for_command, plan_option, run_settings


@click.group()
def schedule() -> None:
    """Stop or start the DR side's non-critical compute (tagged Purpose=DR, Critical=false).

    `stop` scales the plan's tagged DR Auto Scaling groups and ECS services to 0 and stops
    tagged EC2 instances of the app in regions.dr, recording what it changed; `start`
    restores exactly that. Replicas and anything else that protects data are never stopped.
    """


def _options(fn: Any) -> Any:
    fn = click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")(fn)
    fn = click.option(
        "--dry-run", is_flag=True, help="Show every change and its AWS CLI command; change nothing."
    )(fn)
    return plan_option(fn)


@schedule.command("stop")
@_options
@pass_app
def stop_cmd(app: AppContext, plan_path: str, dry_run: bool, yes: bool) -> None:
    """Scale the DR side's schedulable compute to zero and record what it was."""
    _run(app, "stop", plan_path, dry_run, yes)


@schedule.command("start")
@_options
@pass_app
def start_cmd(app: AppContext, plan_path: str, dry_run: bool, yes: bool) -> None:
    """Restore exactly what `schedule stop` recorded (capacities, desired counts, instances)."""
    _run(app, "start", plan_path, dry_run, yes)


def _run(app: AppContext, action: str, plan_path: str, dry_run: bool, yes: bool) -> None:
    from drctl.aws.errors import aws_errors
    from drctl.engine import schedule as sched
    from drctl.engine.settings import make_context

    loaded = load_for_command(app, plan_path)
    settings = run_settings(app, dry_run=dry_run)
    ctx = make_context(loaded.plan, settings, require_credentials=True)
    assert ctx.state_dir is not None
    record: dict[str, Any] | None
    with aws_errors(f"schedule {action} of {loaded.plan.app}"):
        if action == "stop":
            sched.refuse_stop(ctx)
            changes, record = sched.plan_stop(ctx)
        else:
            record = sched.read_record(ctx.state_dir, loaded.plan.app)
            changes = sched.plan_start(ctx, record) if record else []
    planned = [c for c in changes if c.status == "planned"]
    status = "dry-run" if dry_run else ("done" if planned else "nothing")
    if planned and not dry_run:
        confirm_or_refuse(
            f"{action} {len(planned)} DR resource(s) of {loaded.plan.app}?",
            yes=yes,
            what=f"schedule {action}",
        )
        with aws_errors(f"schedule {action} of {loaded.plan.app}"):
            if action == "stop" and record is not None:
                sched.stop(ctx, changes, record)
            elif record is not None:
                sched.start(ctx, changes, record)
    elif record is not None and action == "start" and not dry_run:
        sched.record_path(ctx.state_dir, loaded.plan.app).unlink()  # nothing left to restore
    where = str(sched.record_path(ctx.state_dir, loaded.plan.app))
    if app.json:
        from drctl.render.json_out import emit

        emit(
            {
                "app": loaded.plan.app,
                "action": action,
                "status": status,
                "record": where,
                "resources": sched.as_dicts(changes),
            }
        )
        return
    if action == "start" and record is None:
        click.echo(f"nothing recorded by `drctl schedule stop` for {loaded.plan.app} ({where})")
        return
    for c in changes:
        line = f"{c.status:8} {c.kind} {c.name} ({c.region}): {c.change}"
        click.echo(line + (f" -- {c.reason}" if c.reason else ""))
        if c.command and c.status in ("planned", "done"):
            click.echo(f"         $ {c.command}")
    verb = {"dry-run": "would change", "done": "changed", "nothing": "nothing to change:"}[status]
    click.echo(f"{verb} {len(planned)} resource(s); record: {where}")
