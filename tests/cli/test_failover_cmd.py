"""`drctl failover` and `drctl runs`: dry run changes nothing, confirmation gates, journal.

Every test describes the AWS state back after the command: a replica that still
replicates, a health check that is (not) inverted, a journal on disk.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.conftest import DEMO_PLAN

PLAN = str(DEMO_PLAN)


def _replica_source() -> str | None:
    rds = boto3.client("rds", region_name="us-west-2")
    inst = rds.describe_db_instances(DBInstanceIdentifier="shop-orders-dr")["DBInstances"][0]
    return inst.get("ReadReplicaSourceDBInstanceIdentifier")


def _primary_health_check() -> dict[str, Any]:
    r53 = boto3.client("route53", region_name="us-east-1")
    zone = r53.list_hosted_zones_by_name(DNSName="shop.example.com.")["HostedZones"][0]
    records = r53.list_resource_record_sets(HostedZoneId=zone["Id"])["ResourceRecordSets"]
    primary = next(r for r in records if r.get("Failover") == "PRIMARY")
    hc = r53.get_health_check(HealthCheckId=primary["HealthCheckId"])["HealthCheck"]
    return dict(hc["HealthCheckConfig"])


def _primary_health_check_id() -> str:
    r53 = boto3.client("route53", region_name="us-east-1")
    zone = r53.list_hosted_zones_by_name(DNSName="shop.example.com.")["HostedZones"][0]
    records = r53.list_resource_record_sets(HostedZoneId=zone["Id"])["ResourceRecordSets"]
    return str(next(r for r in records if r.get("Failover") == "PRIMARY")["HealthCheckId"])


def _journals(state: Path) -> list[Path]:
    return sorted((state / "runs").glob("*.jsonl"))


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "state"


def test_confirmed_failover_moves_the_app_and_journals_it(
    built_now: Any, drctl: Any, state: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("drctl.cli.common.interactive", lambda: True)
    result = drctl("--state-dir", str(state), "failover", "--plan", PLAN, input="y\n")
    assert result.exit_code == 0, result.output
    assert "RTO" in result.stdout
    assert _replica_source() is None
    assert _primary_health_check()["Inverted"] is True
    assert len(_journals(state)) == 1


def test_failover_yes_json_then_rerun_is_a_no_op(built_now: Any, drctl: Any, state: Path) -> None:
    first = drctl("-o", "json", "--state-dir", str(state), "failover", "--plan", PLAN, "--yes")
    assert first.exit_code == 0, first.output
    doc = json.loads(first.stdout)
    assert doc["status"] == "succeeded" and doc["action"] == "failover"
    assert doc["rto_met"] is True and doc["rto_seconds"] <= doc["objective_rto_seconds"]
    assert {s["status"] for s in doc["steps"]} == {"succeeded"}
    promote = next(s for s in doc["steps"] if s["id"] == "orders-db.promote")
    assert [c["operation"] for c in promote["calls"]] == ["PromoteReadReplica"]
    assert promote["calls"][0]["request_id"]
    # AWS state after: standalone DR instance, inverted health check.
    assert _replica_source() is None
    assert _primary_health_check()["Inverted"] is True

    second = drctl("-o", "json", "--state-dir", str(state), "failover", "--plan", PLAN, "--yes")
    assert second.exit_code == 0, second.output
    again = json.loads(second.stdout)
    assert {s["status"] for s in again["steps"]} == {"skipped"} | (
        {"succeeded"} if any(s["id"] == "assets.verify-dr" for s in again["steps"]) else set()
    )
    mutating = [c for s in again["steps"] for c in s["calls"]]
    assert mutating == []

    runs = drctl("-o", "json", "--state-dir", str(state), "runs", "list", "--app", "shop")
    listed = json.loads(runs.stdout)["runs"]
    assert [r["run_id"] for r in listed] == [again["run_id"], doc["run_id"]]
    assert all(r["status"] == "succeeded" for r in listed)

    prefix = doc["run_id"][: len("20261124T115320Z-shop-failover-") + 2]
    if again["run_id"].startswith(prefix):
        prefix = doc["run_id"]
    shown = drctl("-o", "json", "--state-dir", str(state), "runs", "show", prefix)
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["steps"] == doc["steps"]
    text = drctl("--state-dir", str(state), "runs", "show", doc["run_id"])
    assert text.exit_code == 0 and "orders-db.promote" in text.stdout


def test_runs_list_empty_state(drctl: Any, tmp_path: Path) -> None:
    result = drctl("--state-dir", str(tmp_path / "empty"), "runs", "list")
    assert result.exit_code == 0 and "no runs" in result.stdout
    as_json = drctl("-o", "json", "--state-dir", str(tmp_path / "empty"), "runs", "list")
    assert json.loads(as_json.stdout) == {"runs": []}


def test_step_mode_asks_before_each_step_and_stops_when_told(
    built_now: Any, drctl: Any, state: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("drctl.cli.common.interactive", lambda: True)
    # Confirm the run, run the four data-side steps, refuse the fifth (traffic).
    result = drctl(
        "-o", "json", "--state-dir", str(state), "failover", "--plan", PLAN, "--step",
        input="y\ny\ny\ny\ny\nn\n",
    )  # fmt: skip
    assert result.exit_code == 130, result.output
    assert result.stderr.count("Run this step?") == 5
    assert "Next: api.shift-traffic" in result.stderr
    doc = json.loads(result.stdout)
    assert doc["status"] == "aborted"
    assert {s["id"]: s["status"] for s in doc["steps"]}["api.shift-traffic"] == "pending"
    assert _replica_source() is None and not _primary_health_check().get("Inverted")
    monkeypatch.setattr("drctl.cli.common.interactive", lambda: False)
    no_tty = drctl("failover", "--plan", PLAN, "--step", "--yes")
    assert no_tty.exit_code == 2 and "needs a terminal" in no_tty.stderr
