"""Both engines on every example that runs on Step Functions: the CLI engine's failover and
the exported state machine's, each on a fresh sandbox (in-process moto with its Step Functions
interpreter), with wall time, AWS time (the sandbox's clock: how long promotions, switchovers
and launches take as AWS would show them) and, for Step Functions, the state transitions of
the run and of a rerun that finds everything done (what an execution costs).

    python benchmarks/engines.py [--json] [--quick]

Then the failbacks that run there (the resources whose failback has a declarative form, as in
tests/export/test_failback_on_step_functions.py), each after a CLI failover of the whole
plan. ``--quick`` runs the demo plan's failover, unplanned, only. Nothing is asserted: the
figures go to docs/engines.md. Run from the repository root (it reuses the test suite's
sandbox helpers).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import report  # noqa: E402  (after the path setup)

# (example, mode, only): the plans and modes the export runs, as in
# tests/export/test_examples_on_step_functions.py (payments: its declarative resources).
CASES: list[tuple[str, str, tuple[str, ...]]] = [
    ("ecommerce-warm-standby-arc", "planned", ()),
    ("ecommerce-warm-standby-arc", "unplanned", ()),
    ("ecommerce-warm-standby", "planned", ()),
    ("ecommerce-warm-standby", "unplanned", ()),
    ("full", "planned", ()),
    ("full", "unplanned", ()),
    ("global-active-active", "planned", ()),
    ("global-active-active", "unplanned", ()),
    ("hipaa-healthcare", "planned", ()),
    ("hipaa-healthcare", "unplanned", ()),
    ("startup-backup-restore", "planned", ()),
    ("startup-backup-restore", "unplanned", ()),
    ("serverless-warm-standby", "planned", ()),
    ("serverless-warm-standby", "unplanned", ()),
    ("payments-custom-steps", "planned", ("ledger", "payment-flags", "settlement-queue")),
    ("payments-custom-steps", "unplanned", ("ledger", "payment-flags", "settlement-queue")),
]


def _aws_seconds(start: Any) -> float:
    from drctl.kinds.sandboxing import aws_time

    return float((aws_time.now() - start).total_seconds())


def measure(path: Path, mode: str, only: tuple[str, ...]) -> dict[str, Any]:
    from drctl.engine.settings import default_settings
    from drctl.kinds.sandboxing import aws_time
    from tests.export import sfn_support
    from tests.support import run_action

    with sfn_support.sandbox(path) as loaded:
        manual = [r.name for r in loaded.plan.resources if r.kind == "manual"]
        with tempfile.TemporaryDirectory() as state:
            settings = default_settings(state_dir=Path(state))
            aws_start, wall = aws_time.now(), time.perf_counter()
            record = run_action(
                loaded, settings, "failover", mode=mode, approve=manual, only=list(only)
            )
            cli_wall, cli_aws = time.perf_counter() - wall, _aws_seconds(aws_start)
    with sfn_support.sandbox(path) as loaded:
        aws_start = aws_time.now()
        first = sfn_support.run_approving(loaded, mode=mode, name="run-1", only=only)
        sfn_aws = _aws_seconds(aws_start)
        again = sfn_support.run_approving(loaded, mode=mode, name="run-2", only=only)
    cli = (record.status, cli_wall, cli_aws)
    resources = len(only) or len(loaded.plan.resources)
    return _row(path.stem, mode, resources, cli, first, sfn_aws, again)


def _row(
    plan: str, mode: str, resources: int, cli: tuple[str, float, float],
    first: Any, sfn_aws: float, again: Any,
) -> dict[str, Any]:  # fmt: skip
    """One table row: the CLI run (status, wall, AWS seconds), the execution and its rerun."""
    status, cli_wall, cli_aws = cli
    return {
        "plan": plan,
        "mode": mode,
        "resources": resources,
        "cli": status,
        "cli_wall_s": round(cli_wall, 1),
        "cli_aws_s": round(cli_aws),
        "sfn": first.status,
        "transitions": len(first.entered),
        "sfn_wall_s": round(first.seconds, 1),
        "sfn_aws_s": round(sfn_aws),
        "rerun_transitions": len(again.entered),
        "rerun_wall_s": round(again.seconds, 1),
    }


def measure_failback(path: Path, mode: str, only: tuple[str, ...]) -> dict[str, Any]:
    """A CLI failover of the whole plan, then its failback of ``only`` on each engine (each
    on a fresh sandbox); the failback's figures."""
    from drctl.engine.run import recorded_by_step
    from drctl.engine.settings import default_settings
    from drctl.kinds.sandboxing import aws_time
    from tests.export import sfn_support
    from tests.support import run_action

    def failover(loaded: Any, state: Path) -> tuple[Any, list[str]]:
        manual = [r.name for r in loaded.plan.resources if r.kind == "manual"]
        settings = default_settings(state_dir=state)
        done = run_action(loaded, settings, "failover", mode=mode, approve=manual)
        return done, manual

    with sfn_support.sandbox(path) as loaded, tempfile.TemporaryDirectory() as state:
        _, manual = failover(loaded, Path(state))
        settings = default_settings(state_dir=Path(state))
        aws_start, wall = aws_time.now(), time.perf_counter()
        record = run_action(
            loaded, settings, "failback", mode=mode, approve=manual, only=list(only)
        )
        cli_wall, cli_aws = time.perf_counter() - wall, _aws_seconds(aws_start)
    with sfn_support.sandbox(path) as loaded, tempfile.TemporaryDirectory() as state:
        done, _ = failover(loaded, Path(state))
        recorded = recorded_by_step(done)
        aws_start = aws_time.now()
        first = sfn_support.run_approving(
            loaded, mode=mode, name="back-1", action="failback", only=only, recorded=recorded
        )
        sfn_aws = _aws_seconds(aws_start)
        again = sfn_support.run_approving(
            loaded, mode=mode, name="back-2", action="failback", only=only, recorded=recorded
        )
    cli = (record.status, cli_wall, cli_aws)
    resources = len(only) or len(loaded.plan.resources)
    return _row(f"{path.stem} (failback)", mode, resources, cli, first, sfn_aws, again)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    import logging

    logging.getLogger("moto").setLevel(logging.CRITICAL)  # the interpreter's JSONPath misses
    cases = [("demo", "unplanned", ())] if args.quick else CASES
    rows = []
    for name, mode, only in cases:
        path = (
            REPO / "src" / "drctl" / "data" / "demo.yaml"
            if name == "demo"
            else REPO / "examples" / f"{name}.yaml"
        )
        rows.append(measure(path, mode, only))
    if not args.quick:
        from tests.export.test_failback_on_step_functions import DECLARATIVE

        for name, resources in sorted(DECLARATIVE.items()):
            for mode in ("planned", "unplanned"):
                path = REPO / "examples" / f"{name}.yaml"
                rows.append(measure_failback(path, mode, tuple(resources or ())))
    report("failover on both engines (sandbox)", rows, args.json)
    return 0 if all(r["cli"] == "succeeded" and r["sfn"] == "SUCCEEDED" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
