"""``drctl approve``: tell a Step Functions execution that a manual step is done.

The execution of an exported plan (``drctl export stepfunctions``) waits on each manual step
with a task token it sent by SNS. This command finds the token in the execution's history
(``--execution ARN --step NAME``), or takes it as given (``--token``), and sends it back with
``SendTaskSuccess``; the execution then goes on. Local runs are approved with ``drctl
failover --resume RUN_ID --approve NAME`` instead.
"""

from __future__ import annotations

import click

from drctl.cli.app import AppContext, pass_app
from drctl.cli.common import load_for_command, plan_option, run_settings


@click.command()
@plan_option
@click.option("--execution", "execution_arn", metavar="ARN", help="The waiting execution.")
@click.option("--step", "step", metavar="NAME", help="The manual step (its resource name).")
@click.option(
    "--token",
    metavar="TOKEN",
    help="The task token from the SNS message, instead of --execution and --step.",
)
@pass_app
def approve(
    app: AppContext,
    plan_path: str,
    execution_arn: str | None,
    step: str | None,
    token: str | None,
) -> None:
    """Record that manual step NAME of a Step Functions execution of PLAN has been done."""
    from drctl.aws.errors import aws_errors
    from drctl.aws.stepfunctions import execution_status, send_approval, waiting_approvals
    from drctl.engine.settings import make_context, operator
    from drctl.errors import GateRefused, UsageError

    if token is None and not (execution_arn and step):
        raise UsageError("give --execution ARN and --step NAME, or --token TOKEN")
    if token is not None and (execution_arn or step):
        raise UsageError("--token names the request by itself: leave out --execution and --step")
    loaded = load_for_command(app, plan_path)
    plan = loaded.plan
    manual = sorted(r.name for r in plan.resources if r.kind == "manual")
    if step is not None and step not in manual:
        raise UsageError(
            f"{step} is not a manual step of {plan.app}",
            hint=f"manual steps: {', '.join(manual) or 'none'}",
        )
    ctx = make_context(plan, run_settings(app), require_credentials=True)
    client = ctx.client("stepfunctions", "dr")
    who = operator()
    with aws_errors(f"Step Functions ({plan.regions.dr})"):
        if token is None:
            assert execution_arn is not None and step is not None
            status = execution_status(client, execution_arn)
            if status != "RUNNING":
                raise GateRefused(f"execution {execution_arn} is {status}: nothing waits")
            waiting = waiting_approvals(client, execution_arn)
            if step not in waiting:
                raise GateRefused(
                    f"execution {execution_arn} is not waiting for {step}",
                    hint=f"it waits for: {', '.join(sorted(waiting)) or 'no manual step now'}",
                )
            token = waiting[step]
        send_approval(client, token, who)
    if app.json:
        from drctl.render.json_out import emit

        emit({"execution": execution_arn, "step": step, "approved_by": who})
        return
    click.echo(f"approved {step or 'the step'} as {who}; the execution goes on")
