"""Every EventBridge call of the ``eventbridge-rules`` kind: rules described, their targets
listed, and rules enabled or disabled."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from drctl.aws.errors import is_not_found


def describe_rule(events: Any, name: str, bus: str) -> dict[str, Any] | None:
    try:
        return dict(events.describe_rule(Name=name, EventBusName=bus))
    except ClientError as exc:
        if is_not_found(exc, "ResourceNotFoundException"):
            return None
        raise


def targets(events: Any, name: str, bus: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"Rule": name, "EventBusName": bus}
        if token:
            kwargs["NextToken"] = token
        page = events.list_targets_by_rule(**kwargs)
        found.extend(dict(t) for t in page.get("Targets", []))
        token = page.get("NextToken")
        if not token:
            return found


def enable(events: Any, name: str, bus: str) -> None:
    events.enable_rule(Name=name, EventBusName=bus)


def disable(events: Any, name: str, bus: str) -> None:
    events.disable_rule(Name=name, EventBusName=bus)


def list_rules(events: Any, bus: str) -> list[dict[str, Any]]:
    """The bus's rules in ListRules' own order, every page (the Step Functions export
    reads where each rule sits in that answer)."""
    found: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"EventBusName": bus}
    while True:
        page = events.list_rules(**kwargs)
        found.extend(dict(r) for r in page.get("Rules", []))
        if not page.get("NextToken"):
            return found
        kwargs["NextToken"] = page["NextToken"]


def is_enabled(rule: dict[str, Any]) -> bool:
    """``ENABLED`` and ``ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS`` both run the rule."""
    return str(rule.get("State", "")).startswith("ENABLED")
