"""``eventbridge-rules``: named EventBridge rules enabled in the serving Region only.

Readiness: every rule exists on both sides, each DR rule has its primary twin's targets, and
only the primary's rules are enabled. Failover enables DR's rules and disables the primary's
(first when planned; last, waiting for the Region, when unplanned); failback reverses it.
"""

from __future__ import annotations

from typing import Any, ClassVar

from drctl.engine.context import RunContext
from drctl.engine.step import Check, Step
from drctl.kinds.contract import IamActions, Kind
from drctl.kinds.eventbridge_rules import checks, switch
from drctl.kinds.sandboxing import SandboxBuild
from drctl.plan.models import EventBridgeRules


class EventBridgeRulesKind(Kind):
    name = "eventbridge-rules"
    model = EventBridgeRules
    iam_actions: ClassVar[IamActions] = {
        "check": ("events:DescribeRule", "events:ListTargetsByRule"),
        # ListRules: read by drctl export/deploy stepfunctions only (see CONDITIONAL).
        "failover": (
            "events:DescribeRule",
            "events:EnableRule",
            "events:DisableRule",
            "events:ListRules",
        ),
        "failback": (
            "events:DescribeRule",
            "events:EnableRule",
            "events:DisableRule",
            "events:ListRules",
        ),
    }
    moto_extensions = ()

    def checks(self, res: Any, ctx: RunContext) -> list[Check]:
        return checks.checks(res, ctx)

    def failover(self, res: Any, ctx: RunContext) -> list[Step]:
        return switch.failover(res, ctx)

    def failback(self, res: Any, ctx: RunContext) -> list[Step]:
        return switch.failback(res, ctx)

    def build_sandbox(self, b: SandboxBuild, res: Any) -> None:
        from drctl.kinds.eventbridge_rules import sandbox

        sandbox.build(b, res)


KIND = EventBridgeRulesKind()
