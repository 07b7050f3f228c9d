"""``route53-record`` by hand: the readiness checks and step verifications as AWS CLI commands."""

from __future__ import annotations

from drctl.engine.context import RunContext
from drctl.kinds.handbook import HandCheck
from drctl.plan.durations import format_seconds
from drctl.plan.models import Route53Record

HEALTH_CHECK = "<primary-health-check-id>"


def zone_id(res: Route53Record) -> str:
    """The zone id as given, else a lookup of it by name (a shell substitution)."""
    if res.zone_id:
        return res.zone_id.rsplit("/", 1)[-1]
    return (
        f'"$(aws route53 list-hosted-zones-by-name --dns-name {res.zone} --max-items 1 '
        "--query 'HostedZones[0].Id' --output text)\""
    )


def _status(target: str) -> HandCheck:
    return HandCheck(
        "what Route 53's checkers see of the PRIMARY endpoint",
        f"aws route53 get-health-check-status --health-check-id {HEALTH_CHECK} "
        "--query 'HealthCheckObservations[].StatusReport.Status'",
        target,
    )


def _answer(res: Route53Record, which: str) -> HandCheck:
    return HandCheck(
        f"the answer Route 53 gives for {res.record}",
        f"aws route53 test-dns-answer --hosted-zone-id {zone_id(res)} "
        f"--record-name {res.record} --record-type A --query RecordData",
        f"the {which} record's value(s)",
    )


def prechecks(res: Route53Record, ctx: RunContext) -> list[HandCheck]:
    name = res.zone or res.zone_id
    return [
        HandCheck(
            f"hosted zone {name}",
            f"aws route53 get-hosted-zone --id {zone_id(res)} --query 'HostedZone.Name'",
            f'`"{res.zone or "<the zone name>"}"`',
            ("zone",),
        ),
        HandCheck(
            f"failover records of {res.record}",
            f"aws route53 list-resource-record-sets --hosted-zone-id {zone_id(res)} "
            f"--query \"ResourceRecordSets[?Name=='{res.record}'].[Failover,HealthCheckId,TTL]\"",
            "a PRIMARY record with a health check id and a SECONDARY record; their TTL counts "
            "towards the RTO",
            ("failover-records", "control-plane"),
        ),
        HandCheck(
            "the PRIMARY record's health check",
            f"aws route53 get-health-check --health-check-id {HEALTH_CHECK} --query "
            "'HealthCheck.HealthCheckConfig.[Inverted,Disabled,RequestInterval,FailureThreshold]'",
            "`[false, false, interval, threshold]` with interval x threshold + TTL within "
            f"{format_seconds(ctx.objectives.rto_seconds)} (the RTO)",
            ("health-check", "detection-time"),
        ),
        _status(
            'every checker `"Success: ..."` (failures mean Route 53 already serves SECONDARY)'
        ).covering(("primary-health",)),
    ]


def verifications(res: Route53Record, ctx: RunContext, action: str) -> dict[str, list[HandCheck]]:
    if action == "failover":
        return {
            "shift-traffic": [
                _status('checkers report `"Failure: ..."` (the check is inverted)'),
                _answer(res, "SECONDARY"),
            ]
        }
    return {
        "restore-traffic": [
            _status('every checker `"Success: ..."` again'),
            _answer(res, "PRIMARY"),
        ]
    }
