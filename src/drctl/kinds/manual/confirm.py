"""The step of a manual resource: wait for a person, on a terminal or by ``--approve``.

Failover shows ``instructions``; failback shows ``failback_instructions``. Going home is a
different act from leaving (the partner switches *back*), so a failback never shows the
failover's words: a person reading them at 3 a.m. would redo the failover. A resource without
``failback_instructions`` has no failback step (its check says so).
"""

from __future__ import annotations

import getpass

from drctl.engine.context import RunContext
from drctl.engine.declarative import SfnStep
from drctl.engine.step import (
    Phase,
    Precheck,
    Step,
    StepOutcome,
    StepWaiting,
)
from drctl.errors import GateRefused
from drctl.plan.models import Manual

NAME = "manual"


def phase_of(res: Manual, ctx: RunContext) -> Phase:
    needed = any(res.name in other.depends_on for other in ctx.plan.resources)
    return Phase.COMPUTE if needed else Phase.NOTIFY


def confirm_step(
    res: Manual, ctx: RunContext, *, action: str, verb: str, instructions: str
) -> Step:
    """A step that passes only when a person confirms ``instructions`` are done."""
    resume = f"drctl {verb} --plan PLAN --resume {ctx.run_id or 'RUN_ID'} --approve {res.name}"

    def precheck() -> Precheck:
        approver = ctx.approvals.get(res.name)
        if approver:
            return Precheck(True, f"approved by {approver}", "done by a person")
        return Precheck(False, "not confirmed yet", "done by a person")

    def run() -> StepOutcome:
        if ctx.ask is None:
            raise StepWaiting(f"{res.name}: waiting for a person: {instructions}")
        if not ctx.ask(res.name, instructions):
            raise GateRefused(
                f"{res.name}: the operator did not confirm it is done",
                hint=f"do it, then: {resume}",
            )
        who = _user()
        return StepOutcome(detail=f"confirmed by {who}", data={"confirmed_by": who})

    return Step(
        id=f"{res.name}.{action}",
        resource=res.name,
        kind=NAME,
        action=action,
        phase=phase_of(res, ctx),
        description=f"By hand: {instructions}",
        cli=[f"# {instructions}", resume],
        precheck=precheck,
        run=run,
        mutating=False,
        sfn=lambda: SfnStep(manual=instructions),
    )


def failover(res: Manual, ctx: RunContext) -> list[Step]:
    return [
        confirm_step(res, ctx, action="confirm", verb="failover", instructions=res.instructions)
    ]


def failback(res: Manual, ctx: RunContext) -> list[Step]:
    if res.failback_instructions is None:
        return []
    return [
        confirm_step(
            res,
            ctx,
            action="confirm-failback",
            verb="failback",
            instructions=res.failback_instructions,
        )
    ]


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"
