"""SSM Automation executions: ``StartAutomationExecution`` and ``GetAutomationExecution``.

moto stores Automation documents but has no executions at all (both operations are
unimplemented). A custom step that runs a runbook, and waits for it to end, needs them.

What AWS does (Systems Manager API reference, ``StartAutomationExecution``
https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_StartAutomationExecution.html
and ``GetAutomationExecution``; the Automation actions reference
https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-actions.html):
starting a runbook that does not exist is ``AutomationDefinitionNotFoundException``; a parameter
the runbook does not declare, or a required one left out, is
``InvalidAutomationExecutionParametersException``; the execution is ``Pending``, then
``InProgress`` while its ``mainSteps`` run one after the other, then ``Success``, or ``Failed``
with a ``FailureMessage`` when a step fails (``onFailure: Abort``, the default); an unknown id
is ``AutomationExecutionNotFoundException``. ``{{ Name }}`` in a step's inputs is the
parameter's value.

What the sandbox does: the same statuses over the sandbox's AWS time (``STEP_SECONDS`` per
step, each step carried out when its time has come, on the next read), with three actions
modelled: ``aws:executeAwsApi`` of SSM ``PutParameter``, ``aws:assertAwsResourceProperty`` of
SSM ``GetParameter`` (``PropertySelector: $.Parameter.Value``, ``DesiredValues``) and
``aws:sleep``. A step of any other action fails the execution, saying the sandbox does not
model it: a runbook is never reported as succeeding at something nothing did.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import yaml

from drctl.kinds.sandboxing import PatchSet, aws_time

__all__ = ["STEP_SECONDS", "install", "is_installed", "uninstall"]

STEP_SECONDS = 10.0  # AWS seconds one modelled step takes
START_SECONDS = 2.0  # Pending before the first step starts

_patches = PatchSet()
_lock = threading.Lock()
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_.:-]+)\s*\}\}")
_DURATION = re.compile(r"^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$")


@dataclass
class Execution:
    execution_id: str
    account_id: str
    region: str
    document: str
    version: str
    parameters: dict[str, list[str]]
    steps: list[dict[str, Any]]
    started: datetime
    status: str = "Pending"
    done: int = 0  # steps carried out
    next_at: datetime | None = None
    ended: datetime | None = None
    failure: str = ""
    step_results: list[dict[str, Any]] = field(default_factory=list)
    outputs: dict[str, list[str]] = field(default_factory=dict)


_executions: dict[str, Execution] = {}


def _error(code: str, message: str) -> Exception:
    from moto.ssm.exceptions import SSMException

    return SSMException(code, message)


def _content(document: Any) -> dict[str, Any]:
    text = document.content
    if isinstance(text, dict):
        return text
    loaded = yaml.safe_load(text) if document.document_format == "YAML" else json.loads(text)
    return loaded if isinstance(loaded, dict) else {}


def start(backend: Any, name: str, version: str | None, parameters: dict[str, Any]) -> str:
    documents = backend._documents.get(name)
    if not documents:
        raise _error("AutomationDefinitionNotFoundException", f"Document {name} does not exist.")
    document = documents.find(version) if version else documents.get_default_version()
    if document.document_type != "Automation":
        raise _error(
            "InvalidAutomationExecutionParametersException",
            f"Document {name} is a {document.document_type} document, not Automation.",
        )
    content = _content(document)
    declared: dict[str, Any] = content.get("parameters") or {}
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise _error(
            "InvalidAutomationExecutionParametersException",
            f"Parameter {unknown[0]} is not defined in the document.",
        )
    values: dict[str, list[str]] = {}
    for key, spec in declared.items():
        if key in parameters:
            raw = parameters[key]
            values[key] = [str(v) for v in (raw if isinstance(raw, list) else [raw])]
        elif isinstance(spec, dict) and "default" in spec:
            default = spec["default"]
            values[key] = [str(v) for v in (default if isinstance(default, list) else [default])]
        else:
            raise _error(
                "InvalidAutomationExecutionParametersException",
                f"Parameter {key} is required but was not provided.",
            )
    now = aws_time.now()
    execution = Execution(
        execution_id=str(uuid.uuid4()),
        account_id=backend.account_id,
        region=backend.region_name,
        document=name,
        version=str(document.document_version),
        parameters=values,
        steps=list(content.get("mainSteps") or []),
        started=now,
        next_at=now + timedelta(seconds=START_SECONDS),
    )
    with _lock:
        _executions[execution.execution_id] = execution
    return execution.execution_id


def _substitute(value: Any, params: dict[str, list[str]]) -> Any:
    if isinstance(value, str):
        whole = _PLACEHOLDER.fullmatch(value.strip())
        if whole and whole.group(1) in params:
            found = params[whole.group(1)]
            return found[0] if len(found) == 1 else found
        return _PLACEHOLDER.sub(lambda m: ",".join(params.get(m.group(1), [m.group(0)])), value)
    if isinstance(value, list):
        return [_substitute(v, params) for v in value]
    if isinstance(value, dict):
        return {k: _substitute(v, params) for k, v in value.items()}
    return value


def _carry_out(execution: Execution, step: dict[str, Any]) -> tuple[bool, str, float]:
    """(succeeded, message, AWS seconds it took) of one main step."""
    from moto.ssm.models import ssm_backends

    action = step.get("action")
    inputs = _substitute(step.get("inputs") or {}, execution.parameters)
    ssm = ssm_backends[execution.account_id][execution.region]
    service, api = str(inputs.get("Service", "")).lower(), inputs.get("Api")
    if action == "aws:sleep":
        match = _DURATION.match(str(inputs.get("Duration", "")))
        if not match:
            return False, f"Duration {inputs.get('Duration')!r} is not valid", 0.0
        hours, minutes, seconds = (int(g or 0) for g in match.groups())
        return True, "", float(hours * 3600 + minutes * 60 + seconds)
    if action == "aws:executeAwsApi" and service == "ssm" and api == "PutParameter":
        name, value = str(inputs.get("Name", "")), str(inputs.get("Value", ""))
        overwrite = str(inputs.get("Overwrite", "false")).lower() == "true"
        try:
            ssm.put_parameter(name, "", value, "String", "", "", overwrite, [], "text", None, None)
        except Exception as exc:  # moto's error, as the step's failure
            return False, f"PutParameter failed: {getattr(exc, 'message', exc)}", STEP_SECONDS
        return True, "", STEP_SECONDS
    if action == "aws:assertAwsResourceProperty" and service == "ssm" and api == "GetParameter":
        name = str(inputs.get("Name", ""))
        if inputs.get("PropertySelector") != "$.Parameter.Value":
            return False, "the sandbox models only PropertySelector $.Parameter.Value", 0.0
        found = ssm.get_parameter(name)
        current = found.value if found is not None else None
        desired = [str(v) for v in inputs.get("DesiredValues") or []]
        if current in desired:
            return True, "", STEP_SECONDS
        return (
            False,
            f"The actual value {current} for the property $.Parameter.Value does not match "
            f"any of the desired values {desired}",
            STEP_SECONDS,
        )
    what = f"{action} ({inputs.get('Service')} {api})" if api else str(action)
    return False, f"the drctl sandbox does not model {what}", 0.0


def advance(execution: Execution) -> None:
    """Carry out every step whose time has come (AWS time), in order."""
    now = aws_time.now()
    while execution.ended is None and execution.next_at is not None and execution.next_at <= now:
        at = execution.next_at
        if execution.done >= len(execution.steps):
            execution.status, execution.ended = "Success", at
            break
        execution.status = "InProgress"
        step = execution.steps[execution.done]
        ok, message, seconds = _carry_out(execution, step)
        end = at + timedelta(seconds=seconds)
        execution.step_results.append(
            {
                "StepName": str(step.get("name", f"step{execution.done + 1}")),
                "Action": str(step.get("action", "")),
                "ExecutionStartTime": at,
                "ExecutionEndTime": end,
                "StepStatus": "Success" if ok else "Failed",
                **({"FailureMessage": message} if not ok else {}),
            }
        )
        execution.done += 1
        if not ok and step.get("onFailure", "Abort") == "Abort":
            execution.status, execution.ended = "Failed", end
            name = step.get("name", f"step{execution.done}")
            execution.failure = f"Step fails when it is executing. {name}: {message}"
            break
        execution.next_at = end


def describe(execution: Execution) -> dict[str, Any]:
    out: dict[str, Any] = {
        "AutomationExecutionId": execution.execution_id,
        "DocumentName": execution.document,
        "DocumentVersion": execution.version,
        "ExecutionStartTime": execution.started,
        "AutomationExecutionStatus": execution.status,
        "StepExecutions": list(execution.step_results),
        "StepExecutionsTruncated": False,
        "Parameters": execution.parameters,
        "Outputs": execution.outputs,
        "Mode": "Auto",
    }
    if execution.ended is not None:
        out["ExecutionEndTime"] = execution.ended
    if execution.failure:
        out["FailureMessage"] = execution.failure
    return out


def find(account_id: str, region: str, execution_id: str) -> Execution:
    with _lock:
        execution = _executions.get(execution_id)
    if execution is None or (execution.account_id, execution.region) != (account_id, region):
        raise _error(
            "AutomationExecutionNotFoundException",
            f"Automation execution {execution_id} does not exist.",
        )
    advance(execution)
    return execution


def _start_response(self: Any) -> Any:
    from moto.core.responses import ActionResult

    execution_id = start(
        self.ssm_backend,
        self._get_param("DocumentName"),
        self._get_param("DocumentVersion"),
        self._get_param("Parameters") or {},
    )
    return ActionResult({"AutomationExecutionId": execution_id})


def _get_response(self: Any) -> Any:
    from moto.core.responses import ActionResult

    backend = self.ssm_backend
    execution = find(
        backend.account_id, backend.region_name, self._get_param("AutomationExecutionId")
    )
    return ActionResult({"AutomationExecution": describe(execution)})


def install() -> None:
    """Add the two operations to moto's SSM; idempotent."""
    if _patches.active:
        return
    from moto.ssm.responses import SimpleSystemManagerResponse

    _patches.replace(SimpleSystemManagerResponse, "start_automation_execution", _start_response)
    _patches.replace(SimpleSystemManagerResponse, "get_automation_execution", _get_response)


def uninstall() -> None:
    _patches.restore_all()
    with _lock:
        _executions.clear()


def is_installed() -> bool:
    return _patches.active
