"""Cold start: `drctl --help`, `--version` and `plan validate` as fresh processes.

Also lists which heavy modules each one imports (``python -X importtime``), and
exits 1 if boto3, botocore or moto is imported by --help or plan validate -- the
promise that the commands people type first stay fast.

    python benchmarks/cold_start.py [--runs N] [--json] [--quick]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import as_installed, report, summary

REPO = Path(__file__).resolve().parent.parent
PLAN = REPO / "src" / "drctl" / "data" / "demo.yaml"
HEAVY = ("boto3", "botocore", "moto", "rich.live", "pydantic", "yaml", "rich")
FORBIDDEN = ("boto3", "botocore", "moto")
COMMANDS = {
    "--help": ["--help"],
    "--version": ["--version"],
    "plan validate": ["plan", "validate", str(PLAN)],
}


def imported(args: list[str]) -> dict[str, float]:
    """Top-level heavy packages imported, with their cumulative import time (s)."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "drctl", *args],
        capture_output=True,
        text=True,
        check=False,
        env=as_installed(),
    )
    found: dict[str, float] = {}
    for line in proc.stderr.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \|(\s*)(\S+)$", line)
        if m and m.group(3) in HEAVY:
            found[m.group(3)] = max(found.get(m.group(3), 0.0), int(m.group(1)) / 1e6)
    return found


def wall(args: list[str], runs: int) -> list[float]:
    samples = []
    env = as_installed()
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "drctl", *args], capture_output=True, check=False, env=env
        )
        samples.append(time.perf_counter() - start)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    runs = 2 if args.quick else args.runs
    rows, bad = [], []
    for name, argv in COMMANDS.items():
        stats = summary(wall(argv, runs))
        heavy = imported(argv)
        rows.append(
            {
                "command": name,
                "median_s": stats["median"],
                "p95_s": stats["p95"],
                "heavy_imports": ",".join(f"{k}({v:.3f}s)" for k, v in sorted(heavy.items()))
                or "-",
            }
        )
        if name != "--version":
            bad += [f"{name} imports {m}" for m in FORBIDDEN if m in heavy]
    report(f"cold start ({runs} runs each, python {sys.version.split()[0]})", rows, args.json)
    for problem in bad:
        print(f"FAIL: {problem}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
