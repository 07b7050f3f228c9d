"""``type: checks``: every readiness check of every resource (of the included plans too), and
of what the plan's drills and experiments need, each a test case (the same checks as
``drctl check``)."""

from __future__ import annotations

from drctl.drills.env import DrillEnv
from drctl.drills.result import Case, DrillResult
from drctl.engine.context import RunContext
from drctl.plan.models import Drill, Plan


def run(drill: Drill, env: DrillEnv) -> DrillResult:
    from drctl.drills import prerequisites
    from drctl.engine.run import plan_readiness
    from drctl.engine.settings import make_context
    from drctl.kinds.registry import registry

    def context(plan: Plan) -> RunContext:
        return make_context(plan, env.settings, run_id=env.run_id)

    result = DrillResult(drill.name, drill.type.value)
    # A plan of plans: the included plans' checks too, named under their apps.
    for check, outcome in plan_readiness(
        env.loaded, env.context(), context, registry(), prerequisites=prerequisites.checks
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
