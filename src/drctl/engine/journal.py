"""The run journal: an append-only, fsync'd JSON-lines file per run.

A failover that dies halfway must leave a record a second operator can trust,
so every event is flushed and fsync'd before the engine moves on. The journal
is the source of truth; run records are derived from it by replaying it.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from drctl.errors import DrctlError

# Journals, locks and state name hosts, users, resources, ARNs and what was done to
# them, and a run's events are what an operator trusts during an outage: readable
# and writable by their owner only, whatever the umask says.
PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def private_dir(path: Path) -> None:
    """Create ``path`` and any missing parents as owner-only (0700) directories.

    ``Path.mkdir(mode=..., parents=True)`` applies the mode to the last directory
    only; the parents it creates get the umask's default. Existing directories are
    left as they are: they may be shared on purpose.
    """
    missing = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=PRIVATE_DIR)
        except FileExistsError:  # created meanwhile by another run: fine
            continue
        os.chmod(directory, PRIVATE_DIR)  # mkdir's mode is masked by the umask


class Journal:
    """Appends events to ``path``; safe to call from the executor's worker threads."""

    def __init__(self, path: Path, mirror: Callable[[bytes], None] | None = None) -> None:
        """``mirror`` gets the whole journal after each event (the S3 state backend)."""
        self.path = path
        self.mirror = mirror
        self.mirror_errors: list[str] = []
        self._lock = threading.Lock()
        try:
            private_dir(path.parent)
            _end_torn_line(path)
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, PRIVATE_FILE)
            self._fh = os.fdopen(fd, "a", encoding="utf-8")  # closed in close()
        except OSError as exc:
            raise DrctlError(f"cannot write the run journal {path}: {exc}") from None
        _fsync_dir(path.parent)

    def append(self, event: dict[str, Any]) -> None:
        line = json.dumps(event, sort_keys=True, default=str)
        with self._lock:
            self._fh.write(line + "\n")
            self._fh.flush()
            os.fsync(self._fh.fileno())
            if self.mirror is not None:
                self._mirror()

    def _mirror(self) -> None:
        """Best effort: the local fsync'd file is the record; a failed upload is retried
        with the next event and reported, never allowed to stop a failover."""
        try:
            self.mirror(self.path.read_bytes())  # type: ignore[misc]
        except Exception as exc:
            message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
            self.mirror_errors.append(message)

    def close(self) -> None:
        with self._lock:
            if not self._fh.closed:
                self._fh.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_journal(path: Path) -> list[dict[str, Any]]:
    """Events of a journal. A torn last line (a crash mid-write) is ignored, not fatal."""
    events = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise DrctlError(f"cannot read the run journal {path}: {exc}") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            if number == len(lines):
                break
            raise DrctlError(f"{path}:{number}: corrupt journal line") from None
    return events


def _end_torn_line(path: Path) -> None:
    """Before appending (a resume reopens its run's journal), repair a crash mid-write.

    Without this the next event would be glued onto the torn line: lost while it is
    the last line, and a "corrupt journal line" in the middle once more follow. A
    torn fragment is cut off (``read_journal`` ignores it anyway); a complete event
    that only lost its newline keeps itself and gets the newline.
    """
    try:
        with open(path, "rb+") as fh:
            content = fh.read()
            if not content or content.endswith(b"\n"):
                return
            cut = content.rfind(b"\n") + 1
            try:
                json.loads(content[cut:])
            except ValueError:
                fh.truncate(cut)
            else:
                fh.write(b"\n")
            fh.flush()
            os.fsync(fh.fileno())
    except FileNotFoundError:
        return


def _fsync_dir(directory: Path) -> None:
    """Make the new file's directory entry durable too (POSIX needs both)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
