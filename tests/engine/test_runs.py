"""Run records rebuilt from journals: replay, lookup by id or prefix, the list of runs."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from drctl.engine.journal import Journal
from drctl.engine.runs import (
    RunRecord,
    StepRecord,
    list_runs,
    load_run,
    new_run_id,
    record_from_events,
    runs_dir,
    state_dir,
)
from drctl.errors import ExitCode, UsageError

STEPS = [
    {"id": "db.promote", "resource": "db", "action": "promote", "phase": "data"},
    {"id": "dns.shift", "resource": "dns", "action": "shift", "phase": "traffic"},
]


def start(run_id: str = "r1", at: str = "2026-01-01T00:00:00.000Z", **extra: Any) -> dict[str, Any]:
    return {
        "event": "run-start",
        "at": at,
        "run_id": run_id,
        "app": "shop",
        "action": "failover",
        "mode": "planned",
        "plan": "/plans/shop.yaml",
        "objective_rto_seconds": 900,
        "objective_rpo_seconds": 300,
        "steps": STEPS,
        **extra,
    }


def step_start(step: str, at: str, attempt: int = 1) -> dict[str, Any]:
    return {"event": "step-start", "at": at, "step": step, "attempt": attempt}


def step_end(step: str, at: str, status: str = "succeeded", **extra: Any) -> dict[str, Any]:
    return {"event": "step-end", "at": at, "step": step, "status": status, **extra}


def end(at: str, status: str = "succeeded", **extra: Any) -> dict[str, Any]:
    return {"event": "run-end", "at": at, "status": status, **extra}


def save(base: Path, run_id: str, events: list[dict[str, Any]]) -> Path:
    path = runs_dir(base) / f"{run_id}.jsonl"
    with Journal(path) as journal:
        for event in events:
            journal.append(event)
    return path


# --------------------------------------------------------------------------- ids, dirs


def test_state_dir_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DRCTL_STATE_DIR", str(tmp_path / "env"))
    assert state_dir(tmp_path / "flag") == tmp_path / "flag"
    assert state_dir() == tmp_path / "env"
    monkeypatch.delenv("DRCTL_STATE_DIR")
    assert state_dir() == Path(".drctl")
    assert runs_dir(Path("base")) == Path("base/runs")


def test_run_ids_sort_by_time_and_read_well() -> None:
    now = datetime(2026, 11, 24, 11, 27, 0, tzinfo=UTC)
    run_id = new_run_id(now, "shop", "failover")
    assert re.fullmatch(r"20261124T112700Z-shop-failover-[0-9a-f]{4}", run_id)
    later = new_run_id(datetime(2026, 11, 24, 11, 27, 1, tzinfo=UTC), "shop", "failover")
    assert run_id < later
    assert len({new_run_id(now, "shop", "failover") for _ in range(20)}) > 1


# --------------------------------------------------------------------------- replay


def test_replay_of_a_finished_run() -> None:
    record = record_from_events(
        [
            start(host="ops-1", plan_sha256="abc"),
            step_start("db.promote", "2026-01-01T00:00:01.000Z"),
            step_end(
                "db.promote",
                "2026-01-01T00:00:41.000Z",
                started_at="2026-01-01T00:00:01.000Z",
                duration_seconds=40.0,
                detail="promoted",
                calls=[{"api": "rds:PromoteReadReplica"}],
                data={"endpoint": "db.example"},
            ),
            step_start("dns.shift", "2026-01-01T00:00:42.000Z"),
            step_end("dns.shift", "2026-01-01T00:00:43.000Z", detail="shifted"),
            end("2026-01-01T00:00:44.000Z", rto_seconds=42.0),
        ]
    )
    assert (record.run_id, record.app, record.action, record.mode) == (
        "r1",
        "shop",
        "failover",
        "planned",
    )
    assert record.status == "succeeded"
    assert record.started_at == "2026-01-01T00:00:00.000Z"
    assert record.finished_at == "2026-01-01T00:00:44.000Z"
    assert record.rto_seconds == 42.0
    assert (record.objective_rto_seconds, record.objective_rpo_seconds) == (900, 300)
    assert record.plan == "/plans/shop.yaml"
    assert record.meta == {"host": "ops-1", "plan_sha256": "abc"}
    assert not record.resumable
    db, dns = record.steps
    assert db == StepRecord(
        id="db.promote",
        resource="db",
        action="promote",
        phase="data",
        status="succeeded",
        started_at="2026-01-01T00:00:01.000Z",
        finished_at="2026-01-01T00:00:41.000Z",
        duration_seconds=40.0,
        attempts=1,
        detail="promoted",
        calls=[{"api": "rds:PromoteReadReplica"}],
        data={"endpoint": "db.example"},
    )
    assert (dns.status, dns.started_at, dns.detail, dns.calls) == (
        "succeeded",
        "2026-01-01T00:00:42.000Z",
        "shifted",
        [],
    )


def test_a_run_without_an_end_was_interrupted() -> None:
    record = record_from_events(
        [
            start(),
            step_start("db.promote", "2026-01-01T00:00:01.000Z"),
            step_end("db.promote", "2026-01-01T00:00:02.000Z"),
            step_start("dns.shift", "2026-01-01T00:00:03.000Z"),
        ]
    )
    assert record.status == "interrupted"
    assert record.finished_at is None and record.rto_seconds is None
    assert record.resumable
    assert [(s.id, s.status) for s in record.steps] == [
        ("db.promote", "succeeded"),
        ("dns.shift", "running"),
    ]


def test_a_run_start_alone() -> None:
    record = record_from_events([start()])
    assert record.status == "interrupted"
    assert [(s.status, s.attempts, s.started_at) for s in record.steps] == [
        ("pending", 0, None),
        ("pending", 0, None),
    ]


def test_replay_of_a_failed_then_resumed_run() -> None:
    record = record_from_events(
        [
            start(),
            step_start("db.promote", "2026-01-01T00:00:01.000Z"),
            step_end("db.promote", "2026-01-01T00:00:02.000Z", status="failed", detail="boom"),
            end("2026-01-01T00:00:02.000Z", status="failed", error="step db.promote failed: boom"),
            {"event": "run-resume", "at": "2026-01-01T01:00:00.000Z", "run_id": "r1"},
            {"event": "approval", "at": "2026-01-01T01:00:00.000Z", "step": "call", "by": "ann"},
            step_start("db.promote", "2026-01-01T01:00:01.000Z", attempt=2),
        ]
    )
    assert record.resumes == 1
    assert record.status == "interrupted"  # the resume has not ended yet
    assert record.error is None and record.finished_at is None
    assert record.approvals == [{"at": "2026-01-01T01:00:00.000Z", "step": "call", "by": "ann"}]
    db = record.steps[0]
    assert (db.status, db.attempts, db.started_at) == ("running", 2, "2026-01-01T01:00:01.000Z")


def test_attempts_count_up_without_an_attempt_field() -> None:
    record = record_from_events(
        [
            start(),
            {"event": "step-start", "at": "t1", "step": "db.promote"},
            {"event": "step-start", "at": "t2", "step": "db.promote"},
        ]
    )
    assert record.steps[0].attempts == 2


def test_events_for_unknown_steps_and_unknown_events_are_ignored() -> None:
    record = record_from_events(
        [
            start(),
            step_start("ghost.step", "t1"),
            step_end("ghost.step", "t2"),
            {"event": "something-new", "at": "t3"},
            end("t4", status="failed", error="x"),
        ]
    )
    assert [s.id for s in record.steps] == ["db.promote", "dns.shift"]
    assert {s.status for s in record.steps} == {"pending"}
    assert (record.status, record.error) == ("failed", "x")


def test_drill_cases_and_measured_rpo() -> None:
    record = record_from_events(
        [
            start(action="drill", drill={"name": "r", "type": "replication"}, steps=[]),
            {"event": "case", "at": "t", "name": "object copied", "status": "pass"},
            end("t2", rpo_seconds=3.5),
        ]
    )
    assert record.cases == [{"name": "object copied", "status": "pass"}]
    assert record.rpo_seconds == 3.5
    shape = record.as_dict()
    assert shape["drill"] == {"name": "r", "type": "replication"}
    assert shape["cases"] == [{"name": "object copied", "status": "pass"}]


@pytest.mark.parametrize(
    "events",
    [[], [{"event": "step-start", "at": "t", "step": "x"}], [{"no": "event"}]],
    ids=["empty", "no-run-start-first", "not-events"],
)
def test_not_a_journal(events: list[dict[str, Any]]) -> None:
    with pytest.raises(UsageError) as info:
        record_from_events(events)
    assert str(info.value) == "not a drctl run journal (no run-start event)"
    assert info.value.exit_code == ExitCode.BAD_INPUT


def test_as_dict_matches_the_cli_contract() -> None:
    record = record_from_events(
        [
            start(rpo_gate={"data_loss_window_seconds": 12.0}),
            step_start("db.promote", "s"),
            step_end("db.promote", "e", detail="ok", duration_seconds=1.5, data={"k": 1}),
            end("f", rto_seconds=901.0),
        ]
    )
    shape = record.as_dict()
    assert set(shape) >= {
        "run_id",
        "app",
        "action",
        "mode",
        "status",
        "started_at",
        "finished_at",
        "rto_seconds",
        "objective_rto_seconds",
        "steps",
    }
    assert shape["rto_met"] is False  # 901 > 900
    assert shape["data_loss_window_seconds"] == 12.0
    assert "drill" not in shape and "cases" not in shape
    assert shape["steps"][0] == {
        "id": "db.promote",
        "resource": "db",
        "action": "promote",
        "phase": "data",
        "stage": "recovery",  # a journal without stages: every step counted, as it was
        "status": "succeeded",
        "started_at": "s",
        "finished_at": "e",
        "duration_seconds": 1.5,
        "attempts": 1,
        "detail": "ok",
        "calls": [],
    }


@pytest.mark.parametrize(
    ("rto", "objective", "met"), [(900.0, 900, True), (10.0, 900, True), (None, 900, None)]
)
def test_rto_met(rto: float | None, objective: int, met: bool | None) -> None:
    record = RunRecord(
        run_id="r",
        app="a",
        action="failover",
        mode="planned",
        status="succeeded",
        started_at="s",
        finished_at="f",
        rto_seconds=rto,
        objective_rto_seconds=objective,
    )
    assert record.as_dict()["rto_met"] is met


@pytest.mark.parametrize(
    ("status", "resumable"),
    [
        ("succeeded", False),
        ("dry-run", False),
        ("failed", True),
        ("aborted", True),
        ("interrupted", True),
        ("waiting", True),
    ],
)
def test_resumable(status: str, resumable: bool) -> None:
    record = record_from_events([start(), end("t", status=status)])
    assert record.resumable is resumable


# --------------------------------------------------------------------------- load, list


def test_load_run_by_id_and_by_prefix(tmp_path: Path) -> None:
    save(
        tmp_path,
        "20260101T000000Z-shop-failover-aaaa",
        [start("20260101T000000Z-shop-failover-aaaa")],
    )
    save(
        tmp_path,
        "20260102T000000Z-shop-failback-bbbb",
        [start("20260102T000000Z-shop-failback-bbbb")],
    )
    assert load_run(tmp_path, "20260101T000000Z-shop-failover-aaaa").run_id.endswith("aaaa")
    assert load_run(tmp_path, "20260102").run_id == "20260102T000000Z-shop-failback-bbbb"


def test_an_exact_id_wins_over_longer_ids_it_prefixes(tmp_path: Path) -> None:
    save(tmp_path, "run", [start("run")])
    save(tmp_path, "run-2", [start("run-2")])
    assert load_run(tmp_path, "run").run_id == "run"


def test_an_ambiguous_prefix_is_refused(tmp_path: Path) -> None:
    save(tmp_path, "2026-a", [start("2026-a")])
    save(tmp_path, "2026-b", [start("2026-b")])
    with pytest.raises(UsageError) as info:
        load_run(tmp_path, "2026")
    assert str(info.value) == f"no run '2026' in {tmp_path / 'runs'} (ambiguous prefix)"
    assert info.value.hint == "drctl runs list shows the runs kept there"
    assert info.value.exit_code == 2


def test_an_unknown_run_is_refused(tmp_path: Path) -> None:
    save(tmp_path, "2026-a", [start("2026-a")])
    with pytest.raises(UsageError) as info:
        load_run(tmp_path, "1999")
    assert str(info.value) == f"no run '1999' in {tmp_path / 'runs'}"
    with pytest.raises(UsageError):
        load_run(tmp_path / "elsewhere", "2026")


def test_load_run_of_an_interrupted_journal_with_a_torn_line(tmp_path: Path) -> None:
    path = save(tmp_path, "r1", [start(), step_start("db.promote", "t1")])
    with path.open("a") as fh:
        fh.write('{"event": "step-end", "st')
    record = load_run(tmp_path, "r1")
    assert record.status == "interrupted"
    assert record.steps[0].status == "running"


def test_list_runs_newest_first_skipping_unreadable_journals(tmp_path: Path) -> None:
    assert list_runs(tmp_path) == []  # no runs directory yet
    save(
        tmp_path, "20260101T000000Z-a", [start("20260101T000000Z-a", at="2026-01-01T00:00:00.000Z")]
    )
    save(
        tmp_path,
        "20260103T000000Z-c",
        [start("20260103T000000Z-c", at="2026-01-03T00:00:00.000Z"), end("t", "failed")],
    )
    # same second as b: the millisecond start time orders them
    save(
        tmp_path,
        "20260102T000000Z-b1",
        [start("20260102T000000Z-b1", at="2026-01-02T00:00:00.900Z")],
    )
    save(
        tmp_path,
        "20260102T000000Z-b2",
        [start("20260102T000000Z-b2", at="2026-01-02T00:00:00.100Z")],
    )
    runs = runs_dir(tmp_path)
    (runs / "20260104T000000Z-corrupt.jsonl").write_text('{"event": "run-start"\nnot json\n{}\n')
    (runs / "20260105T000000Z-empty.jsonl").write_text("")
    (runs / "20260106T000000Z-nostart.jsonl").write_text('{"event": "step-start"}\n')
    (runs / "20260107T000000Z-keys.jsonl").write_text('{"event": "run-start"}\n')  # no run_id
    (runs / "notes.txt").write_text("not a journal")
    records = list_runs(tmp_path)
    assert [(r.run_id, r.status) for r in records] == [
        ("20260103T000000Z-c", "failed"),
        ("20260102T000000Z-b1", "interrupted"),
        ("20260102T000000Z-b2", "interrupted"),
        ("20260101T000000Z-a", "interrupted"),
    ]
