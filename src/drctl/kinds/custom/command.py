"""A custom action's local command: an argument list run without a shell, in a process group
of its own so a timeout kills everything it started, its output captured.

No shell, ever: a plan is reviewed as data, and ``argv`` is exactly what runs (a team that
wants a pipeline writes ``[sh, -c, ...]`` and the review sees it).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

from drctl.errors import DrctlError
from drctl.kinds.custom.output import TailReader, captured
from drctl.plan.models import LocalCommand

GRACE_SECONDS = 5.0  # between SIGTERM and SIGKILL of a timed-out process group


@dataclass(frozen=True)
class Finished:
    status: int
    output: str  # redacted, capped


def working_directory(command: LocalCommand, plan_dir: Path) -> Path:
    return (plan_dir / command.cwd).resolve() if command.cwd else plan_dir


def environment(command: LocalCommand) -> dict[str, str]:
    return {**os.environ, **command.env}


def executable(command: LocalCommand, plan_dir: Path) -> str | None:
    """Where the program is: a path with a '/' is taken relative to the working directory,
    a bare name is looked up on PATH (the command's own PATH when it sets one)."""
    program = command.argv[0]
    cwd = working_directory(command, plan_dir)
    if "/" in program:
        path = cwd / program
        return str(path) if path.is_file() and os.access(path, os.X_OK) else None
    return shutil.which(program, path=environment(command).get("PATH"))


def run(command: LocalCommand, plan_dir: Path) -> Finished:
    """Run it to its end or its timeout (then its whole process group is killed: the error
    says so). A program that cannot be started is an error naming it."""
    cwd = working_directory(command, plan_dir)
    try:
        proc = subprocess.Popen(
            command.argv,
            cwd=cwd,
            env=environment(command),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, killed as one
        )
    except OSError as exc:
        raise DrctlError(
            f"cannot start {command.argv[0]!r} in {cwd}: {exc.strerror or exc}"
        ) from None
    assert proc.stdout is not None
    reader = TailReader(proc.stdout)
    timeout = command.timeout.seconds
    try:
        status = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        out = captured(reader.text())
        raise DrctlError(
            f"{command.argv[0]} timed out after {command.timeout.text}; its process group "
            f"was killed{_last_line(out)}"
        ) from None
    return Finished(status, captured(reader.text()))


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    for sig, wait in ((signal.SIGTERM, GRACE_SECONDS), (signal.SIGKILL, None)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            if sig is signal.SIGTERM:
                # The leader left; what it started may still run in the group.
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
            return
        except subprocess.TimeoutExpired:
            continue


def _last_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    return f": {lines[-1][:200]}" if lines else ""
