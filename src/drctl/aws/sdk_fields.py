"""The fields of an AWS SDK task that its API does not have, found as Step Functions finds them.

Step Functions refuses such a definition at ``CreateStateMachine``: ``SCHEMA_VALIDATION_FAILED:
The field "X" is not supported by Step Functions``. A field is spelled as the SDK for Java v2
spells the member (:func:`drctl.aws.region_proxy.sfn_member_name`), so botocore's own
spelling (``SSESpecification``) and a snake-case round trip's (``SourceDbInstanceIdentifier``)
are both refused; a ``.$`` field is checked by its name (its value is read at run time).

The exporter checks its own output with this (a call through drctl's Region proxy too, whose
parameters AWS sees only as a Lambda payload), and the sandbox's Step Functions refuses a
definition with it, as AWS does.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from drctl.aws.region_proxy import BOTO_NAMES, members_by_sfn_name

_SDK_RESOURCE = re.compile(r"^arn:aws[\w-]*:states:[^:]*:[^:]*:aws-sdk:([^:]+):([^.:]+)")


def boto_service(service: str) -> str:
    """boto3's name of the service Step Functions calls ``service`` (``eventbridge``)."""
    return "stepfunctions" if service == "states" else BOTO_NAMES.get(service, service)


@functools.cache
def operation(service: str, action: str) -> Any:
    """botocore's model of ``service``'s ``action`` (Step Functions' names: ``rds``,
    ``describeDBInstances``), or None when this botocore does not know it."""
    import botocore.session
    from botocore.exceptions import UnknownServiceError

    try:
        model = botocore.session.get_session().get_service_model(boto_service(service))
    except UnknownServiceError:
        return None
    for name in model.operation_names:
        if name.lower() == action.lower():
            return model.operation_model(name)
    return None


def unsupported(message_field: str, where: str) -> str:
    """AWS's refusal of one field."""
    what = f'The field "{message_field}" is not supported by Step Functions'
    return f"SCHEMA_VALIDATION_FAILED: {what} at {where}"


def call_problems(service: str, action: str, parameters: Any, where: str) -> list[str]:
    """The unsupported fields of one call's parameters (a template: ``.$`` fields by name)."""
    op = operation(service, action)
    if op is None or not isinstance(parameters, dict):
        return []  # an action this botocore does not know: not checked
    if op.input_shape is None:
        return [unsupported(_name(str(k)), where) for k in parameters]
    found: list[str] = []
    _template(parameters, op.input_shape, where, found)
    return found


def definition_problems(definition: Any) -> list[str]:
    """The unsupported fields of every AWS SDK task in ``definition`` (a parsed state
    machine: Parallel branches and Map processors included), located as
    ``/States/<state>/Parameters/...``."""
    found: list[str] = []
    _states(definition, "", found)
    return found


def _name(key: str) -> str:
    return key[:-2] if key.endswith(".$") else key


def _states(machine: Any, where: str, found: list[str]) -> None:
    states = machine.get("States") if isinstance(machine, dict) else None
    if not isinstance(states, dict):
        return
    for name, state in states.items():
        if not isinstance(state, dict):
            continue
        here = f"{where}/States/{name}"
        for i, branch in enumerate(state.get("Branches") or []):
            _states(branch, f"{here}/Branches/{i}", found)
        for processor in ("Iterator", "ItemProcessor"):
            _states(state.get(processor), f"{here}/{processor}", found)
        matched = _SDK_RESOURCE.match(str(state.get("Resource", "")))
        if state.get("Type") != "Task" or not matched:
            continue
        service, action = matched.groups()
        for field in ("Parameters", "Arguments"):  # JSONPath's and JSONata's
            if field in state:
                found += call_problems(service, action, state[field], f"{here}/{field}")


def _template(template: Any, shape: Any, where: str, found: list[str]) -> None:
    kind = shape.type_name
    if kind == "structure" and isinstance(template, dict):
        members = members_by_sfn_name(shape)
        for key, item in template.items():
            name = _name(str(key))
            member = members.get(name)
            if member is None:
                found.append(unsupported(name, where))
            elif not str(key).endswith(".$"):
                _template(item, shape.members[member], f"{where}/{name}", found)
    elif kind == "list" and isinstance(template, list):
        for i, item in enumerate(template):
            _template(item, shape.member, f"{where}/{i}", found)
    elif kind == "map" and isinstance(template, dict):
        for key, item in template.items():
            if not str(key).endswith(".$"):
                _template(item, shape.value, f"{where}/{key}", found)
