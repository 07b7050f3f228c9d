"""`drctl plan validate` of a 500-resource plan, side by side with bare libyaml loading.

Three fresh processes per round, interleaved so that machine noise hits each alike:

- ``bare``: ``python -c`` that only loads the file with PyYAML's C loader;
- ``floor``: the same plus importing click and pydantic's BaseModel, which the CLI
  cannot do without -- the least any pydantic-validated command could cost;
- ``validate``: ``python -m drctl plan validate PLAN``.

Reports median and minimum wall time and each median's ratio to ``bare``. No
threshold is asserted (timings belong here, not in tests).

    python benchmarks/validate_vs_yaml.py [--rounds N] [--resources N] [--json] [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import as_installed, report
from validate_large import plan_text


def commands(plan: Path) -> dict[str, list[str]]:
    load = f"yaml.load(open({str(plan)!r}), Loader=yaml.CSafeLoader)"
    return {
        "bare": [sys.executable, "-c", f"import yaml; {load}"],
        "floor": [
            sys.executable,
            "-c",
            f"import yaml, click; from pydantic import BaseModel; {load}",
        ],
        "validate": [sys.executable, "-m", "drctl", "plan", "validate", str(plan)],
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--resources", type=int, default=500)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    rounds = 2 if args.quick else args.rounds
    with tempfile.TemporaryDirectory() as tmp:
        plan = Path(tmp) / "plan.yaml"
        plan.write_text(plan_text(args.resources))
        argv = commands(plan)
        env = as_installed()
        samples: dict[str, list[float]] = {name: [] for name in argv}
        for _ in range(rounds):
            for name, cmd in argv.items():
                start = time.perf_counter()
                proc = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
                samples[name].append(time.perf_counter() - start)
                if proc.returncode != 0:
                    print(proc.stdout + proc.stderr, file=sys.stderr)
                    return 1
    bare = statistics.median(samples["bare"])
    rows = [
        {
            "command": name,
            "median_s": statistics.median(values),
            "min_s": min(values),
            "ratio_to_bare": round(statistics.median(values) / bare, 2),
        }
        for name, values in samples.items()
    ]
    title = f"plan validate vs bare libyaml, {args.resources} resources, {rounds} rounds"
    report(title, rows, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
