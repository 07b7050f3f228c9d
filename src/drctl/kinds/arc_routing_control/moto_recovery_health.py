"""Route 53 ``RECOVERY_CONTROL`` health checks, whose status is a routing control's state.

moto accepts ``Type: RECOVERY_CONTROL`` but drops ``RoutingControlArn`` and reports every check
healthy. On AWS (Route 53 API reference, ``HealthCheckConfig.RoutingControlArn``; ARC developer
guide, "Routing control health checks") such a check is not probed at all: it is healthy while
its routing control is ``On`` and unhealthy while it is ``Off``, and that is how a failover
record set follows a routing control without any Route 53 API call.

This module patches only what concerns those checks:

* ``CreateHealthCheck`` keeps ``RoutingControlArn`` (and refuses a ``RECOVERY_CONTROL`` check
  without one with ``InvalidInput``, as the API reference requires the field for that type);
* ``HealthCheckConfig`` reports ``RoutingControlArn`` and none of the probing fields;
* the health Route 53 acts on (``GetHealthCheckStatus`` and the DNS answers derived in the
  ``route53-record`` kind's extension) follows the routing control's state; a check bound to a
  routing control that no longer exists reads unhealthy. Other check types are untouched.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, Final

from drctl.kinds.sandboxing import PatchSet

__all__ = ["RECOVERY_CONTROL", "install", "is_installed", "uninstall"]

RECOVERY_CONTROL: Final = "RECOVERY_CONTROL"
_ATTR: Final = "routing_control_arn"
_PROBE_FIELDS: Final = (
    "IPAddress",
    "Port",
    "RequestInterval",
    "FailureThreshold",
    "MeasureLatency",
    "ResourcePath",
    "FullyQualifiedDomainName",
    "SearchString",
    "EnableSNI",
    "Regions",
    "ChildHealthChecks",
)

_patches = PatchSet()


def _create_health_check(original: Callable[..., Any]) -> Callable[..., Any]:
    def create_health_check(self: Any) -> Any:
        from moto.route53.exceptions import InvalidInput

        config = self._get_param("HealthCheckConfig") or {}
        arn = config.get("RoutingControlArn")
        if config.get("Type") == RECOVERY_CONTROL and not arn:
            raise InvalidInput("A RECOVERY_CONTROL health check requires RoutingControlArn.")
        result = original(self)
        if config.get("Type") == RECOVERY_CONTROL:
            caller = self._get_param("CallerReference")
            for health_check in self.backend.health_checks.values():
                if health_check.caller_reference == caller:
                    setattr(health_check, _ATTR, arn)
        return result

    return create_health_check


def _config_property(original: property) -> property:
    def health_check_config(self: Any) -> dict[str, Any]:
        assert original.fget is not None
        config: dict[str, Any] = dict(original.fget(self))
        if self.type_ == RECOVERY_CONTROL:
            for name in _PROBE_FIELDS:
                config.pop(name, None)
            config["RoutingControlArn"] = getattr(self, _ATTR, None)
        return config

    return property(health_check_config)


def _healthy(original: Callable[[Any], bool]) -> Callable[[Any], bool]:
    def health_check_is_healthy(health_check: Any) -> bool:
        if health_check.type_ != RECOVERY_CONTROL:
            return original(health_check)
        from drctl.kinds.arc_routing_control.moto_arc import routing_control_state

        arn = getattr(health_check, _ATTR, None)
        base = arn is not None and routing_control_state(arn) == "On"
        return not base if health_check.inverted else base

    return health_check_is_healthy


def _observations(
    original: Callable[[Any], list[dict[str, Any]]], healthy: Callable[[Any], bool]
) -> Callable[[Any], list[dict[str, Any]]]:
    """Every checker reports the routing control's state at once: nothing is probed, so
    there is no interval x threshold to wait for (unlike an endpoint check)."""

    def observations_for(health_check: Any) -> list[dict[str, Any]]:
        observations = original(health_check)
        if health_check.type_ != RECOVERY_CONTROL:
            return observations
        ok = healthy(health_check)
        text = "Success: the routing control is On" if ok else "Failure: the routing control is Off"
        for observation in observations:
            observation["StatusReport"] = {**observation["StatusReport"], "Status": text}
        return observations

    return observations_for


def install() -> None:
    """Patch moto's Route 53 for ``RECOVERY_CONTROL`` checks; idempotent."""
    if _patches.active:
        return
    from moto.route53.models import HealthCheck
    from moto.route53.responses import Route53

    # The health Route 53 acts on is derived in the route53-record kind's extension; it is
    # found through the registry (kinds do not import each other), and patched at its one
    # derivation function so GetHealthCheckStatus and TestDNSAnswer both follow the control.
    from drctl.kinds.registry import module_for

    moto_health = importlib.import_module(f"{module_for('route53-record')}.moto_health")

    _patches.replace(
        Route53, "create_health_check", _create_health_check(Route53.create_health_check)
    )
    _patches.replace(
        HealthCheck,
        "health_check_config",
        _config_property(vars(HealthCheck)["health_check_config"]),
    )
    # moto_health derives the status and the DNS answers through this one function.
    healthy = _healthy(moto_health.health_check_is_healthy)
    _patches.replace(moto_health, "health_check_is_healthy", healthy)
    # GetHealthCheckStatus reports per checker (observations_for): those follow it too.
    _patches.replace(
        moto_health, "observations_for", _observations(moto_health.observations_for, healthy)
    )


def uninstall() -> None:
    _patches.restore_all()


def is_installed() -> bool:
    return _patches.active
