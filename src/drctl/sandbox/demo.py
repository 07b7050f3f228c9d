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
from typing import Any

from drctl.engine.runs import RunRecord
from drctl.sandbox.server import FAKE_CREDENTIALS

DEMO_PLAN = "demo.yaml"


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


def run_demo(*, state_dir: Path | None, as_json: bool) -> DemoResult:
    try:
        from moto import mock_aws
    except ImportError:
        from drctl.errors import SandboxError

        raise SandboxError("drctl demo needs moto: pip install 'drctl[sandbox]'") from None
    from drctl.engine.checks import summarize
    from drctl.engine.operations import (
        default_settings,
        failback_graph,
        failover_graph,
        make_context,
        recorded_by_step,
        run_readiness,
    )
    from drctl.plan.loader import load_plan_text
    from drctl.render import tables
    from drctl.render.console import out
    from drctl.sandbox.builders import SandboxBuilder
    from drctl.sandbox.extensions import install

    loaded = load_plan_text(demo_plan_text(), "drctl/data/demo.yaml")
    plan = loaded.plan
    base = state_dir or Path(tempfile.mkdtemp(prefix="drctl-demo-"))
    settings = default_settings(state_dir=base)
    show = not as_json
    install()
    with isolated_aws_env(), mock_aws(config={"core": {"reset_boto3_session": False}}):
        if show:
            out().rule(
                f"drctl demo: {plan.app}, {plan.strategy.value}, "
                f"{plan.regions.primary} -> {plan.regions.dr}"
            )
            tables.plan_overview(plan, loaded.path)
            out().rule("1. Build the sandbox (moto, in this process)")
        ctx = make_context(plan, settings)
        built = SandboxBuilder(plan, ctx.sessions).build()
        if show:
            out().print(f"built {', '.join(built)} in {plan.regions.primary} and {plan.regions.dr}")
            out().rule("2. Readiness check")
        before = run_readiness(plan, make_context(plan, settings))
        if show:
            tables.checks_table(plan.app, before, summarize(before))
            out().rule("3. Planned failover")
        record = _run(loaded, settings, "failover", failover_graph, {}, show)
        if show:
            out().rule("4. Readiness check after the failover")
        after = run_readiness(plan, make_context(plan, settings))
        if show:
            tables.checks_table(plan.app, after, summarize(after))
            out().print(
                "The failures above are the failover's effect: the replica is now a "
                "standalone primary and Route 53 serves the SECONDARY."
            )
            out().rule("5. Failback: re-protect, then a planned failover home")
        back = _run(loaded, settings, "failback", failback_graph, recorded_by_step(record), show)
        if show:
            out().rule("6. Readiness check after the failback")
        final = run_readiness(plan, make_context(plan, settings))
        if show:
            tables.checks_table(plan.app, final, summarize(final))
            out().print(f"Journals kept in {base}: DRCTL_STATE_DIR={base} drctl runs list")
    return DemoResult(record, summarize(before), summarize(after), base, back, summarize(final))


def _run(
    loaded: Any,
    settings: Any,
    action: str,
    build: Any,
    recorded: dict[str, dict[str, Any]],
    show: bool,
) -> RunRecord:
    """One journaled run of ``action`` (planned), drawn live unless output is JSON."""
    from drctl.engine.operations import execute, make_context
    from drctl.engine.runs import new_run_id
    from drctl.render import tables
    from drctl.render.console import out

    plan = loaded.plan
    run_id = new_run_id(settings.clock.now(), plan.app, action)
    ctx = make_context(plan, settings, mode="planned", run_id=run_id)
    ctx.recorded = recorded
    graph = build(plan, ctx)
    if not show:
        return execute(loaded, graph, settings, action=action, mode="planned", run_id=run_id)
    from drctl.render.live import LiveStepView

    with LiveStepView(graph.steps, f"{action.capitalize()} run {run_id}") as view:
        record = execute(
            loaded, graph, settings, action=action, mode="planned", run_id=run_id, observer=view
        )
    out().print(tables.rto_line(record))
    return record
