"""Readiness of a Global Accelerator failover: the accelerator is enabled and deployed, the
listener and both endpoint groups exist, their health checks detect a failure within the RTO,
the dials say primary serving, and DR has healthy endpoints to take the traffic.

The time to detect matters even though drctl moves the dials itself: Global Accelerator fails
over on its own when a group has no healthy endpoint (whatever its dial), and it finds an
endpoint unhealthy only after ``ThresholdCount`` failed checks, one every
``HealthCheckIntervalSeconds``.
"""

from __future__ import annotations

from typing import Any

from drctl.engine.context import RunContext
from drctl.engine.step import Check, CheckResult, failed, passed, warned
from drctl.errors import DrctlError
from drctl.kinds.global_accelerator import api, dial
from drctl.kinds.steps import check_maker
from drctl.plan.durations import format_seconds
from drctl.plan.models import GlobalAccelerator


def checks(res: GlobalAccelerator, ctx: RunContext) -> list[Check]:
    primary_region, dr_region = dial.regions(res, ctx)

    def both() -> tuple[Any, Any] | str:
        try:
            return dial.pair(res, ctx, dial.groups(res, ctx))
        except DrctlError as exc:
            return str(exc).split(": ", 1)[-1]

    def accelerator() -> CheckResult:
        found = api.accelerator(api.client(ctx.sessions), res.accelerator)
        if found is None:
            return failed(f"accelerator {res.accelerator} not found")
        if not found.get("Enabled"):
            return failed(f"accelerator {found.get('Name')} is disabled: it routes no traffic")
        if found.get("Status") != "DEPLOYED":
            return warned(
                f"accelerator {found.get('Name')} is {found.get('Status')}: a change is "
                "still deploying"
            )
        return passed(f"accelerator {found.get('Name')} enabled and DEPLOYED")

    def listener() -> CheckResult:
        ga = api.client(ctx.sessions)
        if api.accelerator(ga, res.accelerator) is None:
            return failed(f"accelerator {res.accelerator} not found")
        found = api.listener_exists(ga, res.accelerator, res.listener)
        if found is None:
            return failed(f"listener {res.listener} is not a listener of the accelerator")
        ports = ", ".join(f"{p['FromPort']}-{p['ToPort']}" for p in found.get("PortRanges", []))
        return passed(f"listener {found.get('Protocol')} {ports}")

    def endpoint_groups() -> CheckResult:
        found = both()
        if isinstance(found, str):
            return failed(found)
        return passed(f"endpoint groups in {primary_region} (primary) and {dr_region} (DR)")

    def health_checks() -> CheckResult:
        found = both()
        if isinstance(found, str):
            return failed(found)
        rto = ctx.objectives.rto_seconds
        detect = {}
        for region, group in zip((primary_region, dr_region), found, strict=True):
            interval = int(group.get("HealthCheckIntervalSeconds", 30))
            threshold = int(group.get("ThresholdCount", 3))
            detect[region] = (interval * threshold, f"{interval} s x {threshold}")
        slowest = max(seconds for seconds, _ in detect.values())
        text = "; ".join(f"{r}: {s} s ({how})" for r, (s, how) in detect.items())
        if slowest > rto:
            return failed(
                f"an unhealthy endpoint is detected only after {text}: over the RTO of "
                f"{format_seconds(rto)}",
                slowest,
                rto,
            )
        return passed(
            f"time to detect an unhealthy endpoint {text}, within the RTO of {format_seconds(rto)}",
            slowest,
            rto,
        )

    def serving() -> CheckResult:
        found = both()
        if isinstance(found, str):
            return failed(found)
        dials = {
            primary_region: float(found[0]["TrafficDialPercentage"]),
            dr_region: float(found[1]["TrafficDialPercentage"]),
        }
        text = dial.dials_text(res, ctx, dials)
        weighted = [w for w in api.weights(found[0]).values() if w > 0]
        if res.move == "weights" and found[0].get("EndpointDescriptions") and not weighted:
            return warned(
                f"DR serving (a failover by weights is in effect): every {primary_region} "
                f"endpoint has weight 0; {text}"
            )
        if dials == {primary_region: dial.FULL, dr_region: float(res.dr_traffic_dial)}:
            return passed(f"primary serving: {text}")
        if dials == {primary_region: 0.0, dr_region: dial.FULL}:
            return warned(f"DR serving (a failover is in effect): {text}")
        return failed(
            f"dials {text}: neither primary serving (primary 100%, DR "
            f"{res.dr_traffic_dial:g}%) nor DR serving (primary 0%, DR 100%)"
        )

    def dr_endpoints() -> CheckResult:
        found = both()
        if isinstance(found, str):
            return failed(found)
        group = found[1]
        healthy = api.healthy_endpoints(group)
        text = api.health_text(group)
        if healthy:
            return passed(f"{len(healthy)} healthy endpoint(s) in {dr_region}: {text}")
        if any(e.get("HealthState") == "INITIAL" for e in group.get("EndpointDescriptions", [])):
            return warned(f"{dr_region} endpoints are still being checked: {text}")
        return failed(f"no healthy endpoint in {dr_region} to take the traffic: {text}")

    check = check_maker(res.name, dial.NAME, f"{res.name} (global accelerator)")
    return [
        check("accelerator", "accelerator enabled and DEPLOYED", accelerator),
        check("listener", "the listener exists on the accelerator", listener),
        check("endpoint-groups", "primary and DR endpoint groups exist", endpoint_groups),
        check(
            "health-checks",
            "health checks detect an unhealthy endpoint within the RTO",
            health_checks,
        ),
        check("primary-serving", "traffic dials say primary serving", serving),
        check("dr-endpoints", "DR endpoints are healthy", dr_endpoints),
    ]
