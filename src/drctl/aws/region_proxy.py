"""drctl's Region proxy: the Lambda function through which a state machine calls another Region.

Step Functions calls AWS services only in the state machine's own Region: "cross-Region AWS
SDK integration and cross-Region AWS resource access aren't available"
(https://docs.aws.amazon.com/step-functions/latest/dg/concepts-access-cross-acct-resources.html).
A failover's state machine runs in the DR Region, yet a planned failover fences the primary
and a failback acts mostly there. drctl deploys this module, alone, as a Lambda function in
the DR Region (the way the AWS CDK's ``CallAwsServiceCrossRegion`` task does), and the
exported definition invokes it for each such call, with the call spelled as an AWS SDK
integration task would spell it.

The function keeps the integration's contract, so a definition reads a proxied answer with
the same paths and catches the same errors:

* Names: parameters and answers in Step Functions' PascalCase, "the parameters are
  PascalCase" of the SDK for Java v2's member names
  (https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html):
  :func:`sfn_member_name` (``DbInstanceIdentifier``, ``SourceDBInstanceIdentifier``,
  ``MultiAZ``, ``Bool``). A parameter is bound to boto3's member of that exact spelling through
  the service's botocore model, at every depth; one that names no member is refused with an
  error naming it (``<Service>.UnsupportedParameterException``), where botocore would drop it
  or fail it on its own terms. Timestamps are RFC 3339 strings, as a state's JSON data holds
  them.
* Errors: an AWS error is raised as ``<Service>.<Code>Exception`` (``Rds.ThrottlingException``),
  the integration's naming, which Lambda reports as the task's error name (``errorType``),
  so a ``Retry`` on throttling matches; a Region that does not answer is
  ``<Service>.SdkClientException``, as the SDK for Java v2 names a client-side failure.
* A Lambda function invoked with ``"Integration": "optimized"`` answers as the optimized
  ``lambda:invoke`` task does: its payload parsed, its error the task's error.
* Accounts: ``RoleArn`` in the event is assumed first (a plan's ``accounts:`` role), as a
  task's ``Credentials`` field would be.
* Endpoints: ``Endpoints`` (a list of ``{"Region", "Url"}``) sends the call to each in turn
  until one answers, for APIs served by their own endpoints (the Route 53 ARC cluster's five
  Regional endpoints: "try each endpoint in turn",
  https://docs.aws.amazon.com/r53recovery/latest/dg/routing-control.update.api.html). An
  endpoint that does not answer, answers with a server error or says it is temporarily
  unavailable is skipped; any other error is the call's.
* Pages: ``"Paginate": true`` answers every page of a listing as one (the integration gives
  one page; a routing control may be on any).

It imports nothing from drctl (it runs alone in Lambda's Python runtime, which ships boto3),
and is the code the sandbox runs when a state machine invokes the proxy.
"""

from __future__ import annotations

import base64
import datetime
import json
import re
from collections.abc import Callable
from typing import Any

HANDLER = "drctl_region_proxy.handler"  # the module's name in the deployed zip
# Step Functions' service names (the SDK for Java v2's) -> boto3's, where they differ.
BOTO_NAMES = {
    "applicationautoscaling": "application-autoscaling",
    "eventbridge": "events",
    "route53recoverycluster": "route53-recovery-cluster",
    "route53recoverycontrolconfig": "route53-recovery-control-config",
    "sfn": "stepfunctions",
}
# Client-side failures: the call never got an answer (a Region or endpoint that is down).
_UNANSWERED = (
    "EndpointConnectionError",
    "ConnectTimeoutError",
    "ReadTimeoutError",
    "ConnectionClosedError",
)
# An ARC cluster has five endpoints; with one try each, every one may time out within the
# function's 60 s timeout (drctl.aws.stepfunctions.PROXY_TIMEOUT_SECONDS): 5 x (3 + 8) s.
ENDPOINT_CONNECT_SECONDS = 3
ENDPOINT_READ_SECONDS = 8
# With several endpoints, answers that say "not here, not now" send the call to the next one;
# an answer about the request itself (a safety rule, a bad ARN) would be the same elsewhere.
_TRY_ELSEWHERE = frozenset({"EndpointTemporarilyUnavailableException", "ThrottlingException"})
_CAMEL = re.compile(r"((?<=[a-z0-9])[A-Z]|(?!^)[A-Z](?=[a-z]))")

# (boto3 service, Region, credentials or None, endpoint URL or None) -> a client
ClientFactory = Callable[[str, str, dict[str, str] | None, str | None], Any]


def sfn_member_name(name: str) -> str:
    """Step Functions' spelling of a botocore member name: the SDK for Java v2's field name
    with its first letter upper-cased.

    The SDK for Java v2 names a member's field with its code generator's ``unCapitalize``
    (aws-sdk-java-v2, codegen ``internal/Utils.java``): the leading run of capitals is
    lower-cased, except a capital that a lower-case letter follows, which starts the next
    word. So ``DBInstanceIdentifier`` -> ``dbInstanceIdentifier`` -> ``DbInstanceIdentifier``,
    ``BOOL`` -> ``Bool``, ``SSESpecification`` -> ``SseSpecification``, while capitals past the
    first word stay: ``SourceDBInstanceIdentifier``, ``MultiAZ``. AWS's own CloudFormation RDS
    provider (SDK for Java v2) calls ``.sourceDBInstanceIdentifier(..).multiAZ(..)``.
    """
    end = 1
    while (
        end < len(name)
        and name[end].isupper()
        and not (end + 1 < len(name) and name[end + 1].islower())
    ):
        end += 1
    return name[:1].upper() + name[1:end].lower() + name[end:]


def sfn_cased(name: str) -> str:
    """Step Functions' spelling of an error code in an error name, as the SDK for Java v2
    names its exception classes (word by word): ``DBInstanceNotFound`` -> ``DbInstanceNotFound``
    (``Rds.DbInstanceNotFoundException``). Member names are :func:`sfn_member_name`'s."""
    snake = _CAMEL.sub(r"_\1", name).replace("__", "_").lower()
    return "".join(part.title() for part in snake.split("_"))


class UnsupportedParameter(Exception):
    """A parameter that names no member of the request's shape at its place."""

    def __init__(self, field: str, where: str, members: list[str]) -> None:
        self.field = field
        self.where = where
        alike = [m for m in members if m.lower() == field.lower()]
        hint = f'Step Functions spells it "{alike[0]}"' if alike else "its members: "
        if not alike:
            hint += ", ".join(members) if members else "none"
        super().__init__(
            f'The field "{field}" is not supported by Step Functions at {where} ({hint})'
        )


def members_by_sfn_name(shape: Any) -> dict[str, str]:
    """A structure shape's members, by Step Functions' spelling -> botocore's."""
    return {sfn_member_name(m): m for m in shape.members}


def error_class(name: str) -> type[Exception]:
    """An exception class named ``name``: Lambda's Python runtime reports a raised
    exception's class name as ``errorType``, which Step Functions uses as the error name."""
    return type(name, (Exception,), {})


def to_boto(value: Any, shape: Any, where: str = "Parameters") -> Any:
    """``value`` with its member names bound to ``shape``'s by their exact Step Functions
    spelling; a name that is no member raises :class:`UnsupportedParameter`."""
    if shape is None:
        return value
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        members = members_by_sfn_name(shape)
        bound: dict[str, Any] = {}
        for key, item in value.items():
            member = members.get(str(key))
            if member is None:
                raise UnsupportedParameter(str(key), where, sorted(members))
            bound[member] = to_boto(item, shape.members[member], f"{where}.{key}")
        return bound
    if kind == "list" and isinstance(value, list):
        return [to_boto(item, shape.member, f"{where}[{i}]") for i, item in enumerate(value)]
    if kind == "map" and isinstance(value, dict):
        return {k: to_boto(v, shape.value, f"{where}.{k}") for k, v in value.items()}
    # JSON given where the API takes text or bytes (a Lambda Payload): sent as JSON text.
    if kind == "string" and not isinstance(value, str):
        return json.dumps(value, separators=(",", ":"))
    if kind == "blob" and not isinstance(value, str | bytes):
        return json.dumps(value, separators=(",", ":")).encode()
    return value


def bind_request(parameters: dict[str, Any], shape: Any) -> dict[str, Any]:
    """A task's parameters as boto3's keyword arguments for an operation whose input shape
    is ``shape`` (None: the operation takes none, so any parameter is unsupported)."""
    if shape is None:
        if parameters:
            raise UnsupportedParameter(str(next(iter(parameters))), "Parameters", [])
        return {}
    bound: dict[str, Any] = to_boto(parameters, shape)
    return bound


def to_sfn(value: Any, shape: Any) -> Any:
    """An answer as Step Functions hands it to a state: its names re-spelled, its times RFC
    3339 strings, its blobs base64."""
    if isinstance(value, datetime.datetime):
        when = value if value.tzinfo else value.replace(tzinfo=datetime.UTC)
        return when.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode()
    if hasattr(value, "read"):  # a streaming body
        return value.read().decode()
    kind = getattr(shape, "type_name", None)
    if isinstance(value, dict):
        if kind == "structure":
            return {
                sfn_member_name(k): to_sfn(v, shape.members.get(k))
                for k, v in value.items()
                if k != "ResponseMetadata"
            }
        inner = shape.value if kind == "map" else None
        return {k: to_sfn(v, inner) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list):
        inner = shape.member if kind == "list" else None
        return [to_sfn(item, inner) for item in value]
    return value


def _operation(client: Any, action: str, prefix: str) -> Any:
    """The botocore operation model of ``action`` (``describeDBInstances``)."""
    model = client.meta.service_model
    for name in model.operation_names:
        if name.lower() == action.lower():
            return model.operation_model(name)
    raise error_class(f"{prefix}.UnknownOperationException")(
        f"{model.service_name} has no action {action!r} in the function's SDK"
    )


def _method(operation_name: str) -> str:
    return _CAMEL.sub(r"_\1", operation_name).replace("__", "_").lower()


def call(event: dict[str, Any], make_client: ClientFactory) -> Any:
    """Make the call ``event`` describes and answer as the AWS SDK integration would."""
    service = str(event["Service"])
    region = str(event["Region"])
    prefix = str(event.get("ErrorPrefix") or service[:1].upper() + service[1:])
    boto_name = BOTO_NAMES.get(service, service)
    credentials = None
    role = event.get("RoleArn")
    if role:
        sts = make_client("sts", region, None, None)
        answer = sts.assume_role(RoleArn=role, RoleSessionName="drctl-region-proxy")
        found = answer["Credentials"]
        credentials = {
            "aws_access_key_id": found["AccessKeyId"],
            "aws_secret_access_key": found["SecretAccessKey"],
            "aws_session_token": found["SessionToken"],
        }
    targets = [
        (str(e.get("Region") or region), e.get("Url")) if isinstance(e, dict) else (region, e)
        for e in (event.get("Endpoints") or [None])
    ]
    last: Exception | None = None
    for where, endpoint in targets:
        client = make_client(boto_name, where, credentials, endpoint)
        operation = _operation(client, str(event["Action"]), prefix)
        try:
            parameters = bind_request(event.get("Parameters") or {}, operation.input_shape)
        except UnsupportedParameter as exc:
            raise error_class(f"{prefix}.UnsupportedParameterException")(
                f"{service}:{event['Action']}: {exc}"
            ) from None
        method = _method(operation.name)
        try:
            if event.get("Paginate") and client.can_paginate(method):
                answer = client.get_paginator(method).paginate(**parameters).build_full_result()
            else:
                answer = getattr(client, method)(**parameters)
        except Exception as exc:
            last = exc
            if type(exc).__name__ in _UNANSWERED:
                continue  # the next endpoint, if any
            error = getattr(exc, "response", {}).get("Error", {})
            code = error.get("Code")
            if not code:
                raise
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")  # type: ignore[attr-defined]
            if len(targets) > 1 and ((status or 0) >= 500 or code in _TRY_ELSEWHERE):
                continue  # this endpoint is unavailable; another may answer
            name = sfn_cased(str(code))
            name = name if name.endswith("Exception") else f"{name}Exception"
            raise error_class(f"{prefix}.{name}")(str(error.get("Message") or exc)) from None
        result = to_sfn(answer, operation.output_shape)
        if event.get("Integration") == "optimized" and operation.name == "Invoke":
            return _as_lambda_task(result)
        return result
    where = ", ".join(f"{r} {u}" if u else r for r, u in targets)
    raise error_class(f"{prefix}.SdkClientException")(
        f"{service}:{event['Action']} got no answer from {where}: {last}"
    )


def _as_lambda_task(result: dict[str, Any]) -> dict[str, Any]:
    """An Invoke answer as the optimized ``lambda:invoke`` task gives it: the payload parsed
    as JSON, and a function error raised under the function's own error type."""
    text = result.get("Payload")
    try:
        payload = json.loads(text) if text else None
    except ValueError:
        payload = text
    if result.get("FunctionError"):
        kind = payload.get("errorType") if isinstance(payload, dict) else None
        message = payload.get("errorMessage") if isinstance(payload, dict) else payload
        raise error_class(str(kind or "Exception"))(str(message))
    return {**result, "Payload": payload}


def _boto3_client(
    service: str, region: str, credentials: dict[str, str] | None, endpoint: str | None
) -> Any:
    import boto3
    from botocore.config import Config

    if endpoint is None:  # one Region: botocore's standard retries (3 tries, 5 s to connect)
        config = Config(connect_timeout=5, read_timeout=30, retries={"mode": "standard"})
    else:  # one of several endpoints tried in turn: one try each, so five fit in the timeout
        config = Config(
            connect_timeout=ENDPOINT_CONNECT_SECONDS,
            read_timeout=ENDPOINT_READ_SECONDS,
            retries={"mode": "standard", "total_max_attempts": 1},
        )
    return boto3.client(
        service, region_name=region, endpoint_url=endpoint, config=config, **(credentials or {})
    )


def handler(event: dict[str, Any], context: Any) -> Any:
    """Lambda's entry point."""
    return call(event, _boto3_client)
