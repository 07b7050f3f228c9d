"""moto's Step Functions interpreter, made to run drctl's exported definitions as AWS would.

moto 5.2 executes state machines (``mock_aws(config={"stepfunctions":
{"execute_state_machine": True}})``), AWS SDK integrations included: each
``arn:aws:states:::aws-sdk:<service>:<action>`` task becomes a boto3 call into moto. Two gaps
would make an exported definition behave unlike on AWS; this module closes them:

* Names. Step Functions spells AWS SDK parameters and answers in PascalCase ("the
  parameters are PascalCase":
  https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html): the
  SDK for Java v2's field name, first letter upper-cased. Java v2's code generator lowers
  only a name's leading capitals (``Utils.unCapitalize``), so ``DBInstanceIdentifier`` is
  ``DbInstanceIdentifier`` and DynamoDB's ``BOOL`` is ``Bool``, but
  ``SourceDBInstanceIdentifier``, ``MultiAZ`` and ``ReadReplicaSourceDBInstanceIdentifier``
  keep theirs (AWS's CloudFormation RDS provider, on the SDK for Java v2, calls
  ``.sourceDBInstanceIdentifier(..).multiAZ(..)``): :func:`drctl.aws.region_proxy.sfn_member_name`.
  moto passes parameters to boto3 unchanged (botocore drops the members it does not know,
  silently) and hands back boto3's own spelling (``DBInstances``); its LocalStack-derived
  helpers bind case-insensitively through a snake-case round trip (``MultiAz``), so a
  misspelled field would pass here and be refused on AWS. Here a request is bound to the
  operation's botocore input shape by exact spelling only, at every depth, and answers are
  re-spelled from its output shape, as drctl's Region proxy does. A field that is no member
  is refused where AWS refuses it, at ``CreateStateMachine`` (``SCHEMA_VALIDATION_FAILED:
  The field "X" is not supported by Step Functions``; a ``.$`` field by its name); one that
  only arrives at run time, in the value a ``.$`` path reads, fails the execution with
  ``States.Runtime``, which no ``Retry`` or ``Catch`` takes (the sandbox's choice).
* Paths. A definite path through an array (``$.DbInstances[0].DbInstanceStatus``) names one
  value, and Step Functions compares that value; moto 5.2 hands back a one-element list
  (its fix for getmoto/moto#7825), so ``StringEquals`` never matches. Definite paths (names
  and literal indexes only) are read here as one value; any other path goes to moto. A
  filter (``$.Instances[?(@.LifecycleState == 'InService')]``) is indefinite: AWS answers a
  list, empty when nothing matches; moto fails the state then, and here answers ``[]``.
* Credentials. A task with ``Credentials: {"RoleArn": ...}`` acts in the role's account
  (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-access-cross-acct-resources.html);
  moto parses the field and ignores it, so every call lands in the state machine's account.
  Here the role is assumed (moto's STS), and its credentials act in its account.
* Time. A ``Wait`` state sleeps in real time in moto; the sandbox's AWS services move on the
  sandbox's AWS clock (``aws_time``). A wait here lets that much AWS time pass, as the CLI
  engine's polls do (``AwsClock``), so an execution sees a promotion through in milliseconds
  with every state AWS would show. ``$$.State.EnteredTime`` is read on the same clock, so a
  call that asks what happened since a state was entered (CloudWatch datapoints since the
  wait began) sees the sandbox's AWS time, as the metrics it reads are stamped.

* Timestamps. An SDK answer's times are JSON strings in a state's data on AWS; boto3's are
  ``datetime`` objects, which moto keeps: here they become RFC 3339 strings (UTC, ``Z``).
  Choice rules compare timestamps that conform to RFC 3339 (``T`` between date
  and time, ``Z`` or a numeric offset:
  https://docs.aws.amazon.com/step-functions/latest/dg/state-choice.html); moto parses only
  whole seconds with ``Z``, so ``2026-11-30T09:42:46.967402+00:00`` -- an SDK answer's
  time -- compared as nothing. Here any RFC 3339 timestamp is parsed.

* Regions. "Cross-Region AWS SDK integration and cross-Region AWS resource access aren't
  available in Step Functions"
  (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-access-cross-acct-resources.html);
  moto reads a Region from a service task's ARN (``arn:aws:states:us-east-1::aws-sdk:...``)
  and calls there. Here such a task fails with ``States.Runtime`` (the wording is the
  sandbox's, after AWS's "The resource belongs to a different partition from the running
  execution"), and, as AWS documents for ``States.Runtime``, no ``Retry`` or ``Catch`` takes
  it -- ``States.ALL`` included -- so the execution fails
  (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html). drctl's
  own definitions reach another Region through its Region proxy (a Lambda function).

* Error names. "The resulting Error field is composed of the service name and the error
  name, separated by a period ... Both in PascalCase", with an ``Exception`` suffix even where
  the service's error code has none (``S3.BucketAlreadyExistsException``):
  https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html
  moto names every AWS error of an aws-sdk task ``<service>.<service>Exception``
  (``s3.s3Exception``), so a Catch on AWS's name never matched. Here the name is built from
  the error's code as AWS does (``S3.ReplicationConfigurationNotFoundErrorException``).

What the interpreter still does not do is listed in docs/engines.md (IAM is not evaluated).
"""

from __future__ import annotations

import datetime
import json
import re
import time
import types
from collections.abc import Callable
from typing import Any

from drctl.aws.region_proxy import UnsupportedParameter, bind_request, to_sfn
from drctl.aws.sdk_fields import boto_service, definition_problems, operation
from drctl.kinds.sandboxing import PatchSet, aws_time

_patches = PatchSet()
_DEFINITE = re.compile(r"^\$(?:\.[^.\[\]]+|\[\d+\])*$")
_TOKEN = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]")


def _definite(original: Callable[[str, Any], Any]) -> Callable[[str, Any], Any]:
    def extract_json(path: str, data: Any) -> Any:
        if not _DEFINITE.match(path):
            try:
                return original(path, data)
            except Exception as exc:
                if "[?(" in path and type(exc).__name__ == "NoSuchJsonPathError":
                    return []  # an indefinite path: no match is an empty list
                raise
        value = data
        for name, index in _TOKEN.findall(path[1:]):
            try:
                value = value[int(index)] if index else value[name]
            except (KeyError, IndexError, TypeError):
                return original(path, data)  # moto's own NoSuchJsonPathError
        return value

    return extract_json


def _boto_service_name(self: Any, boto_service_name: str | None = None) -> str:
    return boto_service(boto_service_name or self.resource.api_name)


def _normalise_parameters(
    self: Any,
    parameters: dict[str, Any],
    boto_service_name: str | None = None,
    service_action_name: str | None = None,
) -> None:
    """Bind the parameters to boto3's members by their exact Step Functions spelling, in
    place; one that names no member raises :class:`UnsupportedParameter`, which
    :func:`_refusing_unsupported` turns into the execution's ``States.Runtime`` failure."""
    op = operation(boto_service_name or self.resource.api_name, self.resource.api_action)
    if op is None:
        return
    bound = bind_request(parameters, op.input_shape)
    parameters.clear()
    parameters.update(bound)


def _normalise_response(
    self: Any,
    response: Any,
    boto_service_name: str | None = None,
    service_action_name: str | None = None,
) -> None:
    op = operation(boto_service_name or self.resource.api_name, self.resource.api_action)
    if op is not None and op.output_shape is not None and isinstance(response, dict):
        answer = to_sfn(response, op.output_shape)
        response.clear()
        response.update(answer)
    _json_times(response)


def _refusing_unsupported(original: Callable[..., Any]) -> Callable[..., Any]:
    """A parameter that reached a task at run time (through a ``.$`` path) naming no member
    fails the execution with ``States.Runtime``, which no ``Retry`` or ``Catch`` takes: AWS
    refuses such a field when the definition is created, and the sandbox does too for the
    names written in the definition (:func:`_validating_sdk_fields`)."""

    def _eval_execution(self: Any, env: Any) -> None:
        try:
            original(self, env)
        except UnsupportedParameter as exc:
            _runtime_failure(env, f"{self.resource.resource_arn}: {exc}")

    return _eval_execution


def _validating_sdk_fields(original: Callable[[str], Any]) -> Callable[[str], Any]:
    """moto's definition check, then the AWS SDK tasks' fields. Both refusals are AWS's
    ``InvalidDefinition`` error (moto 5.2 raises its own without the error code)."""

    def _validate_definition(definition: str) -> None:
        from moto.core.exceptions import AWSError
        from moto.stepfunctions.parser.api import InvalidDefinition

        try:
            original(definition)
        except InvalidDefinition as exc:
            raise AWSError(exc.message, exception_type="InvalidDefinition") from None
        try:
            parsed = json.loads(definition)
        except ValueError:
            return  # not JSON, yet moto's parser took it: nothing more to check here
        found = definition_problems(parsed)
        if found:
            message = f"Invalid State Machine Definition: {'; '.join(found)}"
            raise AWSError(message, exception_type="InvalidDefinition")

    return _validate_definition


def _json_times(value: Any) -> Any:
    """Timestamps as the JSON strings a state's data holds on AWS (RFC 3339, UTC, ``Z``),
    in place: boto3 answers ``datetime`` objects, which moto keeps in the state's data, so a
    Choice's timestamp rule (it takes strings) saw nothing to compare."""
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, item in list(items):
        if isinstance(item, datetime.datetime):
            when = item if item.tzinfo else item.replace(tzinfo=datetime.UTC)
            value[key] = when.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")
        else:
            _json_times(item)
    return value


def _with_credentials(original: Callable[..., Any]) -> Callable[..., Any]:
    def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        role = getattr(state_credentials, "role_arn", None)
        if not role:
            return original(region=region, service=service, state_credentials=state_credentials)
        import boto3

        sts = original(region=region, service="sts")
        creds = sts.assume_role(RoleArn=role, RoleSessionName="drctl-stepfunctions")["Credentials"]
        client = original(region=region, service=service)
        return boto3.client(
            service,
            region_name=region,
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
            endpoint_url=client.meta.endpoint_url,
            config=client.meta.config,
        )

    return boto_client_for


class _AwsInstant(datetime.datetime):
    """A time of the context object, written as Step Functions writes it: UTC, milliseconds,
    ``Z`` (``"EnteredTime": "2019-03-26T20:14:13.192Z"``,
    https://docs.aws.amazon.com/step-functions/latest/dg/input-output-contextobject.html);
    moto wrote ``2019-03-26T20:14:13.192000+00:00``, and none of the fraction on a whole
    second, so a definition splitting the time into its fields saw other fields."""

    def isoformat(self, sep: str = "T", timespec: str = "auto") -> str:
        utc = self.astimezone(datetime.UTC)
        return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


class _AwsDatetime(datetime.datetime):
    """``datetime.datetime`` whose ``now`` is the sandbox's AWS clock."""

    @classmethod
    def now(cls, tz: datetime.tzinfo | None = None) -> Any:
        current = aws_time.now()
        current = current.astimezone(tz) if tz is not None else current
        return _AwsInstant.fromtimestamp(current.timestamp(), current.tzinfo)


_AWS_DATETIME_MODULE = types.SimpleNamespace(
    datetime=_AwsDatetime, timezone=datetime.timezone, timedelta=datetime.timedelta
)


def _wait_interval(self: Any, env: Any, wait_seconds: int) -> None:
    if wait_seconds > 0 and env.is_running():
        aws_time.wait(float(wait_seconds))
    time.sleep(0)  # let the rest of the sandbox run


_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def _rfc3339(string: Any) -> datetime.datetime | None:
    """An RFC 3339 timestamp (fractional seconds, ``Z`` or an offset), or None."""
    if not isinstance(string, str) or not _RFC3339.match(string):
        return None
    try:
        return datetime.datetime.fromisoformat(string)
    except ValueError:
        return None


def _same_region_only(original: Callable[..., Any]) -> Callable[..., Any]:
    def _eval_runtime_part(self: Any, env: Any) -> Any:
        region = getattr(self, "_region", None)
        home = env.aws_execution_details.region
        if region and region != home:
            _runtime_failure(
                env,
                f"The resource belongs to a different region ({region}) from the running "
                f"execution ({home}): {self.resource_arn}",
            )
        return original(self, env)

    return _eval_runtime_part


def _runtime_failure(env: Any, cause: str) -> None:
    from moto.stepfunctions.parser.api import HistoryEventType, TaskFailedEventDetails
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEvent,
        FailureEventException,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import (
        StatesErrorName,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    runtime = StatesErrorNameType.StatesRuntime
    raise FailureEventException(
        failure_event=FailureEvent(
            env=env,
            error_name=StatesErrorName(typ=runtime),
            event_type=HistoryEventType.TaskFailed,
            event_details=EventDetails(  # type: ignore[typeddict-item]
                taskFailedEventDetails=TaskFailedEventDetails(error=runtime.to_name(), cause=cause)
            ),
        )
    )


def _uncatchable_runtime(original: Callable[..., Any]) -> Callable[..., Any]:
    """``ErrorEquals`` never matches ``States.Runtime``: the execution fails."""

    def _eval_body(self: Any, env: Any) -> None:
        error_name = env.stack[-1]
        if getattr(error_name, "error_name", None) == "States.Runtime":
            env.stack.pop()
            env.stack.append(False)
            return
        original(self, env)

    return _eval_body


def _error_name(norm_service_name: str, ex: Exception) -> str:
    """An AWS SDK task's error as Step Functions names it: ``<Service>.<Code>Exception``
    (the exception class of the SDK for Java v2, ``Efs.ReplicationNotFoundException``),
    as drctl's Region proxy names it; moto named every service error
    ``<service>.<service>Exception``, so a ``Catch`` of one error never matched."""
    from drctl.aws.region_proxy import sfn_cased

    code = getattr(ex, "response", {}).get("Error", {}).get("Code")
    if not code:
        return f"{norm_service_name}.{norm_service_name}Exception"
    name = sfn_cased(str(code))
    return f"{norm_service_name}.{name if name.endswith('Exception') else name + 'Exception'}"


def _service_error_name(service_name: str) -> str:
    """The service part of an AWS SDK task's error names (``Efs``, ``DynamoDb``), as drctl's
    definitions and its Region proxy spell it."""
    from drctl.export.stepfunctions import error_service

    return error_service(service_name)


def install() -> None:
    if _patches.active:
        return
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_aws_sdk as sdk,
    )
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function import (
        wait_function as wait,
    )

    _patches.replace(sdk.StateTaskServiceAwsSdk, "_get_boto_service_name", _boto_service_name)
    _patches.replace(sdk.StateTaskServiceAwsSdk, "_normalise_parameters", _normalise_parameters)
    _patches.replace(sdk.StateTaskServiceAwsSdk, "_normalise_response", _normalise_response)
    _patches.replace(
        sdk.StateTaskServiceAwsSdk, "_normalise_exception_name", staticmethod(_error_name)
    )
    _patches.replace(
        sdk.StateTaskServiceAwsSdk,
        "_normalise_service_error_name",
        staticmethod(_service_error_name),
    )
    _patches.replace(
        sdk.StateTaskServiceAwsSdk,
        "_eval_execution",
        _refusing_unsupported(sdk.StateTaskServiceAwsSdk._eval_execution),
    )
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend as backend

    _patches.replace(
        backend,
        "_validate_definition",
        staticmethod(_validating_sdk_fields(backend._validate_definition)),
    )
    _patches.replace(wait.WaitFunction, "_wait_interval", _wait_interval)
    from moto.stepfunctions.parser.asl.component.common.error_name import error_equals_decl
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import resource

    service_resource = resource.ServiceResource
    _patches.replace(
        service_resource,
        "_eval_runtime_part",
        _same_region_only(resource.Resource._eval_runtime_part),
    )
    decl = error_equals_decl.ErrorEqualsDecl
    _patches.replace(decl, "_eval_body", _uncatchable_runtime(decl._eval_body))
    from moto.stepfunctions.parser.asl.component.state.choice.comparison.operator.implementations import (  # noqa: E501
        is_operator,
        timestamp_operators,  # noqa: F401  (loaded now: its extract_json is patched below)
    )

    _patches.replace(is_operator.IsTimestamp, "string_to_timestamp", staticmethod(_rfc3339))
    _patches.replace(sdk, "boto_client_for", _with_credentials(vars(sdk)["boto_client_for"]))
    from moto.stepfunctions.parser.asl.component.state import state as state_module

    _patches.replace(state_module, "datetime", _AWS_DATETIME_MODULE)
    import sys

    import moto.stepfunctions.parser.models  # noqa: F401  (loads the interpreter)
    from moto.stepfunctions.parser.asl.utils import json_path

    original = json_path.extract_json
    definite = _definite(original)
    # Every interpreter module that bound ``extract_json`` by name when it was imported.
    for name, module in list(sys.modules.items()):
        if name.startswith("moto.stepfunctions.parser") and (
            getattr(module, "extract_json", None) is original
        ):
            _patches.replace(module, "extract_json", definite)


def uninstall() -> None:
    _patches.restore_all()


def is_installed() -> bool:
    return _patches.active
