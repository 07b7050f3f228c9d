"""AWS Step Functions: the manual steps an execution of an exported plan waits on.

A manual step runs as ``sns:publish.waitForTaskToken``: the message carries the task token
in its ``drctl_task_token`` attribute and names the step in ``drctl_step``. The execution's
history keeps the parameters of that publish (``TaskScheduled``), so ``drctl approve`` finds
the token from the execution and the step name alone, and sends it back with
``SendTaskSuccess``.
"""

from __future__ import annotations

import json
from typing import Any

STEP_ATTRIBUTE = "drctl_step"
TOKEN_ATTRIBUTE = "drctl_task_token"


def execution_status(sfn: Any, execution_arn: str) -> str:
    return str(sfn.describe_execution(executionArn=execution_arn)["status"])


def waiting_approvals(sfn: Any, execution_arn: str) -> dict[str, str]:
    """Manual step name -> task token, for each approval request the execution sent and
    no answer (success, failure, timeout) closed yet."""
    requests: dict[int, tuple[str, str]] = {}
    closed: set[int] = set()
    events = _history(sfn, execution_arn)
    by_id = {int(e["id"]): e for e in events}
    for event in events:
        kind = event.get("type")
        if kind == "TaskScheduled":
            details = event.get("taskScheduledEventDetails", {})
            if not str(details.get("resource", "")).endswith("waitForTaskToken"):
                continue
            try:
                step, token = _request(json.loads(details.get("parameters") or "{}"))
            except (ValueError, AttributeError, TypeError):
                continue
            if step and token:
                requests[int(event["id"])] = (str(step), str(token))
        elif kind in ("TaskSucceeded", "TaskFailed", "TaskTimedOut"):
            closed.add(_scheduled_by(event, by_id))
    return {step: token for eid, (step, token) in requests.items() if eid not in closed}


def _request(parameters: dict[str, Any]) -> tuple[str | None, str | None]:
    """(step, token) of an approval request: SNS message attributes, or -- a plan without a
    topic -- the detail of the EventBridge event (a JSON object, or the string of one)."""
    attributes = parameters.get("MessageAttributes")
    if attributes:
        return (
            attributes.get(STEP_ATTRIBUTE, {}).get("StringValue"),
            attributes.get(TOKEN_ATTRIBUTE, {}).get("StringValue"),
        )
    entries = parameters.get("Entries") or [{}]
    detail = entries[0].get("Detail") or {}
    if isinstance(detail, str):
        detail = json.loads(detail)
    return detail.get(STEP_ATTRIBUTE), detail.get(TOKEN_ATTRIBUTE)


def send_approval(sfn: Any, token: str, approved_by: str) -> None:
    sfn.send_task_success(taskToken=token, output=json.dumps({"approved_by": approved_by}))


def _scheduled_by(event: dict[str, Any], by_id: dict[int, dict[str, Any]]) -> int:
    """The id of the ``TaskScheduled`` event a task's result answers, following
    ``previousEventId`` back (branches of a Parallel interleave their events)."""
    current = by_id.get(int(event.get("previousEventId") or 0))
    while current is not None and current.get("type") != "TaskScheduled":
        current = by_id.get(int(current.get("previousEventId") or 0))
    return int(current["id"]) if current is not None else 0


def _history(sfn: Any, execution_arn: str) -> list[dict[str, Any]]:
    paginator = sfn.get_paginator("get_execution_history")
    return [
        dict(event)
        for page in paginator.paginate(executionArn=execution_arn)
        for event in page.get("events", [])
    ]


# ---------------------------------------------------------------------- deploying a machine

STATES_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "states.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
POLICY_NAME = "drctl-steps"


def state_machine_arn(sfn: Any, name: str) -> str | None:
    """The ARN of the state machine called ``name`` in the client's Region, if any."""
    paginator = sfn.get_paginator("list_state_machines")
    for page in paginator.paginate():
        for machine in page.get("stateMachines", []):
            if machine.get("name") == name:
                return str(machine["stateMachineArn"])
    return None


def ensure_role(
    iam: Any, name: str, policy: dict[str, Any], description: str, *, lambda_too: bool = False
) -> str:
    """The role Step Functions runs the machine as (and, ``lambda_too``, the Region proxy):
    created when missing, its trust and inline policy (re)written either way; its ARN."""
    trust = json.dumps(LAMBDA_TRUST if lambda_too else STATES_TRUST)
    try:
        arn = str(iam.get_role(RoleName=name)["Role"]["Arn"])
        iam.update_assume_role_policy(RoleName=name, PolicyDocument=trust)
    except iam.exceptions.NoSuchEntityException:
        arn = str(
            iam.create_role(
                RoleName=name, AssumeRolePolicyDocument=trust, Description=description[:1000]
            )["Role"]["Arn"]
        )
    iam.put_role_policy(RoleName=name, PolicyName=POLICY_NAME, PolicyDocument=json.dumps(policy))
    return arn


def put_state_machine(
    sfn: Any, name: str, definition: dict[str, Any], role_arn: str, tags: dict[str, str]
) -> tuple[str, bool]:
    """Create the state machine, or update the one of that name; tagged with ``tags`` (what
    it was generated from); (ARN, created)."""
    text = json.dumps(definition)
    listed = [{"key": k, "value": v} for k, v in tags.items()]
    existing = state_machine_arn(sfn, name)
    if existing is None:
        created = sfn.create_state_machine(
            name=name, definition=text, roleArn=role_arn, type="STANDARD", tags=listed
        )
        return str(created["stateMachineArn"]), True
    sfn.update_state_machine(stateMachineArn=existing, definition=text, roleArn=role_arn)
    sfn.tag_resource(resourceArn=existing, tags=listed)
    return existing, False


def machine_tags(sfn: Any, arn: str) -> dict[str, str]:
    found = sfn.list_tags_for_resource(resourceArn=arn).get("tags", [])
    return {str(t["key"]): str(t["value"]) for t in found}


def describe_state_machine(sfn: Any, arn: str) -> dict[str, Any]:
    return dict(sfn.describe_state_machine(stateMachineArn=arn))


# ---------------------------------------------------------------------- running one


def start_execution(sfn: Any, machine_arn: str, name: str, payload: dict[str, Any]) -> str:
    """Start an execution named ``name`` (AWS refuses a name already used: the same run
    cannot start twice); its ARN."""
    started = sfn.start_execution(
        stateMachineArn=machine_arn, name=name, input=json.dumps(payload, default=str)
    )
    return str(started["executionArn"])


def describe_execution(sfn: Any, execution_arn: str) -> dict[str, Any]:
    return dict(sfn.describe_execution(executionArn=execution_arn))


def history(sfn: Any, execution_arn: str) -> list[dict[str, Any]]:
    """Every event of the execution so far, oldest first."""
    return _history(sfn, execution_arn)


# ---------------------------------------------------------------------- the Region proxy

PROXY_RESOURCE = "arn:aws:states:::lambda:invoke"
LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": ["states.amazonaws.com", "lambda.amazonaws.com"]},
            "Action": "sts:AssumeRole",
        }
    ],
}


def proxy_name(app: str) -> str:
    """The Region proxy function of ``app``'s state machines (one per plan and DR Region)."""
    return f"drctl-{app}-region-proxy"[:64]


PROXY_RUNTIME = "python3.12"
PROXY_TIMEOUT_SECONDS = 60  # one API call, its retries, and every ARC endpoint in turn
# A role created a moment ago is not yet assumable by Lambda everywhere: CreateFunction
# answers InvalidParameterValueException until IAM's change has propagated.
_ROLE_PROPAGATION_TRIES = 10


def proxy_zip() -> bytes:
    """The proxy's deployment package: :mod:`drctl.aws.region_proxy` alone, as
    ``drctl_region_proxy.py``, stamped with a fixed date so the same code gives the same
    CodeSha256 (deploy compares it to skip an unchanged function)."""
    import io
    import zipfile
    from importlib import resources

    source = (resources.files("drctl.aws") / "region_proxy.py").read_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        entry = zipfile.ZipInfo("drctl_region_proxy.py", date_time=(1980, 1, 1, 0, 0, 0))
        entry.external_attr = 0o644 << 16
        archive.writestr(entry, source)
    return out.getvalue()


def code_sha256(package: bytes) -> str:
    """Lambda's ``CodeSha256`` of a package: base64 of its SHA-256."""
    import base64
    import hashlib

    return base64.b64encode(hashlib.sha256(package).digest()).decode()


def ensure_proxy(lam: Any, name: str, role_arn: str, description: str) -> tuple[str, str]:
    """Create the Region proxy function, or bring it to this drctl's code and role; waits
    until Lambda can run it. (ARN, ``created`` | ``updated`` | ``unchanged``)."""
    from drctl.aws.region_proxy import HANDLER

    package = proxy_zip()
    try:
        current = lam.get_function_configuration(FunctionName=name)
    except lam.exceptions.ResourceNotFoundException:
        current = None
    if current is None:
        created = _create_with_new_role(
            lam,
            FunctionName=name,
            Runtime=PROXY_RUNTIME,
            Role=role_arn,
            Handler=HANDLER,
            Code={"ZipFile": package},
            Timeout=PROXY_TIMEOUT_SECONDS,
            MemorySize=256,
            Description=description[:256],
            Tags={"drctl:component": "region-proxy"},
        )
        lam.get_waiter("function_active_v2").wait(FunctionName=name)
        return str(created["FunctionArn"]), "created"
    arn, verdict = str(current["FunctionArn"]), "unchanged"
    if current.get("CodeSha256") != code_sha256(package):
        lam.update_function_code(FunctionName=name, ZipFile=package)
        lam.get_waiter("function_updated_v2").wait(FunctionName=name)
        verdict = "updated"
    wanted = {"Role": role_arn, "Handler": HANDLER, "Runtime": PROXY_RUNTIME,
              "Timeout": PROXY_TIMEOUT_SECONDS}  # fmt: skip
    if any(current.get(k) != v for k, v in wanted.items()):
        lam.update_function_configuration(FunctionName=name, **wanted)
        lam.get_waiter("function_updated_v2").wait(FunctionName=name)
        verdict = "updated"
    return arn, verdict


def _create_with_new_role(lam: Any, **request: Any) -> Any:
    import time

    for attempt in range(_ROLE_PROPAGATION_TRIES):
        try:
            return lam.create_function(**request)
        except lam.exceptions.InvalidParameterValueException as exc:
            if "role" not in str(exc).lower() or attempt == _ROLE_PROPAGATION_TRIES - 1:
                raise
            time.sleep(2 + attempt)
    raise AssertionError("unreachable")


def proxy_state(lam: Any, name: str) -> str | None:
    """Why the Region proxy cannot serve this drctl's definitions, or None when it can."""
    try:
        current = lam.get_function_configuration(FunctionName=name)
    except lam.exceptions.ResourceNotFoundException:
        return f"the Region proxy function {name} does not exist"
    if current.get("CodeSha256") != code_sha256(proxy_zip()):
        return f"the Region proxy function {name} runs other code than this drctl's"
    return None
