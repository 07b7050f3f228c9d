"""``type: checks``: every readiness check of every resource, and of what the plan's drills
and experiments need, each a test case (the same checks as ``drctl check``)."""

from __future__ import annotations

from drctl.drills.env import DrillEnv
from drctl.drills.result import Case, DrillResult
from drctl.plan.models import Drill


def run(drill: Drill, env: DrillEnv) -> DrillResult:
    from drctl.drills import prerequisites
    from drctl.engine.run import readiness
    from drctl.kinds.registry import registry

    result = DrillResult(drill.name, drill.type.value)
    for check, outcome in readiness(
        env.plan, env.context(), registry(), prerequisites=prerequisites.checks
    ):
        result.cases.append(
            Case(
                name=f"{check.resource}.{check.name}",
                status=outcome.status.value,
                detail=outcome.detail,
                seconds=outcome.seconds,
                observed=outcome.observed,
                expected=outcome.threshold,
            )
        )
    return result.settle()
