"""`drctl check --publish`: one CheckPassed datapoint per check and the plan's readiness
score, read back from CloudWatch (GetMetricStatistics and GetMetricData)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from tests.conftest import DEMO_PLAN


def _window() -> dict[str, Any]:
    from drctl.kinds.sandboxing import aws_time

    now = aws_time.now()
    return {"StartTime": now - timedelta(hours=1), "EndTime": now + timedelta(minutes=5)}


def _check_value(cw: Any, resource: str, check: str) -> float:
    points = cw.get_metric_statistics(
        Namespace="drctl/Readiness",
        MetricName="CheckPassed",
        Dimensions=[
            {"Name": "App", "Value": "shop"},
            {"Name": "Resource", "Value": resource},
            {"Name": "Check", "Value": check},
        ],
        Period=60,
        Statistics=["Maximum"],
        **_window(),
    )["Datapoints"]
    assert len(points) == 1, points
    return float(points[0]["Maximum"])


def _score(cw: Any) -> list[float]:
    response = cw.get_metric_data(
        MetricDataQueries=[
            {
                "Id": "score",
                "MetricStat": {
                    "Metric": {
                        "Namespace": "drctl/Readiness",
                        "MetricName": "ReadinessScore",
                        "Dimensions": [{"Name": "App", "Value": "shop"}],
                    },
                    "Period": 60,
                    "Stat": "Minimum",
                },
            }
        ],
        **_window(),
    )
    return [float(v) for v in response["MetricDataResults"][0]["Values"]]


def test_publish_writes_one_metric_per_check_and_the_score(built_now: Any, drctl: Any) -> None:
    result = drctl("-o", "json", "check", "--plan", str(DEMO_PLAN), "--publish")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    checks = doc["checks"]
    published = doc["published"]
    assert published["namespace"] == "drctl/Readiness"
    assert published["region"] == "us-west-2"
    assert published["metrics"] == len(checks) + 1
    passing = sum(1 for c in checks if c["status"] == "pass")
    assert published["score"] == round(100 * passing / len(checks), 2)

    cw = boto3.client("cloudwatch", region_name="us-west-2")
    for c in checks:
        expected = 1.0 if c["status"] == "pass" else 0.0
        assert _check_value(cw, c["resource"], c["check"]) == expected, c
    assert _score(cw) == [published["score"]]
    # Nothing is published in the primary Region.
    east = boto3.client("cloudwatch", region_name="us-east-1")
    assert east.list_metrics(Namespace="drctl/Readiness")["Metrics"] == []


def test_a_failing_check_publishes_0_and_lowers_the_score(built_now: Any, drctl: Any) -> None:
    s3 = boto3.client("s3", region_name="us-west-2")
    s3.put_bucket_versioning(
        Bucket="shop-assets-usw2", VersioningConfiguration={"Status": "Suspended"}
    )
    result = drctl("-o", "json", "check", "--plan", str(DEMO_PLAN), "--publish")
    assert result.exit_code == 1  # still published: a failing plan is what the alarm is for
    doc = json.loads(result.stdout)
    failing = [c for c in doc["checks"] if c["status"] == "fail"]
    assert failing
    cw = boto3.client("cloudwatch", region_name="us-west-2")
    for c in failing:
        assert _check_value(cw, c["resource"], c["check"]) == 0.0
    assert doc["published"]["score"] < 100
    assert _score(cw) == [doc["published"]["score"]]


def test_text_output_says_what_was_published(built_now: Any, drctl: Any) -> None:
    result = drctl("check", "--plan", str(DEMO_PLAN), "--publish")
    assert result.exit_code == 0, result.output
    assert "metric(s) to drctl/Readiness in us-west-2: readiness score" in result.stdout


def test_without_publish_nothing_is_written(built_now: Any, drctl: Any) -> None:
    result = drctl("-o", "json", "check", "--plan", str(DEMO_PLAN))
    assert "published" not in json.loads(result.stdout)
    cw = boto3.client("cloudwatch", region_name="us-west-2")
    assert cw.list_metrics(Namespace="drctl/Readiness")["Metrics"] == []


def test_a_publish_refused_by_aws_exits_1_naming_it(
    built_now: Any, drctl: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto.cloudwatch.models import CloudWatchBackend
    from moto.core.exceptions import JsonRESTError

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise JsonRESTError("AccessDenied", "not authorized to perform cloudwatch:PutMetricData")

    monkeypatch.setattr(CloudWatchBackend, "put_metric_data", refuse)
    result = drctl("check", "--plan", str(DEMO_PLAN), "--publish")
    assert result.exit_code == 1
    assert "publishing readiness metrics to CloudWatch in us-west-2" in result.stderr
    assert "Traceback" not in result.output


def test_the_score_of_no_checks_is_100() -> None:
    from drctl.engine.publish import metric_data, score

    assert score([]) == 100.0
    data = metric_data("shop", [], datetime(2026, 1, 1, tzinfo=UTC))
    assert [d["MetricName"] for d in data] == ["ReadinessScore"]
    assert data[0]["Unit"] == "Percent"
