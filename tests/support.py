"""What many tests need: run a plan's action end to end, collect its checks or steps, build
its sandbox, and invoke the CLI the way the console script does. Plain functions, imported
where used (fixtures stay in conftest.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drctl.engine.context import RunContext
from drctl.engine.gate import GateResult
from drctl.engine.graph import StepGraph
from drctl.engine.run import Run, RunRequest, step_graph
from drctl.engine.run import rpo_gate as engine_rpo_gate
from drctl.engine.runs import RunRecord
from drctl.engine.settings import RunSettings, make_context
from drctl.engine.step import Check, CheckResult
from drctl.kinds.registry import registry
from drctl.plan.loader import LoadedPlan, load_plan_text
from drctl.plan.models import Plan


def run_action(
    loaded: Any,
    settings: RunSettings,
    action: str,
    *,
    mode: str = "planned",
    from_run: str | None = None,
    only: Sequence[str] = (),
    accept_data_loss: bool = True,
    approve: Sequence[str] = (),
    resume: str | None = None,
) -> RunRecord:
    """A journaled failover/failback/backup of ``loaded`` through the engine's Run, confirmed.

    ``accept_data_loss`` defaults to True: tests of a step's behaviour are not about the RPO
    gate (tests of the gate pass False).
    """
    request = RunRequest(
        action=action,
        mode=mode,
        from_run=from_run,
        only=list(only),
        accept_data_loss=accept_data_loss,
        approve=list(approve),
        resume=resume,
    )
    return Run(loaded, settings, registry(), request).execute(confirm=lambda question: None)


def collect_checks(plan: Plan, ctx: RunContext, only: Sequence[str] | None = None) -> list[Check]:
    names = set(only or [r.name for r in plan.resources])
    kinds = registry()
    return [c for r in plan.resources if r.name in names for c in kinds.checks(r, ctx)]


def run_checks(
    loaded: LoadedPlan, settings: RunSettings, only: Sequence[str] | None = None
) -> dict[str, CheckResult]:
    """Every check of the plan's (``only``) resources run once, by check name."""
    ctx = make_context(loaded.plan, settings)
    return {c.name: c.run() for c in collect_checks(loaded.plan, ctx, only)}


def step_statuses(record: RunRecord) -> dict[str, str]:
    """What became of each step of a run, by step id."""
    return {s.id: s.status for s in record.steps}


def failover_graph(plan: Plan, ctx: RunContext, only: Sequence[str] | None = None) -> StepGraph:
    return step_graph(plan, ctx, registry(), "failover", only)


def failback_graph(plan: Plan, ctx: RunContext, only: Sequence[str] | None = None) -> StepGraph:
    return step_graph(plan, ctx, registry(), "failback", only)


def rpo_gate(plan: Plan, ctx: RunContext, only: Sequence[str] | None = None) -> GateResult:
    return engine_rpo_gate(plan, ctx, registry(), only)


def build_sandbox(plan: Plan, settings: RunSettings) -> list[str]:
    """Build ``plan`` in the (already started) moto, as ``drctl sandbox up`` does."""
    from drctl.sandbox.builders import SandboxBuilder

    return SandboxBuilder(plan, make_context(plan, settings).sessions, settings.clock).build()


def build_plan_text(text: str, settings: RunSettings) -> LoadedPlan:
    """Load the plan ``text`` and build it in the (already started) moto, with AWS time
    following the run's fake clock: what the sandbox does over minutes (replication,
    promotions, scaling) then moves as a run sleeps."""
    from drctl.kinds.sandboxing import aws_time

    aws_time.follow(settings.clock.now)
    loaded = load_plan_text(text)
    build_sandbox(loaded.plan, settings)
    return loaded


@dataclass
class Invocation:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def invoke(*args: str, input: str | None = None) -> Invocation:
    """Run drctl in-process through ``main()``, as the console script does: ``CliRunner.invoke``
    would bypass the error mapping (exit codes, one-line messages, the JSON error document)."""
    from click.testing import CliRunner

    from drctl.cli.main import main

    runner = CliRunner()
    with runner.isolation(input=input) as streams:
        out, err = streams[0], streams[1]
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        return Invocation(code, out.getvalue().decode(), err.getvalue().decode())


def subprocess_env(tmp_path: Path) -> dict[str, str]:
    """The environment for drctl run as a subprocess against a local sandbox: this process's
    environment without any AWS or drctl setting, fake credentials, no config files, a state
    directory of its own, no colour."""
    import os

    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("AWS_") and k not in ("DRCTL_STATE_DIR", "DRCTL_DEBUG")
    }
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_EC2_METADATA_DISABLED="true",
        AWS_CONFIG_FILE=str(tmp_path / "no-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "no-credentials"),
        DRCTL_STATE_DIR=str(tmp_path / "state"),
        NO_COLOR="1",
    )
    return env


def single_plans() -> list[Path]:
    """Every example plan, a plan of plans replaced by the plans it includes (for tests of
    what works on one plan at a time)."""
    from tests.conftest import EXAMPLES

    found: list[Path] = []
    for path in sorted(EXAMPLES.glob("*.yaml")):
        included = path.parent / path.stem
        found.extend(sorted(included.glob("*.yaml")) if included.is_dir() else [path])
    return found
