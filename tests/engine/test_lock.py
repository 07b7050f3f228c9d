"""The run lock: one run per plan, a holder named, broken only by its id.

The same contract is exercised against each store: a file beside the journals,
an S3 object with conditional puts, a DynamoDB item with conditional writes
(moto evaluates the conditions, as AWS would).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import boto3
import pytest

from drctl.aws.state_store import DynamoDbLockStore, S3JournalMirror, S3LockStore
from drctl.engine.lock import FileLockStore, LockInfo, LockStore, RunLock, break_lock
from drctl.errors import LockHeld, UsageError


def info(run_id: str, lock_id: str = "a1") -> LockInfo:
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


def file_store(tmp_path: Path) -> LockStore:
    return FileLockStore(tmp_path / "state", "shop")


def s3_store(tmp_path: Path) -> LockStore:
    s3 = boto3.client("s3", region_name="eu-west-1")
    s3.create_bucket(
        Bucket="shop-drctl-state", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    return S3LockStore(s3, "shop-drctl-state", "shop", LockInfo.from_dict)


def dynamodb_store(tmp_path: Path) -> LockStore:
    ddb = boto3.client("dynamodb", region_name="eu-west-1")
    ddb.create_table(
        TableName="drctl-locks",
        KeySchema=[{"AttributeName": "lock", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "lock", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return DynamoDbLockStore(ddb, "drctl-locks", "shop", LockInfo.from_dict)


STORES = [file_store, s3_store, dynamodb_store]


@pytest.fixture(params=STORES, ids=["file", "s3", "dynamodb"])
def make_store(request: pytest.FixtureRequest, aws: None) -> Callable[[Path], LockStore]:
    return request.param  # type: ignore[no-any-return]


def test_second_run_is_refused_and_told_who_holds_the_lock(
    make_store: Callable[[Path], LockStore], tmp_path: Path
) -> None:
    store = make_store(tmp_path)
    first = RunLock(store, info("run-1", "a1"))
    first.acquire()
    with pytest.raises(LockHeld) as refused:
        RunLock(store, replace(info("run-2", "b2"), host="laptop-2", user="bob")).acquire()
    assert refused.value.exit_code == 4
    message = refused.value.message
    assert "run-1" in message and "alice@laptop-1" in message and "2026-11-24T12:00" in message
    assert "drctl unlock --plan PLAN a1" in (refused.value.hint or "")
    assert store.read() == info("run-1", "a1")  # the loser changed nothing
    first.release()
    assert store.read() is None
    with RunLock(store, info("run-2", "b2")) as held:
        assert store.read() == held


def test_resume_takes_over_the_lock_of_its_own_run_only(
    make_store: Callable[[Path], LockStore], tmp_path: Path
) -> None:
    store = make_store(tmp_path)
    RunLock(store, info("run-1", "a1")).acquire()  # killed: never released
    taken = RunLock(store, replace(info("run-1", "zz"), pid=99), takeover="run-1").acquire()
    assert taken.lock_id == "a1" and taken.pid == 99
    assert store.read() == taken
    with pytest.raises(LockHeld):
        RunLock(store, info("run-3", "c3"), takeover="run-2").acquire()


def test_unlock_needs_the_lock_id(make_store: Callable[[Path], LockStore], tmp_path: Path) -> None:
    store = make_store(tmp_path)
    RunLock(store, info("run-1", "a1")).acquire()
    with pytest.raises(UsageError, match="does not match") as refused:
        break_lock(store, "wrong")
    assert "a1" not in refused.value.message + (refused.value.hint or "")  # not revealed
    assert store.read() is not None
    assert break_lock(store, "a1").run_id == "run-1"
    assert store.read() is None
    with pytest.raises(UsageError, match="no lock"):
        break_lock(store, "a1")


def test_journal_mirror_puts_the_whole_journal_in_the_bucket(aws: None) -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="shop-drctl-state")
    mirror = S3JournalMirror(s3, "shop-drctl-state", "shop")
    mirror.upload("run-1", b'{"event": "run-start"}\n')
    mirror.upload("run-1", b'{"event": "run-start"}\n{"event": "run-end"}\n')
    assert mirror.download("run-1") == b'{"event": "run-start"}\n{"event": "run-end"}\n'
    assert mirror.run_ids() == ["run-1"]
    assert mirror.download("nope") is None


def test_a_lock_of_a_dead_process_on_this_host_is_reported_stale(
    make_store: Callable[[Path], LockStore], tmp_path: Path
) -> None:
    import socket
    import subprocess
    import sys

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    dead = replace(info("run-1", "a1"), host=socket.gethostname(), pid=int(gone.stdout))
    store = make_store(tmp_path)
    RunLock(store, dead).acquire()  # the run was killed: never released
    with pytest.raises(LockHeld) as held:
        RunLock(store, info("run-2", "b2"), plan_path="shop.yaml").acquire()
    assert "stale lock" in held.value.message and f"process {dead.pid}" in held.value.message
    assert "drctl unlock --plan shop.yaml a1" in (held.value.hint or "")
    # A live holder (this very process) is not called stale.
    break_lock(store, "a1")
    live = replace(info("run-3", "c3"), host=socket.gethostname(), pid=os.getpid())
    RunLock(store, live).acquire()
    with pytest.raises(LockHeld) as busy:
        RunLock(store, info("run-4", "d4")).acquire()
    assert "stale" not in busy.value.message
