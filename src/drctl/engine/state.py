"""Where a plan's runs keep their state: the lock and, with ``state.backend: s3``, the
journal mirrored to a bucket so a run can be resumed from another machine."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from typing import TYPE_CHECKING

from drctl.aws.session import AwsSessions
from drctl.engine.clock import iso
from drctl.engine.journal import PRIVATE_FILE, private_dir
from drctl.engine.lock import FileLockStore, LockInfo, LockStore, RunLock, new_lock_id
from drctl.engine.runs import runs_dir
from drctl.engine.settings import RunSettings, user
from drctl.plan.models import Plan

if TYPE_CHECKING:
    from drctl.aws.state_store import S3JournalMirror


def _remote(plan: Plan) -> bool:
    return plan.state is not None and plan.state.backend.value != "local"


def lock_store(plan: Plan, settings: RunSettings) -> LockStore:
    """Where this plan's run lock lives (``state:`` in the plan)."""
    if not _remote(plan):
        return FileLockStore(settings.state_dir, plan.app)
    from drctl.aws import state_store

    assert plan.state is not None
    bucket = plan.state.bucket or ""
    sessions = AwsSessions(settings.aws)
    region = _state_region(sessions, bucket)
    if plan.state.lock_table:
        return state_store.DynamoDbLockStore(
            sessions.client("dynamodb", region), plan.state.lock_table, plan.app, LockInfo.from_dict
        )
    return state_store.S3LockStore(
        sessions.client("s3", region), bucket, plan.app, LockInfo.from_dict
    )


def run_lock(
    plan: Plan,
    settings: RunSettings,
    *,
    run_id: str,
    action: str,
    takeover: str | None,
    plan_path: str = "PLAN",
) -> RunLock:
    info = LockInfo(
        lock_id=new_lock_id(),
        app=plan.app,
        run_id=run_id,
        action=action,
        host=socket.gethostname(),
        user=user(),
        pid=os.getpid(),
        acquired_at=iso(settings.clock.now()),
    )
    local = None if _remote(plan) else settings.state_dir
    return RunLock(
        lock_store(plan, settings),
        info,
        takeover=takeover,
        plan_path=plan_path,
        state_dir=local,
    )


def journal_mirror(
    plan: Plan, settings: RunSettings, run_id: str
) -> Callable[[bytes], None] | None:
    """With ``state.backend: s3``, a function that copies the journal to the bucket."""
    if not _remote(plan):
        return None
    mirror = _mirror(plan, settings)
    return lambda body: mirror.upload(run_id, body)


def fetch_remote_journal(plan: Plan, settings: RunSettings, run_id: str) -> bool:
    """Copy a run's journal from the state bucket into the local state dir (resume
    on another machine). False when the plan keeps state locally or the run is not there."""
    if not _remote(plan):
        return False
    mirror = _mirror(plan, settings)
    matches = [r for r in mirror.run_ids() if r.startswith(run_id)]
    if len(matches) != 1:
        return False
    body = mirror.download(matches[0])
    if body is None:
        return False
    target = runs_dir(settings.state_dir) / f"{matches[0]}.jsonl"
    private_dir(target.parent)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    with os.fdopen(fd, "wb") as out:
        os.fchmod(out.fileno(), PRIVATE_FILE)  # owner-only even when the file existed
        out.write(body)
    return True


def _mirror(plan: Plan, settings: RunSettings) -> S3JournalMirror:
    from drctl.aws import state_store

    assert plan.state is not None
    bucket = plan.state.bucket or ""
    sessions = AwsSessions(settings.aws)
    return state_store.S3JournalMirror(
        sessions.client("s3", _state_region(sessions, bucket)), bucket, plan.app
    )


def _state_region(sessions: AwsSessions, bucket: str) -> str:
    from drctl.aws import state_store
    from drctl.aws.errors import aws_errors

    with aws_errors(f"state bucket {bucket}"):
        return state_store.bucket_region(sessions.client("s3", "us-east-1"), bucket)
