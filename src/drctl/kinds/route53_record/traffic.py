"""Moving traffic with a Route 53 failover record: invert (and enable) the PRIMARY's health check,
wait until Route 53 reports it failing.
"""

from __future__ import annotations

from typing import Any

from drctl.engine.context import RunContext
from drctl.engine.step import (
    Phase,
    Precheck,
    Step,
    StepOutcome,
    Verification,
)
from drctl.errors import AwsError
from drctl.kinds.route53_record import api
from drctl.kinds.steps import aws_step
from drctl.plan.models import Route53Record

NAME = "route53-record"


def _zone(res: Route53Record, ctx: RunContext) -> dict[str, Any] | None:
    return ctx.memo.get(
        ("r53", "zone", res.zone, res.zone_id),
        lambda: api.find_zone(ctx.client("route53", "global"), name=res.zone, zone_id=res.zone_id),
    )


def _records(res: Route53Record, ctx: RunContext) -> dict[str, dict[str, Any]]:
    zone = _zone(res, ctx)
    if zone is None:
        return {}
    return ctx.memo.get(
        ("r53", "records", res.record),
        lambda: api.failover_records(
            ctx.client("route53", "global"), api.zone_id_of(zone), res.record
        ),
    )


def _health_check(res: Route53Record, ctx: RunContext) -> dict[str, Any] | None:
    primary = _records(res, ctx).get("PRIMARY")
    hc_id = (primary or {}).get("HealthCheckId")
    if not hc_id:
        return None
    return ctx.memo.get(
        ("r53", "hc", hc_id),
        lambda: api.get_health_check(ctx.client("route53", "global"), hc_id),
    )


def _zone_label(res: Route53Record) -> str:
    return res.zone or res.zone_id or "?"


def failover(res: Route53Record, ctx: RunContext) -> list[Step]:
    return [shift_traffic_step(res, ctx)]


def locate_failover(
    res: Route53Record, client: Any
) -> tuple[str, dict[str, dict[str, Any]], dict[str, Any]]:
    """The zone id, the PRIMARY/SECONDARY records and the PRIMARY's health check."""
    zone = api.find_zone(client, name=res.zone, zone_id=res.zone_id)
    if zone is None:
        raise AwsError(f"{res.name}: hosted zone {_zone_label(res)} not found")
    zone_id = api.zone_id_of(zone)
    records = api.failover_records(client, zone_id, res.record)
    for role in ("PRIMARY", "SECONDARY"):
        if role not in records:
            raise AwsError(f"{res.name}: {res.record} has no {role} failover record")
    hc_id = records["PRIMARY"].get("HealthCheckId")
    if not hc_id:
        raise AwsError(f"{res.name}: the PRIMARY record of {res.record} has no health check")
    hc = api.get_health_check(client, hc_id)
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
    answer = api.dns_answer(client, zone_id, res.record, record["Type"])
    return sorted(answer) == sorted(expected), answer, expected


def primary_health_check_id(res: Route53Record, ctx: RunContext) -> str:
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


def shift_traffic_step(res: Route53Record, ctx: RunContext) -> Step:
    client = ctx.client("route53", "global")

    def locate() -> tuple[str, dict[str, dict[str, Any]], dict[str, Any]]:
        return locate_failover(res, client)

    def precheck() -> Precheck:
        _, _, hc = locate()
        config = hc["HealthCheckConfig"]
        failing = not api.is_reported_healthy(api.checker_observations(client, hc["Id"]))
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
        api.set_health_check_inversion(
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
        observations = api.checker_observations(client, hc["Id"])
        if api.is_reported_healthy(observations):
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
        kind=NAME,
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
