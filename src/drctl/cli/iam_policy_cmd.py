"""``drctl iam-policy --plan PLAN [--action ACTION]``: the least-privilege IAM policy for it."""

from __future__ import annotations

import click

from drctl.cli.app import AppContext, pass_app
from drctl.cli.common import load_for_command, plan_option


@click.command("iam-policy")
@plan_option
@click.option(
    "--action",
    type=click.Choice(
        [
            "check",
            "failover",
            "failback",
            "test",
            "cleanup",
            "schedule",
            "cost",
            "alarms",
            "compliance",
            "discover",
        ]
    ),
    help="Only what this command calls (default: every command drctl can run on the plan; "
    "discover: what plan init --discover reads, asked for by name only).",
)
@pass_app
def iam_policy(app: AppContext, plan_path: str, action: str | None) -> None:
    """Print the IAM policy drctl needs for PLAN: the actions its commands call, on the ARNs
    of the plan's resources where AWS allows it (never a "*" action).

    One policy per role when the plan has `accounts` (a role serving both sides gets one),
    else one for whoever runs drctl. Text output is the policy document itself, ready for
    `aws iam put-role-policy --policy-document file://...`; -o json adds which role each
    policy is for.
    """
    import json

    from drctl.drills.iam_policy import policies
    from drctl.kinds.registry import registry

    loaded = load_for_command(app, plan_path)
    found = policies(loaded.plan, action, registry())
    if app.json:
        from drctl.render.json_out import emit

        emit(
            {
                "app": loaded.plan.app,
                "action": action or "all",
                "policies": [p.as_dict() for p in found],
            }
        )
        return
    if not found:
        # Nothing to print is not an empty policy: say why, so a pipeline does not attach one.
        click.echo(
            f"drctl {action} makes no AWS call for plan {loaded.plan.app}: no policy needed "
            "(e.g. alarms without notifications, cleanup without an rds-instance)",
            err=True,
        )
        return
    for policy in found:
        if len(found) > 1 or policy.role_arn:
            click.echo(
                f"# sides: {', '.join(policy.sides)}; role: {policy.role_arn or '(caller)'}",
                err=True,
            )
        click.echo(json.dumps(policy.document, indent=2))
