"""The step of a manual resource: wait for a person, on a terminal or by ``--approve``."""

from __future__ import annotations

import getpass

from drctl.engine.context import RunContext
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


def confirm_step(res: Manual, ctx: RunContext, *, action: str, verb: str) -> Step:
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
        kind=NAME,
        action=action,
        phase=phase_of(res, ctx),
        description=f"By hand: {res.instructions}",
        cli=[f"# {res.instructions}", resume],
        precheck=precheck,
        run=run,
        mutating=False,
    )


def failover(res: Manual, ctx: RunContext) -> list[Step]:
    return [confirm_step(res, ctx, action="confirm", verb="failover")]


def failback(res: Manual, ctx: RunContext) -> list[Step]:
    return [confirm_step(res, ctx, action="confirm", verb="failback")]


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"
