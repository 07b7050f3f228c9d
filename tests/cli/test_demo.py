"""`drctl demo`: the README's first command tells the whole story and it holds."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from drctl.cli.main import cli


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
    assert statuses["orders-db.reprotect-dr"] == "succeeded"
    # After the failback the plan is protected again, exactly as before.
    assert doc["checks_final"]["fail"] == 0 and doc["checks_final"]["error"] == 0
    # Before: all ready. After: the promoted replica, the fenced (read-only) old primary and
    # the inverted health check show.
    assert doc["checks_before"]["fail"] == 0 and doc["checks_before"]["error"] == 0
    assert doc["checks_after"]["fail"] == 3
    # The run was journaled where we asked.
    assert list((tmp_path / "runs").glob("*.jsonl"))
