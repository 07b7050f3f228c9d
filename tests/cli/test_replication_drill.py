"""`replication` drill: a canary written in the primary, timed until readable in DR,
removed from both sides afterwards (every version), also when the drill fails."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from drctl.kinds.s3_bucket import moto_replication as s3_replication
from tests.conftest import DEMO_PLAN

DRILLS = """
drills:
  - name: assets-replication
    type: replication
    resource: assets
    timeout: 5s
"""


@pytest.fixture
def plan_file(tmp_path: Path) -> Path:
    path = tmp_path / "shop.yaml"
    path.write_text(DEMO_PLAN.read_text() + DRILLS)
    return path


@pytest.fixture
def slow_replication(built_now: Any) -> Iterator[None]:
    """Replication that takes 3 AWS seconds. An in-process CLI run polls on the sandbox's AWS
    clock (drctl.kinds.sandboxing.AwsClock), so the drill measures AWS time, as it would on
    AWS."""
    previous = s3_replication.get_replication_delay()
    s3_replication.set_replication_delay(3.0)
    yield
    s3_replication.set_replication_delay(previous)
    s3_replication.wait_for_replication()


def _canary_versions(bucket: str, region: str) -> list[Any]:
    s3 = boto3.client("s3", region_name=region)
    page = s3.list_object_versions(Bucket=bucket, Prefix="drctl-canary/")
    return [*page.get("Versions", []), *page.get("DeleteMarkers", [])]


def test_measures_the_lag_and_cleans_up(
    built_now: Any, plan_file: Path, drctl: Any, slow_replication: None
) -> None:
    result = drctl("-o", "json", "test", "--plan", str(plan_file))
    assert result.exit_code == 0, result.output
    [drill] = json.loads(result.stdout)["drills"]
    assert drill["status"] == "pass"
    lag = drill["measured"]["rpo_seconds"]
    assert 3.0 <= lag < 5  # the extension's three seconds, measured
    [case] = drill["checks"]
    assert case["name"] == "assets.replication-lag" and case["expected"] == 300
    s3_replication.wait_for_replication()
    assert _canary_versions("shop-assets-use1", "us-east-1") == []
    assert _canary_versions("shop-assets-usw2", "us-west-2") == []
    runs = json.loads(drctl("-o", "json", "runs", "list", "--type", "drill").stdout)["runs"]
    assert runs[0]["rpo_seconds"] == lag


def test_broken_replication_fails_and_still_cleans_up(
    built_now: Any, plan_file: Path, drctl: Any
) -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    config = s3.get_bucket_replication(Bucket="shop-assets-use1")["ReplicationConfiguration"]
    for rule in config["Rules"]:
        rule["Status"] = "Disabled"
    s3.put_bucket_replication(Bucket="shop-assets-use1", ReplicationConfiguration=config)
    result = drctl("-o", "json", "test", "--plan", str(plan_file))
    assert result.exit_code == 1
    [drill] = json.loads(result.stdout)["drills"]
    assert drill["status"] == "fail"
    assert "not readable in s3://shop-assets-usw2 after 5.0s" in drill["checks"][0]["detail"]
    assert _canary_versions("shop-assets-use1", "us-east-1") == []
