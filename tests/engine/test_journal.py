"""The run journal: append-only JSON lines, fsync'd per event, readable after a crash."""

from __future__ import annotations

import json
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from drctl.engine.journal import Journal, read_journal
from drctl.errors import DrctlError


def test_append_writes_one_sorted_json_line_per_event(tmp_path: Path) -> None:
    path = tmp_path / "state" / "runs" / "r1.jsonl"  # parents are created
    with Journal(path) as journal:
        journal.append({"event": "run-start", "b": 2, "a": 1})
        journal.append({"event": "step-start", "step": "db.promote"})
        # readable at once, before close: every event is flushed
        assert path.read_text().count("\n") == 2
    assert path.read_text().splitlines() == [
        '{"a": 1, "b": 2, "event": "run-start"}',
        '{"event": "step-start", "step": "db.promote"}',
    ]


def test_every_event_is_fsynced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[int] = []
    real_fsync = os.fsync

    def spy(fd: int) -> None:
        synced.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", spy)  # the journal calls os.fsync
    path = tmp_path / "r.jsonl"
    journal = Journal(path)
    opened = len(synced)  # the directory entry is made durable on open
    assert opened == 1
    file_fd = journal._fh.fileno()
    for i in range(3):
        journal.append({"event": "x", "i": i})
        assert synced[-1] == file_fd
        assert len(read_journal(path)) == i + 1  # on disk when append returns
    assert len(synced) == opened + 3
    journal.close()


def test_values_json_cannot_hold_are_written_as_text(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    with Journal(path) as journal:
        journal.append({"event": "x", "at": when, "where": Path("/a/b")})
    assert read_journal(path) == [
        {"event": "x", "at": "2026-01-02 03:04:05+00:00", "where": "/a/b"}
    ]


def test_reopening_appends(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    with Journal(path) as journal:
        journal.append({"n": 1})
    with Journal(path) as journal:
        journal.append({"n": 2})
    assert read_journal(path) == [{"n": 1}, {"n": 2}]


def test_appends_from_many_threads_never_interleave(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    start = threading.Barrier(8)

    def writer(journal: Journal, worker: int) -> None:
        start.wait(5)
        for i in range(25):
            journal.append({"worker": worker, "i": i, "pad": "x" * 200})

    with Journal(path) as journal:
        threads = [threading.Thread(target=writer, args=(journal, w)) for w in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
    events = read_journal(path)
    assert len(events) == 200
    for worker in range(8):
        assert [e["i"] for e in events if e["worker"] == worker] == list(range(25))


def test_close_is_idempotent(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "r.jsonl")
    journal.close()
    journal.close()
    assert journal._fh.closed


def test_an_unwritable_journal_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(DrctlError) as info:
        Journal(blocker / "runs" / "r.jsonl")
    assert str(info.value).startswith(f"cannot write the run journal {blocker}/runs/r.jsonl: ")


# --------------------------------------------------------------------------- mirror


def test_mirror_gets_the_whole_journal_after_each_event(tmp_path: Path) -> None:
    copies: list[bytes] = []
    path = tmp_path / "r.jsonl"
    with Journal(path, mirror=copies.append) as journal:
        journal.append({"n": 1})
        journal.append({"n": 2})
    assert copies == [b'{"n": 1}\n', b'{"n": 1}\n{"n": 2}\n']


def test_a_failing_mirror_never_stops_the_run(tmp_path: Path) -> None:
    calls: list[int] = []

    def flaky(body: bytes) -> None:
        calls.append(len(body))
        if len(calls) == 1:
            raise DrctlError("S3 PutObject failed: AccessDenied")
        if len(calls) == 2:
            raise ConnectionError("reset")

    path = tmp_path / "r.jsonl"
    with Journal(path, mirror=flaky) as journal:
        for n in range(3):
            journal.append({"n": n})
    assert journal.mirror_errors == [
        "S3 PutObject failed: AccessDenied",
        "ConnectionError: reset",
    ]
    assert len(calls) == 3  # retried with each event
    assert read_journal(path) == [{"n": 0}, {"n": 1}, {"n": 2}]


# --------------------------------------------------------------------------- reading


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_read_skips_blank_lines(tmp_path: Path) -> None:
    path = write(tmp_path / "r.jsonl", '{"n": 1}\n\n  \n{"n": 2}\n')
    assert read_journal(path) == [{"n": 1}, {"n": 2}]


def test_a_torn_last_line_is_ignored(tmp_path: Path) -> None:
    path = write(tmp_path / "r.jsonl", '{"n": 1}\n{"n": 2}\n{"event": "step-en')
    assert read_journal(path) == [{"n": 1}, {"n": 2}]


def test_a_corrupt_line_in_the_middle_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path / "r.jsonl", '{"n": 1}\ngarbage\n{"n": 3}\n')
    with pytest.raises(DrctlError) as info:
        read_journal(path)
    assert str(info.value) == f"{path}:2: corrupt journal line"


def test_a_missing_journal_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DrctlError, match="cannot read the run journal"):
        read_journal(tmp_path / "nope.jsonl")


def test_an_empty_journal_has_no_events(tmp_path: Path) -> None:
    assert read_journal(write(tmp_path / "r.jsonl", "")) == []


def test_reopening_after_a_torn_write_drops_the_fragment(tmp_path: Path) -> None:
    """A crash mid-write, then ``--resume``: the resumed run's events must not be glued
    onto the torn fragment (lost, then 'corrupt journal line' once more follow)."""
    path = write(tmp_path / "r.jsonl", '{"event": "run-start"}\n{"event": "step-st')
    with Journal(path) as journal:
        journal.append({"event": "run-resume"})
        journal.append({"event": "step-start"})
    assert path.read_text() == (
        '{"event": "run-start"}\n{"event": "run-resume"}\n{"event": "step-start"}\n'
    )
    assert [e["event"] for e in read_journal(path)] == ["run-start", "run-resume", "step-start"]


def test_reopening_keeps_a_whole_event_that_lost_only_its_newline(tmp_path: Path) -> None:
    path = write(tmp_path / "r.jsonl", '{"n": 1}\n{"n": 2}')
    with Journal(path) as journal:
        journal.append({"n": 3})
    assert read_journal(path) == [{"n": 1}, {"n": 2}, {"n": 3}]


def test_reopening_a_torn_first_line(tmp_path: Path) -> None:
    path = write(tmp_path / "r.jsonl", '{"event": "run-')
    with Journal(path) as journal:
        journal.append({"n": 1})
    assert path.read_text() == '{"n": 1}\n'


def test_journal_events_round_trip(tmp_path: Path) -> None:
    events: list[dict[str, Any]] = [
        {"event": "run-start", "steps": [{"id": "a.b", "depends_on": []}], "n": None},
        {"event": "step-end", "calls": [{"api": "rds:PromoteReadReplica"}], "ok": True},
        {"event": "text", "detail": "line one\nline two \u2713"},
    ]
    path = tmp_path / "r.jsonl"
    with Journal(path) as journal:
        for event in events:
            journal.append(event)
    assert read_journal(path) == events
    assert all(json.loads(line) for line in path.read_text().splitlines())
    assert len(path.read_text().splitlines()) == 3  # newlines inside values are escaped
