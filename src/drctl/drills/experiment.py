"""``type: experiment``: run the plan's FIS experiment, follow it, stop it at the timeout.

Passes when the experiment completed on its own; stopped (by its stop condition
or at the drill's timeout) or failed is a failed drill, with the final state
and FIS's reason in the test case.
"""

from __future__ import annotations

from drctl.drills.env import DrillEnv
from drctl.drills.result import Case, DrillResult
from drctl.plan.models import Drill

DEFAULT_TIMEOUT_SECONDS = 3600.0


def run(drill: Drill, env: DrillEnv) -> DrillResult:
    from drctl.engine.chaos import experiment_named, run_experiment

    ctx = env.context()
    exp = experiment_named(ctx, drill.experiment or "")
    timeout = float(drill.timeout.seconds) if drill.timeout else DEFAULT_TIMEOUT_SECONDS
    run_ = run_experiment(
        ctx,
        exp,
        timeout_seconds=timeout,
        allow_without_stop_condition=drill.allow_without_stop_condition,
    )
    env.events.append({"event": "experiment", **run_.as_dict()})
    result = DrillResult(drill.name, drill.type.value)
    detail = f"{run_.status}: {run_.reason}" if run_.reason else run_.status
    if run_.stopped_at_timeout:
        detail += f" (stopped by drctl at the {timeout:.0f}s timeout)"
    result.cases.append(
        Case(
            name=f"{exp.name}.final-state",
            status="pass" if run_.status == "completed" else "fail",
            detail=f"experiment {run_.experiment_id} {detail}",
            seconds=run_.seconds,
            observed=run_.status,
            expected="completed",
        )
    )
    return result.settle()
