"""`eventbridge-rules`: readiness on a fresh sandbox and on missing rules, differing targets or
both sides enabled; planned and unplanned failover (primary Region out: the primary's rules
are disabled once it is back) and failback, read back from EventBridge, reruns no-ops, twice."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from drctl.errors import PlanError
from drctl.plan.loader import load_plan_text
from drctl.plan.models import EventBridgeRules
from drctl.sandbox.outages import outages
from tests.support import build_plan_text, run_action, run_checks, step_statuses

HOME, DR = "us-east-1", "us-west-2"
PRIMARY_RULES = ["nightly-report", "sync-orders"]
DR_RULES = ["nightly-report-dr", "sync-orders-dr"]
PLAN = f"""
version: 1
app: orders
tier: silver
strategy: warm-standby
objectives: {{rto: 1h, rpo: 15m}}
regions: {{primary: {HOME}, dr: {DR}}}
resources:
  - kind: eventbridge-rules
    name: jobs
    event_bus: orders
    primary: {PRIMARY_RULES}
    dr: {DR_RULES}
"""


@pytest.fixture(autouse=True)
def no_outage_left() -> Iterator[None]:
    yield
    outages.clear()


@pytest.fixture
def loaded(aws: None, settings: Any) -> Any:
    return build_plan_text(PLAN, settings)


def _events(region: str) -> Any:
    return boto3.client("events", region_name=region)


def _states(region: str, names: list[str]) -> set[str]:
    return {_events(region).describe_rule(Name=n, EventBusName="orders")["State"] for n in names}


def _serving(side: str) -> None:
    on, off = (HOME, DR) if side == "primary" else (DR, HOME)
    on_rules, off_rules = (
        (PRIMARY_RULES, DR_RULES) if side == "primary" else (DR_RULES, PRIMARY_RULES)
    )
    assert _states(on, on_rules) == {"ENABLED"}
    assert _states(off, off_rules) == {"DISABLED"}


def test_checks_pass_on_the_sandbox(loaded: Any, settings: Any) -> None:
    results = run_checks(loaded, settings)
    assert {n: r.status.value for n, r in results.items()} == {
        "rules": "pass",
        "targets": "pass",
        "serving-side": "pass",
    }
    _serving("primary")


def test_checks_fail_on_a_missing_rule_differing_targets_and_both_sides_on(
    loaded: Any, settings: Any
) -> None:
    dr = _events(DR)
    dr.remove_targets(Rule="sync-orders-dr", EventBusName="orders", Ids=["jobs"])
    dr.put_targets(
        Rule="sync-orders-dr",
        EventBusName="orders",
        Targets=[{"Id": "other", "Arn": f"arn:aws:sqs:{DR}:123456789012:elsewhere"}],
    )
    dr.enable_rule(Name="nightly-report-dr", EventBusName="orders")
    results = run_checks(loaded, settings)
    assert results["targets"].status.value == "fail"
    assert "sync-orders / sync-orders-dr" in results["targets"].detail
    assert results["serving-side"].status.value == "fail"
    assert f"nightly-report-dr in {DR} is ENABLED" in results["serving-side"].detail

    dr.remove_targets(Rule="nightly-report-dr", EventBusName="orders", Ids=["jobs"])
    dr.delete_rule(Name="nightly-report-dr", EventBusName="orders")
    missing = run_checks(loaded, settings)["rules"]
    assert missing.status.value == "fail" and f"nightly-report-dr in {DR}" in missing.detail


def test_planned_failover_and_failback_twice(loaded: Any, settings: Any) -> None:
    for _ in (1, 2):
        record = run_action(loaded, settings, "failover")
        assert record.status == "succeeded", [(s.id, s.detail) for s in record.steps]
        assert list(step_statuses(record)) == ["jobs.disable-primary", "jobs.enable-dr"]
        _serving("dr")
        rerun = run_action(loaded, settings, "failover")
        assert set(step_statuses(rerun).values()) == {"skipped"}
        assert all(s.calls == [] for s in rerun.steps)

        back = run_action(loaded, settings, "failback", from_run=record.run_id)
        assert back.status == "succeeded"
        assert list(step_statuses(back)) == ["jobs.disable-dr", "jobs.enable-primary"]
        _serving("primary")
        again = run_action(loaded, settings, "failback", from_run=record.run_id)
        assert set(step_statuses(again).values()) == {"skipped"}
        assert run_checks(loaded, settings)["serving-side"].status.value == "pass"


def test_only_rules_in_the_wrong_state_are_changed(loaded: Any, settings: Any) -> None:
    _events(DR).enable_rule(Name="sync-orders-dr", EventBusName="orders")
    record = run_action(loaded, settings, "failover")
    enable = next(s for s in record.steps if s.id == "jobs.enable-dr")
    assert [c["operation"] for c in enable.calls] == ["EnableRule"]
    assert enable.data["rules"] == ["nightly-report-dr"]


def test_unplanned_failover_waits_to_disable_the_primary_until_it_is_back(
    loaded: Any, settings: Any
) -> None:
    outages.add(HOME)
    record = run_action(loaded, settings, "failover", mode="unplanned")
    assert step_statuses(record) == {
        "jobs.enable-dr": "succeeded",
        "jobs.disable-primary": "waiting",
    }
    assert record.status == "waiting"
    waiting = next(s for s in record.steps if s.id == "jobs.disable-primary")
    assert "resume this run" in waiting.detail
    assert _states(DR, DR_RULES) == {"ENABLED"}
    assert all(n == 1 for n in outages.refused().values()), outages.refused()
    outages.clear()
    assert _states(HOME, PRIMARY_RULES) == {"ENABLED"}, "untouched while it was down"

    resumed = run_action(loaded, settings, "failover", mode="unplanned", resume=record.run_id)
    assert resumed.status == "succeeded", [(s.id, s.status, s.detail) for s in resumed.steps]
    _serving("dr")

    back = run_action(loaded, settings, "failback", from_run=record.run_id)
    assert back.status == "succeeded"
    _serving("primary")


def test_the_plan_pairs_rules_one_to_one() -> None:
    with pytest.raises(PlanError) as err:
        load_plan_text(PLAN.replace(f"dr: {DR_RULES}", "dr: [only-one]"))
    assert "same number of rules" in str(err.value.diagnostics)
    assert EventBridgeRules.model_fields["event_bus"].default == "default"


def test_a_missing_primary_rule_fails_the_step_instead_of_waiting(
    loaded: Any, settings: Any
) -> None:
    """Only an unreachable Region is waited for: a rule that is not there is an error."""
    home = _events(HOME)
    home.remove_targets(Rule="sync-orders", EventBusName="orders", Ids=["jobs"])
    home.delete_rule(Name="sync-orders", EventBusName="orders")
    record = run_action(loaded, settings, "failover", mode="unplanned")
    assert step_statuses(record)["jobs.disable-primary"] == "failed"
    failed = next(s for s in record.steps if s.id == "jobs.disable-primary")
    assert "rule sync-orders not found" in failed.detail
    assert _states(DR, DR_RULES) == {"ENABLED"}


def test_dry_run_lists_the_switches_and_changes_nothing(loaded: Any, tmp_path: Any) -> None:
    import json

    from tests.support import invoke

    path = tmp_path / "plan.yaml"
    path.write_text(PLAN)
    state = str(tmp_path / "dry")
    result = invoke("-o", "json", "--state-dir", state, "failover", "--plan", str(path),
                    "--dry-run")  # fmt: skip
    assert result.exit_code == 0, result.output
    steps = json.loads(result.stdout)["steps"]
    assert [s["action"] for s in steps] == ["disable-primary", "enable-dr"]
    _serving("primary")  # nothing was switched
