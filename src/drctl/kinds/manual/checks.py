"""Readiness of a manual step: nothing in AWS to read; the check says who must be ready to do
it, on failover and on failback."""

from __future__ import annotations

from drctl.engine.context import RunContext
from drctl.engine.step import (
    Check,
    CheckResult,
    passed,
    warned,
)
from drctl.kinds.manual.confirm import NAME, phase_of
from drctl.plan.models import Manual


def checks(res: Manual, ctx: RunContext) -> list[Check]:
    phase = phase_of(res, ctx).label

    def documented() -> CheckResult:
        return passed(f"a person does this during failover ({phase} phase): {res.instructions}")

    def failback_documented() -> CheckResult:
        if res.failback_instructions is None:
            return warned(
                "no failback_instructions: failback will not stop for a person to undo "
                f"{res.name!r}; add them to the plan if coming home needs a hand"
            )
        return passed(f"a person does this during failback: {res.failback_instructions}")

    return [
        Check(
            resource=res.name,
            kind=NAME,
            name="instructions",
            description="the manual step is written down",
            run=documented,
        ),
        Check(
            resource=res.name,
            kind=NAME,
            name="failback-instructions",
            description="the manual step of the failback is written down",
            run=failback_documented,
        ),
    ]
