"""`drctl demo`: the README's first command tells the whole story and it holds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from drctl.cli.main import cli
from drctl.engine.clock import parse_iso


def test_demo_fails_over_and_reports_rto(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["--output", "json", "--state-dir", str(tmp_path), "demo"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    from tests.docs.json_shapes import documented, mismatches

    assert mismatches(doc, documented()["demo"][1]) == []  # as docs/commands/demo.md says
    failover = doc["failover"]
    assert failover["status"] == "succeeded"
    assert failover["rto_seconds"] is not None
    assert failover["rto_seconds"] <= failover["objective_rto_seconds"]
    assert {s["id"]: s["status"] for s in failover["steps"]} == {
        "orders-db.fence": "succeeded",
        "assets.verify-dr": "succeeded",
        "orders-db.drain": "succeeded",
        "orders-db.promote": "succeeded",
        "api.shift-traffic": "succeeded",
    }
    failback = doc["failback"]
    assert failback["status"] == "succeeded", failback
    assert failback["rto_seconds"] is not None
    statuses = {s["id"]: s["status"] for s in failback["steps"]}
    assert statuses["orders-db.reprotect"] == "succeeded"
    assert statuses["orders-db.promote-home"] == "succeeded"
    assert statuses["api.restore-traffic"] == "succeeded"
    assert statuses["orders-db.retire-dr"] == "succeeded"
    assert statuses["orders-db.reprotect-dr"] == "succeeded"
    # The failback's downtime runs from the DR fence to traffic home: creating the home
    # replica (minutes of AWS time) happened while the app still served from DR.
    steps = {s["id"]: s for s in failback["steps"]}
    assert steps["orders-db.reprotect"]["stage"] == "preparation"
    assert steps["orders-db.retire-dr"]["stage"] == "post-recovery"
    assert steps["orders-db.reprotect-dr"]["stage"] == "post-recovery"
    assert steps["orders-db.fence-dr"]["stage"] == "recovery"
    fence = parse_iso(steps["orders-db.fence-dr"]["started_at"])
    home = parse_iso(steps["api.restore-traffic"]["finished_at"])
    assert failback["rto_seconds"] == pytest.approx((home - fence).total_seconds(), abs=0.01)
    assert failback["rto_met"] is True
    # Stage spans come from journaled (millisecond) times, step durations from the monotonic
    # clock: equal up to rounding.
    reprotect = steps["orders-db.reprotect"]["duration_seconds"]
    assert failback["preparation_seconds"] >= reprotect - 0.01
    assert (
        failback["post_recovery_seconds"]
        >= steps["orders-db.reprotect-dr"]["duration_seconds"] - 0.01
    )
    assert parse_iso(steps["orders-db.reprotect"]["finished_at"]) <= fence
    # After the failback the plan is protected again, exactly as before.
    assert doc["checks_final"]["fail"] == 0 and doc["checks_final"]["error"] == 0
    # Before: all ready. After: the promoted replica, the fenced (read-only) old primary and
    # the inverted health check show.
    assert doc["checks_before"]["fail"] == 0 and doc["checks_before"]["error"] == 0
    assert doc["checks_after"]["fail"] == 3
    # The run was journaled where we asked.
    assert list((tmp_path / "runs").glob("*.jsonl"))


def test_demo_says_what_the_failback_rto_leaves_out(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--state-dir", str(tmp_path), "demo"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "failback ✔ succeeded: measured RTO" in text
    failback_line = text.split("failback ✔ succeeded: measured RTO", 1)[1]
    assert "within the objective of 15m" in failback_line.split("re-protecting took", 1)[0]
    assert "before the switch, not counted in the RTO (" in failback_line
    assert "orders-db.reprotect" in failback_line
    assert "post-recovery steps took" in failback_line
    assert (
        "after traffic moved, not counted in the RTO (orders-db.retire-dr, orders-db.reprotect-dr)"
    ) in failback_line
