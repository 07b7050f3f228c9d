"""`drctl alarms apply`: the seed's DR alarms made from the plan, read back from CloudWatch;
idempotent, a dry run that changes nothing, and `drctl check` warning about missing or
different alarms."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.conftest import DEMO_PLAN
from tests.support import build_sandbox

TOPIC = "arn:aws:sns:us-west-2:123456789012:shop-dr"
COMPANION = "arn:aws:sns:us-east-1:123456789012:shop-dr"
EXTRA = f"""
notifications:
  sns_topic_arn: {TOPIC}

"""
MORE_RESOURCES = """
  - kind: dynamodb-table
    name: profiles
    table: UserProfiles

  - kind: aurora-global
    name: catalog-db
    global_cluster: shop-catalog
"""


def _plan_text(notifications: bool = True) -> str:
    text = DEMO_PLAN.read_text()
    if notifications:
        text = text.replace("\nresources:\n", EXTRA + "resources:\n")
    return text + MORE_RESOURCES


@pytest.fixture
def plan(aws: None, tmp_path: Path) -> Path:
    """The demo plan plus a global table and an Aurora global database, with a topic."""
    from drctl.engine.settings import default_settings
    from drctl.plan.loader import load_plan

    path = tmp_path / "shop.yaml"
    path.write_text(_plan_text())
    build_sandbox(load_plan(path).plan, default_settings())
    boto3.client("sns", region_name="us-west-2").create_topic(Name="shop-dr")
    return path


def _alarms(region: str) -> dict[str, dict[str, Any]]:
    cw = boto3.client("cloudwatch", region_name=region)
    return {a["AlarmName"]: a for a in cw.describe_alarms()["MetricAlarms"]}


def _topics(region: str) -> list[str]:
    sns = boto3.client("sns", region_name=region)
    return [t["TopicArn"] for t in sns.list_topics()["Topics"]]


def _health_check_id() -> str:
    route53 = boto3.client("route53")
    zone = route53.list_hosted_zones_by_name(DNSName="shop.example.com.")["HostedZones"][0]
    records = route53.list_resource_record_sets(HostedZoneId=zone["Id"])["ResourceRecordSets"]
    return next(r["HealthCheckId"] for r in records if r.get("Failover") == "PRIMARY")


def test_dry_run_shows_every_put_metric_alarm_and_changes_nothing(plan: Path, drctl: Any) -> None:
    result = drctl("-o", "json", "alarms", "apply", "--plan", str(plan), "--dry-run")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["dry_run"] is True and doc["changed"] is False
    by_name = {a["alarm"]: a for a in doc["alarms"]}
    assert set(by_name) == {
        "drctl-shop-orders-db-replica-lag",
        "drctl-shop-api-primary-health",
        "drctl-shop-profiles-replication-latency",
        "drctl-shop-catalog-db-replication-lag",
        "drctl-shop-readiness-score",
    }
    assert {a["action"] for a in doc["alarms"]} == {"create"}
    lag = by_name["drctl-shop-orders-db-replica-lag"]
    assert lag["region"] == "us-west-2"
    assert lag["request"]["MetricName"] == "ReplicaLag"
    assert lag["request"]["Threshold"] == 300.0  # the plan's RPO, 5m
    assert lag["request"]["Dimensions"] == [
        {"Name": "DBInstanceIdentifier", "Value": "shop-orders-dr"}
    ]
    assert lag["request"]["AlarmActions"] == [TOPIC]
    health = by_name["drctl-shop-api-primary-health"]
    assert health["region"] == "us-east-1"
    assert health["request"]["AlarmActions"] == [COMPANION]
    assert doc["topics"] == [
        {"topic": TOPIC, "region": "us-west-2", "action": "unchanged"},
        {"topic": COMPANION, "region": "us-east-1", "action": "create"},
    ]
    # Nothing was created anywhere.
    for region in ("us-east-1", "us-west-2"):
        assert _alarms(region) == {}
    assert COMPANION not in _topics("us-east-1")

    text = drctl("alarms", "apply", "--plan", str(plan), "--dry-run")
    assert text.exit_code == 0
    assert text.stdout.count("PutMetricAlarm in ") == 5
    assert "nothing was changed" in text.stdout


def test_apply_creates_the_alarms_wired_to_the_topic_and_a_second_apply_changes_nothing(
    plan: Path, drctl: Any
) -> None:
    result = drctl("-o", "json", "alarms", "apply", "--plan", str(plan), "--yes")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["changed"] is True

    west, east = _alarms("us-west-2"), _alarms("us-east-1")
    lag = west["drctl-shop-orders-db-replica-lag"]
    assert (lag["Namespace"], lag["MetricName"], lag["Threshold"]) == (
        "AWS/RDS",
        "ReplicaLag",
        300.0,
    )
    assert lag["ComparisonOperator"] == "GreaterThanThreshold"
    assert lag["TreatMissingData"] == "breaching"
    assert lag["AlarmActions"] == [TOPIC]
    aurora = west["drctl-shop-catalog-db-replication-lag"]
    assert aurora["Threshold"] == 300_000.0  # milliseconds
    assert aurora["Dimensions"][0]["Name"] == "DBClusterIdentifier"
    score = west["drctl-shop-readiness-score"]
    assert (score["Namespace"], score["MetricName"]) == ("drctl/Readiness", "ReadinessScore")
    assert score["Threshold"] == 100.0 and score["ComparisonOperator"] == "LessThanThreshold"
    assert score["Period"] == 900
    health = east["drctl-shop-api-primary-health"]
    assert (health["Namespace"], health["MetricName"]) == ("AWS/Route53", "HealthCheckStatus")
    assert health["Dimensions"] == [{"Name": "HealthCheckId", "Value": _health_check_id()}]
    assert health["AlarmActions"] == [COMPANION]
    latency = east["drctl-shop-profiles-replication-latency"]
    assert {d["Name"]: d["Value"] for d in latency["Dimensions"]} == {
        "TableName": "UserProfiles",
        "ReceivingRegion": "us-west-2",
    }
    assert COMPANION in _topics("us-east-1")

    again = drctl("-o", "json", "alarms", "apply", "--plan", str(plan), "--yes")
    assert again.exit_code == 0
    doc = json.loads(again.stdout)
    assert doc["changed"] is False
    assert {a["action"] for a in doc["alarms"]} == {"unchanged"}
    assert {t["action"] for t in doc["topics"]} == {"unchanged"}
    text = drctl("alarms", "apply", "--plan", str(plan))
    assert text.exit_code == 0 and "already as wanted; nothing changed" in text.stdout


def test_check_warns_about_missing_and_different_alarms_and_apply_fixes_only_those(
    plan: Path, drctl: Any
) -> None:
    before = json.loads(drctl("-o", "json", "check", "--plan", str(plan)).stdout)
    alarm_checks = [c for c in before["checks"] if c["check"] == "alarms"]
    assert {c["resource"] for c in alarm_checks} == {
        "orders-db",
        "api",
        "profiles",
        "catalog-db",
        "shop",
    }
    assert {c["status"] for c in alarm_checks} == {"warn"}
    orders = next(c for c in alarm_checks if c["resource"] == "orders-db")
    assert "missing drctl-shop-orders-db-replica-lag (us-west-2)" in orders["detail"]

    assert drctl("alarms", "apply", "--plan", str(plan), "--yes").exit_code == 0
    after = json.loads(drctl("-o", "json", "check", "--plan", str(plan)).stdout)
    assert {c["status"] for c in after["checks"] if c["check"] == "alarms"} == {"pass"}

    # Someone loosens the replica-lag alarm by hand: check says how, apply puts it back.
    cw = boto3.client("cloudwatch", region_name="us-west-2")
    request = {
        k: v
        for k, v in _alarms("us-west-2")["drctl-shop-orders-db-replica-lag"].items()
        if k
        in (
            "AlarmName",
            "Namespace",
            "MetricName",
            "Dimensions",
            "Statistic",
            "Period",
            "EvaluationPeriods",
            "ComparisonOperator",
            "TreatMissingData",
            "AlarmActions",
        )
    }
    cw.put_metric_alarm(**{**request, "Threshold": 3600.0})
    drifted = json.loads(drctl("-o", "json", "check", "--plan", str(plan)).stdout)
    orders = next(
        c for c in drifted["checks"] if c["check"] == "alarms" and c["resource"] == "orders-db"
    )
    assert orders["status"] == "warn" and "Threshold 3600.0, not 300.0" in orders["detail"]
    fixed = json.loads(drctl("-o", "json", "alarms", "apply", "--plan", str(plan), "-y").stdout)
    actions = {a["alarm"]: a["action"] for a in fixed["alarms"]}
    assert actions.pop("drctl-shop-orders-db-replica-lag") == "update"
    assert set(actions.values()) == {"unchanged"}
    assert _alarms("us-west-2")["drctl-shop-orders-db-replica-lag"]["Threshold"] == 300.0


def test_the_score_period_follows_every_and_check_leaves_it_to_the_operator(
    plan: Path, drctl: Any
) -> None:
    result = drctl("alarms", "apply", "--plan", str(plan), "--yes", "--every", "1h")
    assert result.exit_code == 0, result.output
    assert _alarms("us-west-2")["drctl-shop-readiness-score"]["Period"] == 3600
    doc = json.loads(drctl("-o", "json", "check", "--plan", str(plan)).stdout)
    score = next(c for c in doc["checks"] if c["check"] == "alarms" and c["resource"] == "shop")
    assert score["status"] == "pass"


def test_unconfirmed_apply_is_refused_and_creates_nothing(plan: Path, drctl: Any) -> None:
    result = drctl("alarms", "apply", "--plan", str(plan))
    assert result.exit_code == 3
    assert "--yes" in result.stderr
    assert _alarms("us-west-2") == {} and _alarms("us-east-1") == {}


def test_a_plan_without_a_topic_is_bad_input(aws: None, tmp_path: Path, drctl: Any) -> None:
    path = tmp_path / "shop.yaml"
    path.write_text(_plan_text(notifications=False))
    result = drctl("alarms", "apply", "--plan", str(path), "--dry-run")
    assert result.exit_code == 2
    assert "no notifications.sns_topic_arn" in result.stderr


@pytest.mark.parametrize("every", ["90s", "soon", "2d"])
def test_a_bad_every_is_bad_input(aws: None, drctl: Any, every: str) -> None:
    result = drctl("alarms", "apply", "--plan", str(DEMO_PLAN), "--every", every)
    assert result.exit_code == 2
    assert "--every" in result.stderr


def test_an_aws_error_exits_1_naming_the_alarm(
    plan: Path, drctl: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto.cloudwatch.models import CloudWatchBackend
    from moto.core.exceptions import JsonRESTError

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise JsonRESTError("LimitExceeded", "The maximum number of alarms has been reached")

    monkeypatch.setattr(CloudWatchBackend, "put_metric_alarm", refuse)
    result = drctl("alarms", "apply", "--plan", str(plan), "--yes")
    assert result.exit_code == 1
    assert "putting alarm drctl-shop-" in result.stderr and "LimitExceeded" in result.stderr
    assert "Traceback" not in result.output


def test_alarms_that_cannot_be_read_are_a_warning_not_a_failure(
    plan: Path, drctl: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto.cloudwatch.models import CloudWatchBackend
    from moto.core.exceptions import JsonRESTError

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise JsonRESTError("AccessDenied", "not authorized to perform cloudwatch:DescribeAlarms")

    monkeypatch.setattr(CloudWatchBackend, "get_alarms_by_alarm_names", refuse)
    doc = json.loads(drctl("-o", "json", "check", "--plan", str(plan)).stdout)
    alarm_checks = [c for c in doc["checks"] if c["check"] == "alarms"]
    assert alarm_checks and {c["status"] for c in alarm_checks} == {"warn"}
    assert all("AccessDenied" in c["detail"] for c in alarm_checks), [
        c["detail"] for c in alarm_checks
    ]
