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

import getpass

from drctl.engine.step import (
    Check,
    CheckResult,
    Phase,
    Precheck,
    Step,
    StepOutcome,
    StepWaiting,
    passed,
)
from drctl.errors import GateRefused
from drctl.kinds.base import KindContext
from drctl.kinds.registry import register
from drctl.plan.models import Manual

KIND = "manual"


def phase_of(res: Manual, ctx: KindContext) -> Phase:
    needed = any(res.name in other.depends_on for other in ctx.plan.resources)
    return Phase.COMPUTE if needed else Phase.NOTIFY


def confirm_step(res: Manual, ctx: KindContext, *, action: str, verb: str) -> Step:
    resume = f"drctl {verb} --plan PLAN --resume {ctx.run_id or 'RUN_ID'} --approve {res.name}"

    def precheck() -> Precheck:
        approver = ctx.approvals.get(res.name)
        if approver:
            return Precheck(True, f"approved by {approver}", "done by a person")
        return Precheck(False, "not confirmed yet", "done by a person")

    def run() -> StepOutcome:
        if ctx.ask is None:
            raise StepWaiting(f"{res.name}: waiting for a person: {res.instructions}")
        if not ctx.ask(res.name, res.instructions):
            raise GateRefused(
                f"{res.name}: the operator did not confirm it is done",
                hint=f"do it, then: {resume}",
            )
        who = _user()
        return StepOutcome(detail=f"confirmed by {who}", data={"confirmed_by": who})

    return Step(
        id=f"{res.name}.{action}",
        resource=res.name,
        kind=KIND,
        action=action,
        phase=phase_of(res, ctx),
        description=f"By hand: {res.instructions}",
        cli=[f"# {res.instructions}", resume],
        precheck=precheck,
        run=run,
        mutating=False,
    )


@register(KIND)
class ManualKind:
    def checks(self, res: Manual, ctx: KindContext) -> list[Check]:
        phase = phase_of(res, ctx).label

        def documented() -> CheckResult:
            return passed(f"a person does this during failover ({phase} phase): {res.instructions}")

        return [
            Check(
                resource=res.name,
                kind=KIND,
                name="instructions",
                description="the manual step is written down",
                run=documented,
            )
        ]

    def failover(self, res: Manual, ctx: KindContext) -> list[Step]:
        return [confirm_step(res, ctx, action="confirm", verb="failover")]

    def failback(self, res: Manual, ctx: KindContext) -> list[Step]:
        return [confirm_step(res, ctx, action="confirm", verb="failback")]


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"
