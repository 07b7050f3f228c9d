"""``manual``: a step that waits for a person (call a partner, flip a feature flag).

It never passes silently. On a terminal the instructions are shown and the
operator confirms; in a non-interactive run (CI, ``--yes`` without a TTY) the
run pauses there, is journaled as ``waiting``, and continues with
``drctl failover --resume RUN_ID --approve NAME`` once the person has done it.

Where it runs: a manual step that other resources depend on is a prerequisite,
so it sits with data and compute (before traffic moves); one nothing depends
on is a follow-up and runs last, after traffic, in the notify phase.
"""

from __future__ import annotations

from typing import Any, ClassVar

from drctl.engine.context import RunContext
from drctl.engine.step import Check, Step
from drctl.kinds.contract import IamActions, Kind
from drctl.kinds.manual import checks, confirm
from drctl.kinds.sandboxing import SandboxBuild
from drctl.plan.models import Manual


class ManualKind(Kind):
    name = "manual"
    model = Manual
    iam_actions: ClassVar[IamActions] = {}

    def checks(self, res: Any, ctx: RunContext) -> list[Check]:
        return checks.checks(res, ctx)

    def failover(self, res: Any, ctx: RunContext) -> list[Step]:
        return confirm.failover(res, ctx)

    def failback(self, res: Any, ctx: RunContext) -> list[Step]:
        return confirm.failback(res, ctx)

    def build_sandbox(self, b: SandboxBuild, res: Any) -> None:
        """Nothing to build: a manual step is a person, not a resource."""


KIND = ManualKind()
