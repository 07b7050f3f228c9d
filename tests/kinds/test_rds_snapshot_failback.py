"""Failback of a backup-and-restore database (``recovery: snapshot``): the DR instance is
fenced, snapshotted, copied home and restored as the primary; the stale instances are kept
under other names; home is re-protected with a fresh copy in DR. Read back from RDS after
each run, over two cycles, with a rerun that changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from drctl.engine.clock import FakeClock
from drctl.engine.settings import default_settings, make_context
from drctl.kinds.sandboxing import aws_time
from drctl.plan.loader import load_plan
from tests.conftest import EXAMPLES
from tests.support import build_sandbox, collect_checks, run_action

PLAN = EXAMPLES / "startup-backup-restore.yaml"
HOME, AWAY = "us-east-1", "us-west-2"
PRIMARY, DR = "startup-prod", "startup-dr-restored"


@pytest.fixture
def built(aws: None, tmp_path: Path) -> Iterator[tuple[Any, Any]]:
    loaded = load_plan(PLAN)
    settings = default_settings(state_dir=tmp_path / "state", clock=FakeClock())
    aws_time.follow(settings.clock.now)  # AWS moves through its states as the run waits
    build_sandbox(loaded.plan, settings)
    yield loaded, settings
    aws_time.reset()


def _instances(region: str) -> dict[str, dict[str, Any]]:
    found = boto3.client("rds", region_name=region).describe_db_instances()["DBInstances"]
    return {i["DBInstanceIdentifier"]: i for i in found}


def _tags(inst: dict[str, Any]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in inst.get("TagList") or []}


def _group(inst: dict[str, Any]) -> str:
    return str(inst["DBParameterGroups"][0]["DBParameterGroupName"])


def _failing_checks(loaded: Any, settings: Any) -> dict[str, str]:
    ctx = make_context(loaded.plan, settings)
    results = {c.name: c.run() for c in collect_checks(loaded.plan, ctx, ["app-db"])}
    return {n: r.detail for n, r in results.items() if r.status.value in ("fail", "error")}


def _cycle(loaded: Any, settings: Any) -> tuple[Any, Any]:
    over = run_action(loaded, settings, "failover", accept_data_loss=False)
    assert over.status == "succeeded", [(s.id, s.status, s.detail) for s in over.steps]
    back = run_action(loaded, settings, "failback", accept_data_loss=False)
    assert back.status == "succeeded", [(s.id, s.status, s.detail) for s in back.steps]
    return over, back


def test_failback_brings_the_dr_data_home_and_reprotects(built: tuple[Any, Any]) -> None:
    loaded, settings = built
    _, back = _cycle(loaded, settings)
    steps = {s.id.split(".", 1)[1]: s for s in back.steps if s.resource == "app-db"}
    assert list(steps) == [
        "fence-dr", "snapshot-dr", "copy-home", "retire-old-primary", "restore-home",
        "retire-dr", "snapshot", "copy-to-dr",
    ]  # fmt: skip

    home = _instances(HOME)
    restored = home[PRIMARY]
    assert restored["DBInstanceStatus"] == "available"
    copy = _tags(restored)["drctl:restored-from"]
    assert copy == steps["copy-home"].data["snapshot"]
    assert not _group(restored).startswith("drctl-fenced")  # takes writes
    # The copy home is of the DR instance, taken after it was fenced.
    snap = boto3.client("rds", region_name=HOME).describe_db_snapshots(DBSnapshotIdentifier=copy)[
        "DBSnapshots"
    ][0]
    assert snap["Status"] == "available"
    source = boto3.client("rds", region_name=AWAY).describe_db_snapshots(
        DBSnapshotIdentifier=copy.removesuffix("-home")
    )["DBSnapshots"][0]
    assert source["DBInstanceIdentifier"] == DR
    fenced_at = steps["fence-dr"].finished_at
    assert fenced_at is not None and steps["snapshot-dr"].started_at >= fenced_at

    # The stale instances are kept under other names, never deleted.
    [old_primary] = [i for i in home if i.startswith(f"{PRIMARY}-pre-failback-")]
    away = _instances(AWAY)
    assert DR not in away
    [old_dr] = [i for i in away if i.startswith(f"{DR}-pre-failback-")]
    assert _group(away[old_dr]).startswith("drctl-fenced")
    assert old_primary and old_dr

    # Re-protected: a copy of the new home in DR, so the next failover has fresh data.
    assert _failing_checks(loaded, settings) == {}
    newest = max(
        boto3.client("rds", region_name=AWAY).describe_db_snapshots()["DBSnapshots"],
        key=lambda s: s["SnapshotCreateTime"],
    )
    assert newest["DBSnapshotIdentifier"] == steps["copy-to-dr"].data["dr_snapshot"]


def test_a_rerun_changes_nothing_and_a_second_cycle_works(built: tuple[Any, Any]) -> None:
    loaded, settings = built
    _cycle(loaded, settings)
    before = (_instances(HOME).keys(), _instances(AWAY).keys())
    again = run_action(loaded, settings, "failback", accept_data_loss=False)
    assert {s.id: s.status for s in again.steps if s.status != "skipped"} == {}
    assert (_instances(HOME).keys(), _instances(AWAY).keys()) == before

    settings.clock.sleep(120)
    over, _ = _cycle(loaded, settings)
    restore = next(s for s in over.steps if s.id == "app-db.restore")
    # The second failover restored the copy the first failback made, not the first one.
    assert restore.data["snapshot"].startswith("drctl-startup-app-db-")
    assert _instances(HOME)[PRIMARY]["DBInstanceStatus"] == "available"
    assert len([i for i in _instances(AWAY) if i.startswith(f"{DR}-pre-failback-")]) == 2
    assert _failing_checks(loaded, settings) == {}


def test_failback_when_home_already_changes_nothing(built: tuple[Any, Any]) -> None:
    """Never failed over: the primary takes writes and no DR instance exists -- home, read
    from AWS, so every step is a no-op (no snapshot taken, nothing renamed)."""
    loaded, settings = built
    before = (_instances(HOME).keys(), _instances(AWAY).keys())
    record = run_action(loaded, settings, "failback", accept_data_loss=False)
    app_db = [s for s in record.steps if s.resource == "app-db"]
    assert {s.status for s in app_db} == {"skipped"}, [(s.id, s.detail) for s in app_db]
    assert (_instances(HOME).keys(), _instances(AWAY).keys()) == before


def test_failback_refuses_when_dr_was_deleted_by_hand_after_taking_writes(
    built: tuple[Any, Any],
) -> None:
    """Unplanned failover (the old primary was never fenced), DR takes writes, then someone
    deletes DR with a final snapshot: home looks "writable, DR retired", but the writes are
    in that snapshot. Failback fails naming it, and changes nothing at home."""
    loaded, settings = built
    over = run_action(loaded, settings, "failover", mode="unplanned", accept_data_loss=True)
    assert over.status == "succeeded", [(s.id, s.status, s.detail) for s in over.steps]
    home_before = _instances(HOME)[PRIMARY]
    boto3.client("rds", region_name=AWAY).delete_db_instance(
        DBInstanceIdentifier=DR, FinalDBSnapshotIdentifier=f"{DR}-final"
    )
    settings.clock.sleep(1800)  # the deletion and its final snapshot complete
    assert DR not in _instances(AWAY)

    back = run_action(loaded, settings, "failback", accept_data_loss=False)
    assert back.status == "failed"
    details = " ".join(s.detail or "" for s in back.steps if s.resource == "app-db")
    assert f"{DR}-final" in details and "newer than" in details
    home_after = _instances(HOME)
    assert set(home_after) == {PRIMARY}  # nothing renamed aside, nothing restored
    assert home_after[PRIMARY]["InstanceCreateTime"] == home_before["InstanceCreateTime"]


def _die_renaming(monkeypatch: pytest.MonkeyPatch, instance_id: str) -> pytest.MonkeyPatch:
    from drctl.kinds.rds_instance import api

    real = api.rename_instance

    def rename(rds: Any, old: str, new: str) -> None:
        if old == instance_id:
            raise RuntimeError("drctl died here")
        real(rds, old, new)

    monkeypatch.setattr(api, "rename_instance", rename)
    return monkeypatch


def test_a_fresh_run_after_a_failback_died_before_retiring_dr_keeps_the_restored_home(
    built: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The failback restored home (traffic may have moved: writes land there) and died
    before retiring DR, which stays fenced. A fresh run (not a resume) must not snapshot DR
    again and restore over home: it retires DR and re-protects, home untouched."""
    loaded, settings = built
    over = run_action(loaded, settings, "failover", accept_data_loss=False)
    assert over.status == "succeeded", [(s.id, s.status, s.detail) for s in over.steps]
    with monkeypatch.context() as patched:
        _die_renaming(patched, DR)
        first = run_action(loaded, settings, "failback", accept_data_loss=False)
    statuses = {s.id.split(".", 1)[1]: s.status for s in first.steps if s.resource == "app-db"}
    assert statuses["restore-home"] == "succeeded" and statuses["retire-dr"] == "failed"
    home_before = _instances(HOME)
    live = home_before[PRIMARY]

    fresh = run_action(loaded, settings, "failback", accept_data_loss=False)
    assert fresh.status == "succeeded", [(s.id, s.status, s.detail) for s in fresh.steps]
    steps = {s.id.split(".", 1)[1]: s for s in fresh.steps if s.resource == "app-db"}
    for done in ("fence-dr", "snapshot-dr", "copy-home", "retire-old-primary", "restore-home"):
        assert steps[done].status == "skipped", (done, steps[done].detail)
        assert steps[done].calls == []
    assert "restored from" in steps["restore-home"].detail
    assert steps["retire-dr"].status == "succeeded"
    home_after = _instances(HOME)
    assert set(home_after) == set(home_before)  # nothing renamed aside at home
    assert home_after[PRIMARY]["DbiResourceId"] == live["DbiResourceId"]
    assert DR not in _instances(AWAY)
    assert _failing_checks(loaded, settings) == {}


def test_a_restored_home_beside_an_unfenced_dr_waits_for_a_person(
    built: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """As above, then someone put DR back on its own parameter group: both take writes. The
    run waits (exit 3) before fencing, snapshotting or restoring anything."""
    loaded, settings = built
    over = run_action(loaded, settings, "failover", accept_data_loss=False)
    assert over.status == "succeeded"
    with monkeypatch.context() as patched:
        _die_renaming(patched, DR)
        first = run_action(loaded, settings, "failback", accept_data_loss=False)
    assert first.status == "failed"
    rds = boto3.client("rds", region_name=AWAY)
    fenced = _group(_instances(AWAY)[DR])
    original = rds.describe_db_parameter_groups(DBParameterGroupName=fenced)["DBParameterGroups"]
    tags = rds.list_tags_for_resource(ResourceName=original[0]["DBParameterGroupArn"])["TagList"]
    group = next(t["Value"] for t in tags if t["Key"] == "drctl:original-parameter-group")
    rds.modify_db_instance(
        DBInstanceIdentifier=DR, DBParameterGroupName=group, ApplyImmediately=True
    )
    settings.clock.sleep(300)
    before = (_instances(HOME), set(_instances(AWAY)))

    held = run_action(loaded, settings, "failback", accept_data_loss=False)
    assert held.status == "waiting", [(s.id, s.status, s.detail) for s in held.steps]
    fence = next(s for s in held.steps if s.id == "app-db.fence-dr")
    assert fence.status == "waiting" and "cannot tell which holds" in fence.detail
    assert all(s.calls == [] for s in held.steps if s.resource == "app-db")
    after = (_instances(HOME), set(_instances(AWAY)))
    assert set(after[0]) == set(before[0]) and after[1] == before[1]
    assert after[0][PRIMARY]["DbiResourceId"] == before[0][PRIMARY]["DbiResourceId"]
    assert _group(_instances(AWAY)[DR]) == group
