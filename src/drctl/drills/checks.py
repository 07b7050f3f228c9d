"""``type: checks``: every readiness check of every resource, each a test case."""

from __future__ import annotations

from drctl.drills.env import DrillEnv
from drctl.drills.result import Case, DrillResult
from drctl.plan.models import Drill


def run(drill: Drill, env: DrillEnv) -> DrillResult:
    from drctl.engine.operations import run_readiness

    result = DrillResult(drill.name, drill.type.value)
    for check, outcome in run_readiness(env.plan, env.context()):
        result.cases.append(
            Case(
                name=f"{check.resource}.{check.name}",
                status=outcome.status.value,
                detail=outcome.detail,
                observed=outcome.observed,
                expected=outcome.threshold,
            )
        )
    return result.settle()
