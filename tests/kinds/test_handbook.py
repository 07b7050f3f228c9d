"""Every kind says how to do by hand what drctl does: each readiness check has a command a
person can run, and each failover and failback step a way to verify it (``drctl runbook``)."""

from __future__ import annotations

import importlib

import pytest

from drctl.engine.run import step_graph
from drctl.engine.settings import default_settings, make_context
from drctl.errors import UsageError
from drctl.kinds import handbook
from drctl.kinds.registry import kind_names, module_for, registry
from drctl.plan.loader import load_plan
from drctl.plan.models import Plan
from tests.cli.awscli_parse import AwsCli
from tests.conftest import DEMO_PLAN, EXAMPLES

PLANS = [*sorted(EXAMPLES.glob("*.yaml")), DEMO_PLAN]


def _plans() -> list[Plan]:
    return [load_plan(p).plan for p in PLANS]


@pytest.mark.parametrize("name", kind_names())
def test_every_kind_has_a_handbook(name: str) -> None:
    module = importlib.import_module(module_for(name) + ".handbook")
    assert callable(module.prechecks) and callable(module.verifications)


def test_the_examples_use_every_kind() -> None:
    used = {r.kind for plan in _plans() for r in plan.resources}
    assert used == set(kind_names())


@pytest.mark.parametrize("path", PLANS, ids=lambda p: p.stem)
def test_every_readiness_check_has_a_command_to_run_by_hand(path: object) -> None:
    plan = load_plan(path).plan  # type: ignore[arg-type]
    ctx = make_context(plan, default_settings(dry_run=True), offline=True)
    for res in plan.resources:
        checks = {c.name for c in registry().checks(res, ctx)}
        hand = handbook.prechecks(res, ctx)
        covered = {name for h in hand for name in h.covers}
        assert checks - covered == set(), f"{res.kind} {res.name}: nothing to run by hand"
        assert covered - checks == set(), f"{res.kind} {res.name}: covers unknown checks"
        for h in hand:
            assert h.expect, h.title
            assert (
                h.cli.startswith("aws ")
                or (res.kind == "manual" and h.cli == "")
                or res.kind == "custom"  # a team's own program, or a shell check for it
            )


@pytest.mark.parametrize("path", PLANS, ids=lambda p: p.stem)
@pytest.mark.parametrize("mode", ["planned", "unplanned"])
@pytest.mark.parametrize("action", ["failover", "failback"])
def test_every_step_has_a_verification(path: object, mode: str, action: str) -> None:
    plan = load_plan(path).plan  # type: ignore[arg-type]
    ctx = make_context(plan, default_settings(dry_run=True), offline=True, mode=mode)
    try:
        graph = step_graph(plan, ctx, registry(), action)
    except UsageError:
        assert action == "failback"  # a restored database goes home by migration
        return
    for step in graph.steps:
        found = handbook.verifications(plan.resource(step.resource), ctx, action)
        assert found.get(step.action), f"{step.id}: no verification for {action}"


@pytest.fixture(scope="module")
def awscli() -> AwsCli:
    return AwsCli()


@pytest.mark.parametrize("path", PLANS, ids=lambda p: p.stem)
def test_every_handbook_command_parses_with_the_aws_cli(path: object, awscli: AwsCli) -> None:
    """All of them, also the verifications of steps this plan's graph does not have."""
    plan = load_plan(path).plan  # type: ignore[arg-type]
    ctx = make_context(plan, default_settings(dry_run=True), offline=True)
    for res in plan.resources:
        hand = list(handbook.prechecks(res, ctx))
        for action in ("failover", "failback"):
            hand += [
                h for checks in handbook.verifications(res, ctx, action).values() for h in checks
            ]
        for h in hand:
            if h.cli:
                assert awscli.parse(h.cli) or res.kind == "custom", h.cli
