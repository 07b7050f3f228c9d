"""`rds-instance` with `recovery: snapshot`: drctl backup, the DR-copy check against the
RPO, restore on failover -- AWS state described back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from drctl.engine.clock import SystemClock
from drctl.engine.settings import default_settings, make_context
from drctl.plan.loader import load_plan
from drctl.sandbox.builders import SandboxBuilder
from tests.conftest import EXAMPLES
from tests.support import collect_checks, invoke, run_action

PLAN = EXAMPLES / "startup-backup-restore.yaml"


@pytest.fixture
def built(aws: None, tmp_path: Path) -> tuple[Any, Any]:
    loaded = load_plan(PLAN)
    settings = default_settings(state_dir=tmp_path / "state", clock=SystemClock())
    ctx = make_context(loaded.plan, settings)
    SandboxBuilder(loaded.plan, ctx.sessions, settings.clock).build()
    return loaded, settings


def _checks(loaded: Any, settings: Any) -> dict[str, Any]:
    ctx = make_context(loaded.plan, settings)
    return {c.name: c.run() for c in collect_checks(loaded.plan, ctx, ["app-db"])}


def _dr_snapshots() -> list[dict[str, Any]]:
    rds = boto3.client("rds", region_name="us-west-2")
    return list(rds.describe_db_snapshots()["DBSnapshots"])


def test_checks_pass_with_a_fresh_copy_and_fail_without_one(built: tuple[Any, Any]) -> None:
    loaded, settings = built
    results = _checks(loaded, settings)
    assert {n: r.status.value for n, r in results.items()} == {
        "primary": "pass",
        "dr-snapshot": "pass",
        "restore-target": "pass",
    }
    assert results["dr-snapshot"].threshold == 3600
    rds = boto3.client("rds", region_name="us-west-2")
    for snap in _dr_snapshots():
        rds.delete_db_snapshot(DBSnapshotIdentifier=snap["DBSnapshotIdentifier"])
    missing = _checks(loaded, settings)["dr-snapshot"]
    assert missing.status.value == "fail" and "drctl backup" in missing.detail


def test_a_copy_older_than_the_rpo_fails(built: tuple[Any, Any], monkeypatch: Any) -> None:
    loaded, settings = built
    from datetime import timedelta

    later = settings.clock.now() + timedelta(hours=2)
    monkeypatch.setattr(settings.clock, "now", lambda: later)
    stale = _checks(loaded, settings)["dr-snapshot"]
    assert stale.status.value == "fail" and "over the RPO of 1h" in stale.detail


def test_failover_restores_the_newest_copy(built: tuple[Any, Any]) -> None:
    loaded, settings = built
    record = run_action(loaded, settings, "failover")
    assert record.status == "succeeded", [(s.id, s.detail) for s in record.steps]
    restore = next(s for s in record.steps if s.id == "app-db.restore")
    assert restore.data["snapshot"] == "drctl-sandbox-app-db-dr"
    inst = boto3.client("rds", region_name="us-west-2").describe_db_instances(
        DBInstanceIdentifier="startup-dr-restored"
    )["DBInstances"][0]
    assert inst["DBInstanceStatus"] == "available"
    again = run_action(loaded, settings, "failover")
    assert next(s for s in again.steps if s.id == "app-db.restore").status == "skipped"


def test_drctl_backup_snapshots_and_copies(built: tuple[Any, Any], tmp_path: Path) -> None:
    dry = invoke("-o", "json", "--state-dir", str(tmp_path / "s"), "backup", "--plan", str(PLAN),
                 "--dry-run")  # fmt: skip
    assert dry.exit_code == 0, dry.output
    assert [s["action"] for s in json.loads(dry.stdout)["steps"]] == ["snapshot", "copy-to-dr"]
    before = len(_dr_snapshots())
    done = invoke("-o", "json", "--state-dir", str(tmp_path / "s"), "backup", "--plan",
                  str(PLAN), "--yes")  # fmt: skip
    assert done.exit_code == 0, done.output
    doc = json.loads(done.stdout)
    copy = next(s for s in doc["steps"] if s["action"] == "copy-to-dr")
    assert copy["status"] == "succeeded"
    snapshots = _dr_snapshots()
    assert len(snapshots) == before + 1
    newest = max(snapshots, key=lambda s: s["SnapshotCreateTime"])
    assert newest["DBSnapshotIdentifier"].startswith("drctl-startup-app-db-")
    assert newest["Encrypted"] is True
    assert {t["Key"]: t["Value"] for t in newest["TagList"]}["drctl:app"] == "startup"


def test_backup_of_a_plan_without_snapshot_recovery_is_bad_input(aws: None) -> None:
    from tests.conftest import DEMO_PLAN

    result = invoke("backup", "--plan", str(DEMO_PLAN), "--yes")
    assert result.exit_code == 2 and "nothing drctl backup applies to" in result.stderr
