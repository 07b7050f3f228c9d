"""``drctl cleanup``: what failbacks kept aside is listed with its age and deleted only once
confirmed, each database with a final snapshot -- read back from RDS."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.conftest import DEMO_PLAN
from tests.docs.json_shapes import documented, mismatches

PLAN = str(DEMO_PLAN)


def _ids(region: str) -> dict[str, str]:
    found = boto3.client("rds", region_name=region).describe_db_instances()["DBInstances"]
    return {i["DBInstanceIdentifier"]: i["DBInstanceStatus"] for i in found}


def _kept() -> set[str]:
    return {
        i
        for region in ("us-east-1", "us-west-2")
        for i, status in _ids(region).items()
        if "-pre-failback-" in i and status != "deleting"
    }


@pytest.fixture
def after_a_cycle(built_now: Any, drctl: Any, tmp_path: Path) -> tuple[Any, str]:
    state = str(tmp_path / "state")
    over = drctl("--state-dir", state, "failover", "--plan", PLAN, "--yes")
    assert over.exit_code == 0, over.output
    back = drctl("--state-dir", state, "failback", "--plan", PLAN, "--yes")
    assert back.exit_code == 0, back.output
    assert "kept aside, not deleted: shop-orders-pre-failback-" in back.output
    assert f"drctl cleanup --plan {PLAN}" in back.output
    return drctl, state


def test_lists_with_age_and_deletes_nothing_on_a_dry_run(after_a_cycle: tuple[Any, str]) -> None:
    drctl, state = after_a_cycle
    kept = _kept()
    assert {k.split("-pre-failback-")[0] for k in kept} == {"shop-orders", "shop-orders-dr"}
    result = drctl("-o", "json", "--state-dir", state, "cleanup", "--plan", PLAN, "--dry-run")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert mismatches(doc, documented()["cleanup"][1]) == []  # as docs/commands/cleanup.md says
    assert doc["dry_run"] is True
    assert {row["id"] for row in doc["leftovers"]} == kept
    for row in doc["leftovers"]:
        assert row["resource"] == "orders-db" and row["what"] == "RDS DB instance"
        assert row["age_seconds"] >= 0 and row["result"] == "would delete"
    assert _kept() == kept


def test_refused_without_confirmation_then_deleted_with_final_snapshots(
    after_a_cycle: tuple[Any, str],
) -> None:
    drctl, state = after_a_cycle
    kept = _kept()
    refused = drctl("--state-dir", state, "cleanup", "--plan", PLAN)
    assert refused.exit_code == 3 and "without confirmation" in refused.output
    assert _kept() == kept

    done = drctl("-o", "json", "--state-dir", state, "cleanup", "--plan", PLAN, "--yes")
    assert done.exit_code == 0, done.output
    assert all(
        row["result"].startswith("deleting ") for row in json.loads(done.stdout)["leftovers"]
    )
    assert _kept() == set()
    # The plan's own instances are untouched; each deleted one left a final snapshot.
    assert _ids("us-east-1")["shop-orders"] == "available"
    assert _ids("us-west-2")["shop-orders-dr"] == "available"
    for kept_id in kept:
        region = "us-west-2" if kept_id.startswith("shop-orders-dr") else "us-east-1"
        snap = boto3.client("rds", region_name=region).describe_db_snapshots(
            DBSnapshotIdentifier=f"{kept_id}-final"
        )["DBSnapshots"][0]
        assert snap["DBInstanceIdentifier"] == kept_id

    again = drctl("--state-dir", state, "cleanup", "--plan", PLAN, "--yes")
    assert again.exit_code == 0 and "nothing kept aside" in again.output


def test_never_deletes_an_instance_that_feeds_a_replica(built_now: Any, drctl: Any) -> None:
    rds = boto3.client("rds", region_name="us-east-1")
    rds.create_db_instance(
        DBInstanceIdentifier="shop-orders-pre-failback-1a2b",
        DBInstanceClass="db.t3.micro",
        Engine="mysql",
        MasterUsername="admin",
        MasterUserPassword="not-a-real-secret-1",
        AllocatedStorage=20,
    )
    rds.create_db_instance_read_replica(
        DBInstanceIdentifier="reporting-replica",
        SourceDBInstanceIdentifier="shop-orders-pre-failback-1a2b",
    )
    result = drctl("cleanup", "--plan", PLAN, "--yes")
    assert result.exit_code == 1
    assert "shop-orders-pre-failback-1a2b is the source of reporting-replica" in result.output
    assert "Traceback" not in result.output
    assert "shop-orders-pre-failback-1a2b" in _ids("us-east-1")
