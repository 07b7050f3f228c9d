"""One run per plan at a time: the run lock.

Two operators failing over the same application at once is how a DR event
becomes a split brain. Every run that changes AWS (failover, failback, backup,
disruptive drills) holds the plan's lock for its duration. The lock names its
holder -- run id, host, user, pid, start time -- so the second operator learns
who to talk to, and carries a lock id that ``drctl unlock`` must quote to break
it (a killed run leaves its lock behind; ``--resume`` of that run takes it over).

Where the lock lives is a :class:`LockStore`: a file beside the journals
(``state.backend: local``), or an S3 object written with a conditional put or a
DynamoDB item written with a condition (``state.backend: s3``), so operators on
two laptops exclude each other.
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import socket
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from drctl.engine.journal import PRIVATE_FILE, private_dir
from drctl.engine.runs import DEFAULT_STATE_DIR
from drctl.errors import DrctlError, LockHeld, UsageError


@dataclass(frozen=True)
class LockInfo:
    lock_id: str
    app: str
    run_id: str
    action: str
    host: str
    user: str
    pid: int
    acquired_at: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LockInfo:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__})

    def stale_here(self) -> bool:
        """Held by a process of this host that no longer exists (killed, crashed)."""
        if self.host != socket.gethostname():
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False  # alive, another user's
        return False

    def describe(self) -> str:
        return (
            f"run {self.run_id} ({self.action}) by {self.user}@{self.host} "
            f"(pid {self.pid}), since {self.acquired_at}"
        )


def new_lock_id() -> str:
    return secrets.token_hex(8)


class LockStore(Protocol):
    """Atomic storage for one plan's lock."""

    where: str

    def create(self, info: LockInfo) -> LockInfo | None:
        """Write ``info`` if no lock exists; else return the existing lock unchanged."""

    def read(self) -> LockInfo | None: ...

    def replace(self, current: LockInfo, info: LockInfo) -> bool:
        """Swap ``current`` for ``info`` only if ``current`` is still the lock."""

    def delete(self, current: LockInfo) -> bool:
        """Remove the lock only if it is still ``current``."""


class FileLockStore:
    """``<state>/locks/<app>.lock``, created with O_EXCL (atomic on local filesystems)."""

    def __init__(self, state_dir: Path, app: str) -> None:
        self.path = state_dir / "locks" / f"{app}.lock"
        self.where = str(self.path)

    def create(self, info: LockInfo) -> LockInfo | None:
        private_dir(self.path.parent)
        try:
            fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE)
        except FileExistsError:
            existing = self.read()
            if existing is None:  # removed between our open and read: try once more
                return self.create(info)
            return existing
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(info.as_dict(), fh)
            fh.flush()
            os.fsync(fh.fileno())
        return None

    def read(self) -> LockInfo | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise DrctlError(f"the lock file {self.path} is unreadable: {exc}") from None
        return LockInfo.from_dict(data)

    def replace(self, current: LockInfo, info: LockInfo) -> bool:
        if self.read() != current:
            return False
        tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, PRIVATE_FILE)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(info.as_dict(), fh)
        os.replace(tmp, self.path)
        return True

    def delete(self, current: LockInfo) -> bool:
        if self.read() != current:
            return False
        self.path.unlink(missing_ok=True)
        return True


class RunLock:
    """Hold a plan's lock for one run: ``with RunLock(store, info, takeover=...)``."""

    def __init__(
        self,
        store: LockStore,
        info: LockInfo,
        *,
        takeover: str | None = None,
        plan_path: str = "PLAN",
        state_dir: Path | None = None,
    ) -> None:
        """``state_dir``: where a file lock lives when not the default ``./.drctl``; the
        ``drctl unlock`` command a refusal prints names it, or it would look elsewhere."""
        self.store = store
        self.info = info
        self.takeover = takeover
        self.plan_path = plan_path
        self.state_dir = state_dir
        self.held: LockInfo | None = None

    def acquire(self) -> LockInfo:
        existing = self.store.create(self.info)
        if existing is None:
            self.held = self.info
            return self.info
        if self.takeover and existing.run_id == self.takeover:
            mine = replace(self.info, lock_id=existing.lock_id)
            if self.store.replace(existing, mine):
                self.held = mine
                return mine
            existing = self.store.read() or existing
        unlock = unlock_command(self.plan_path, existing.lock_id, self.state_dir)
        if existing.stale_here():
            raise LockHeld(
                f"{existing.app} is locked by a dead run: {existing.describe()}; process "
                f"{existing.pid} no longer exists on this host (stale lock)",
                hint=f"continue that run with --resume {existing.run_id}, or break the stale "
                f"lock: {unlock}",
            )
        raise LockHeld(
            f"{existing.app} is locked by {existing.describe()}",
            hint=(
                f"wait for it to finish; continue it with --resume {existing.run_id}; or, if "
                f"that run is dead, break the lock: {unlock}"
            ),
        )

    def release(self) -> None:
        if self.held is not None:
            self.store.delete(self.held)
            self.held = None

    def __enter__(self) -> LockInfo:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def unlock_command(plan_path: str, lock_id: str, state_dir: Path | None = None) -> str:
    """The exact command that breaks this lock, ready to paste into a shell: quoted, and
    with ``--state-dir`` when the lock is not under the default ``./.drctl``."""
    words = ["drctl"]
    if state_dir is not None and state_dir != Path(DEFAULT_STATE_DIR):
        words += ["--state-dir", str(state_dir)]
    words += ["unlock", "--plan", plan_path, lock_id]
    return shlex.join(words)


def break_lock(store: LockStore, lock_id: str) -> LockInfo:
    """``drctl unlock``: remove the lock, only when the caller quotes its id."""
    existing = store.read()
    if existing is None:
        raise UsageError(f"no lock is held ({store.where})")
    if existing.lock_id != lock_id:
        # The right id is not revealed: breaking a lock must come from reading who holds it
        # (the refusal a second run prints), not from guessing until told.
        raise UsageError(
            f"lock id {lock_id} does not match the lock held on {existing.app}",
            hint="start the run again to see who holds the lock and its id, and check that "
            "run is really dead first",
        )
    if not store.delete(existing):
        raise LockHeld("the lock changed while breaking it; look again")
    return existing
