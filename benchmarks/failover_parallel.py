"""Parallel failover wall time against the critical path.

A synthetic plan of N resources, each a chain fence -> data -> traffic of steps
whose run() sleeps a simulated AWS latency, runs through the real Executor with
1..16 workers. Reported: wall time, the critical path (StepGraph.critical_path_seconds,
the best any scheduler could do), the serial sum, and the executor's overhead.

    python benchmarks/failover_parallel.py [--resources 24] [--latency 0.05] [--json] [--quick]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import report


def build(resources: int, latency: float):  # type: ignore[no-untyped-def]
    from drctl.engine.graph import build_graph
    from drctl.engine.step import Phase, Precheck, Step, StepOutcome

    def slow() -> StepOutcome:
        time.sleep(latency)
        return StepOutcome()

    steps = []
    for r in range(resources):
        for phase, action in (
            (Phase.FENCE, "fence"),
            (Phase.DATA, "promote"),
            (Phase.TRAFFIC, "shift"),
        ):
            if phase is Phase.FENCE and r % 3:
                continue  # only some resources fence
            steps.append(
                Step(
                    id=f"r{r}.{action}",
                    resource=f"r{r}",
                    kind="x",
                    action=action,
                    phase=phase,
                    description="",
                    cli=[],
                    precheck=lambda: Precheck(False, "", ""),
                    run=slow,
                    poll_seconds=0.0,
                )
            )
    return build_graph(steps, {}), {s.id: latency for s in steps}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--resources", type=int, default=24)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    resources, latency = (4, 0.01) if args.quick else (args.resources, args.latency)
    from drctl.engine.clock import SystemClock
    from drctl.engine.events import RunMeta
    from drctl.engine.executor import Executor
    from drctl.engine.journal import Journal

    rows = []
    for workers in (1, 2, 4, 8, 16):
        graph, durations = build(resources, latency)
        critical = graph.critical_path_seconds(durations)
        serial = sum(durations.values())
        with tempfile.TemporaryDirectory() as tmp, Journal(Path(tmp) / "r.jsonl") as journal:
            meta = RunMeta("r", "bench", "failover", "planned", 900)
            start = time.perf_counter()
            record = Executor(
                graph, meta, clock=SystemClock(), journal=journal, max_workers=workers
            ).run()
            wall = time.perf_counter() - start
        assert record.status == "succeeded"
        rows.append(
            {
                "workers": workers,
                "steps": len(graph.steps),
                "wall_s": wall,
                "critical_path_s": critical,
                "serial_s": serial,
                "wall/critical": round(wall / critical, 2),
            }
        )
    report(
        f"parallel failover ({resources} resources, {latency * 1000:.0f} ms per step)",
        rows,
        args.json,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
