"""The AWS CLI commands a dry run prints run as printed: drctl reads every value it can (an
ARN, a parameter group, a health check id, a recorded capacity) before printing, and says
in words, after a ``#``, what only the run can know. No ``<placeholder>`` reaches a shell."""

from __future__ import annotations

import shlex
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from drctl.engine.settings import default_settings, make_context
from drctl.errors import UsageError
from drctl.plan.loader import load_plan
from tests.support import build_sandbox, failback_graph, failover_graph, single_plans

PLANS = single_plans()  # a plan of plans: the plans it includes, each on its own


def _lines(graph: Any) -> list[tuple[str, str]]:
    return [(step.id, line) for step in graph.steps for line in step.cli]


def _failback_lines(plan: Any, ctx: Any) -> list[tuple[str, str]]:
    """Failback of every resource that has one (a snapshot-restored database refuses)."""
    found = []
    for res in plan.resources:
        try:
            found += _lines(failback_graph(plan, ctx, [res.name]))
        except UsageError:
            continue
    return found


@pytest.mark.parametrize("path", PLANS, ids=[p.stem for p in PLANS])
def test_every_printed_command_parses_and_has_no_placeholder(
    aws: None, path: Path, tmp_path: Path
) -> None:
    loaded = load_plan(path)
    settings = default_settings(state_dir=tmp_path / "state")
    build_sandbox(loaded.plan, settings)
    printed: list[tuple[str, str]] = []
    for mode in ("planned", "unplanned"):
        ctx = make_context(loaded.plan, settings, mode=mode)
        printed += _lines(failover_graph(loaded.plan, ctx))
        printed += _failback_lines(loaded.plan, ctx)
    assert printed
    bad = [(sid, line) for sid, line in printed if "<" in line or ">" in line]
    assert not bad, "\n".join(f"{sid}: {line}" for sid, line in bad)
    for sid, line in printed:
        try:
            shlex.split(line, comments=True)
        except ValueError as exc:
            pytest.fail(f"{sid}: {line!r} does not parse: {exc}")


def test_time_ranges_are_real_timestamps(built_plan: Any, settings: Any) -> None:
    """The drain's metric query covers the last ten minutes as of printing, in ISO 8601."""
    import re

    ctx = make_context(built_plan.plan, settings)
    [query, _] = failover_graph(built_plan.plan, ctx).by_id()["orders-db.drain"].cli
    now = settings.clock.now()
    start = (now - timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert f"--start-time {start} " in query
    assert re.search(r"--end-time \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ ", query)
    assert "$(" not in query
