"""Readiness checks of the spine's kinds failing on broken state, with useful details.

(Passing on a healthy sandbox is covered by the demo and CLI tests.) Each case
breaks one thing in moto, as an operator or an incident would, and asserts the
check that must notice it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import boto3

from drctl.aws import cloudwatch
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


def test_rds_backups_off_and_lag_above_the_rpo_fail(built_plan: Any, settings: Any) -> None:
    boto3.client("rds", region_name="us-east-1").modify_db_instance(
        DBInstanceIdentifier="shop-orders", BackupRetentionPeriod=0, ApplyImmediately=True
    )
    cloudwatch.put_metric(
        boto3.client("cloudwatch", region_name="us-west-2"),
        namespace="AWS/RDS",
        metric="ReplicaLag",
        dimensions={"DBInstanceIdentifier": "shop-orders-dr"},
        value=600.0,
        unit="Seconds",
        at=settings.clock.now() + timedelta(seconds=1),
    )
    results = _results(built_plan, settings, "orders-db")
    assert results["backups"].status.value == "fail"
    lag = results["replica-lag"]
    assert lag.status.value == "fail" and lag.observed == 600.0 and lag.threshold == 300


def test_rds_replica_of_another_primary_fails(built_plan: Any, settings: Any) -> None:
    rds = boto3.client("rds", region_name="us-west-2")
    rds.promote_read_replica(DBInstanceIdentifier="shop-orders-dr")
    results = _results(built_plan, settings, "orders-db")
    failing = {n for n, r in results.items() if r.status.value == "fail"}
    assert "replica-source" in failing


def test_s3_replication_rule_disabled_fails(built_plan: Any, settings: Any) -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    config = s3.get_bucket_replication(Bucket="shop-assets-use1")["ReplicationConfiguration"]
    for rule in config["Rules"]:
        rule["Status"] = "Disabled"
    s3.put_bucket_replication(Bucket="shop-assets-use1", ReplicationConfiguration=config)
    replication = _results(built_plan, settings, "assets")["replication"]
    assert replication.status.value == "fail" and "shop-assets-usw2" in replication.detail
