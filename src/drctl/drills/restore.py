"""``type: restore``: restore a throw-away copy of a resource into regions.dr, verify it,
delete it.

The restore is the backup-and-restore path of DR, so its time is measured against the RTO.
The kind (``Kind.restore``) knows how to restore its resource and what to compare; this drill
owns the rest: a unique name (``<id>-drill-<run suffix>``) and tags naming the drill, the wait,
the verdict, and deleting the copy afterwards -- when the restore fails, when verification
fails, and on Ctrl-C -- so a drill never leaves a paid resource behind.
"""

from __future__ import annotations

from typing import Any

from drctl.aws.errors import aws_errors
from drctl.drills.env import DrillEnv
from drctl.drills.result import Case, DrillResult
from drctl.engine.context import RunContext
from drctl.errors import DrctlError
from drctl.kinds.contract import Restore
from drctl.kinds.registry import registry
from drctl.plan.durations import format_seconds, human_seconds
from drctl.plan.models import Capability, Drill

POLL_SECONDS = 15.0


def run(drill: Drill, env: DrillEnv) -> DrillResult:
    res = env.resource(drill.resource, Capability.RESTORE)
    restore = registry().get(res.kind).restore
    assert restore is not None  # the plan's validation proved the kind offers it
    ctx = env.context()
    clock = ctx.clock
    rto = ctx.objectives.rto_seconds
    timeout = float(drill.timeout.seconds) if drill.timeout else float(max(rto, 3600))
    suffix = (env.run_id or "drill").rsplit("-", 1)[-1]
    target = restore.target_name(res, suffix)
    tags = {"drctl:drill": drill.name, "drctl:app": env.plan.app, "drctl:run": env.run_id or ""}
    result = DrillResult(drill.name, drill.type.value)
    region = ctx.region("dr")

    env.events.append({"event": "throwaway", "instance": target, "region": region})
    started = clock.monotonic()
    try:
        with aws_errors(f"{res.name}: restoring {target} in {region}"):
            restored = restore.start(res, ctx, target, tags)
            while True:
                ready, status = restore.status(res, ctx, target)
                if ready:
                    break
                if clock.monotonic() - started >= timeout:
                    raise DrctlError(
                        f"{target} not available after {human_seconds(timeout)} (status {status})"
                    )
                clock.sleep(POLL_SECONDS)
        took = round(clock.monotonic() - started, 3)
        result.measured["rto_seconds"] = took
        result.cases.append(
            Case(
                f"{res.name}.restore-time",
                "pass" if took <= rto else "fail",
                f"{target} restored from {restored.source} and available after "
                f"{human_seconds(took)} ({'within' if took <= rto else 'over'} the RTO of "
                f"{format_seconds(rto)})",
                took,
                observed=took,
                expected=rto,
            )
        )
        with aws_errors(f"{res.name}: reading the restored {target}"):
            observed = restore.observed(res, ctx, target)
        result.cases.extend(
            Case(
                f"{res.name}.restored-{name}",
                _compared(name, want, observed.get(name), restored.drifting),
                f"{name}: restored {observed.get(name)}, source {want}"
                + (
                    " (the source has changed since the copy: what a restore of it loses)"
                    if name in restored.drifting and want != observed.get(name)
                    else ""
                ),
                observed=observed.get(name),
                expected=want,
            )
            for name, want in restored.comparisons
        )
    except DrctlError as exc:
        result.cases.append(Case(f"{res.name}.restore", "fail", exc.message))
    finally:
        result.cases.append(_cleanup(restore, res, ctx, target))
    return result.settle()


def _compared(name: str, want: Any, got: Any, drifting: frozenset[str]) -> str:
    """pass when equal; for a drifting property, warn unless the copy came back empty."""
    if want == got:
        return "pass"
    if name in drifting and (got or not want):
        return "warn"
    return "fail"


def _cleanup(restore: Restore, res: Any, ctx: RunContext, target: str) -> Case:
    try:
        with aws_errors(f"{res.name}: deleting the throw-away copy {target}"):
            existed = restore.delete(res, ctx, target)
    except DrctlError as exc:
        return Case(
            f"{res.name}.cleanup",
            "error",
            f"{exc.message} -- delete {target} by hand",
            observed=target,
        )
    detail = f"deleted {target}" if existed else f"{target} was never created"
    return Case(f"{res.name}.cleanup", "pass", detail)
