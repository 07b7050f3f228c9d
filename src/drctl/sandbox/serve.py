"""The sandbox process: ``python -m drctl.sandbox.serve --plan P --port N --state-dir D``.

Starts the moto server, builds the plan's resources through it, writes the
state file that ``drctl sandbox up`` waits for, and serves until SIGTERM.
"""

from __future__ import annotations

import argparse
import os
import signal
import threading
from datetime import UTC, datetime
from pathlib import Path

from drctl.sandbox.server import FAKE_CREDENTIALS, LOCALHOST, start_moto_server, write_state

DEFAULT_TIME_SCALE = 600.0  # AWS seconds per real second: one AWS minute is 0.1 s


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="drctl.sandbox.serve")
    parser.add_argument("--plan", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--state-dir", required=True, type=Path)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--time-scale", type=float, default=DEFAULT_TIME_SCALE)
    parser.add_argument("--outage", action="append", default=[])
    args = parser.parse_args(argv)
    os.environ.update(FAKE_CREDENTIALS)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    endpoint = f"http://{LOCALHOST}:{args.port}"
    from drctl.kinds.sandboxing import aws_time

    aws_time.set_scale(args.time_scale)  # AWS states pass in seconds, none skipped
    try:
        server = start_moto_server(args.port, args.latency_ms)
    except Exception as exc:
        write_state(args.state_dir, {"error": f"{type(exc).__name__}: {exc}"})
        return 1
    try:
        built = build_plan(args.plan, endpoint)
    except Exception as exc:
        write_state(args.state_dir, {"error": f"building {args.plan}: {exc}"})
        server.stop()
        return 1
    from drctl.sandbox.outages import outages

    # Built healthy first, then the outages begin: the plan's resources exist on both sides.
    active = [str(o) for o in outages.add(*args.outage)]
    write_state(
        args.state_dir,
        {
            "ready": True,
            "pid": os.getpid(),
            "port": args.port,
            "endpoint_url": endpoint,
            "plan": str(Path(args.plan).resolve()),
            "built": built,
            "outages": active,
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        },
    )
    stop.wait()
    server.stop()
    return 0


def build_plan(plan_path: str, endpoint: str) -> list[str]:
    """Build the plan through the sessions drctl itself will use: each side through the role
    its ``accounts:`` names, so every resource lands in the account drctl will look in."""
    from dataclasses import replace

    from drctl.engine.settings import default_settings, sessions_for
    from drctl.plan.loader import load_plan
    from drctl.sandbox.builders import SandboxBuilder, assert_local_endpoint

    assert_local_endpoint(endpoint)
    loaded = load_plan(plan_path)
    settings = default_settings(endpoint_url=endpoint)
    settings.aws = replace(settings.aws, max_attempts=3)
    built = []
    # A plan of plans: each included plan is built too, its names under its app.
    for inc in loaded.includes:
        plan = inc.loaded.plan
        sessions = sessions_for(plan, settings, "sandbox")
        built += [f"{inc.prefix}{name}" for name in SandboxBuilder(plan, sessions).build()]
    plan = loaded.plan
    return built + SandboxBuilder(plan, sessions_for(plan, settings, "sandbox")).build()


if __name__ == "__main__":
    raise SystemExit(main())
