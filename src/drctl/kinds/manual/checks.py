"""Readiness of a manual step: nothing in AWS to read; the check says who must be ready to do it."""

from __future__ import annotations

from drctl.engine.context import RunContext
from drctl.engine.step import (
    Check,
    CheckResult,
    passed,
)
from drctl.kinds.manual.confirm import NAME, phase_of
from drctl.plan.models import Manual


def checks(res: Manual, ctx: RunContext) -> list[Check]:
    phase = phase_of(res, ctx).label

    def documented() -> CheckResult:
        return passed(f"a person does this during failover ({phase} phase): {res.instructions}")

    return [
        Check(
            resource=res.name,
            kind=NAME,
            name="instructions",
            description="the manual step is written down",
            run=documented,
        )
    ]
