"""route53-record: readiness failing on a health check that would never fail over."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from drctl.engine.settings import make_context
from drctl.kinds.route53_record import moto_health as route53_health
from drctl.kinds.sandboxing import aws_time
from drctl.plan.loader import load_plan_text
from tests.support import build_sandbox, collect_checks, run_action


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


# ------------------------------------------------------------------ steps over AWS's timing

PLAN = """
version: 1
app: web
tier: gold
strategy: warm-standby
objectives: {rto: 30m, rpo: 15m}
regions: {primary: us-east-1, dr: us-west-2}
resources:
  - kind: route53-record
    name: api
    zone: corp.example.internal.
    record: api.corp.example.internal.
"""
PRIMARY_IP, SECONDARY_IP = "192.0.2.10", "198.51.100.10"


@pytest.fixture
def follow(aws: None, settings: Any) -> None:
    """The sandbox's AWS clock follows the run's fake clock."""
    aws_time.follow(settings.clock.now)


def _zone(private: bool) -> str:
    r53 = boto3.client("route53", region_name="us-east-1")
    kwargs: dict[str, Any] = {"Name": "corp.example.internal.", "CallerReference": "zone"}
    if private:
        vpc = boto3.client("ec2", region_name="us-east-1").create_vpc(CidrBlock="10.8.0.0/16")
        kwargs["VPC"] = {"VPCRegion": "us-east-1", "VPCId": vpc["Vpc"]["VpcId"]}
        kwargs["HostedZoneConfig"] = {"PrivateZone": True}
    return str(r53.create_hosted_zone(**kwargs)["HostedZone"]["Id"])


def _health_check(name: str) -> str:
    return str(
        boto3.client("route53", region_name="us-east-1").create_health_check(
            CallerReference=name,
            HealthCheckConfig={
                "IPAddress": PRIMARY_IP, "Port": 443, "Type": "HTTPS", "ResourcePath": "/health",
                "RequestInterval": 10, "FailureThreshold": 3,
            },
        )["HealthCheck"]["Id"]
    )  # fmt: skip


def _records(zone_id: str, primary: dict[str, Any], secondary_check: str | None = None) -> None:
    secondary: dict[str, Any] = {
        "Name": "api.corp.example.internal.", "Type": "A", "SetIdentifier": "dr",
        "Failover": "SECONDARY", "TTL": 60, "ResourceRecords": [{"Value": SECONDARY_IP}],
    }  # fmt: skip
    if secondary_check:
        secondary["HealthCheckId"] = secondary_check
    primary = {"Name": "api.corp.example.internal.", "Type": "A", "SetIdentifier": "home",
               "Failover": "PRIMARY", **primary}  # fmt: skip
    boto3.client("route53", region_name="us-east-1").change_resource_record_sets(
        HostedZoneId=zone_id,
        ChangeBatch={
            "Changes": [{"Action": "CREATE", "ResourceRecordSet": r} for r in (primary, secondary)]
        },
    )


def _statuses(hc_id: str) -> set[str]:
    observations = boto3.client("route53", region_name="us-east-1").get_health_check_status(
        HealthCheckId=hc_id
    )["HealthCheckObservations"]
    return {o["StatusReport"]["Status"].split(":")[0] for o in observations}


def test_failover_waits_for_the_checkers_then_failback_for_them_again(
    follow: None, settings: Any
) -> None:
    """Inverting takes effect over interval x threshold (10 s x 3): the step is verified only
    when enough checkers report it, not at once; the same going home."""
    loaded = load_plan_text(PLAN.replace("corp.example.internal", "shop.example.com"))
    build_sandbox(loaded.plan, settings)
    record = run_action(loaded, settings, "failover")
    assert record.status == "succeeded", [(s.id, s.detail) for s in record.steps]
    [step] = record.steps
    assert step.duration_seconds is not None and 20 <= step.duration_seconds <= 40
    assert "TestDNSAnswer answers 198.51.100.10" in step.detail
    hc_id = _primary_health_check_of("shop.example.com.")
    assert _statuses(hc_id) == {"Failure"}

    back = run_action(loaded, settings, "failback", from_run=record.run_id)
    assert back.status == "succeeded", [(s.id, s.detail) for s in back.steps]
    [home] = back.steps
    assert home.duration_seconds is not None and home.duration_seconds >= 10
    settings.clock.advance(30)
    assert _statuses(hc_id) == {"Success"}


def _primary_health_check_of(zone: str) -> str:
    r53 = boto3.client("route53", region_name="us-east-1")
    zone_id = r53.list_hosted_zones_by_name(DNSName=zone)["HostedZones"][0]["Id"]
    sets = r53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    return str(next(r for r in sets if r.get("Failover") == "PRIMARY")["HealthCheckId"])


def test_a_private_zone_fails_over_without_test_dns_answer(follow: None, settings: Any) -> None:
    """TestDNSAnswer answers for public zones only: the step reads the records' health."""
    zone_id = _zone(private=True)
    hc_id = _health_check("private")
    _records(
        zone_id, {"TTL": 60, "HealthCheckId": hc_id, "ResourceRecords": [{"Value": PRIMARY_IP}]}
    )
    loaded = load_plan_text(PLAN)
    checks = {
        c.name: c.run() for c in collect_checks(loaded.plan, make_context(loaded.plan, settings))
    }
    # Everything passes but the advice that traffic moves only through the control plane.
    assert checks.pop("control-plane").status.value == "warn"
    assert all(r.status.value == "pass" for r in checks.values()), checks

    record = run_action(loaded, settings, "failover")
    assert record.status == "succeeded", [(s.id, s.detail) for s in record.steps]
    [step] = record.steps
    assert "private zone" in step.detail and "SECONDARY served" in step.detail
    assert _statuses(hc_id) == {"Failure"}
    back = run_action(loaded, settings, "failback", from_run=record.run_id)
    assert back.status == "succeeded", [(s.id, s.detail) for s in back.steps]
    assert "PRIMARY served" in back.steps[0].detail
    # Healthy again once more than 18% of the checkers say so; the rest follow within 30 s.
    assert "Success" in _statuses(hc_id)
    settings.clock.advance(30)
    assert _statuses(hc_id) == {"Success"}


def test_an_alias_primary_evaluating_target_health_is_valid(follow: None, settings: Any) -> None:
    zone_id = _zone(private=False)
    hc_id = _health_check("alias")
    bare = zone_id.split("/")[-1]
    alias = {"HostedZoneId": bare, "DNSName": "origin.corp.example.internal.",
             "EvaluateTargetHealth": True}  # fmt: skip
    boto3.client("route53", region_name="us-east-1").change_resource_record_sets(
        HostedZoneId=zone_id,
        ChangeBatch={"Changes": [{"Action": "CREATE", "ResourceRecordSet": {
            "Name": "origin.corp.example.internal.", "Type": "A", "TTL": 60,
            "ResourceRecords": [{"Value": PRIMARY_IP}]}}]},
    )  # fmt: skip
    _records(zone_id, {"AliasTarget": alias, "HealthCheckId": hc_id})
    loaded = load_plan_text(PLAN)
    ctx = make_context(loaded.plan, settings)
    checks = {c.name: c.run() for c in collect_checks(loaded.plan, ctx)}
    assert checks["health-check"].status.value == "pass"
    assert "evaluates its target's health" in checks["health-check"].detail

    record = run_action(loaded, settings, "failover")
    assert record.status == "succeeded", [(s.id, s.detail) for s in record.steps]
    answer = boto3.client("route53", region_name="us-east-1").test_dns_answer(
        HostedZoneId=zone_id, RecordName="api.corp.example.internal.", RecordType="A"
    )
    assert answer["RecordData"] == [SECONDARY_IP]


def test_an_alias_primary_without_a_health_check_cannot_be_forced(
    follow: None, settings: Any
) -> None:
    zone_id = _zone(private=False)
    alias = {"HostedZoneId": zone_id.split("/")[-1], "DNSName": "lb.example.net.",
             "EvaluateTargetHealth": True}  # fmt: skip
    _records(zone_id, {"AliasTarget": alias})
    loaded = load_plan_text(PLAN)
    checks = {
        c.name: c.run() for c in collect_checks(loaded.plan, make_context(loaded.plan, settings))
    }
    assert checks["health-check"].status.value == "fail"
    assert "cannot force a planned failover" in checks["health-check"].detail
    record = run_action(loaded, settings, "failover")
    assert record.status == "failed"
    assert "no health check for drctl to invert" in record.steps[0].detail


def test_failover_is_not_verified_while_the_secondary_is_unhealthy(
    follow: None, settings: Any
) -> None:
    """Route 53 answers with the PRIMARY when both are unhealthy: the step must not pass."""
    zone_id = _zone(private=False)
    hc_id, secondary_hc = _health_check("home"), _health_check("dr")
    _records(
        zone_id,
        {"TTL": 60, "HealthCheckId": hc_id, "ResourceRecords": [{"Value": PRIMARY_IP}]},
        secondary_check=secondary_hc,
    )
    route53_health.set_endpoint_health(secondary_hc, healthy=False)
    record = run_action(load_plan_text(PLAN), settings, "failover")
    assert record.status == "failed"
    assert "SECONDARY's health check is failing too" in record.steps[0].detail
