"""The alarm that says the primary's health check is failing.

Route 53 publishes ``HealthCheckStatus`` (1 healthy, 0 unhealthy) under ``AWS/Route53`` with
the ``HealthCheckId`` dimension, and only in US East (N. Virginia): "you must choose US East
(N. Virginia) as the Region" for Route 53 health-check metrics and their alarms (Route 53
Developer Guide, "Monitoring health checks using CloudWatch"). So this alarm lives on the
``global`` side (us-east-1) whatever the plan's Regions are.
"""

from __future__ import annotations

from drctl.aws.alarms import AlarmSpec, alarm_name
from drctl.engine.context import RunContext
from drctl.kinds.route53_record.traffic import _records
from drctl.plan.models import Route53Record


def alarms(res: Route53Record, ctx: RunContext) -> list[AlarmSpec]:
    primary = _records(res, ctx).get("PRIMARY")
    health_check = primary.get("HealthCheckId") if primary else None
    if not health_check:
        return []  # no health check to watch: the readiness checks fail on it
    return [
        AlarmSpec(
            name=alarm_name(ctx.plan.app, res.name, "primary-health"),
            resource=res.name,
            side="global",
            description=f"the health check of {res.record}'s PRIMARY record "
            f"({health_check}) is failing",
            namespace="AWS/Route53",
            metric="HealthCheckStatus",
            dimensions=(("HealthCheckId", str(health_check)),),
            statistic="Minimum",
            period=60,
            evaluation_periods=1,
            threshold=1.0,
            comparison="LessThanThreshold",
            treat_missing_data="breaching",
        )
    ]
