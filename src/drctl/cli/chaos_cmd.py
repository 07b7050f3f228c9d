"""``drctl chaos list|run|stop --plan PLAN [NAME]``: the plan's FIS experiments."""

from __future__ import annotations

import click

from drctl.cli.app import AppContext, pass_app
from drctl.cli.common import confirm_or_refuse, load_for_command, plan_option, run_settings
from drctl.cli.completion import experiment_names
from drctl.errors import ExitCode


@click.group()
def chaos() -> None:
    """The plan's FIS chaos experiments: list them, run one and follow it, stop it."""


def _context(app: AppContext, plan_path: str):  # type: ignore[no-untyped-def]
    from drctl.engine.settings import make_context

    loaded = load_for_command(app, plan_path)
    return make_context(loaded.plan, run_settings(app), require_credentials=True)


@chaos.command("list")
@plan_option
@pass_app
def list_experiments(app: AppContext, plan_path: str) -> None:
    """The plan's experiments: region, actions, stop conditions, template if created."""
    from drctl.engine.chaos import describe_experiments

    ctx = _context(app, plan_path)
    rows = describe_experiments(ctx)
    if app.json:
        from drctl.render.json_out import emit

        emit({"app": ctx.plan.app, "experiments": rows})
        return
    if not rows:
        click.echo(f"{ctx.plan.app}: the plan has no experiments")
        return
    from drctl.render.console import out

    for row in rows:
        stops = ", ".join(row["stop_conditions"]) or "[red]none[/]"
        out().print(
            f"[bold]{row['name']}[/] in {row['region']}: {', '.join(row['actions'])}\n"
            f"    stop conditions: {stops}; template: {row['template_id'] or 'not created yet'}"
        )


@chaos.command("run")
@plan_option
@click.argument("name", shell_complete=experiment_names)
@click.option("--timeout", "timeout", default="1h", show_default=True, help="Stop it after this.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--allow-without-stop-condition", is_flag=True, help="Run even with no stop condition."
)
@pass_app
def run(
    app: AppContext, plan_path: str, name: str, timeout: str, yes: bool,
    allow_without_stop_condition: bool,
) -> None:  # fmt: skip
    """Run experiment NAME and follow it live; stop it at --timeout. Exit 0 if it completed."""
    from drctl.engine.chaos import experiment_named, run_experiment
    from drctl.errors import UsageError
    from drctl.plan.durations import Duration

    try:
        limit = Duration.parse(timeout).seconds
    except ValueError as exc:
        raise UsageError(f"--timeout: {exc}") from None
    ctx = _context(app, plan_path)
    exp = experiment_named(ctx, name)
    confirm_or_refuse(
        f"Run FIS experiment {name} against {ctx.plan.app} in {ctx.region(exp.region.value)}?",
        yes=yes,
        what="run a chaos experiment",
    )
    on_status = None
    if not app.json:
        from drctl.render.console import out, styled

        def on_status(status: str, reason: str) -> None:
            out().print(f"  {styled(status)} {name}: {reason}")

    result = run_experiment(
        ctx,
        exp,
        timeout_seconds=float(limit),
        allow_without_stop_condition=allow_without_stop_condition,
        on_status=on_status,
    )
    if app.json:
        from drctl.render.json_out import emit

        emit(result.as_dict())
    else:
        click.echo(
            f"experiment {result.experiment_id}: {result.status} after {result.seconds:.0f}s"
        )
    if result.status != "completed":
        raise click.exceptions.Exit(ExitCode.FAILED)


@chaos.command("stop")
@plan_option
@click.argument("name", shell_complete=experiment_names)
@pass_app
def stop(app: AppContext, plan_path: str, name: str) -> None:
    """Stop every running experiment of NAME."""
    from drctl.engine.chaos import experiment_named, stop_experiments

    ctx = _context(app, plan_path)
    stopped = stop_experiments(ctx, experiment_named(ctx, name))
    if app.json:
        from drctl.render.json_out import emit

        emit({"experiment": name, "stopped": stopped})
        return
    click.echo(f"stopped {', '.join(stopped)}" if stopped else f"no running experiment of {name}")
