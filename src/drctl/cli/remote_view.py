"""``drctl failover --engine stepfunctions`` in the terminal: the confirmation, each step as
the execution reaches it, the report, and -- on Ctrl-C -- how to follow or stop the execution
that keeps running in AWS."""

from __future__ import annotations

from typing import Any

import click

from drctl.cli.app import AppContext
from drctl.cli.common import confirm_or_refuse, load_for_command, run_settings
from drctl.cli.run_view import report
from drctl.errors import ExitCode, UsageError

_LOCAL_ONLY = {"resume": "--resume", "step": "--step", "approve": "--approve"}


def run_on_step_functions(
    app: AppContext, action: str, plan_path: str, flags: dict[str, Any]
) -> None:
    from drctl.engine.lock import unlock_command
    from drctl.engine.run import Run, RunRequest
    from drctl.engine.settings import make_context
    from drctl.export.execution import StepFunctionsRun
    from drctl.kinds.registry import registry

    used = [flag for key, flag in _LOCAL_ONLY.items() if flags.get(key)]
    if used:
        raise UsageError(
            f"{', '.join(used)}: only the CLI engine takes {'it' if len(used) == 1 else 'them'}",
            hint="manual steps of an execution are approved with drctl approve",
        )
    loaded = load_for_command(app, plan_path)
    settings = run_settings(app)
    request = RunRequest(
        action=action,
        mode=flags["mode"],
        only=list(flags["only"]),
        accept_data_loss=flags["accept_data_loss"],
        from_run=flags.get("from_run"),
    )
    run = Run(loaded, settings, registry(), request)
    ctx = make_context(run.plan, settings, mode=run.mode, require_credentials=True)
    remote = StepFunctionsRun(
        run, ctx.client("stepfunctions", "dr"), lam=ctx.client("lambda", "dr")
    )

    def confirm(question: str) -> None:
        confirm_or_refuse(question, yes=flags["yes"], what=action)

    def shown(step: str, status: str, detail: str) -> None:
        if not app.json and not app.quiet:
            click.echo(f"  {status:<9} {step}" + (f"  {detail}" if detail else ""), err=True)

    record = remote.execute(confirm=confirm, on_step=shown)
    report(app, record, action, plan_path)
    arn, region = remote.execution_arn, run.plan.regions.dr
    if not app.json:
        click.echo(f"  execution: {arn}")
    if record.status == "interrupted":
        remote_state = run.plan.state is not None and run.plan.state.backend.value != "local"
        local = None if remote_state else settings.state_dir
        click.echo(
            f"Stopped following; the execution keeps running in {region}.\n"
            f"  follow it:  aws stepfunctions describe-execution --region {region} "
            f"--execution-arn {arn}\n"
            f"  stop it:    aws stepfunctions stop-execution --region {region} "
            f"--execution-arn {arn}\n"
            f"  the run keeps its lock until then: {unlock_command(plan_path, 'LOCK_ID', local)}",
            err=True,
        )
        raise click.exceptions.Exit(ExitCode.INTERRUPTED)
    if record.status != "succeeded":
        raise click.exceptions.Exit(ExitCode.FAILED)
