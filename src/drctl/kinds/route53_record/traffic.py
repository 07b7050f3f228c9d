"""Moving traffic with a Route 53 failover record: invert (and enable) the PRIMARY's health check,
wait until Route 53 reports it failing.

Route 53 acts on a change only once its checkers have seen it ``FailureThreshold`` times,
``RequestInterval`` apart, and counts an endpoint healthy while more than 18% of them say so
(https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html):
the step waits for that, polling every few seconds. Which record Route 53 serves follows the
failover rules (SECONDARY only while the PRIMARY is unhealthy and the SECONDARY healthy), read
from both records' health checks. ``TestDNSAnswer`` confirms the answer where it can: public
zones only (https://docs.aws.amazon.com/Route53/latest/APIReference/API_TestDNSAnswer.html),
and plain records (an alias answers with its target's addresses, which drctl cannot predict).
"""

from __future__ import annotations

from typing import Any

from drctl.engine.context import RunContext
from drctl.engine.declarative import Probe, SdkCall, SfnStep, all_of, any_of, negate, present
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
# Route 53's own cadence is 10 or 30 s per checker; polling GetHealthCheckStatus every 5 s sees
# the switch soon after it happens without nearing the API's rate limit.
POLL_SECONDS = 5.0


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
) -> tuple[dict[str, Any], dict[str, dict[str, Any]], dict[str, Any]]:
    """The zone, the PRIMARY/SECONDARY records and the PRIMARY's health check."""
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
        raise AwsError(
            f"{res.name}: the PRIMARY record of {res.record} has no health check for drctl to "
            "invert"
            + (
                " (its alias evaluates the target's health, which fails over on its own when "
                "the target fails, but cannot be forced)"
                if api.evaluates_target_health(records["PRIMARY"])
                else ""
            ),
            hint="attach a health check to the PRIMARY record; drctl inverts it to fail over",
        )
    hc = api.get_health_check(client, hc_id)
    if hc is None:
        raise AwsError(f"{res.name}: health check {hc_id} does not exist")
    return zone, records, hc


def _reported_healthy(client: Any, rrset: dict[str, Any]) -> bool | None:
    """What Route 53 reports for the record's own health check (None: it has none)."""
    hc_id = rrset.get("HealthCheckId")
    if not hc_id:
        return None
    return api.is_reported_healthy(api.checker_observations(client, hc_id))


def served_role(client: Any, records: dict[str, dict[str, Any]]) -> tuple[str, str]:
    """(the record Route 53 serves, why), from both records' reported health: SECONDARY only
    while the PRIMARY is unhealthy and the SECONDARY is not (ResourceRecordSet.Failover)."""
    primary = _reported_healthy(client, records["PRIMARY"])
    secondary = _reported_healthy(client, records["SECONDARY"])
    if primary is None or primary:
        return "PRIMARY", "the PRIMARY is reported healthy"
    if secondary is False:
        return "PRIMARY", (
            "the SECONDARY's health check is failing too: Route 53 then answers with the PRIMARY"
        )
    return "SECONDARY", "the PRIMARY is reported failing"


def routing_verdict(
    client: Any, res: Route53Record, zone: dict[str, Any], records: dict[str, dict[str, Any]],
    role: str,
) -> tuple[bool, str]:  # fmt: skip
    """(Route 53 serves ``role``'s record now, the evidence)."""
    served, why = served_role(client, records)
    if served != role:
        return False, f"Route 53 serves the {served}: {why}"
    record = records[role]
    if api.is_private(zone):
        return True, (
            f"{role} served ({why}); private zone: TestDNSAnswer answers for public zones "
            "only, so read from the records' health checks"
        )
    if api.is_alias(record):
        return True, f"{role} alias served ({why})"
    expected = [r["Value"] for r in record.get("ResourceRecords", [])]
    answer = api.dns_answer(client, api.zone_id_of(zone), res.record, record["Type"])
    if sorted(answer) != sorted(expected):
        return False, (
            f"Route 53 answers {', '.join(answer) or 'nothing'}, not the {role}'s "
            f"{', '.join(expected)}"
        )
    return True, f"{role} served ({why}); TestDNSAnswer answers {', '.join(answer)}"


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

    def locate() -> tuple[dict[str, Any], dict[str, dict[str, Any]], dict[str, Any]]:
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
        zone, records, hc = locate()
        observations = api.checker_observations(client, hc["Id"])
        detect = api.detection_seconds(hc["HealthCheckConfig"])
        failing = len(observations) - round(api.healthy_fraction(observations) * len(observations))
        if api.is_reported_healthy(observations):
            return Verification(
                False,
                f"Route 53 still reports the PRIMARY healthy ({failing}/{len(observations)} "
                f"checkers failing; each needs {detect}s to see the change)",
            )
        ok, evidence = routing_verdict(client, res, zone, records, "SECONDARY")
        ttl = int(records["PRIMARY"].get("TTL", 0))
        return Verification(
            ok, f"{evidence}; resolvers converge within TTL {ttl}s" if ok else evidence
        )

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
        poll_seconds=POLL_SECONDS,
        sfn=lambda: health_check_form(res, ctx, inverted=True),
    )


# Route 53 runs up to a few checkers per health-checker Region (at least 3 Regions, 8 by
# default); the declarative verify reads this many observations.
MAX_OBSERVATIONS = 24


def all_checkers(status: str) -> dict[str, Any]:
    """Every observation reports ``status`` (``Failure`` when failing over, ``Success`` when
    failing back): stricter than Route 53's own verdict (healthy while more than 18% say so),
    and what an inverted check of a healthy endpoint reaches. A Choice rule cannot count, so
    the rule is written per observation."""
    return all_of(
        present("$.HealthCheckObservations[0]"),
        *(
            any_of(
                negate(present(f"$.HealthCheckObservations[{i}].StatusReport.Status")),
                {
                    "Variable": f"$.HealthCheckObservations[{i}].StatusReport.Status",
                    "StringMatches": f"{status}*",
                },
            )
            for i in range(MAX_OBSERVATIONS)
        ),
    )


def health_check_form(res: Route53Record, ctx: RunContext, *, inverted: bool) -> SfnStep | None:
    """The declarative form of both moves of the PRIMARY's health check: set it ``inverted``
    (failover) or not (failback), enabled, and wait until every checker reports it failing,
    or healthy (TestDNSAnswer, which the CLI also asks, is left out). None offline: the
    health check's id is read from the records when exporting."""
    if ctx.offline:
        return None
    try:
        _, _, hc = locate_failover(res, ctx.client("route53", "global"))
    except Exception:
        return None
    hc_id = str(hc["Id"])
    probe = Probe(
        SdkCall("route53", "getHealthCheckStatus", {"HealthCheckId": hc_id}, side="global"),
        all_checkers("Failure" if inverted else "Success"),
    )
    update = SdkCall(
        "route53",
        "updateHealthCheck",
        {"HealthCheckId": hc_id, "Inverted": inverted, "Disabled": False},
        side="global",
    )
    return SfnStep(precheck=probe, run=(update,), verify=probe)
