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

from typing import Any, ClassVar

from drctl.engine.context import RunContext
from drctl.engine.step import Check, Step
from drctl.kinds.contract import IamActions, Kind
from drctl.kinds.route53_record import alarms, checks, discover, failback, traffic
from drctl.kinds.sandboxing import SandboxBuild
from drctl.plan.models import Route53Record


class Route53RecordKind(Kind):
    name = "route53-record"
    model = Route53Record
    iam_actions: ClassVar[IamActions] = {
        # alarms apply: the PRIMARY record's health check, which the alarm watches
        "alarms": (
            "route53:ListHostedZonesByName",
            "route53:GetHostedZone",
            "route53:ListResourceRecordSets",
        ),
        "check": (
            "route53:ListHostedZonesByName",
            "route53:GetHostedZone",
            "route53:ListResourceRecordSets",
            "route53:GetHealthCheck",
            "route53:GetHealthCheckStatus",
        ),
        "failover": (
            "route53:ListHostedZonesByName",
            "route53:GetHostedZone",
            "route53:ListResourceRecordSets",
            "route53:GetHealthCheck",
            "route53:GetHealthCheckStatus",
            "route53:UpdateHealthCheck",
            "route53:TestDNSAnswer",
        ),
        "failback": (
            "route53:ListHostedZonesByName",
            "route53:GetHostedZone",
            "route53:ListResourceRecordSets",
            "route53:GetHealthCheck",
            "route53:GetHealthCheckStatus",
            "route53:UpdateHealthCheck",
            "route53:TestDNSAnswer",  # failback verifies the answer is PRIMARY's again
        ),
        "discover": (
            "route53:ListHostedZones",
            "route53:ListTagsForResources",
            "route53:ListResourceRecordSets",
            "route53:GetHealthCheck",
        ),
    }
    moto_extensions = ("moto_health",)
    alarms = staticmethod(alarms.alarms)
    discover = staticmethod(discover.discover)

    def checks(self, res: Any, ctx: RunContext) -> list[Check]:
        return checks.checks(res, ctx)

    def failover(self, res: Any, ctx: RunContext) -> list[Step]:
        return traffic.failover(res, ctx)

    def failback(self, res: Any, ctx: RunContext) -> list[Step]:
        return failback.failback(res, ctx)

    def build_sandbox(self, b: SandboxBuild, res: Any) -> None:
        from drctl.kinds.route53_record import sandbox

        sandbox.build(b, res)


KIND = Route53RecordKind()
