"""``drctl alarms apply --plan PLAN``: the CloudWatch alarms for DR the plan implies."""

from __future__ import annotations

import click

from drctl.cli.app import AppContext, pass_app
from drctl.cli.common import confirm_or_refuse, load_single_plan, plan_option, run_settings


def _every(ctx: click.Context, param: click.Parameter, value: str) -> int:
    """The readiness score's period: how often ``check --publish`` runs (CloudWatch takes
    a multiple of 60 seconds, at most one day for one evaluation period)."""
    from drctl.plan.durations import Duration

    try:
        seconds = Duration.parse(value).seconds
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    if seconds < 60 or seconds % 60 or seconds > 86400:
        raise click.BadParameter(f"{value}: a whole number of minutes, from 1m to 1d")
    return seconds


@click.group()
def alarms() -> None:
    """CloudWatch alarms that say the DR side is at risk, wired to the plan's SNS topic."""


@alarms.command("apply")
@plan_option
@click.option("--dry-run", is_flag=True, help="Show every PutMetricAlarm; change nothing.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--every",
    default="15m",
    show_default=True,
    callback=_every,
    metavar="DURATION",
    help="How often check --publish runs: the readiness-score alarm's period (no score "
    "for that long alarms too).",
)
@pass_app
def apply(app: AppContext, plan_path: str, dry_run: bool, yes: bool, every: int) -> None:
    """Create or update the plan's alarms: replica lag above the RPO per database, the
    primary's Route 53 health check failing (in us-east-1), readiness score below 100%.

    Alarms already as wanted are left alone: a second apply changes nothing and says so.
    Exit 0 when applied (or nothing to do), 2 when the plan has no notifications topic.
    """
    from drctl.drills import alarms as plan_alarms
    from drctl.engine.settings import make_context

    loaded = load_single_plan(app, plan_path, "alarms apply")
    plan = loaded.plan
    plan_alarms.topic(plan)  # a plan without a topic is refused before any AWS call
    ctx = make_context(plan, run_settings(app, dry_run=dry_run), require_credentials=True)
    changes, topics = plan_alarms.plan_changes(plan, ctx, every)
    pending = [c for c in changes if c.action != "unchanged"]
    new_topics = [t for t in topics if t.action == "create"]
    applied = False
    if not dry_run and (pending or new_topics):
        confirm_or_refuse(
            f"Put {len(pending)} alarm(s) and create {len(new_topics)} topic(s) for {plan.app}?",
            yes=yes,
            what=f"apply the alarms of {plan.app}",
        )
        plan_alarms.apply(ctx, changes, topics)
        applied = True
    if app.json:
        from drctl.render.json_out import emit

        emit(
            {
                "app": plan.app,
                "dry_run": dry_run,
                "changed": applied,
                "alarms": [c.document() for c in changes],
                "topics": [t.document() for t in topics],
            }
        )
        return
    from drctl.render.readiness import alarm_changes

    alarm_changes(plan.app, changes, topics, dry_run=dry_run, applied=applied)
