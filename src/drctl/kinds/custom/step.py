"""The step of a custom resource: check (already done? skip), run, verify -- one direction.

A dry run runs nothing, the check included: a team's check is code like its run, and
``--dry-run`` promises that nothing of the team's runs. It shows what each action would do.
"""

from __future__ import annotations

from drctl.engine.context import RunContext
from drctl.engine.step import Phase, Precheck, Step, StepOutcome, Verification
from drctl.errors import DrctlError
from drctl.kinds.custom import actions, declarative
from drctl.kinds.steps import aws_step
from drctl.plan.models import Custom, CustomSteps

NAME = "custom"


def phase_of(res: Custom) -> Phase:
    return Phase[res.phase.upper()]


def custom_step(res: Custom, ctx: RunContext, steps: CustomSteps, *, action: str) -> Step:
    rto = float(ctx.objectives.rto_seconds)
    dry = ctx.sessions.options.dry_run or ctx.offline
    run_text = actions.describe(steps.run, ctx)

    def precheck() -> Precheck:
        if steps.check is None:
            return Precheck(False, "no check: it runs every time", run_text)
        check_text = actions.describe(steps.check, ctx)
        if dry:
            return Precheck(False, f"not checked in a dry run (check: {check_text})", run_text)
        outcome = actions.execute(steps.check, ctx, rto)
        if steps.check.invoke is not None and not outcome.ok:
            raise DrctlError(f"{res.name}: the check failed: {outcome.summary}")
        if outcome.truthy:
            return Precheck(True, f"check says done ({outcome.summary})", run_text)
        return Precheck(False, f"check says not done ({outcome.summary})", run_text)

    def run() -> StepOutcome:
        outcome = actions.execute(steps.run, ctx, rto)
        if not outcome.ok:
            raise DrctlError(f"{res.name}: {outcome.summary}")
        return StepOutcome(detail=outcome.summary, data=dict(outcome.data))

    def verify() -> Verification:
        if steps.verify is None:
            return Verification(True)
        outcome = actions.execute(steps.verify, ctx, rto)
        return Verification(outcome.ok and outcome.truthy, f"verify: {outcome.summary}")

    cli = [actions.cli(steps.run, ctx)]
    if steps.check is not None:
        cli.insert(0, f"# check first: {actions.cli(steps.check, ctx)}")
    if steps.verify is not None:
        cli.append(f"# then verify: {actions.cli(steps.verify, ctx)}")
    return aws_step(
        resource=res.name,
        kind=NAME,
        action=action,
        phase=phase_of(res),
        description=f"Custom: {run_text}",
        cli=cli,
        where=f"{res.name} (custom)",
        precheck=precheck,
        run=run,
        verify=verify,
        poll_seconds=actions.POLL_SECONDS,
        sfn=lambda: declarative.form(steps, ctx),
    )


def failover(res: Custom, ctx: RunContext) -> list[Step]:
    return [custom_step(res, ctx, res.failover, action="run")]


def failback(res: Custom, ctx: RunContext) -> list[Step]:
    if res.failback is None:
        return []
    return [custom_step(res, ctx, res.failback, action="run-failback")]
