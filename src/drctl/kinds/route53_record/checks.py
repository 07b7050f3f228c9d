"""Readiness of a Route 53 failover record: zone, PRIMARY/SECONDARY records, an enabled health
check that Route 53 reports healthy.
"""

from __future__ import annotations

from drctl.engine.context import RunContext
from drctl.engine.step import (
    Check,
    CheckResult,
    failed,
    passed,
    warned,
)
from drctl.kinds.route53_record import api
from drctl.kinds.route53_record.traffic import (
    NAME,
    _health_check,
    _records,
    _zone,
    _zone_label,
)
from drctl.kinds.steps import check_maker
from drctl.plan.durations import format_seconds
from drctl.plan.models import Route53Record

# Kinds that move traffic with data-plane calls (named, not imported: kinds stay apart).
DATA_PLANE_TRAFFIC_KINDS = frozenset({"arc-routing-control", "global-accelerator"})


def checks(res: Route53Record, ctx: RunContext) -> list[Check]:
    rto = ctx.objectives.rto_seconds

    def zone() -> CheckResult:
        found = _zone(res, ctx)
        if found is None:
            return failed(f"hosted zone {_zone_label(res)} not found")
        return passed(f"hosted zone {found['Name']} ({api.zone_id_of(found)})")

    def records() -> CheckResult:
        if _zone(res, ctx) is None:
            return failed(f"hosted zone {_zone_label(res)} not found")
        found = _records(res, ctx)
        missing = [r for r in ("PRIMARY", "SECONDARY") if r not in found]
        if missing:
            return failed(f"{res.record} has no {' or '.join(missing)} failover record")
        kinds = {r["Type"] for r in found.values()}
        return passed(f"{res.record} PRIMARY and SECONDARY {'/'.join(sorted(kinds))} records")

    def health_check() -> CheckResult:
        primary = _records(res, ctx).get("PRIMARY")
        if primary is None:
            return failed(f"{res.record} has no PRIMARY failover record")
        if not primary.get("HealthCheckId"):
            if api.evaluates_target_health(primary):
                return failed(
                    "the PRIMARY alias evaluates its target's health, so Route 53 fails over when "
                    "the target fails, but it has no health check: drctl cannot force a planned "
                    "failover (attach a health check to the PRIMARY record; drctl inverts it)"
                )
            return failed("the PRIMARY record has no health check: Route 53 would never fail over")
        config = (_health_check(res, ctx) or {}).get("HealthCheckConfig")
        if config is None:
            return failed(f"health check {primary['HealthCheckId']} does not exist")
        if config.get("Disabled"):
            return failed(
                "the PRIMARY health check is disabled: Route 53 counts a disabled check "
                "as healthy, so it would never fail over"
            )
        if config.get("Inverted"):
            return failed(
                "the PRIMARY health check is inverted: traffic is forced to SECONDARY "
                "(a failover is in effect)"
            )
        alias = (
            ", and the alias evaluates its target's health"
            if api.evaluates_target_health(primary)
            else ""
        )
        return passed(
            f"health check {primary['HealthCheckId']} ({config.get('Type')}) enabled{alias}"
        )

    def detection_time() -> CheckResult:
        hc = _health_check(res, ctx)
        if hc is None:
            return failed("no PRIMARY health check to time")
        config = hc["HealthCheckConfig"]
        primary = _records(res, ctx).get("PRIMARY") or {}
        detect = api.detection_seconds(config)
        ttl = int(primary.get("TTL", 0))
        total = detect + ttl
        text = (
            f"detection {detect}s ({config.get('RequestInterval', 30)}s x "
            f"{config.get('FailureThreshold', 3)}) + TTL {ttl}s = {total}s"
        )
        if total > rto:
            return failed(f"{text} exceeds the RTO of {format_seconds(rto)}", total, rto)
        return passed(f"{text} within the RTO of {format_seconds(rto)}", total, rto)

    def primary_status() -> CheckResult:
        hc = _health_check(res, ctx)
        if hc is None:
            return failed("no PRIMARY health check")
        observations = api.checker_observations(ctx.client("route53", "global"), hc["Id"])
        fraction = api.healthy_fraction(observations)
        text = f"{round(fraction * len(observations))}/{len(observations)} checkers healthy"
        if api.is_reported_healthy(observations):
            return passed(f"PRIMARY endpoint reported healthy ({text})", fraction)
        return warned(
            f"PRIMARY endpoint reported failing ({text}): Route 53 is serving SECONDARY",
            fraction,
        )

    def control_plane() -> CheckResult:
        data_plane = [r.name for r in ctx.plan.resources if r.kind in DATA_PLANE_TRAFFIC_KINDS]
        if data_plane:
            return passed(f"traffic also moves through the data plane ({', '.join(data_plane)})")
        return warned(
            "traffic moves only through the Route 53 control plane (UpdateHealthCheck, hosted "
            "in us-east-1): in a us-east-1 event failover may not be able to move it at all. "
            "Use arc-routing-control (or global-accelerator) to move it on a data plane"
        )

    check = check_maker(res.name, NAME, f"{res.name} (route53 {res.record})")

    return [
        check("zone", "hosted zone exists", zone),
        check("failover-records", "PRIMARY and SECONDARY failover records", records),
        check("health-check", "PRIMARY has an enabled, non-inverted health check", health_check),
        check(
            "detection-time",
            "health-check detection time plus TTL within the RTO",
            detection_time,
        ),
        check("primary-health", "PRIMARY endpoint currently healthy", primary_status),
        check(
            "control-plane",
            "traffic does not depend on the Route 53 control plane alone",
            control_plane,
        ),
    ]
