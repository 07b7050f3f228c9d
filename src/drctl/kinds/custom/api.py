"""Every AWS call of the custom kind: a Lambda function invoked and looked up, an SSM
Automation runbook started, followed and looked up. Nothing here decides what a result means
(that is :mod:`drctl.kinds.custom.actions`)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from drctl.aws.errors import is_not_found

AUTOMATION_TERMINAL = ("Success", "Failed", "Cancelled", "TimedOut", "CompletedWithSuccess",
                       "CompletedWithFailure", "Rejected", "Exited")  # fmt: skip


@dataclass(frozen=True)
class Invocation:
    """What a synchronous invocation returned."""

    payload: bytes
    function_error: str | None  # "Unhandled" when the function raised
    log_tail: str  # the last 4 KB of its log (LogType Tail)


def function_exists(awslambda: Any, function: str) -> bool:
    try:
        awslambda.get_function(FunctionName=function)
    except ClientError as exc:
        if is_not_found(exc, "ResourceNotFoundException"):
            return False
        raise
    return True


def invoke(awslambda: Any, function: str, payload: dict[str, Any]) -> Invocation:
    answer = awslambda.invoke(
        FunctionName=function,
        InvocationType="RequestResponse",
        LogType="Tail",
        Payload=json.dumps(payload).encode(),
    )
    body = answer["Payload"].read() if answer.get("Payload") is not None else b""
    tail = answer.get("LogResult")
    log = base64.b64decode(tail).decode("utf-8", errors="replace") if tail else ""
    return Invocation(body, answer.get("FunctionError"), log)


def automation_document(ssm: Any, document: str) -> dict[str, Any] | None:
    """The document's description, or None when the Region has no such document."""
    try:
        return dict(ssm.describe_document(Name=document)["Document"])
    except ClientError as exc:
        if is_not_found(exc, "InvalidDocument"):
            return None
        raise


def start_automation(ssm: Any, document: str, parameters: dict[str, list[str]]) -> str:
    answer = ssm.start_automation_execution(DocumentName=document, Parameters=parameters)
    return str(answer["AutomationExecutionId"])


def automation_execution(ssm: Any, execution_id: str) -> dict[str, Any]:
    answer = ssm.get_automation_execution(AutomationExecutionId=execution_id)
    return dict(answer["AutomationExecution"])
