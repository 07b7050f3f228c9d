"""Synchronous Lambda invocations without Docker.

moto runs a function's code in a Docker container (``Invoke`` fails without one); its
``use_docker: False`` backend answers every invocation of every function with one queue of
canned strings. Neither fits a sandbox that must show a custom step's check, run and verify
change and read AWS state.

What AWS does (Lambda API reference, ``Invoke``,
https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html): ``RequestResponse`` runs the
function and returns what it returned as ``Payload`` (JSON); when the function raises, the
status is still 200, ``X-Amz-Function-Error: Unhandled`` is set and the payload is
``{"errorMessage", "errorType"}``; ``LogType: Tail`` returns the last 4 KB of the execution log
base64-encoded in ``X-Amz-Log-Result``; an unknown function is ``ResourceNotFoundException``.

What the sandbox does: the same responses, but no code runs. A function's behaviour is read
from its environment variables, the sandbox's stand-in for code:

* ``DRCTL_SANDBOX_ERROR``: the function raises with that message (``Unhandled``);
* ``DRCTL_SANDBOX_PARAMETER`` + ``DRCTL_SANDBOX_PUT``: it writes that value to that SSM
  parameter of its Region (what a team's "switch the feature flag" function does) and returns
  ``{"parameter": ..., "value": ...}``;
* ``DRCTL_SANDBOX_PARAMETER`` + ``DRCTL_SANDBOX_EXPECT``: it returns ``true`` when the parameter
  holds that value, else ``false`` (a check or verify function);
* anything else returns ``null``, as a handler without a return statement does.

One function's code does run: drctl's Region proxy (handler
``drctl_region_proxy.handler``, :mod:`drctl.aws.region_proxy`), through which an exported
state machine calls other Regions. Its deployed package is read back from the function and
run in-process, with clients that reach the sandbox (as moto's Step Functions tasks' do): the
code AWS would run is the code tested. An exception it raises is reported under its class
name (``errorType``), as Lambda's Python runtime does.
"""

from __future__ import annotations

import base64
import functools
import io
import json
import types
import uuid
import zipfile
from typing import Any

from drctl.aws import region_proxy
from drctl.kinds.sandboxing import PatchSet

__all__ = ["install", "is_installed", "uninstall"]

LOG_TAIL_BYTES = 4096

_patches = PatchSet()


def behave(fn: Any, event: Any) -> tuple[Any, str | None, list[str]]:
    """(returned value, error message or None, printed lines) of one invocation of ``fn``."""
    from moto.ssm.models import ssm_backends

    env: dict[str, str] = dict(getattr(fn, "environment_vars", {}) or {})
    error = env.get("DRCTL_SANDBOX_ERROR")
    if error:
        return None, error, [f"raising: {error}"]
    parameter = env.get("DRCTL_SANDBOX_PARAMETER")
    if not parameter:
        return None, None, [f"event: {json.dumps(event, sort_keys=True)}"]
    ssm = ssm_backends[fn.account_id][fn.region]
    if "DRCTL_SANDBOX_PUT" in env:
        value = env["DRCTL_SANDBOX_PUT"]
        ssm.put_parameter(parameter, "", value, "String", "", "", True, [], "text", None, None)
        return {"parameter": parameter, "value": value}, None, [f"put {parameter}={value}"]
    found = ssm.get_parameter(parameter)
    current = found.value if found is not None else None
    expected = env.get("DRCTL_SANDBOX_EXPECT")
    return current == expected, None, [f"{parameter} is {current!r}, want {expected!r}"]


def _run_region_proxy(fn: Any, event: Any) -> tuple[Any, str | None, str, list[str]]:
    """(answer, error message or None, error type, printed lines) of the proxy's deployed
    code handling ``event``."""
    module = _deployed_module(bytes(fn.code_bytes))
    try:
        return module.call(event, _sandbox_client), None, "", [f"called {_what(event)}"]
    except Exception as exc:
        return None, str(exc), type(exc).__name__, [f"{_what(event)}: {exc}"]


def _what(event: Any) -> str:
    if not isinstance(event, dict):
        return "?"
    return f"{event.get('Service')}:{event.get('Action')} in {event.get('Region')}"


@functools.cache
def _deployed_module(package: bytes) -> types.ModuleType:
    """The proxy module as deployed (its package's ``drctl_region_proxy.py``)."""
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        source = archive.read(region_proxy.HANDLER.split(".")[0] + ".py")
    module = types.ModuleType("drctl_region_proxy")
    exec(compile(source, "drctl_region_proxy.py", "exec"), module.__dict__)
    return module


def _sandbox_client(
    service: str, region: str, credentials: dict[str, str] | None, endpoint: str | None
) -> Any:
    """A client as the proxy makes one, that reaches the sandbox: intercepted in-process,
    or sent to the moto server this runs in (the way moto's own Step Functions tasks are)."""
    import boto3
    from botocore.config import Config
    from moto.core.models import botocore_stubber
    from moto.settings import moto_server_port

    keys = credentials or {"aws_access_key_id": "ak", "aws_secret_access_key": "sk"}
    if endpoint is None and not botocore_stubber.enabled:
        endpoint = f"http://localhost:{moto_server_port()}"
    config = Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=30)
    return boto3.client(service, region_name=region, endpoint_url=endpoint, config=config, **keys)


def _invoke(
    backend: Any,
    function_name: str,
    qualifier: str | None,
    body: Any,
    headers: Any,
    response_headers: Any,
) -> bytes:
    fn = backend.get_function(function_name, qualifier)  # ResourceNotFoundException
    try:
        event = json.loads(body) if body else {}
    except ValueError:
        from moto.awslambda.exceptions import LambdaClientError

        raise LambdaClientError(
            "InvalidRequestContentException", "Could not parse request body into json"
        ) from None
    request_id = str(uuid.uuid4())
    error_type = "Exception"
    if getattr(fn, "handler", None) == region_proxy.HANDLER:
        value, error, error_type, printed = _run_region_proxy(fn, event)
    else:
        value, error, printed = behave(fn, event)
    log = "\n".join(
        [
            f"START RequestId: {request_id} Version: $LATEST",
            *printed,
            f"END RequestId: {request_id}",
        ]
    )
    response_headers["x-amz-log-result"] = base64.b64encode(log.encode()[-LOG_TAIL_BYTES:]).decode()
    response_headers["x-amz-executed-version"] = "$LATEST"
    if error is not None:
        response_headers["x-amz-function-error"] = "Unhandled"
        return json.dumps({"errorMessage": error, "errorType": error_type}).encode()
    return json.dumps(value).encode()


def install() -> None:
    """Patch moto's Lambda backend; idempotent."""
    if _patches.active:
        return
    from moto.awslambda.models import LambdaBackend

    _patches.replace(LambdaBackend, "invoke", _invoke)


def uninstall() -> None:
    _patches.restore_all()


def is_installed() -> bool:
    return _patches.active
