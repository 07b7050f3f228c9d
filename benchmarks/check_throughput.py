"""Readiness-check throughput with simulated AWS latency.

N checks each taking L ms (a sleep standing in for an AWS round trip) through
drctl.engine.checks.run_checks at several worker counts; and, with --server,
the real `drctl check` against a sandbox on 127.0.0.1 with --latency-ms L.

    python benchmarks/check_throughput.py [--checks 200] [--latency-ms 50] [--server] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import report

REPO = Path(__file__).resolve().parent.parent
PLAN = REPO / "src" / "drctl" / "data" / "demo.yaml"


def synthetic(n: int, latency: float, workers: int) -> float:
    from drctl.engine.checks import run_checks
    from drctl.engine.step import Check, passed

    def slow() -> object:
        time.sleep(latency)
        return passed("ok")

    checks = [
        Check(resource=f"r{i}", kind="x", name="c", description="", run=slow)  # type: ignore[arg-type]
        for i in range(n)
    ]
    start = time.perf_counter()
    results = run_checks(checks, max_workers=workers)
    assert len(results) == n
    return time.perf_counter() - start


def against_sandbox(latency_ms: float) -> dict[str, object]:
    from drctl.sandbox.server import free_port

    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_EC2_METADATA_DISABLED="true",
            DRCTL_STATE_DIR=tmp,
        )
        port = free_port()
        up = subprocess.run(
            [
                sys.executable,
                "-m",
                "drctl",
                "-o",
                "json",
                "sandbox",
                "up",
                "--plan",
                str(PLAN),
                "--port",
                str(port),
                "--latency-ms",
                str(latency_ms),
            ],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        env["AWS_ENDPOINT_URL"] = json.loads(up.stdout)["endpoint_url"]
        try:
            start = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "drctl", "-o", "json", "check", "--plan", str(PLAN)],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            wall = time.perf_counter() - start
            checks = len(json.loads(done.stdout)["checks"])
        finally:
            subprocess.run(
                [sys.executable, "-m", "drctl", "sandbox", "down"],
                env=env,
                capture_output=True,
                check=False,
            )
    return {"checks": checks, "wall_s": wall}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--checks", type=int, default=200)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--server", action="store_true")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n, latency = (20, 0.005) if args.quick else (args.checks, args.latency_ms / 1000)
    rows = []
    for workers in (1, 4, 16, 32):
        wall = synthetic(n, latency, workers)
        rows.append(
            {
                "workers": workers,
                "checks": n,
                "wall_s": wall,
                "checks_per_s": round(n / wall, 1),
                "ideal_s": n * latency / workers,
            }
        )
    report(f"check throughput ({latency * 1000:.0f} ms per check)", rows, args.json)
    if args.server:
        result = against_sandbox(args.latency_ms)
        report(
            f"drctl check against a sandbox ({args.latency_ms:.0f} ms per request)",
            [result],
            args.json,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
