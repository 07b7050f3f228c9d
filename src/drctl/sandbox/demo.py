"""``drctl demo``: the whole story on the bundled plan, in one process, against moto.

Build the plan's resources in both regions, check readiness, fail over, check
again -- the second check shows the failover's effect (the replica is now a
standalone primary, traffic is forced to the SECONDARY) -- then fail back
(re-protect, move home, re-protect DR) and check a last time. Every AWS call goes
to moto in this process: credentials are fake and any endpoint override is
dropped for the duration.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from drctl.engine.runs import RunRecord
from drctl.sandbox.server import FAKE_CREDENTIALS

if TYPE_CHECKING:
    from drctl.engine.executor import RunObserver
    from drctl.engine.run import Run
    from drctl.engine.settings import RunSettings
    from drctl.engine.step import Check, CheckResult
    from drctl.plan.loader import LoadedPlan
    from drctl.plan.models import Plan

DEMO_PLAN = "demo.yaml"
DEMO_TIME_SCALE = 600.0  # one AWS minute in 0.1 s, as `drctl sandbox up`


@contextmanager
def _restore_aws_time() -> Iterator[None]:
    """The demo's AWS clock follows its run's clock only while the demo runs."""
    from drctl.kinds.sandboxing import aws_time

    try:
        yield
    finally:
        aws_time.follow(None)


def demo_plan_text() -> str:
    return resources.files("drctl.data").joinpath(DEMO_PLAN).read_text(encoding="utf-8")


@contextmanager
def isolated_aws_env() -> Iterator[None]:
    """Fake credentials, no profile, no endpoint override: only moto can answer."""
    saved = {k: os.environ.get(k) for k in (*FAKE_CREDENTIALS, "AWS_PROFILE", "AWS_ENDPOINT_URL")}
    os.environ.update(FAKE_CREDENTIALS)
    os.environ.pop("AWS_PROFILE", None)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@dataclass
class DemoResult:
    failover: RunRecord
    checks_before: dict[str, int]
    checks_after: dict[str, int]
    state_dir: Path
    failback: RunRecord | None = None
    checks_final: dict[str, int] | None = None


class DemoShow:
    """How the demo is shown; the default shows nothing (``-o json``). The CLI's rich view
    overrides each stage, so the sandbox never imports the render floor."""

    def stage(self, title: str) -> None:
        """A new part of the story begins."""

    def overview(self, loaded: LoadedPlan) -> None:
        """The plan the demo runs."""

    def built(self, plan: Plan, names: list[str]) -> None:
        """The sandbox holds ``names``."""

    def checks(self, plan: Plan, results: list[tuple[Check, CheckResult]]) -> None:
        """A readiness check finished."""

    def note(self, text: str) -> None:
        """A sentence of explanation."""

    @contextmanager
    def live(self, run: Run) -> Iterator[RunObserver | None]:
        """Around one run: yields the observer that draws it (None: not drawn)."""
        yield None

    def finished(self, record: RunRecord) -> None:
        """A run ended."""


def run_demo(*, state_dir: Path | None, show: DemoShow | None = None) -> DemoResult:
    try:
        from moto import mock_aws
    except ImportError:
        from drctl.errors import SandboxError

        raise SandboxError("drctl demo needs moto: pip install 'drctl[sandbox]'") from None
    from drctl.drills import prerequisites
    from drctl.engine.checks import summarize
    from drctl.engine.run import readiness
    from drctl.engine.settings import default_settings, make_context
    from drctl.kinds.registry import registry
    from drctl.plan.loader import load_plan_text
    from drctl.sandbox.builders import SandboxBuilder
    from drctl.sandbox.extensions import install

    view = show or DemoShow()
    kinds = registry()
    loaded = load_plan_text(demo_plan_text(), "drctl/data/demo.yaml")
    plan = loaded.plan
    from drctl.engine.clock import ScaledClock
    from drctl.kinds.sandboxing import aws_time

    base = state_dir or Path(tempfile.mkdtemp(prefix="drctl-demo-"))
    # The run and the sandbox's AWS share one clock at the sandbox's time scale: waits for
    # AWS (Route 53's checkers, promotions) take their AWS time, in a fraction of real time.
    clock = ScaledClock(DEMO_TIME_SCALE)
    settings = default_settings(state_dir=base, clock=clock)
    install()
    aws_time.follow(clock.now)
    with (
        _restore_aws_time(),
        isolated_aws_env(),
        mock_aws(config={"core": {"reset_boto3_session": False}}),
    ):
        view.stage(
            f"drctl demo: {plan.app}, {plan.strategy.value}, "
            f"{plan.regions.primary} -> {plan.regions.dr}"
        )
        view.overview(loaded)
        view.stage("1. Build the sandbox (moto, in this process)")
        built = SandboxBuilder(plan, make_context(plan, settings).sessions, clock).build()
        view.built(plan, built)
        view.stage("2. Readiness check")
        before = readiness(
            plan, make_context(plan, settings), kinds, prerequisites=prerequisites.checks
        )
        view.checks(plan, before)
        view.stage("3. Planned failover")
        record = _run(loaded, settings, "failover", view)
        view.stage("4. Readiness check after the failover")
        after = readiness(
            plan, make_context(plan, settings), kinds, prerequisites=prerequisites.checks
        )
        view.checks(plan, after)
        view.note(
            "The failures above are the failover's effect: the replica is now a "
            "standalone primary and Route 53 serves the SECONDARY."
        )
        view.stage("5. Failback: re-protect, then a planned failover home")
        back = _run(loaded, settings, "failback", view, from_run=record.run_id)
        view.stage("6. Readiness check after the failback")
        final = readiness(
            plan, make_context(plan, settings), kinds, prerequisites=prerequisites.checks
        )
        view.checks(plan, final)
        view.note(f"Journals kept in {base}: DRCTL_STATE_DIR={base} drctl runs list")
    return DemoResult(record, summarize(before), summarize(after), base, back, summarize(final))


def _run(
    loaded: LoadedPlan,
    settings: RunSettings,
    action: str,
    view: DemoShow,
    from_run: str | None = None,
) -> RunRecord:
    """One journaled run of ``action`` (planned), drawn by ``view``."""
    from drctl.engine.run import Run, RunRequest
    from drctl.kinds.registry import registry

    run = Run(loaded, settings, registry(), RunRequest(action=action, from_run=from_run))
    with view.live(run) as observer:
        record = run.execute(confirm=lambda question: None, observer=observer)
    view.finished(record)
    return record
