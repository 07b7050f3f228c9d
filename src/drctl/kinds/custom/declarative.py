"""A custom step as Step Functions runs it (``drctl export stepfunctions``).

Mirrors :func:`drctl.kinds.custom.step.custom_step`:

* a Lambda ``invoke`` is Step Functions' optimized ``lambda:invoke`` integration, which fails
  the task on a function error (``FunctionError``), as the CLI fails the step; a check's or
  verify's answer is done when it is ``true``, a non-empty string or a non-zero number.
  Python also counts a non-empty list or object as done; here such an answer counts as not
  done (a Choice cannot measure them), so the step acts rather than skips;
* an SSM Automation ``run`` starts the execution and waits for it in the step's wait loop:
  ``Success``/``CompletedWithSuccess`` done, any other terminal status fails the step at once;
* a local ``command`` runs on the CLI's machine only: no form, and the export says so. A
  check or verify that is an automation has none either (a precheck or a poll is one call;
  an automation is a start and a wait).

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
from drctl.plan.models import CustomAction, CustomSteps, LambdaInvoke

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


def form(steps: CustomSteps, ctx: RunContext) -> SfnStep:
    """The step's declarative form; :class:`NoDeclarativeForm` naming why there is none."""
    precheck = _probe(steps.check, ctx, "check") if steps.check is not None else None
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
    side = auto.side.value
    region = ctx.region(side)
    start: dict[str, Any] = {"DocumentName": auto.document}
    if auto.parameters:
        start["Parameters"] = {k: list(v) for k, v in auto.parameters.items()}
    ended_badly = all_of(
        present(_STATUS),
        *(negate(equals(_STATUS, s)) for s in SUCCESS),
        any_of(*(equals(_STATUS, s) for s in api.AUTOMATION_TERMINAL if s not in SUCCESS)),
    )
    return SfnStep(
        precheck=precheck,
        run=(
            SdkCall(
                "ssm",
                "startAutomationExecution",
                start,
                region,
                side=side,
                result_path="$.automation",
            ),
        ),
        verify=Probe(
            SdkCall(
                "ssm",
                "getAutomationExecution",
                {"AutomationExecutionId.$": "$.automation.AutomationExecutionId"},
                region,
                side=side,
            ),
            any_of(*(equals(_STATUS, s) for s in SUCCESS)),
            fails=(ended_badly, f"automation {auto.document} did not end in Success"),
        ),
    )
