"""route53-record: readiness failing on a health check that would never fail over."""

from __future__ import annotations

from typing import Any

import boto3

from drctl.engine.settings import make_context
from tests.support import collect_checks


def _results(loaded: Any, settings: Any, resource: str) -> dict[str, Any]:
    ctx = make_context(loaded.plan, settings)
    return {c.name: c.run() for c in collect_checks(loaded.plan, ctx, [resource])}


def _primary_health_check() -> str:
    r53 = boto3.client("route53", region_name="us-east-1")
    zone = r53.list_hosted_zones_by_name(DNSName="shop.example.com.")["HostedZones"][0]
    sets = r53.list_resource_record_sets(HostedZoneId=zone["Id"])["ResourceRecordSets"]
    return str(next(r for r in sets if r.get("Failover") == "PRIMARY")["HealthCheckId"])


def test_a_disabled_health_check_fails_the_check(built_plan: Any, settings: Any) -> None:
    """AWS reports a disabled health check as healthy: it would hide an outage."""
    boto3.client("route53", region_name="us-east-1").update_health_check(
        HealthCheckId=_primary_health_check(), Disabled=True
    )
    failing = {
        name: r.detail
        for name, r in _results(built_plan, settings, "api").items()
        if r.status.value == "fail"
    }
    assert failing, "a disabled PRIMARY health check must fail readiness"
    assert any("disabled" in detail.lower() for detail in failing.values()), failing
