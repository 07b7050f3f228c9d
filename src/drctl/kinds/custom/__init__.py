"""``custom``: a step a team supplies -- a Lambda invocation, an SSM Automation execution or a
local command -- run with the ordering, dry run, resume and journal of the built-in steps.

Each direction (failover, failback) has an optional ``check`` (already done? the step is
skipped, so a rerun is a no-op), a ``run`` and an optional ``verify`` (polled until it
passes). What the actions print or return is journaled, secrets redacted, the last 4 KiB.
"""

from __future__ import annotations

from typing import Any, ClassVar

from drctl.engine.context import RunContext
from drctl.engine.step import Check, Step
from drctl.kinds.contract import IamActions, Kind
from drctl.kinds.custom import checks, sandbox, step
from drctl.kinds.sandboxing import SandboxBuild
from drctl.plan.models import Custom

_RUN = (
    "lambda:InvokeFunction",
    "ssm:StartAutomationExecution",
    "ssm:GetAutomationExecution",
)


class CustomKind(Kind):
    name = "custom"
    model = Custom
    iam_actions: ClassVar[IamActions] = {
        "check": ("lambda:GetFunction", "ssm:DescribeDocument"),
        "failover": _RUN,
        "failback": _RUN,
    }
    moto_extensions = ("moto_automation", "moto_lambda_invoke")

    def checks(self, res: Any, ctx: RunContext) -> list[Check]:
        return checks.checks(res, ctx)

    def failover(self, res: Any, ctx: RunContext) -> list[Step]:
        return step.failover(res, ctx)

    def failback(self, res: Any, ctx: RunContext) -> list[Step]:
        return step.failback(res, ctx)

    def build_sandbox(self, b: SandboxBuild, res: Any) -> None:
        sandbox.build(b, res)


KIND = CustomKind()
