"""The sandbox's lifetime: a moto server on 127.0.0.1 in a background process.

``drctl sandbox up`` starts ``python -m drctl.sandbox.serve`` detached, waits
until it has built the plan and written its state file, and prints the
endpoint. ``drctl sandbox down`` stops it by the pid in that file.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from drctl.engine.journal import PRIVATE_FILE, private_dir
from drctl.errors import SandboxError

DEFAULT_PORT = 5000
LOCALHOST = "127.0.0.1"
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def state_file(state_dir: Path) -> Path:
    return state_dir / "sandbox.json"


def log_file(state_dir: Path) -> Path:
    return state_dir / "sandbox.log"


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((LOCALHOST, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOCALHOST, 0))
        return int(sock.getsockname()[1])


def start_moto_server(port: int, latency_ms: float = 0.0) -> Any:
    """A moto server with the project's extensions, listening on 127.0.0.1 only.

    ``latency_ms`` delays every AWS request (not moto's own ``/moto-api``), so
    timings in the sandbox -- a failover's RTO, a benchmark, a test that kills a
    run mid-step -- look like a real region's rather than a function call's.
    """
    try:
        from moto.server import ThreadedMotoServer
    except ImportError:
        raise SandboxError("the sandbox needs moto: pip install 'drctl[sandbox]'") from None
    from drctl.sandbox.extensions import install

    install()
    if latency_ms > 0:
        _add_latency(latency_ms / 1000.0)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address=LOCALHOST, port=port, verbose=False)
    server.start()
    return server


def _add_latency(seconds: float) -> None:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    dispatch = DomainDispatcherApplication.__call__

    def delayed(self: Any, environ: dict[str, Any], start_response: Any) -> Any:
        if not str(environ.get("PATH_INFO", "")).startswith("/moto-api"):
            time.sleep(seconds)
        return dispatch(self, environ, start_response)

    DomainDispatcherApplication.__call__ = delayed  # type: ignore[method-assign]


def read_state(state_dir: Path) -> dict[str, Any] | None:
    path = state_file(state_dir)
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise SandboxError(f"unreadable sandbox state {path}: {exc}") from None


def write_state(state_dir: Path, state: dict[str, Any]) -> None:
    """The sandbox's state file, owner-only like the journals and locks beside it (the state
    directory is the runs'; the sandbox may be what creates it)."""
    path = state_file(state_dir)
    private_dir(path.parent)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        os.fchmod(out.fileno(), PRIVATE_FILE)  # owner-only even when a stale one existed
        out.write(json.dumps(state, indent=2))
    os.replace(tmp, path)


def open_log(state_dir: Path) -> TextIO:
    """The server's log (every request it served), owner-only, truncated."""
    private_dir(state_dir)
    fd = os.open(log_file(state_dir), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    os.fchmod(fd, PRIVATE_FILE)
    return os.fdopen(fd, "w", encoding="utf-8")


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def up(
    plan_path: str,
    port: int,
    state_dir: Path,
    timeout: float = 90.0,
    latency_ms: float = 0.0,
    outages: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Start the sandbox in the background; return its state once the plan is built.

    ``outages`` (specs of :mod:`drctl.sandbox.outages`) begin once the plan is built."""
    from drctl.sandbox.outages import Outage

    specs = [str(Outage.parse(spec)) for spec in outages]  # bad specs fail here, not in the child
    existing = read_state(state_dir)
    if existing and existing.get("pid") and pid_alive(int(existing["pid"])):
        raise SandboxError(
            f"a sandbox is already running at {existing.get('endpoint_url')} "
            f"(pid {existing['pid']}, plan {existing.get('plan', '?')}); use it with "
            f"export AWS_ENDPOINT_URL={existing.get('endpoint_url')}",
            hint=f"stop it first: drctl --state-dir {state_dir} sandbox down",
        )
    state_file(state_dir).unlink(missing_ok=True)
    if not port_free(port):
        what = "a moto server (a sandbox of another --state-dir?)" if _is_moto(port) else "in use"
        raise SandboxError(
            f"port {port} on {LOCALHOST} is {what}",
            hint="pass --port N, or stop that sandbox with drctl --state-dir DIR sandbox down",
        )
    log = open_log(state_dir)  # handed to the child
    env = {**os.environ, **FAKE_CREDENTIALS}
    env.pop("AWS_PROFILE", None)
    env.pop("AWS_ENDPOINT_URL", None)
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "drctl.sandbox.serve",
            "--plan",
            str(plan_path),
            "--port",
            str(port),
            "--state-dir",
            str(state_dir),
            "--latency-ms",
            str(latency_ms),
            *(arg for spec in specs for arg in ("--outage", spec)),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=env,
        start_new_session=True,
    )
    log.close()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = read_state(state_dir)
        if state and state.get("error"):
            _reap(child)
            raise SandboxError(f"sandbox failed to start: {state['error']}")
        if state and state.get("ready"):
            return state
        if child.poll() is not None:
            tail = _tail(log_file(state_dir))
            raise SandboxError(f"sandbox process exited ({child.returncode}): {tail}")
        time.sleep(0.1)
    child.terminate()
    raise SandboxError(
        f"sandbox did not become ready within {timeout:.0f}s", hint=f"see {log_file(state_dir)}"
    )


def running(state_dir: Path) -> dict[str, Any]:
    """The state of the sandbox running from ``state_dir``; an error when none is."""
    state = read_state(state_dir)
    if not state or not state.get("pid") or not pid_alive(int(state["pid"])):
        raise SandboxError("no sandbox running", hint="drctl sandbox up --plan PLAN starts one")
    return state


def down(state_dir: Path, timeout: float = 15.0) -> dict[str, Any] | None:
    """Stop the sandbox recorded in ``state_dir``; None if none was running."""
    state = read_state(state_dir)
    if not state or not state.get("pid"):
        return None
    pid = int(state["pid"])
    if pid_alive(pid):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
            _reap_pid(pid)
        if pid_alive(pid):
            os.kill(pid, signal.SIGKILL)
    state_file(state_dir).unlink(missing_ok=True)
    return state


def _reap(child: subprocess.Popen[bytes]) -> None:
    try:
        child.wait(timeout=5)
    except subprocess.TimeoutExpired:
        child.kill()


def _reap_pid(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def _tail(path: Path, lines: int = 5) -> str:
    try:
        return " | ".join(path.read_text(encoding="utf-8").strip().splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _is_moto(port: int) -> bool:
    """Whether a moto server answers on ``port`` (its dashboard API), within a second."""
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://{LOCALHOST}:{port}/moto-api/", timeout=1):
            return True
    except Exception:
        return False
