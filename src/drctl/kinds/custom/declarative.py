"""A custom step as Step Functions runs it (``drctl export stepfunctions``).

Mirrors :func:`drctl.kinds.custom.step.custom_step`:

* a Lambda ``invoke`` is Step Functions' optimized ``lambda:invoke`` integration, which fails
  the task on a function error (``FunctionError``), as the CLI fails the step; a check's or
  verify's answer is done when it is ``true``, a non-empty string or a non-zero number.
  Python also counts a non-empty list or object as done; here such an answer counts as not
  done (a Choice cannot measure them), so the step acts rather than skips;
* an SSM Automation ``run`` starts the execution and waits for it in the step's wait loop:
  ``Success``/``CompletedWithSuccess`` done, any other terminal status fails the step at once;
* a ``check`` that is an SSM Automation is what the CLI does with it: started, waited for
  until it ends, then ``Success`` means done (the run is skipped) and any other end not done.
  The step is then two parts: the first starts the check as its lookup (its execution id is
  what the next part reads by: a check is the team's read, never the step's change, so a
  rerun starts it again as the CLI does, and makes no call of the run) and waits for any
  terminal status; the second's precheck reads how it ended, and skips or runs the action;
* a local ``command`` runs on the CLI's machine only: no form, and the export says so. A
  verify that is an automation has none either (a poll is one call; an automation is a start
  and a wait).

A verify function's error fails the execution here, where the CLI polls again.
"""

from __future__ import annotations

from typing import Any

from drctl.engine.context import RunContext
from drctl.engine.declarative import (
    NoDeclarativeForm,
    Probe,
    Rule,
    SdkCall,
    SfnStep,
    all_of,
    any_of,
    equals,
    negate,
    present,
)
from drctl.kinds.custom import api
from drctl.plan.models import AutomationRun, CustomAction, CustomSteps, LambdaInvoke

SUCCESS = ("Success", "CompletedWithSuccess")
_STATUS = "$.AutomationExecution.AutomationExecutionStatus"


def truthy(path: str) -> Rule:
    """``path`` holds what Python's ``bool()`` counts as true, for the JSON a Choice can
    test: ``true``, a non-empty string, a non-zero number."""
    return all_of(
        present(path),
        any_of(
            all_of(
                {"Variable": path, "IsBoolean": True}, {"Variable": path, "BooleanEquals": True}
            ),
            all_of(
                {"Variable": path, "IsString": True},
                negate({"Variable": path, "StringEquals": ""}),
            ),
            all_of(
                {"Variable": path, "IsNumeric": True},
                negate({"Variable": path, "NumericEquals": 0}),
            ),
        ),
    )


def _invoke(inv: LambdaInvoke, ctx: RunContext) -> SdkCall:
    side = inv.side.value
    return SdkCall(
        "lambda",
        "invoke",
        {"FunctionName": inv.function, "Payload": dict(inv.payload)},
        ctx.region(side),
        side=side,
        integration="optimized",
    )


def _probe(action: CustomAction, ctx: RunContext, what: str) -> Probe:
    if action.command is not None:
        raise NoDeclarativeForm(
            f"its {what} runs a local command ({action.command.argv[0]}), which only the "
            "machine running drctl can do"
        )
    if action.automation is not None:
        raise NoDeclarativeForm(
            f"its {what} is an SSM Automation: on Step Functions a {what} is one call, an "
            "automation a start and a wait (make it a Lambda function)"
        )
    assert action.invoke is not None
    return Probe(_invoke(action.invoke, ctx), truthy("$.Payload"))


def _status_of(auto: AutomationRun, ctx: RunContext, execution_id: str) -> SdkCall:
    """``GetAutomationExecution`` of the execution whose id is at ``execution_id``."""
    side = auto.side.value
    return SdkCall(
        "ssm",
        "getAutomationExecution",
        {"AutomationExecutionId.$": execution_id},
        ctx.region(side),
        side=side,
    )


def _start(auto: AutomationRun, ctx: RunContext, result_path: str | None = None) -> SdkCall:
    side = auto.side.value
    start: dict[str, Any] = {"DocumentName": auto.document}
    if auto.parameters:
        start["Parameters"] = {k: list(v) for k, v in auto.parameters.items()}
    return SdkCall(
        "ssm",
        "startAutomationExecution",
        start,
        ctx.region(side),
        side=side,
        result_path=result_path,
    )


def _automation_check(check: AutomationRun, ctx: RunContext) -> tuple[SfnStep, Probe]:
    """The part that starts the check and waits for its end (any terminal status), and the
    precheck of the next part: the check ended in ``Success``."""
    started = "$.lookup.AutomationExecutionId"
    status = _status_of(check, ctx, started)
    ended = Probe(status, any_of(*(equals(_STATUS, s) for s in api.AUTOMATION_TERMINAL)))
    # The lookup's rule is not read: the start's answer is only kept for its id.
    part = SfnStep(lookup=Probe(_start(check, ctx), present("$.AutomationExecutionId")),
                   verify=ended)  # fmt: skip
    return part, Probe(status, any_of(*(equals(_STATUS, s) for s in SUCCESS)))


def form(steps: CustomSteps, ctx: RunContext) -> SfnStep:
    """The step's declarative form; :class:`NoDeclarativeForm` naming why there is none."""
    check = steps.check
    if check is not None and check.automation is not None:
        part, done = _automation_check(check.automation, ctx)
        return SfnStep(parts=(part, _action(steps, ctx, done)))
    precheck = _probe(check, ctx, "check") if check is not None else None
    return _action(steps, ctx, precheck)


def _action(steps: CustomSteps, ctx: RunContext, precheck: Probe | None) -> SfnStep:
    """The run (and its verify or wait), skipped when ``precheck`` holds."""
    run = steps.run
    if run.command is not None:
        raise NoDeclarativeForm(
            f"it runs a local command ({run.command.argv[0]}), which only the machine running "
            "drctl can do: make it a Lambda function or an SSM Automation to run it on Step "
            "Functions"
        )
    if run.invoke is not None:
        verify = _probe(steps.verify, ctx, "verify") if steps.verify is not None else None
        return SfnStep(precheck=precheck, run=(_invoke(run.invoke, ctx),), verify=verify)
    assert run.automation is not None
    if steps.verify is not None:
        raise NoDeclarativeForm(
            "it runs an SSM Automation and then a verify: its wait loop already waits for "
            "the automation"
        )
    auto = run.automation
    ended_badly = all_of(
        present(_STATUS),
        *(negate(equals(_STATUS, s)) for s in SUCCESS),
        any_of(*(equals(_STATUS, s) for s in api.AUTOMATION_TERMINAL if s not in SUCCESS)),
    )
    return SfnStep(
        precheck=precheck,
        run=(_start(auto, ctx, result_path="$.automation"),),
        verify=Probe(
            _status_of(auto, ctx, "$.automation.AutomationExecutionId"),
            any_of(*(equals(_STATUS, s) for s in SUCCESS)),
            fails=(ended_badly, f"automation {auto.document} did not end in Success"),
        ),
    )
