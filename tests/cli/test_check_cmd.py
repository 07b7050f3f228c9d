"""`drctl check`: the readiness table and the JSON document of cli.md, with exit codes."""

from __future__ import annotations

import json
from typing import Any

import boto3

from tests.cli.conftest import Invocation
from tests.conftest import DEMO_PLAN


def test_check_on_a_healthy_deployment_passes(built_now: Any, drctl: Any) -> None:
    result: Invocation = drctl("-o", "json", "check", "--plan", str(DEMO_PLAN))
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["app"] == "shop" and doc["ok"] is True
    assert doc["summary"]["fail"] == 0 and doc["summary"]["error"] == 0
    assert doc["summary"]["pass"] == len([c for c in doc["checks"] if c["status"] == "pass"])
    first = doc["checks"][0]
    assert set(first) >= {"resource", "kind", "check", "status", "detail"}
    lag = next(c for c in doc["checks"] if c["check"] == "replica-lag")
    assert lag["observed"] <= lag["threshold"] == 300
    assert {c["resource"] for c in doc["checks"]} == {"assets", "orders-db", "api"}


def test_a_failed_check_exits_1_and_says_why(built_now: Any, drctl: Any) -> None:
    s3 = boto3.client("s3", region_name="us-west-2")
    s3.put_bucket_versioning(
        Bucket="shop-assets-usw2", VersioningConfiguration={"Status": "Suspended"}
    )
    result = drctl("-o", "json", "check", "--plan", str(DEMO_PLAN), "--only", "assets")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["ok"] is False
    failing = [c for c in doc["checks"] if c["status"] == "fail"]
    assert [c["resource"] for c in failing] == ["assets"]
    assert any("versioning" in c["check"] or "versioning" in c["detail"] for c in failing)
    text = drctl("check", "--plan", str(DEMO_PLAN), "--only", "assets")
    assert text.exit_code == 1 and "shop-assets-usw2" in text.stdout


def test_check_of_resources_that_do_not_exist_fails_cleanly(aws: None, drctl: Any) -> None:
    result = drctl("check", "--plan", str(DEMO_PLAN))
    assert result.exit_code == 1
    assert "not found" in result.stdout
    assert "Traceback" not in result.output


def test_unknown_only_name_is_bad_input(aws: None, drctl: Any) -> None:
    result = drctl("check", "--plan", str(DEMO_PLAN), "--only", "nope")
    assert result.exit_code == 2
    assert "unknown resource 'nope'" in result.stderr and "assets" in result.stderr
