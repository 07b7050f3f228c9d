"""``type: failover``: a real failover to regions.dr and a failback home, each RTO measured.

Disruptive: it moves production. It is refused unless ``drctl test`` was given
``--allow-disruptive``. The failover and the failback are ordinary journaled
runs (with their own run ids, listed by ``drctl runs list``); the drill reports
both RTOs against the objective. If the failover fails, the failback is not
attempted -- the run is left for an operator to resume or undo.
"""

from __future__ import annotations

from drctl.drills.env import DrillEnv
from drctl.drills.result import Case, DrillResult
from drctl.engine.runs import RunRecord
from drctl.errors import GateRefused
from drctl.plan.durations import format_seconds, human_seconds
from drctl.plan.models import Drill


def run(drill: Drill, env: DrillEnv) -> DrillResult:
    from drctl.engine.run import Run, RunRequest
    from drctl.kinds.registry import registry

    if not env.allow_disruptive:
        raise GateRefused(
            f"drill {drill.name} fails production over and back",
            hint="run it with drctl test --allow-disruptive, or pick other drills with --drill",
        )
    plan = env.plan
    objective = plan.effective_objectives().rto_seconds
    result = DrillResult(drill.name, drill.type.value)
    manual = [r.name for r in plan.resources if r.kind == "manual"]  # a drill does not stop

    def one(action: str, from_run: str | None = None) -> RunRecord:
        request = RunRequest(action=action, mode="planned", approve=manual, from_run=from_run)
        run = Run(env.loaded, env.settings, registry(), request)
        # --allow-disruptive consented; a notification not sent is shown, as for a failover
        return run.execute(confirm=lambda question: None, warn=env.warn)

    failover = one("failover")
    result.cases.append(_rto_case("failover", failover, objective))
    env.events.append({"event": "drill-run", "action": "failover", "run_id": failover.run_id})
    if failover.status == "succeeded":
        failback = one("failback", failover.run_id)
        result.cases.append(_rto_case("failback", failback, objective))
        env.events.append({"event": "drill-run", "action": "failback", "run_id": failback.run_id})
    if failover.rto_seconds is not None:
        result.measured["rto_seconds"] = failover.rto_seconds
    return result.settle()


def _rto_case(action: str, record: RunRecord, objective: int) -> Case:
    if record.status != "succeeded" or record.rto_seconds is None:
        return Case(
            f"{action}.rto",
            "fail",
            f"{action} run {record.run_id} {record.status}: {record.error or 'no RTO measured'}",
            observed=record.rto_seconds,
            expected=objective,
        )
    ok = record.rto_seconds <= objective
    return Case(
        f"{action}.rto",
        "pass" if ok else "fail",
        f"{action} run {record.run_id}: RTO {human_seconds(record.rto_seconds)} "
        f"{'within' if ok else 'over'} the objective of {format_seconds(objective)}",
        seconds=record.rto_seconds,
        observed=record.rto_seconds,
        expected=objective,
    )
