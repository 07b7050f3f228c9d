"""`restore` drill: restore into regions.dr as a throw-away instance, measure, verify,
and always delete it -- on success, on failure, on timeout."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from drctl.drills.env import DrillEnv
from drctl.drills.runner import run_one
from drctl.plan.loader import load_plan
from tests.conftest import DEMO_PLAN

DRILLS = """
drills:
  - name: orders-restore
    type: restore
    resource: orders-db
    timeout: 30m
"""


@pytest.fixture
def plan_file(tmp_path: Path) -> Path:
    path = tmp_path / "shop.yaml"
    path.write_text(DEMO_PLAN.read_text() + DRILLS)
    return path


def _replicate_backups() -> None:
    primary = boto3.client("rds", region_name="us-east-1").describe_db_instances(
        DBInstanceIdentifier="shop-orders"
    )["DBInstances"][0]
    boto3.client("rds", region_name="us-west-2").start_db_instance_automated_backups_replication(
        SourceDBInstanceArn=primary["DBInstanceArn"]
    )


def _dr_instances() -> list[str]:
    rds = boto3.client("rds", region_name="us-west-2")
    return sorted(i["DBInstanceIdentifier"] for i in rds.describe_db_instances()["DBInstances"])


def test_restore_is_measured_verified_and_deleted(
    built_now: Any, plan_file: Path, drctl: Any
) -> None:
    _replicate_backups()
    result = drctl("-o", "json", "test", "--plan", str(plan_file))
    assert result.exit_code == 0, result.output
    [drill] = json.loads(result.stdout)["drills"]
    assert drill["status"] == "pass"
    cases = {c["name"]: c for c in drill["checks"]}
    assert cases["orders-db.restore-time"]["expected"] == 900
    assert cases["orders-db.restored-engine"]["observed"] == "mysql"
    assert cases["orders-db.cleanup"]["detail"].startswith("deleted shop-orders-drill-")
    assert drill["measured"]["rto_seconds"] >= 0
    assert _dr_instances() == ["shop-orders-dr"]  # the throw-away instance is gone


def test_without_replicated_backups_it_fails_with_the_command_to_fix_it(
    built_now: Any, plan_file: Path, drctl: Any
) -> None:
    result = drctl("-o", "json", "test", "--plan", str(plan_file))
    assert result.exit_code == 1
    [drill] = json.loads(result.stdout)["drills"]
    cases = {c["name"]: c for c in drill["checks"]}
    assert "start-db-instance-automated-backups-replication" in cases["orders-db.restore"]["detail"]
    assert "never created" in cases["orders-db.cleanup"]["detail"]
    assert _dr_instances() == ["shop-orders-dr"]


def test_a_restore_that_never_becomes_available_is_deleted_anyway(
    built_plan: Any, plan_file: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _replicate_backups()
    from drctl.kinds.rds_instance import api as rds

    real = rds.describe_instance

    def creating_forever(client: Any, instance_id: str) -> Any:
        inst = real(client, instance_id)
        if inst is not None and "-drill-" in instance_id:
            return {**inst, "DBInstanceStatus": "creating"}
        return inst

    monkeypatch.setattr(rds, "describe_instance", creating_forever)
    loaded = load_plan(plan_file)
    result = run_one(loaded.plan.drills[0], DrillEnv(loaded, settings))
    assert result.status == "fail"
    cases = {c.name: c for c in result.cases}
    assert "not available after 30m" in cases["orders-db.restore"].detail
    assert cases["orders-db.cleanup"].status == "pass"
    assert _dr_instances() == ["shop-orders-dr"]
