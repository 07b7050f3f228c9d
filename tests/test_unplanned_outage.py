"""Unplanned failover with the primary region out: every example plan, built in the sandbox,
fails over to DR without waiting on the dead region -- each service there is tried once, with
a short timeout, and never retried -- and its RTO is the DR work only."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from drctl.engine.clock import FakeClock
from drctl.engine.settings import default_settings
from drctl.kinds.sandboxing import aws_time
from drctl.plan.loader import load_plan
from drctl.sandbox.outages import outages
from tests.conftest import EXAMPLES
from tests.support import build_sandbox, run_action

# full.yaml names a DR role in another account, which moto keeps apart: test_examples.py
# builds the same four scenarios.
PLANS = sorted(p for p in EXAMPLES.glob("*.yaml") if p.name != "full.yaml")


@pytest.fixture(autouse=True)
def no_outage_left() -> Iterator[None]:
    yield
    outages.clear()


def _failover(path: Path, tmp_path: Path, *, outage: bool) -> tuple[object, float]:
    loaded = load_plan(path)
    plan = loaded.plan
    settings = default_settings(state_dir=tmp_path / ("out" if outage else "up"), clock=FakeClock())
    aws_time.follow(settings.clock.now)
    plans = [(inc.prefix, inc.loaded.plan) for inc in loaded.includes] + [("", plan)]
    for _, each in plans:  # a plan of plans: its included plans are built too
        build_sandbox(each, settings)
    if outage:
        outages.add(plan.regions.primary)
    manual = [p + r.name for p, each in plans for r in each.resources if r.kind == "manual"]
    started = time.monotonic()
    record = run_action(loaded, settings, "failover", mode="unplanned", approve=manual)
    return record, time.monotonic() - started


@pytest.mark.parametrize("path", PLANS, ids=lambda p: p.stem)
def test_unplanned_failover_goes_on_in_dr_with_the_primary_region_out(
    path: Path, aws: None, tmp_path: Path
) -> None:
    record, wall = _failover(path, tmp_path, outage=True)
    steps = [(s.id, s.status, s.detail) for s in record.steps]
    assert record.status in ("succeeded", "waiting"), steps
    # Recovery is done: every step up to traffic finished; only follow-ups on the dead side
    # (fencing the old primary) may wait for the region to come back.
    waiting = [s for s in record.steps if s.status == "waiting"]
    assert all(s.phase == "notify" for s in waiting), steps
    assert record.rto_seconds is not None, steps
    # Each service of the dead region was tried once and never retried.
    refused = outages.refused()
    assert refused and all(n == 1 for n in refused.values()), refused
    assert wall < 30, f"{wall:.1f}s: a retry budget was spent on the dead region"
