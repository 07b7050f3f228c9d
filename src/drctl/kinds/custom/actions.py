"""One custom action -- a Lambda invocation, an SSM Automation execution or a local command --
said in words, written as the equivalent CLI, checked for readiness, and carried out.

Every action ends in an :class:`Outcome`: ``ok`` (exit status 0, no ``FunctionError``,
automation ``Success``), ``truthy`` (what a ``check`` asks: is it already done?), and the
output kept for the journal (redacted, capped).
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from typing import Any

from drctl.engine.context import RunContext
from drctl.errors import DrctlError
from drctl.kinds.custom import api, command
from drctl.kinds.custom.output import captured
from drctl.plan.models import AutomationRun, CustomAction, LambdaInvoke, LocalCommand

POLL_SECONDS = 5.0  # between GetAutomationExecution calls
SUCCESS = ("Success", "CompletedWithSuccess")


@dataclass(frozen=True)
class Outcome:
    ok: bool
    truthy: bool
    summary: str  # one line for the step's detail
    output: str = ""  # redacted, capped
    data: dict[str, Any] = field(default_factory=dict)


def describe(action: CustomAction, ctx: RunContext) -> str:
    """What the action does, in words."""
    if action.invoke is not None:
        inv = action.invoke
        return f"invoke Lambda function {inv.function} in {ctx.region(inv.side.value)}"
    if action.automation is not None:
        auto = action.automation
        return f"run SSM Automation {auto.document} in {ctx.region(auto.side.value)}"
    assert action.command is not None
    return f"run {shlex.join(action.command.argv)}"


def cli(action: CustomAction, ctx: RunContext) -> str:
    """The action as a command a person could type."""
    if action.invoke is not None:
        inv = action.invoke
        return (
            f"aws lambda invoke --region {ctx.region(inv.side.value)} --function-name "
            f"{inv.function} --cli-binary-format raw-in-base64-out --payload "
            f"{shlex.quote(json.dumps(inv.payload, sort_keys=True))} --log-type Tail out.json"
        )
    if action.automation is not None:
        auto = action.automation
        params = (
            f" --parameters {shlex.quote(json.dumps(auto.parameters, sort_keys=True))}"
            if auto.parameters
            else ""
        )
        return (
            f"aws ssm start-automation-execution --region {ctx.region(auto.side.value)} "
            f"--document-name {auto.document}{params}"
        )
    assert action.command is not None
    cmd = action.command
    where = command.working_directory(cmd, ctx.plan.directory)
    env = " ".join(f"{k}={shlex.quote(v)}" for k, v in sorted(cmd.env.items()))
    return f"(cd {shlex.quote(str(where))} && {env + ' ' if env else ''}{shlex.join(cmd.argv)})"


def execute(action: CustomAction, ctx: RunContext, timeout_seconds: float) -> Outcome:
    """Carry the action out and wait for its end (an automation: its terminal status)."""
    if action.invoke is not None:
        return _invoke(action.invoke, ctx)
    if action.automation is not None:
        return _automation(action.automation, ctx, timeout_seconds)
    assert action.command is not None
    return _command(action.command, ctx)


# ------------------------------------------------------------------ the three ways


def _invoke(inv: LambdaInvoke, ctx: RunContext) -> Outcome:
    client = ctx.client("lambda", inv.side.value)
    answer = api.invoke(client, inv.function, inv.payload)
    text = answer.payload.decode("utf-8", errors="replace")
    try:
        value: Any = json.loads(text) if text.strip() else None
    except ValueError:
        value = text
    output = captured("\n".join(p for p in (answer.log_tail.rstrip(), text) if p))
    data = {"output": output, "function": inv.function}
    if answer.function_error:
        message = value.get("errorMessage") if isinstance(value, dict) else None
        data["function_error"] = answer.function_error
        return Outcome(
            False,
            False,
            f"function {inv.function} failed ({answer.function_error}): "
            f"{captured(str(message or text), 300)}",
            output,
            data,
        )
    return Outcome(
        True,
        bool(value),
        f"function {inv.function} returned {_short(captured(text))}",
        output,
        data,
    )


def _automation(auto: AutomationRun, ctx: RunContext, timeout_seconds: float) -> Outcome:
    client = ctx.client("ssm", auto.side.value)
    execution_id = api.start_automation(client, auto.document, auto.parameters)
    deadline = ctx.clock.monotonic() + timeout_seconds
    while True:
        execution = api.automation_execution(client, execution_id)
        status = str(execution.get("AutomationExecutionStatus", ""))
        if status in api.AUTOMATION_TERMINAL:
            break
        if ctx.clock.monotonic() >= deadline:
            raise DrctlError(
                f"automation {execution_id} ({auto.document}) still {status} after "
                f"{timeout_seconds:.0f}s",
                hint=f"aws ssm get-automation-execution --automation-execution-id {execution_id}",
            )
        ctx.clock.sleep(POLL_SECONDS)
    outputs = execution.get("Outputs") or {}
    failure = str(execution.get("FailureMessage") or "")
    output = captured(
        "\n".join(p for p in (json.dumps(outputs, sort_keys=True) if outputs else "", failure) if p)
    )
    data = {"output": output, "execution_id": execution_id, "status": status}
    ok = status in SUCCESS
    summary = f"automation {execution_id} ({auto.document}) ended {status}"
    if not ok and failure:
        summary += f": {captured(failure, 300)}"
    return Outcome(ok, ok, summary, output, data)


def _command(cmd: LocalCommand, ctx: RunContext) -> Outcome:
    finished = command.run(cmd, ctx.plan.directory)
    ok = finished.status == 0
    lines = [line for line in finished.output.splitlines() if line.strip()]
    last = f": {lines[-1][:200]}" if lines and not ok else ""
    summary = f"{cmd.argv[0]} exited with status {finished.status}{last}"
    data = {"output": finished.output, "exit_status": finished.status}
    return Outcome(ok, ok, summary, finished.output, data)


def _short(text: str, limit: int = 120) -> str:
    one = " ".join(text.split())
    return one if len(one) <= limit else one[: limit - 3] + "..."
