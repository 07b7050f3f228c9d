"""``drctl deploy stepfunctions``: create or update the plan's state machine in its DR Region,
with the IAM role it runs as (the policy read from the definition's own tasks)."""

from __future__ import annotations

from typing import Any

import click

from drctl.cli.app import AppContext, pass_app
from drctl.cli.common import confirm_or_refuse, plan_option, run_settings
from drctl.cli.export_cmd import from_run_option


@click.group()
def deploy() -> None:
    """Put a plan's run into AWS, to run there."""


def role_name(app: str, action: str, mode: str) -> str:
    return f"drctl-sfn-{app}-{action}-{mode}"[:64]


@deploy.command()
@plan_option
@click.option(
    "--action",
    type=click.Choice(["failover", "failback"]),
    default="failover",
    show_default=True,
    help="Which run the state machine carries out.",
)
@click.option(
    "--mode",
    type=click.Choice(["planned", "unplanned"]),
    default="planned",
    show_default=True,
    help="planned: fence, drain, gate on lag; unplanned: the primary may be gone.",
)
@click.option("--only", multiple=True, metavar="NAME", help="Only these resources (repeatable).")
@from_run_option
@click.option("--dry-run", is_flag=True, help="Show what would be created; change nothing.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@pass_app
def stepfunctions(
    app: AppContext,
    plan_path: str,
    action: str,
    mode: str,
    only: tuple[str, ...],
    from_run: str | None,
    dry_run: bool,
    yes: bool,
) -> None:
    """Create or update the Step Functions state machine that runs PLAN's ACTION, in the
    plan's DR Region, and the IAM role it runs as.

    The definition is the one `drctl export stepfunctions` writes; the role trusts
    states.amazonaws.com and may make exactly the calls of the definition's tasks.
    """
    from drctl.aws.errors import aws_errors
    from drctl.aws.stepfunctions import (
        ensure_proxy,
        ensure_role,
        proxy_name,
        put_state_machine,
        state_machine_arn,
    )
    from drctl.cli.export_cmd import build_definition, warn_cross_region
    from drctl.engine.settings import make_context
    from drctl.export.execution import machine_name, machine_tags
    from drctl.export.iam import role_policy, uses_proxy
    from drctl.export.stepfunctions import cross_region_calls, roles_of

    loaded, graph, document, undone = build_definition(app, plan_path, action, mode, only, from_run)
    plan = loaded.plan
    region = plan.regions.dr
    name = machine_name(plan.app, action, mode)
    role = role_name(plan.app, action, mode)
    policy = role_policy(document, list(roles_of(plan).values()))
    ctx = make_context(plan, run_settings(app), mode=mode, require_credentials=True)
    sfn = ctx.client("stepfunctions", "dr")
    with aws_errors(f"Step Functions ({region})"):
        existing = state_machine_arn(sfn, name)
    summary: dict[str, Any] = {
        "app": plan.app,
        "action": action,
        "mode": mode,
        "region": region,
        "state_machine": name,
        "state_machine_arn": existing,
        "role": role,
        "role_arn": None,
        "created": existing is None,
        "dry_run": dry_run,
        "steps": [s.id for s in graph.steps],
        "actions": policy["Statement"][0]["Action"],
        "cross_region_calls": cross_region_calls(document),
        "region_proxy": proxy_name(plan.app) if uses_proxy(document) else None,
        "region_proxy_status": None,
    }
    warn_cross_region(app, summary["cross_region_calls"])
    verb = "create" if existing is None else "update"
    if dry_run:
        _show(app, summary, f"would {verb}")
        return
    confirm_or_refuse(
        f"{verb.capitalize()} state machine {name} in {region} ({len(graph.steps)} steps) and "
        f"role {role} allowed {len(summary['actions'])} actions"
        + (
            f", and the Region proxy function {summary['region_proxy']} for the "
            f"{len(summary['cross_region_calls'])} task(s) that call another Region"
            if summary["region_proxy"]
            else ""
        )
        + "?",
        yes=yes,
        what=f"{verb} state machine {name}",
    )
    with aws_errors(f"IAM role {role}"):
        summary["role_arn"] = ensure_role(
            ctx.client("iam", "dr"),
            role,
            policy,
            f"drctl: runs the {action} ({mode}) of {plan.app} on Step Functions",
            lambda_too=summary["region_proxy"] is not None,
        )
    if summary["region_proxy"]:
        with aws_errors(f"Lambda ({region})"):
            _arn, summary["region_proxy_status"] = ensure_proxy(
                ctx.client("lambda", "dr"),
                summary["region_proxy"],
                summary["role_arn"],
                f"drctl: makes {plan.app}'s Step Functions calls in other Regions",
            )
    with aws_errors(f"Step Functions ({region})"):
        summary["state_machine_arn"], summary["created"] = put_state_machine(
            sfn, name, document, summary["role_arn"], machine_tags(loaded.text, list(only), undone)
        )
    _show(app, summary, "created" if summary["created"] else "updated")


def _show(app: AppContext, summary: dict[str, Any], done: str) -> None:
    if app.json:
        from drctl.render.json_out import emit

        emit(summary)
        return
    click.echo(
        f"{done} state machine {summary['state_machine']} in {summary['region']} "
        f"({len(summary['steps'])} steps: {', '.join(summary['steps'])})"
    )
    click.echo(f"  role {summary['role']}: {', '.join(summary['actions'])}")
    if summary["region_proxy"]:
        status = summary.get("region_proxy_status") or "would deploy"
        click.echo(
            f"  Region proxy {summary['region_proxy']} ({status}): makes the "
            f"{len(summary['cross_region_calls'])} call(s) in other Regions"
        )
    if summary["state_machine_arn"] and not summary["dry_run"]:
        click.echo(
            f"  start it: aws stepfunctions start-execution --region {summary['region']} "
            f"--state-machine-arn {summary['state_machine_arn']} --name RUN_ID "
            '--input \'{"rpo_gate": {"ok": true}}\''
        )
