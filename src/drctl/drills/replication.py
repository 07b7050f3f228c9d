"""``type: replication``: how long until a write in the primary is readable in DR?

Every kind that offers a replication canary (``Kind.canary``: a marked S3 object, a marked
DynamoDB item, ...) writes one in regions.primary; the drill looks for it in regions.dr until
it appears or the drill's timeout passes. The time it took is the measured lag, reported
against the RPO. The canary is removed on both sides afterwards -- also when the drill fails
or is interrupted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drctl.aws.errors import aws_errors
from drctl.drills.env import DrillEnv
from drctl.drills.result import Case, DrillResult
from drctl.engine.context import RunContext
from drctl.kinds.contract import Canary
from drctl.kinds.registry import registry
from drctl.plan.durations import format_seconds, human_seconds
from drctl.plan.models import Capability, Drill

POLL_SECONDS = 0.2


def run(drill: Drill, env: DrillEnv) -> DrillResult:
    plan = env.plan
    kinds = registry()
    offering = {k.name for k in kinds.offering(Capability.CANARY)}
    if drill.resource:
        resources = [env.resource(drill.resource, Capability.CANARY)]
    else:
        resources = [r for r in plan.resources if r.kind in offering]
    rpo = plan.effective_objectives().rpo_seconds
    timeout = float(drill.timeout.seconds) if drill.timeout else float(max(2 * rpo, 60))
    result = DrillResult(drill.name, drill.type.value)
    if not resources:
        result.status = "skipped"
        kinds_text = " or ".join(sorted(offering))
        result.detail = (
            f"the plan has no resource whose replication a canary can time ({kinds_text})"
        )
        return result
    ctx = env.context()
    lags = []
    for res in resources:
        canary = kinds.get(res.kind).canary
        assert canary is not None  # selected by capability
        case = _measure(canary, res, ctx, env, timeout, rpo)
        result.cases.append(case)
        if isinstance(case.observed, (int, float)):
            lags.append(float(case.observed))
    if lags:
        result.measured["rpo_seconds"] = max(lags)
    return result.settle()


def _measure(
    canary: Canary, res: Any, ctx: RunContext, env: DrillEnv, timeout: float, rpo: int
) -> Case:
    with aws_errors(f"{res.name}: naming the canary"):
        mark = canary.mark(res, ctx, env.run_id or "drill")
    env.events.append(mark.event)
    try:
        with aws_errors(f"{res.name}: canary in {ctx.region('primary')}"):
            canary.write(res, ctx, mark)
        with aws_errors(f"{res.name}: looking for the canary in {mark.where}"):
            lag = _poll(ctx, lambda: canary.arrived(res, ctx, mark), timeout)
    finally:
        with aws_errors(f"{res.name}: removing the canary"):
            canary.remove(res, ctx, mark)
    return _verdict(f"{res.name}.replication-lag", lag, timeout, rpo, mark.where)


def _poll(ctx: RunContext, present: Callable[[], bool], timeout: float) -> float | None:
    """Seconds until ``present()``; None if the timeout passed first."""
    clock = ctx.clock
    start = clock.monotonic()
    while True:
        if present():
            return round(float(clock.monotonic() - start), 3)
        if clock.monotonic() - start >= timeout:
            return None
        clock.sleep(POLL_SECONDS)


def _verdict(name: str, lag: float | None, timeout: float, rpo: int, where: str) -> Case:
    if lag is None:
        return Case(
            name, "fail", f"the canary was not readable in {where} after {human_seconds(timeout)}",
            timeout, observed=None, expected=rpo,
        )  # fmt: skip
    ok = lag <= rpo
    return Case(
        name,
        "pass" if ok else "fail",
        f"readable in {where} after {human_seconds(lag)} "
        f"({'within' if ok else 'over'} the RPO of {format_seconds(rpo)})",
        lag,
        observed=lag,
        expected=rpo,
    )
