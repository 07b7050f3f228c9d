"""Run a plan's FIS experiment: template from the plan, start, follow, stop at a timeout.

Shared by ``drctl chaos run`` and the ``experiment`` drill. An experiment
without a stop condition can run away in production, so it is refused unless
the caller explicitly allows it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from drctl.aws import fis
from drctl.aws.errors import aws_errors
from drctl.engine.context import RunContext
from drctl.errors import GateRefused, UsageError
from drctl.plan.models import Experiment


@dataclass
class ExperimentRun:
    name: str
    template_id: str
    experiment_id: str
    status: str
    reason: str = ""
    seconds: float = 0.0
    stopped_at_timeout: bool = False
    history: list[str] = field(default_factory=list)  # statuses seen, in order

    def as_dict(self) -> dict[str, Any]:
        return {
            "experiment": self.name,
            "template_id": self.template_id,
            "experiment_id": self.experiment_id,
            "status": self.status,
            "reason": self.reason,
            "seconds": self.seconds,
            "stopped_at_timeout": self.stopped_at_timeout,
            "history": self.history,
        }


def experiment_named(ctx: RunContext, name: str) -> Experiment:
    for exp in ctx.plan.experiments:
        if exp.name == name:
            return exp
    known = ", ".join(e.name for e in ctx.plan.experiments) or "none"
    raise UsageError(f"no experiment {name!r} in the plan", hint=f"experiments: {known}")


def _side(exp: Experiment) -> str:
    return exp.region.value


def prepare(ctx: RunContext, exp: Experiment, *, allow_without_stop_condition: bool) -> str:
    """Create or update the FIS template for ``exp``; returns its id."""
    if not exp.stop_conditions and not allow_without_stop_condition:
        raise GateRefused(
            f"experiment {exp.name} has no stop condition: it could not be stopped "
            "automatically if it hurts production",
            hint="add stop_conditions (a CloudWatch alarm), or set "
            "allow_without_stop_condition: true on the drill",
        )
    side = _side(exp)
    region = ctx.region(side)
    arns = []
    with aws_errors(f"experiment {exp.name} (fis {region})"):
        for condition in exp.stop_conditions:
            arn = fis.alarm_arn(ctx.client("cloudwatch", side), condition.alarm)
            if arn is None:
                raise UsageError(
                    f"experiment {exp.name}: stop-condition alarm {condition.alarm} "
                    f"does not exist in {region}"
                )
            arns.append(arn)
        return fis.ensure_template(ctx.client("fis", side), ctx.plan.app, exp, arns)


def run_experiment(
    ctx: RunContext,
    exp: Experiment,
    *,
    timeout_seconds: float,
    allow_without_stop_condition: bool = False,
    poll_seconds: float = 5.0,
    on_status: Callable[[str, str], None] | None = None,
) -> ExperimentRun:
    """Start ``exp`` and follow it to a final state; stop it when the timeout passes."""
    template_id = prepare(ctx, exp, allow_without_stop_condition=allow_without_stop_condition)
    side = _side(exp)
    client = ctx.client("fis", side)
    clock = ctx.clock
    where = f"experiment {exp.name} (fis {ctx.region(side)})"
    with aws_errors(where):
        started = fis.start(client, template_id, {"drctl:run": ctx.run_id or "manual"})
    run = ExperimentRun(exp.name, template_id, str(started["id"]), fis.status_of(started))
    began = clock.monotonic()
    deadline = began + timeout_seconds
    while True:
        with aws_errors(where):
            current = fis.get(client, run.experiment_id)
        status = fis.status_of(current)
        run.reason = str(current.get("state", {}).get("reason", ""))
        if not run.history or run.history[-1] != status:
            run.history.append(status)
            if on_status:
                on_status(status, run.reason)
        run.status = status
        if status in fis.TERMINAL:
            break
        if clock.monotonic() >= deadline and not run.stopped_at_timeout:
            run.stopped_at_timeout = True
            with aws_errors(where):
                fis.stop(client, run.experiment_id)
        clock.sleep(poll_seconds)
    run.seconds = round(clock.monotonic() - began, 3)
    return run


def stop_experiments(ctx: RunContext, exp: Experiment) -> list[str]:
    """Stop every running experiment of ``exp``'s template; returns their ids."""
    side = _side(exp)
    client = ctx.client("fis", side)
    with aws_errors(f"experiment {exp.name} (fis {ctx.region(side)})"):
        template = fis.find_template(client, ctx.plan.app, exp.name)
        if template is None:
            return []
        stopped = []
        for running in fis.running_experiments(client, str(template["id"])):
            fis.stop(client, str(running["id"]))
            stopped.append(str(running["id"]))
    return stopped


def describe_experiments(ctx: RunContext) -> list[dict[str, Any]]:
    """The plan's experiments as ``chaos list`` shows them, with the FIS template drctl
    created for each (None until the first run)."""
    rows = []
    for exp in ctx.plan.experiments:
        with aws_errors(f"experiment {exp.name}"):
            template = fis.find_template(
                ctx.client("fis", exp.region.value), ctx.plan.app, exp.name
            )
        rows.append(
            {
                "name": exp.name,
                "region": ctx.region(exp.region.value),
                "actions": [a.action_id for a in exp.actions.values()],
                "stop_conditions": [s.alarm for s in exp.stop_conditions],
                "template_id": template["id"] if template else None,
                "description": exp.description,
            }
        )
    return rows
