"""Plan validation of large plans, and building their failover graph.

Generates plans of N resources (a mix of every kind, with depends_on chains,
experiments and drills), times load + semantic checks in-process, the CLI
`drctl plan validate` as a subprocess for the largest, and `build_graph` on N
resources' worth of synthetic steps (no AWS).

    python benchmarks/validate_large.py [--sizes 100,1000,10000] [--json] [--quick]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import report

HEADER = """version: 1
app: big
tier: gold
strategy: warm-standby
regions: {primary: us-east-1, dr: us-west-2}
resources:
"""
KINDS = [
    "  - {{kind: s3-bucket, name: r{i}, primary: big-p-{i}, dr: big-d-{i}{dep}}}",
    "  - {{kind: rds-instance, name: r{i}, primary: db-{i}, dr: db-{i}-dr{dep}}}",
    "  - {{kind: aurora-global, name: r{i}, global_cluster: g-{i}{dep}}}",
    "  - {{kind: dynamodb-table, name: r{i}, table: t-{i}{dep}}}",
    "  - {{kind: autoscaling-group, name: r{i}, dr: asg-{i}, desired: 2{dep}}}",
    "  - {{kind: ecs-service, name: r{i}, cluster: c, service: s-{i}, desired: 2{dep}}}",
    "  - {{kind: route53-record, name: r{i}, zone: big.example.com., "
    "record: r{i}.big.example.com.{dep}}}",
    "  - {{kind: manual, name: r{i}, instructions: call someone{dep}}}",
]


def plan_text(n: int) -> str:
    lines = [HEADER.rstrip("\n")]
    for i in range(n):
        dep = f", depends_on: [r{i - 1}]" if i % 10 else ""
        lines.append(KINDS[i % len(KINDS)].format(i=i, dep=dep))
    lines.append("drills:\n  - {name: readiness, type: checks}")
    return "\n".join(lines) + "\n"


def time_graph(n: int) -> float:
    from drctl.engine.graph import build_graph
    from drctl.engine.step import Phase, Precheck, Step, StepOutcome

    phases = [Phase.FENCE, Phase.DATA, Phase.COMPUTE, Phase.TRAFFIC]
    steps = [
        Step(
            id=f"r{i}.go",
            resource=f"r{i}",
            kind="x",
            action="go",
            phase=phases[i % 4],
            description="",
            cli=[],
            precheck=lambda: Precheck(False, "", ""),
            run=lambda: StepOutcome(),
        )
        for i in range(n)
    ]
    deps = {f"r{i}": [f"r{i - 4}"] for i in range(4, n)}
    start = time.perf_counter()
    build_graph(steps, deps)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    sizes = [50] if args.quick else [int(s) for s in args.sizes.split(",")]
    from drctl.plan.loader import load_plan

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = Path(tmp) / f"plan-{n}.yaml"
            path.write_text(plan_text(n))
            start = time.perf_counter()
            loaded = load_plan(path)
            load_s = time.perf_counter() - start
            assert len(loaded.plan.resources) == n
            cli_s = None
            if n == max(sizes):
                start = time.perf_counter()
                proc = subprocess.run(
                    [sys.executable, "-m", "drctl", "plan", "validate", str(path)],
                    capture_output=True,
                    text=True,
                    check=False,
                )
                cli_s = time.perf_counter() - start
                assert proc.returncode == 0, proc.stdout + proc.stderr
            graph_s = time_graph(n)
            rows.append(
                {
                    "resources": n,
                    "load+validate_s": load_s,
                    "resources_per_s": round(n / load_s),
                    "cli_validate_s": cli_s if cli_s is not None else "-",
                    "build_graph_s": graph_s,
                }
            )
    report("plan validation and graph building", rows, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
