"""``type: replication``: how long until a write in the primary is readable in DR?

A marked canary (an S3 object under ``drctl-canary/``; a DynamoDB item with a
marked key) is written in regions.primary and looked for in regions.dr until it
appears or the drill's timeout passes. The time it took is the measured lag,
reported against the RPO. The canary is removed on both sides afterwards -- also
when the drill fails or is interrupted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drctl.aws import canary
from drctl.aws.errors import aws_errors
from drctl.drills.env import DrillEnv
from drctl.drills.result import Case, DrillResult
from drctl.engine.clock import iso
from drctl.plan.durations import format_seconds, human_seconds
from drctl.plan.models import Drill

KINDS = ("s3-bucket", "dynamodb-table")
POLL_SECONDS = 0.2


def run(drill: Drill, env: DrillEnv) -> DrillResult:
    plan = env.plan
    if drill.resource:
        resources = [env.resource(drill.resource, KINDS)]
    else:
        resources = [r for r in plan.resources if r.kind in KINDS]
    rpo = plan.effective_objectives().rpo_seconds
    timeout = float(drill.timeout.seconds) if drill.timeout else float(max(2 * rpo, 60))
    result = DrillResult(drill.name, drill.type.value)
    if not resources:
        result.status = "skipped"
        result.detail = "the plan has no s3-bucket or dynamodb-table to measure"
        return result
    ctx = env.context()
    lags = []
    for res in resources:
        measure = _s3 if res.kind == "s3-bucket" else _dynamodb
        case = measure(res, ctx, env, timeout, rpo)
        result.cases.append(case)
        if isinstance(case.observed, (int, float)):
            lags.append(float(case.observed))
    if lags:
        result.measured["rpo_seconds"] = max(lags)
    return result.settle()


def _poll(ctx: Any, present: Callable[[], bool], timeout: float) -> float | None:
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


def _s3(res: Any, ctx: Any, env: DrillEnv, timeout: float, rpo: int) -> Case:
    key = f"{canary.CANARY_PREFIX}{env.run_id}"
    primary, dr = ctx.client("s3", "primary"), ctx.client("s3", "dr")
    env.events.append({"event": "canary", "resource": res.name, "bucket": res.primary, "key": key})
    try:
        with aws_errors(f"{res.name}: canary in {res.primary}"):
            canary.s3_put(primary, res.primary, key, f"written {iso(ctx.clock.now())}".encode())
        with aws_errors(f"{res.name}: looking for the canary in {res.dr}"):
            lag = _poll(ctx, lambda: canary.s3_exists(dr, res.dr, key), timeout)
    finally:
        with aws_errors(f"{res.name}: removing the canary"):
            canary.s3_remove_all_versions(primary, res.primary, key)
            canary.s3_remove_all_versions(dr, res.dr, key)
    return _verdict(f"{res.name}.replication-lag", lag, timeout, rpo, f"s3://{res.dr}")


def _dynamodb(res: Any, ctx: Any, env: DrillEnv, timeout: float, rpo: int) -> Case:
    primary, dr = ctx.client("dynamodb", "primary"), ctx.client("dynamodb", "dr")
    with aws_errors(f"{res.name}: describing {res.table}"):
        key = canary.dynamodb_canary_key(
            canary.dynamodb_key_schema(primary, res.table), env.run_id or "drill"
        )
    env.events.append({"event": "canary", "resource": res.name, "table": res.table, "key": key})
    try:
        with aws_errors(f"{res.name}: canary in {res.table} ({ctx.region('primary')})"):
            canary.dynamodb_put(primary, res.table, key, iso(ctx.clock.now()))
        with aws_errors(f"{res.name}: looking for the canary in {ctx.region('dr')}"):
            lag = _poll(ctx, lambda: canary.dynamodb_exists(dr, res.table, key), timeout)
    finally:
        with aws_errors(f"{res.name}: removing the canary"):
            canary.dynamodb_delete(primary, res.table, key)
            canary.dynamodb_delete(dr, res.table, key)
    return _verdict(
        f"{res.name}.replication-lag", lag, timeout, rpo, f"{res.table} in {ctx.region('dr')}"
    )
