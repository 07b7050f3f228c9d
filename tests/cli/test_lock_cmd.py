"""`drctl failover` under the run lock, `drctl unlock`, and the S3 state backend."""

from __future__ import annotations

import json
import shlex
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3

from drctl.aws.state_store import S3LockStore
from drctl.engine.lock import FileLockStore, LockInfo, RunLock, break_lock
from tests.conftest import DEMO_PLAN


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


# ------------------------------------------------------------------ through the CLI

S3_STATE = """
state:
  backend: s3
  bucket: shop-drctl-state
"""


def _plan(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "shop.yaml"
    path.write_text(DEMO_PLAN.read_text().replace("resources:", extra + "\nresources:", 1))
    return path


def test_cli_second_operator_gets_exit_4_then_unlocks(
    built_now: Any, drctl: Any, tmp_path: Path
) -> None:
    plan = _plan(tmp_path)
    state = tmp_path / "state"
    store = FileLockStore(state, "shop")
    RunLock(store, info("20261124T000000Z-shop-failover-dead", "deadbeef")).acquire()
    second = drctl("--state-dir", str(state), "failover", "--plan", str(plan), "--yes")
    assert second.exit_code == 4
    assert "locked by run 20261124T000000Z-shop-failover-dead" in second.stderr
    # The exact command, state directory included (without it unlock would look in ./.drctl).
    assert f"drctl --state-dir {state} unlock --plan {plan} deadbeef" in second.stderr
    rds = boto3.client("rds", region_name="us-west-2")
    replica = rds.describe_db_instances(DBInstanceIdentifier="shop-orders-dr")["DBInstances"][0]
    assert replica.get("ReadReplicaSourceDBInstanceIdentifier")  # nothing moved

    wrong = drctl("--state-dir", str(state), "unlock", "--plan", str(plan), "nope")
    assert wrong.exit_code == 2 and "does not match" in wrong.stderr
    assert "deadbeef" not in wrong.stderr  # a wrong id does not reveal the right one
    ok = drctl("--state-dir", str(state), "unlock", "--plan", str(plan), "deadbeef")
    assert ok.exit_code == 0 and "broke the lock" in ok.stdout
    third = drctl("--state-dir", str(state), "failover", "--plan", str(plan), "--yes")
    assert third.exit_code == 0, third.output
    assert store.read() is None  # released at the end


def test_cli_a_dead_process_lock_is_stale_and_the_printed_unlock_command_works(
    built_now: Any, drctl: Any, tmp_path: Path
) -> None:
    """A run killed on this host leaves its lock: the next run says the holder is dead and
    prints the command that breaks the lock, which works as pasted."""
    plan = tmp_path / "my plans" / "shop.yaml"  # a space: the command must quote it
    plan.parent.mkdir()
    plan.write_text(DEMO_PLAN.read_text())
    state = tmp_path / "state"
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # its pid now names no process
    dead = info("20261124T000000Z-shop-failover-dead", "c0ffee12")
    dead = LockInfo(**{**dead.as_dict(), "host": socket.gethostname(), "pid": gone.pid})
    store = FileLockStore(state, "shop")
    RunLock(store, dead).acquire()

    refused = drctl("--state-dir", str(state), "failover", "--plan", str(plan), "--yes")
    assert refused.exit_code == 4, refused.output
    assert "locked by a dead run" in refused.stderr
    assert f"process {gone.pid} no longer exists on this host (stale lock)" in refused.stderr
    assert "--resume 20261124T000000Z-shop-failover-dead" in refused.stderr
    command = refused.stderr.split("break the stale lock: ", 1)[1].splitlines()[0]
    assert command == shlex.join(
        ["drctl", "--state-dir", str(state), "unlock", "--plan", str(plan), "c0ffee12"]
    )
    rds = boto3.client("rds", region_name="us-west-2")
    replica = rds.describe_db_instances(DBInstanceIdentifier="shop-orders-dr")["DBInstances"][0]
    assert replica.get("ReadReplicaSourceDBInstanceIdentifier")  # nothing moved

    words = shlex.split(command)
    assert words[0] == "drctl"
    broken = drctl(*words[1:])
    assert broken.exit_code == 0 and "broke the lock" in broken.stdout, broken.output
    assert store.read() is None


def test_cli_s3_backend_locks_in_the_bucket_and_mirrors_the_journal(
    built_now: Any, drctl: Any, tmp_path: Path
) -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="shop-drctl-state")
    plan = _plan(tmp_path, S3_STATE)
    remote = S3LockStore(s3, "shop-drctl-state", "shop", LockInfo.from_dict)
    RunLock(remote, info("run-elsewhere", "feed")).acquire()
    refused = drctl("--state-dir", str(tmp_path / "a"), "failover", "--plan", str(plan), "--yes")
    assert refused.exit_code == 4 and "run-elsewhere" in refused.stderr
    break_lock(remote, "feed")

    done = drctl(
        "-o", "json", "--state-dir", str(tmp_path / "a"), "failover", "--plan", str(plan), "--yes"
    )
    assert done.exit_code == 0, done.output
    run_id = json.loads(done.stdout)["run_id"]
    body = s3.get_object(Bucket="shop-drctl-state", Key=f"drctl/runs/shop/{run_id}.jsonl")[
        "Body"
    ].read()
    events = [json.loads(line) for line in body.decode().splitlines()]
    assert events[0]["event"] == "run-start" and events[-1]["event"] == "run-end"
    assert remote.read() is None

    # Another laptop (empty state dir) can see the run through the bucket.
    other = tmp_path / "b"
    from drctl.engine.settings import default_settings
    from drctl.engine.state import fetch_remote_journal
    from drctl.plan.loader import load_plan

    assert fetch_remote_journal(load_plan(plan).plan, default_settings(state_dir=other), run_id)
    [fetched] = (other / "runs").glob(f"{run_id}*.jsonl")
    assert fetched.stat().st_mode & 0o777 == 0o600  # a fetched journal is owner-only too
    assert (other / "runs").stat().st_mode & 0o777 == 0o700
    shown = drctl("-o", "json", "--state-dir", str(other), "runs", "show", run_id)
    assert json.loads(shown.stdout)["status"] == "succeeded"
