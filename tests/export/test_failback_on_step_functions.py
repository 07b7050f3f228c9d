"""Failback on Step Functions: for every example whose failover runs there, a CLI failover
undone by a Step Functions failback leaves the AWS state a CLI failover undone by a CLI
failback leaves (compared resource by resource), and a rerun of the failback execution
changes nothing. The failback runs the resources whose failback steps have a declarative
form; the export of the whole failback names the steps only the CLI runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from drctl.engine.run import recorded_by_step
from drctl.engine.settings import default_settings
from drctl.errors import DrctlError
from drctl.plan.loader import LoadedPlan
from tests.conftest import REPO
from tests.export import sfn_support
from tests.export.end_state import end_state
from tests.support import run_action

EXAMPLES = REPO / "examples"

# example -> the resources whose failback Step Functions runs, None for the whole plan (the
# others' steps are named by the export: a local command).
DECLARATIVE: dict[str, list[str] | None] = {
    "ecommerce-warm-standby": None,
    "ecommerce-warm-standby-arc": None,
    "full": None,
    "global-active-active": None,
    "hipaa-healthcare": None,
    "payments-custom-steps": ["ledger", "payment-flags", "settlement-queue"],
    "serverless-warm-standby": None,
    "startup-backup-restore": None,
}
# example -> what the export of its whole failback refuses, in its own words.
CLI_ONLY = {
    "payments-custom-steps": "tell-on-call.run-failback has no declarative form (only the CLI "
    "engine can run them) -- tell-on-call.run-failback: it runs a local command (sh)",
}
MODES = ("planned", "unplanned")
CASES = [(example, mode) for example in sorted(DECLARATIVE) for mode in MODES]


def _settled(loaded: LoadedPlan) -> dict[str, Any]:
    """The end state once asynchronous replication has caught up: a probe item written and
    removed at home reaches DR (where it is read back) within the sandbox's replication delay
    (under a second of AWS time), so each state is read 5 AWS seconds later."""
    from drctl.kinds.sandboxing import aws_time

    aws_time.wait(5)
    return end_state(loaded.plan)


def _manual(loaded: LoadedPlan) -> list[str]:
    return [r.name for r in loaded.plan.resources if r.kind == "manual"]


def _failover(loaded: LoadedPlan, state: Path, mode: str) -> dict[str, dict[str, Any]]:
    """A CLI failover of the whole plan; what it recorded, by step id."""
    settings = default_settings(state_dir=state)
    record = run_action(loaded, settings, "failover", mode=mode, approve=_manual(loaded))
    assert record.status == "succeeded"
    return recorded_by_step(record)


@pytest.mark.parametrize(("example", "mode"), CASES)
def test_cli_and_step_functions_failbacks_leave_the_same_aws_state(
    example: str, mode: str, tmp_path: Path
) -> None:
    path = EXAMPLES / f"{example}.yaml"
    only = DECLARATIVE[example] or []
    with sfn_support.sandbox(path) as loaded:
        before = _settled(loaded)
        _failover(loaded, tmp_path / "cli", mode)
        after_failover = _settled(loaded)
        settings = default_settings(state_dir=tmp_path / "cli")
        record = run_action(
            loaded, settings, "failback", mode=mode, only=only, approve=_manual(loaded)
        )
        assert record.status == "succeeded"
        by_cli = _settled(loaded)
    with sfn_support.sandbox(path) as loaded:
        recorded = _failover(loaded, tmp_path / "sfn", mode)
        assert _settled(loaded) == after_failover
        first = sfn_support.run_approving(
            loaded, mode=mode, name="back-1", action="failback", only=only, recorded=recorded
        )
        assert first.status == "SUCCEEDED", first.error
        by_sfn = _settled(loaded)
        second = sfn_support.run_approving(
            loaded, mode=mode, name="back-2", action="failback", only=only, recorded=recorded
        )
        assert second.status == "SUCCEEDED", second.error
        assert _settled(loaded) == by_sfn
    assert by_sfn == by_cli
    # The failback did something: what it covers is back where it was before the failover.
    names = only or [r.name for r in loaded.plan.resources]
    moved = [name for name in names if after_failover[name] != before[name]]
    assert moved
    for name in moved:
        assert by_sfn[name] != after_failover[name], name
    assert [n for n in first.entered if ": call " in n]
    # The rerun found every step done: no call, except a manual step (it asks again) and a
    # writability probe (it writes again).
    always = {f"{name}." for name in _manual(loaded)} | {
        f"{r.name}." for r in loaded.plan.resources if r.kind == "dynamodb-table"
    }
    acted = [
        n for n in second.entered
        if ": call " in n and not any(n.startswith(p) for p in always)
    ]  # fmt: skip
    assert acted == []


@pytest.mark.parametrize("example", sorted(CLI_ONLY))
def test_the_whole_failback_export_names_what_only_the_cli_runs(
    example: str, tmp_path: Path
) -> None:
    with sfn_support.sandbox(EXAMPLES / f"{example}.yaml") as loaded:
        recorded = _failover(loaded, tmp_path, "unplanned")
        with pytest.raises(DrctlError) as caught:
            sfn_support.export(loaded, action="failback", mode="planned", recorded=recorded)
    assert caught.value.exit_code == 2
    assert CLI_ONLY[example] in caught.value.message


def test_a_failback_without_a_recorded_failover_names_the_capacities_it_cannot_restore() -> None:
    """The numbers a scale-back restores come from the failover's journal: without one the
    export refuses those steps, as the CLI refuses to guess."""
    with sfn_support.sandbox(EXAMPLES / "full.yaml") as loaded, pytest.raises(DrctlError) as caught:
        sfn_support.export(loaded, action="failback", mode="unplanned", only=["web", "checkout"])
    assert "web.scale-back, checkout.scale-back have no declarative form" in caught.value.message
