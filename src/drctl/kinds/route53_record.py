"""``route53-record``: a name with PRIMARY and SECONDARY failover records.

Readiness: the zone and both records exist, the PRIMARY has a health check that
is enabled and not inverted (a *disabled* health check is reported healthy by
Route 53 and so would never fail over), and the time Route 53 needs to notice an
outage (request interval x failure threshold) plus the record TTL fits inside
the RTO.

Failover forces traffic to the SECONDARY by inverting the PRIMARY's health
check (and enabling it, since a disabled check counts as healthy whatever its
inversion), then waits until Route 53 reports the check failing and, where it
can, answers with the SECONDARY's values.
"""

from __future__ import annotations

from typing import Any

from drctl.aws import route53
from drctl.engine.step import (
    Check,
    CheckResult,
    Phase,
    Precheck,
    Step,
    StepOutcome,
    Verification,
    failed,
    passed,
    warned,
)
from drctl.errors import AwsError
from drctl.kinds.base import KindContext, aws_check, aws_step
from drctl.kinds.registry import register
from drctl.plan.durations import format_seconds
from drctl.plan.models import Route53Record

KIND = "route53-record"


def _zone(res: Route53Record, ctx: KindContext) -> dict[str, Any] | None:
    return ctx.memo.get(
        ("r53", "zone", res.zone, res.zone_id),
        lambda: route53.find_zone(
            ctx.client("route53", "global"), name=res.zone, zone_id=res.zone_id
        ),
    )


def _records(res: Route53Record, ctx: KindContext) -> dict[str, dict[str, Any]]:
    zone = _zone(res, ctx)
    if zone is None:
        return {}
    return ctx.memo.get(
        ("r53", "records", res.record),
        lambda: route53.failover_records(
            ctx.client("route53", "global"), route53.zone_id_of(zone), res.record
        ),
    )


def _health_check(res: Route53Record, ctx: KindContext) -> dict[str, Any] | None:
    primary = _records(res, ctx).get("PRIMARY")
    hc_id = (primary or {}).get("HealthCheckId")
    if not hc_id:
        return None
    return ctx.memo.get(
        ("r53", "hc", hc_id),
        lambda: route53.get_health_check(ctx.client("route53", "global"), hc_id),
    )


def _zone_label(res: Route53Record) -> str:
    return res.zone or res.zone_id or "?"


@register(KIND)
class Route53RecordKind:
    def checks(self, res: Route53Record, ctx: KindContext) -> list[Check]:
        rto = ctx.objectives.rto_seconds

        def zone() -> CheckResult:
            found = _zone(res, ctx)
            if found is None:
                return failed(f"hosted zone {_zone_label(res)} not found")
            return passed(f"hosted zone {found['Name']} ({route53.zone_id_of(found)})")

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
                return failed(
                    "the PRIMARY record has no health check: Route 53 would never fail over"
                )
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
            return passed(f"health check {primary['HealthCheckId']} ({config.get('Type')}) enabled")

        def detection_time() -> CheckResult:
            hc = _health_check(res, ctx)
            if hc is None:
                return failed("no PRIMARY health check to time")
            config = hc["HealthCheckConfig"]
            primary = _records(res, ctx).get("PRIMARY") or {}
            detect = route53.detection_seconds(config)
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
            observations = route53.checker_observations(ctx.client("route53", "global"), hc["Id"])
            fraction = route53.healthy_fraction(observations)
            text = f"{round(fraction * len(observations))}/{len(observations)} checkers healthy"
            if route53.is_reported_healthy(observations):
                return passed(f"PRIMARY endpoint reported healthy ({text})", fraction)
            return warned(
                f"PRIMARY endpoint reported failing ({text}): Route 53 is serving SECONDARY",
                fraction,
            )

        def check(name: str, description: str, fn: Any) -> Check:
            return aws_check(
                resource=res.name,
                kind=KIND,
                name=name,
                description=description,
                where=f"{res.name} (route53 {res.record})",
                run=fn,
            )

        return [
            check("zone", "hosted zone exists", zone),
            check("failover-records", "PRIMARY and SECONDARY failover records", records),
            check(
                "health-check", "PRIMARY has an enabled, non-inverted health check", health_check
            ),
            check(
                "detection-time",
                "health-check detection time plus TTL within the RTO",
                detection_time,
            ),
            check("primary-health", "PRIMARY endpoint currently healthy", primary_status),
        ]

    def failover(self, res: Route53Record, ctx: KindContext) -> list[Step]:
        return [shift_traffic_step(res, ctx)]

    def failback(self, res: Route53Record, ctx: KindContext) -> list[Step]:
        from drctl.kinds.route53_failback import restore_traffic_step

        return [restore_traffic_step(res, ctx)]


def locate_failover(
    res: Route53Record, client: Any
) -> tuple[str, dict[str, dict[str, Any]], dict[str, Any]]:
    """The zone id, the PRIMARY/SECONDARY records and the PRIMARY's health check."""
    zone = route53.find_zone(client, name=res.zone, zone_id=res.zone_id)
    if zone is None:
        raise AwsError(f"{res.name}: hosted zone {_zone_label(res)} not found")
    zone_id = route53.zone_id_of(zone)
    records = route53.failover_records(client, zone_id, res.record)
    for role in ("PRIMARY", "SECONDARY"):
        if role not in records:
            raise AwsError(f"{res.name}: {res.record} has no {role} failover record")
    hc_id = records["PRIMARY"].get("HealthCheckId")
    if not hc_id:
        raise AwsError(f"{res.name}: the PRIMARY record of {res.record} has no health check")
    hc = route53.get_health_check(client, hc_id)
    if hc is None:
        raise AwsError(f"{res.name}: health check {hc_id} does not exist")
    return zone_id, records, hc


def answers_for(
    client: Any, res: Route53Record, zone_id: str, record: dict[str, Any]
) -> tuple[bool, list[str], list[str]]:
    """(Route 53 answers ``record``'s values, the answer, the expected values)."""
    expected = [r["Value"] for r in record.get("ResourceRecords", [])]
    if not expected:
        return True, [], []
    answer = route53.dns_answer(client, zone_id, res.record, record["Type"])
    return sorted(answer) == sorted(expected), answer, expected


def primary_health_check_id(res: Route53Record, ctx: KindContext) -> str:
    """The PRIMARY's health check id for the exact CLI line of a step; a placeholder
    when building offline (``plan show``) or when it cannot be read now."""
    if ctx.offline:
        return "<primary-health-check-id>"
    try:
        _, _, hc = ctx.memo.get(
            ("r53-locate", res.name),
            lambda: locate_failover(res, ctx.client("route53", "global")),
        )
        return str(hc["Id"])
    except Exception:
        return "<primary-health-check-id>"


def shift_traffic_step(res: Route53Record, ctx: KindContext) -> Step:
    client = ctx.client("route53", "global")

    def locate() -> tuple[str, dict[str, dict[str, Any]], dict[str, Any]]:
        return locate_failover(res, client)

    def precheck() -> Precheck:
        _, _, hc = locate()
        config = hc["HealthCheckConfig"]
        failing = not route53.is_reported_healthy(route53.checker_observations(client, hc["Id"]))
        target = "PRIMARY health check inverted and reported failing: traffic on SECONDARY"
        if config.get("Inverted") and not config.get("Disabled") and failing:
            return Precheck(True, "PRIMARY health check inverted and failing", target)
        state = (
            f"health check {hc['Id']} inverted={bool(config.get('Inverted'))} "
            f"disabled={bool(config.get('Disabled'))}, reported "
            f"{'failing' if failing else 'healthy'}"
        )
        return Precheck(False, state, target)

    def run() -> StepOutcome:
        _, _, hc = locate()
        config = hc["HealthCheckConfig"]
        previous = {
            "inverted": bool(config.get("Inverted")),
            "disabled": bool(config.get("Disabled")),
        }
        route53.set_health_check_inversion(
            client,
            hc["Id"],
            inverted=True,
            disabled=False,
            version=hc.get("HealthCheckVersion"),
        )
        return StepOutcome(
            detail=f"inverted PRIMARY health check {hc['Id']}",
            data={"health_check_id": hc["Id"], "previous": previous},
        )

    def verify() -> Verification:
        zone_id, records, hc = locate()
        observations = route53.checker_observations(client, hc["Id"])
        if route53.is_reported_healthy(observations):
            return Verification(False, "Route 53 still reports the PRIMARY healthy")
        ttl = int(records["PRIMARY"].get("TTL", 0))
        detail = (
            f"Route 53 reports PRIMARY failing ({len(observations)} checkers); "
            f"resolvers converge within TTL {ttl}s"
        )
        ok, answer, expected = answers_for(client, res, zone_id, records["SECONDARY"])
        if not expected:
            return Verification(True, detail)
        if not ok:
            return Verification(
                False,
                f"Route 53 answers {', '.join(answer) or 'nothing'}, not the SECONDARY's "
                f"{', '.join(expected)}",
            )
        return Verification(True, f"{detail}; answers {', '.join(answer)} (SECONDARY)")

    hc_hint = primary_health_check_id(res, ctx)
    return aws_step(
        resource=res.name,
        kind=KIND,
        action="shift-traffic",
        phase=Phase.TRAFFIC,
        description=f"Force {res.record} to its SECONDARY: invert the PRIMARY health check "
        "and wait until Route 53 reports it failing",
        cli=[
            f"aws route53 update-health-check --health-check-id {hc_hint} --inverted --no-disabled",
            f"aws route53 get-health-check-status --health-check-id {hc_hint}",
        ],
        where=f"{res.name} (route53 {res.record})",
        precheck=precheck,
        run=run,
        verify=verify,
        poll_seconds=10.0,
    )
