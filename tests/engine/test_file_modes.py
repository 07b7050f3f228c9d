"""Journals, locks and the state directories are created for their owner only.

Each test runs under a permissive umask (0) so that the modes asserted are the ones
drctl asks for, not ones the umask happened to give.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from drctl.engine.journal import Journal, private_dir, read_journal
from drctl.engine.lock import FileLockStore, LockInfo, RunLock
from drctl.engine.runs import runs_dir


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def info(run_id: str, lock_id: str) -> LockInfo:
    return LockInfo(
        lock_id=lock_id,
        app="shop",
        run_id=run_id,
        action="failover",
        host="laptop-1",
        user="alice",
        pid=4242,
        acquired_at="2026-11-24T12:00:00.000Z",
    )


def test_a_journal_and_every_directory_it_needs_are_owner_only(tmp_path: Path) -> None:
    state = tmp_path / "a" / ".drctl"
    path = runs_dir(state) / "r1.jsonl"
    with Journal(path) as journal:
        journal.append({"event": "run-start", "run_id": "r1"})
    assert mode(path) == 0o600
    assert mode(runs_dir(state)) == 0o700
    assert mode(state) == 0o700
    assert mode(tmp_path / "a") == 0o700
    assert read_journal(path) == [{"event": "run-start", "run_id": "r1"}]


def test_reopening_a_journal_keeps_it_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "runs" / "r1.jsonl"
    for n in range(2):  # a resume reopens its run's journal for appending
        with Journal(path) as journal:
            journal.append({"event": "step", "n": n})
    assert mode(path) == 0o600
    assert [e["n"] for e in read_journal(path)] == [0, 1]


def test_existing_directories_are_not_changed(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    os.chmod(shared, 0o755)
    with Journal(shared / "runs" / "r1.jsonl") as journal:
        journal.append({"event": "x"})
    assert mode(shared) == 0o755  # the operator's directory, the operator's choice
    assert mode(shared / "runs") == 0o700
    assert mode(shared / "runs" / "r1.jsonl") == 0o600


def test_the_lock_file_and_its_directory_are_owner_only(tmp_path: Path) -> None:
    store = FileLockStore(tmp_path / "state", "shop")
    lock = RunLock(store, info("r1", "a1"))
    lock.acquire()
    assert mode(store.path) == 0o600
    assert mode(store.path.parent) == 0o700
    assert mode(tmp_path / "state") == 0o700
    # A resume takes the lock over by replacing the file: the new one is private too.
    takeover = RunLock(store, info("r1", "b2"), takeover="r1")
    held = takeover.acquire()
    assert held.lock_id == "a1" and held.run_id == "r1"
    assert mode(store.path) == 0o600
    assert list(store.path.parent.iterdir()) == [store.path]  # no temp file left behind
    takeover.release()
    assert not store.path.exists()


def test_private_dir_creates_each_missing_level(tmp_path: Path) -> None:
    target = tmp_path / "x" / "y" / "z"
    private_dir(target)
    assert [mode(p) for p in (tmp_path / "x", tmp_path / "x" / "y", target)] == [0o700] * 3
    private_dir(target)  # idempotent
    assert mode(target) == 0o700
