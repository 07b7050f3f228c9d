"""`drctl failover` that changes nothing: dry runs, refused and declined confirmations, bad
input. The demo sandbox is built once for the module (``shared_sandbox``) and every test
describes the AWS state back to prove it is unchanged."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_failover_cmd import (
    PLAN,
    _journals,
    _primary_health_check,
    _primary_health_check_id,
    _replica_source,
)


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "state"


def test_dry_run_shows_every_step_and_changes_nothing(
    shared_sandbox: Any, drctl: Any, state: Path
) -> None:
    result = drctl("-o", "json", "--state-dir", str(state), "failover", "--plan", PLAN, "--dry-run")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["status"] == "dry-run"
    steps = {s["id"]: s for s in doc["steps"]}
    assert set(steps) == {
        "orders-db.fence",
        "assets.verify-dr",
        "orders-db.drain",
        "orders-db.promote",
        "api.shift-traffic",
    }
    # Planned mode fences the primary first: never two writable primaries.
    assert steps["orders-db.fence"]["phase"] == "fence"
    # The exact command, with the real health check id (plan show, offline, has a placeholder).
    hc_id = _primary_health_check_id()
    assert steps["api.shift-traffic"]["cli"][0].startswith(
        f"aws route53 update-health-check --health-check-id {hc_id} --inverted"
    )
    assert any("read_only" in line for line in steps["orders-db.fence"]["cli"])
    promote = steps["orders-db.promote"]
    assert promote["status"] == "pending"
    assert any("promote-read-replica" in line for line in promote["cli"])
    assert "shop-orders" in promote["detail"]  # current state: replicating from the primary
    assert steps["api.shift-traffic"]["depends_on"] == [
        "assets.verify-dr",
        "orders-db.drain",
        "orders-db.fence",
        "orders-db.promote",
    ]
    # Nothing changed, nothing journaled.
    assert _replica_source() is not None
    assert not _primary_health_check().get("Inverted")
    assert _journals(state) == []


def test_text_dry_run_prints_the_aws_cli_of_each_step(shared_sandbox: Any, drctl: Any) -> None:
    result = drctl("failover", "--plan", PLAN, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "$ aws rds promote-read-replica --db-instance-identifier shop-orders-dr" in (
        result.stdout
    )
    assert "nothing will change" in result.stdout


def test_failover_without_confirmation_is_refused(
    shared_sandbox: Any, drctl: Any, state: Path
) -> None:
    result = drctl("--state-dir", str(state), "failover", "--plan", PLAN)
    assert result.exit_code == 3
    assert "without confirmation" in result.stderr and "--yes" in result.stderr
    assert _replica_source() is not None
    assert _journals(state) == []


def test_declined_prompt_changes_nothing(
    shared_sandbox: Any, drctl: Any, state: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("drctl.cli.common.interactive", lambda: True)
    result = drctl("--state-dir", str(state), "failover", "--plan", PLAN, input="n\n")
    assert result.exit_code == 3
    assert "Failover shop from us-east-1 to us-west-2 (planned)?" in result.stderr
    assert "not confirmed" in result.stderr
    assert _replica_source() is not None


def test_unknown_only_and_unknown_run_are_bad_input(shared_sandbox: Any, drctl: Any) -> None:
    result = drctl("failover", "--plan", PLAN, "--yes", "--only", "ghost")
    assert result.exit_code == 2 and "ghost" in result.stderr
    assert _replica_source() is not None
    missing = drctl("runs", "show", "20990101T000000Z-nope")
    assert missing.exit_code == 2 and "no run" in missing.stderr
