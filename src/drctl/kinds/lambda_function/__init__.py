"""``lambda-function``: a function deployed in both Regions whose triggers follow the serving
Region.

Readiness: the alias exists on both sides and points at the same code (``CodeSha256``), DR has
the primary's event source mappings, only the primary's are enabled, and DR can reserve the
plan's concurrency. Failover reserves that concurrency for the DR function (recording what it
had), enables DR's mappings and disables the primary's (first when planned; last, waiting for
the Region, when unplanned); failback reverses both, the reservation last.
"""

from __future__ import annotations

from typing import Any, ClassVar

from drctl.engine.context import RunContext
from drctl.engine.step import Check, Step
from drctl.kinds.contract import IamActions, Kind
from drctl.kinds.lambda_function import checks, triggers
from drctl.kinds.sandboxing import SandboxBuild
from drctl.plan.models import LambdaFunction


class LambdaFunctionKind(Kind):
    name = "lambda-function"
    model = LambdaFunction
    iam_actions: ClassVar[IamActions] = {
        "check": (
            "lambda:GetAlias",
            "lambda:GetFunctionConfiguration",
            "lambda:ListEventSourceMappings",
            "lambda:GetFunctionConcurrency",
            "lambda:GetAccountSettings",
        ),
        "failover": (
            "lambda:ListEventSourceMappings",
            "lambda:UpdateEventSourceMapping",
            "lambda:GetFunctionConcurrency",
            "lambda:PutFunctionConcurrency",
        ),
        "failback": (
            "lambda:ListEventSourceMappings",
            "lambda:UpdateEventSourceMapping",
            "lambda:GetFunctionConcurrency",
            "lambda:PutFunctionConcurrency",
            "lambda:DeleteFunctionConcurrency",
        ),
    }
    moto_extensions = ("moto_concurrency", "moto_event_source_states")

    def checks(self, res: Any, ctx: RunContext) -> list[Check]:
        return checks.checks(res, ctx)

    def failover(self, res: Any, ctx: RunContext) -> list[Step]:
        return triggers.failover(res, ctx)

    def failback(self, res: Any, ctx: RunContext) -> list[Step]:
        return triggers.failback(res, ctx)

    def build_sandbox(self, b: SandboxBuild, res: Any) -> None:
        from drctl.kinds.lambda_function import sandbox

        sandbox.build(b, res)


KIND = LambdaFunctionKind()
