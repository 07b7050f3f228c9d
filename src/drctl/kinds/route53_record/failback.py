"""Failback of ``route53-record``: traffic home to the PRIMARY.

The failover inverted the PRIMARY's health check; failback puts it back
(not inverted, enabled -- a disabled check would count as healthy and hide a
real outage) and waits until Route 53 reports it healthy and answers with the
PRIMARY's values again.
"""

from __future__ import annotations

from typing import Any

from drctl.engine.context import RunContext
from drctl.engine.step import Phase, Precheck, Step, StepOutcome, Verification
from drctl.kinds.route53_record import api
from drctl.kinds.route53_record.traffic import (
    POLL_SECONDS,
    health_check_form,
    locate_failover,
    primary_health_check_id,
    routing_verdict,
)
from drctl.kinds.steps import aws_step
from drctl.plan.models import Route53Record

NAME = "route53-record"


def restore_traffic_step(res: Route53Record, ctx: RunContext) -> Step:
    client = ctx.client("route53", "global")

    def healthy(hc: dict[str, Any]) -> bool:
        return api.is_reported_healthy(api.checker_observations(client, hc["Id"]))

    def precheck() -> Precheck:
        _, _, hc = locate_failover(res, client)
        config = hc["HealthCheckConfig"]
        target = "PRIMARY health check as configured (not inverted, enabled) and healthy"
        if not config.get("Inverted") and not config.get("Disabled") and healthy(hc):
            return Precheck(True, "PRIMARY health check normal and healthy", target)
        return Precheck(
            False,
            f"health check {hc['Id']} inverted={bool(config.get('Inverted'))} "
            f"disabled={bool(config.get('Disabled'))}",
            target,
        )

    def run() -> StepOutcome:
        _, _, hc = locate_failover(res, client)
        api.set_health_check_inversion(
            client, hc["Id"], inverted=False, disabled=False, version=hc.get("HealthCheckVersion")
        )
        return StepOutcome(detail=f"restored PRIMARY health check {hc['Id']}")

    def verify() -> Verification:
        zone, records, hc = locate_failover(res, client)
        if not healthy(hc):
            return Verification(
                False,
                "Route 53 does not report the PRIMARY healthy yet (its checkers need "
                f"{api.detection_seconds(hc['HealthCheckConfig'])}s to see a change)",
            )
        ok, evidence = routing_verdict(client, res, zone, records, "PRIMARY")
        return Verification(ok, evidence)

    hc_id = primary_health_check_id(res, ctx)
    return aws_step(
        resource=res.name,
        kind=NAME,
        action="restore-traffic",
        phase=Phase.TRAFFIC,
        description=f"Send {res.record} home to its PRIMARY: restore the PRIMARY health check "
        "and wait until Route 53 reports it healthy",
        cli=[
            f"aws route53 update-health-check --health-check-id {hc_id} "
            "--no-inverted --no-disabled",
            f"aws route53 get-health-check-status --health-check-id {hc_id}",
        ],
        where=f"{res.name} (route53 {res.record})",
        precheck=precheck,
        run=run,
        verify=verify,
        poll_seconds=POLL_SECONDS,
        sfn=lambda: health_check_form(res, ctx, inverted=False),
    )


def failback(res: Route53Record, ctx: RunContext) -> list[Step]:
    return [restore_traffic_step(res, ctx)]
