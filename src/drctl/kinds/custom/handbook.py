"""``custom`` by hand: what each readiness check and each step's verification is, as the
commands a person runs (AWS CLI for Lambda and SSM; the team's own program as it is)."""

from __future__ import annotations

import shlex

from drctl.engine.context import RunContext
from drctl.kinds.handbook import HandCheck
from drctl.plan.models import Custom, CustomAction, CustomSteps


def _ready(action: CustomAction, ctx: RunContext) -> HandCheck:
    """The command that shows ``action`` can be carried out."""
    if action.invoke is not None:
        inv = action.invoke
        region = ctx.region(inv.side.value)
        return HandCheck(
            f"Lambda function {inv.function} in {region}",
            f"aws lambda get-function --function-name {inv.function} "
            f"--query Configuration.State --region {region}",
            "`Active`",
        )
    if action.automation is not None:
        auto = action.automation
        region = ctx.region(auto.side.value)
        return HandCheck(
            f"SSM document {auto.document} in {region}",
            f"aws ssm describe-document --name {auto.document} "
            f"--query Document.DocumentType --region {region}",
            "`Automation`",
        )
    assert action.command is not None
    program = action.command.argv[0]
    return HandCheck(
        f"program {program}",
        f"command -v {shlex.quote(program)}",
        "its path (found on PATH, or relative to the plan's directory)",
    )


def _done(action: CustomAction, ctx: RunContext) -> HandCheck:
    """The command whose success means the step took effect."""
    if action.invoke is not None:
        inv = action.invoke
        region = ctx.region(inv.side.value)
        payload = shlex.quote(__import__("json").dumps(inv.payload, separators=(",", ":")))
        return HandCheck(
            f"invoke {inv.function}",
            f"aws lambda invoke --function-name {inv.function} --cli-binary-format "
            f"raw-in-base64-out --payload {payload} --region {region} /dev/stdout",
            "`StatusCode` 200 and no `FunctionError`; a truthy result",
        )
    if action.automation is not None:
        auto = action.automation
        region = ctx.region(auto.side.value)
        return HandCheck(
            f"automation {auto.document}",
            f"aws ssm describe-automation-executions --filters "
            f"Key=DocumentNamePrefix,Values={auto.document} --query "
            f"'AutomationExecutionMetadataList[0].AutomationExecutionStatus' --region {region}",
            "`Success` (the newest execution)",
        )
    assert action.command is not None
    return HandCheck(
        f"run {action.command.argv[0]}",
        shlex.join(action.command.argv),
        "exit status 0",
    )


def _direction(
    res: Custom, ctx: RunContext, name: str, steps: CustomSteps | None
) -> list[HandCheck]:
    if steps is None:
        return []
    found = []
    for role in ("check", "run", "verify"):
        action: CustomAction | None = getattr(steps, role)
        if action is not None:
            found.append(_ready(action, ctx).covering((f"{name}-{role}",)))
    return found


def prechecks(res: Custom, ctx: RunContext) -> list[HandCheck]:
    found = _direction(res, ctx, "failover", res.failover)
    found += _direction(res, ctx, "failback", res.failback)
    if res.failback is None:
        found.append(
            HandCheck(
                "a failback for this step",
                "grep -n 'failback:' PLAN.yaml",
                "a failback under this resource, or accept that failback leaves it as is",
                ("failback-defined",),
            )
        )
    return found


def verifications(res: Custom, ctx: RunContext, action: str) -> dict[str, list[HandCheck]]:
    steps = res.failover if action == "failover" else res.failback
    if steps is None:
        return {}
    step = "run" if action == "failover" else "run-failback"
    return {step: [_done(steps.verify or steps.check or steps.run, ctx)]}
