"""Every Lambda call of the ``lambda-function`` kind: the alias and its code, the function's
event source mappings, reserved concurrency and the Region's concurrency quota."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from drctl.aws.errors import is_not_found

# "Lambda requires at least 100 unreserved concurrency" (Lambda Developer Guide, configuring
# reserved concurrency): a reservation that leaves less is refused.
UNRESERVED_FLOOR = 100


def alias_code(lambda_client: Any, function: str, alias: str) -> tuple[str, str] | None:
    """(version, CodeSha256) the alias points at, or None when function or alias is missing."""
    try:
        version = str(lambda_client.get_alias(FunctionName=function, Name=alias)["FunctionVersion"])
        config = lambda_client.get_function_configuration(FunctionName=function, Qualifier=version)
    except ClientError as exc:
        if is_not_found(exc, "ResourceNotFoundException"):
            return None
        raise
    return version, str(config.get("CodeSha256", ""))


def function_name_of(arn: str) -> str:
    """``arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]`` -> name."""
    parts = arn.split(":")
    return parts[6] if len(parts) > 6 else arn


def mappings(lambda_client: Any, function: str) -> list[dict[str, Any]]:
    """The Region's event source mappings that invoke ``function`` (any version or alias),
    by UUID order so both sides list them the same way."""
    found: list[dict[str, Any]] = []
    marker: str | None = None
    while True:
        kwargs: dict[str, Any] = {"Marker": marker} if marker else {}
        page = lambda_client.list_event_source_mappings(**kwargs)
        found.extend(
            dict(m)
            for m in page.get("EventSourceMappings", [])
            if function_name_of(str(m.get("FunctionArn", ""))) == function
        )
        marker = page.get("NextMarker")
        if not marker:
            return sorted(found, key=lambda m: str(m.get("UUID")))


def set_mapping(lambda_client: Any, uuid: str, enabled: bool) -> None:
    lambda_client.update_event_source_mapping(UUID=uuid, Enabled=enabled)


def reserved(lambda_client: Any, function: str) -> int | None:
    """The function's reserved concurrency; None when it has none."""
    value = lambda_client.get_function_concurrency(FunctionName=function).get(
        "ReservedConcurrentExecutions"
    )
    return None if value is None else int(value)


def reserve(lambda_client: Any, function: str, value: int | None) -> None:
    """Reserve ``value`` for the function, or remove its reservation (None)."""
    if value is None:
        lambda_client.delete_function_concurrency(FunctionName=function)
    else:
        lambda_client.put_function_concurrency(
            FunctionName=function, ReservedConcurrentExecutions=value
        )


def unreserved(lambda_client: Any) -> tuple[int, int]:
    """(quota, unreserved) concurrent executions of the Region (GetAccountSettings)."""
    limit = lambda_client.get_account_settings()["AccountLimit"]
    return int(limit["ConcurrentExecutions"]), int(limit["UnreservedConcurrentExecutions"])
