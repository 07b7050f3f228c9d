"""`lambda-function`: readiness on a fresh sandbox and on differing code, missing or enabled
DR triggers and an impossible reservation; planned and unplanned failover (primary Region out)
and failback read back from Lambda -- mappings Enabling then Enabled, the reservation set and
restored -- reruns no-ops, twice."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from drctl.kinds.lambda_function import moto_event_source_states
from drctl.sandbox.outages import outages
from tests.support import build_plan_text, run_action, run_checks, step_statuses

HOME, DR = "us-east-1", "us-west-2"
FUNCTION, ALIAS = "orders-worker", "live"
PLAN = f"""
version: 1
app: orders
tier: silver
strategy: warm-standby
objectives: {{rto: 1h, rpo: 15m}}
regions: {{primary: {HOME}, dr: {DR}}}
resources:
  - kind: lambda-function
    name: worker
    function: {FUNCTION}
    alias: {ALIAS}
    reserved_concurrency: 50
"""


@pytest.fixture(autouse=True)
def no_outage_left() -> Iterator[None]:
    yield
    outages.clear()


@pytest.fixture
def loaded(aws: None, settings: Any) -> Any:
    return build_plan_text(PLAN, settings)  # mappings settle as the run's fake clock sleeps


def _lambda(region: str) -> Any:
    return boto3.client("lambda", region_name=region)


def _states(region: str) -> list[str]:
    found = _lambda(region).list_event_source_mappings()["EventSourceMappings"]
    return [m["State"] for m in found]


def _reserved(region: str) -> int | None:
    value = _lambda(region).get_function_concurrency(FunctionName=FUNCTION)
    return value.get("ReservedConcurrentExecutions")


def test_checks_pass_on_the_sandbox(loaded: Any, settings: Any) -> None:
    results = run_checks(loaded, settings)
    assert {n: r.status.value for n, r in results.items()} == {
        "dr-alias": "pass",
        "event-sources": "pass",
        "serving-side": "pass",
        "concurrency": "pass",
    }
    assert "same CodeSha256" in results["dr-alias"].detail
    assert (_states(HOME), _states(DR)) == (["Enabled"], ["Disabled"])


def test_checks_fail_on_other_code_in_dr(loaded: Any, settings: Any) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return 'new'\n")
    dr = _lambda(DR)
    dr.update_function_code(FunctionName=FUNCTION, ZipFile=buffer.getvalue())
    version = dr.publish_version(FunctionName=FUNCTION)["Version"]
    dr.update_alias(FunctionName=FUNCTION, Name=ALIAS, FunctionVersion=version)
    result = run_checks(loaded, settings)["dr-alias"]
    assert result.status.value == "fail"
    assert "different code" in result.detail and f"version {version} in {DR}" in result.detail


def test_checks_fail_on_missing_or_enabled_dr_triggers(loaded: Any, settings: Any) -> None:
    dr = _lambda(DR)
    [mapping] = dr.list_event_source_mappings()["EventSourceMappings"]
    dr.update_event_source_mapping(UUID=mapping["UUID"], Enabled=True)
    serving = run_checks(loaded, settings)["serving-side"]
    assert serving.status.value == "fail" and f"in {DR} is Enabling" in serving.detail
    settings.clock.advance(moto_event_source_states.TRANSITION_SECONDS)
    dr.delete_event_source_mapping(UUID=mapping["UUID"])
    sources = run_checks(loaded, settings)["event-sources"]
    assert sources.status.value == "fail" and (sources.observed, sources.threshold) == (0, 1)


def test_check_fails_when_the_reservation_would_starve_the_region(
    loaded: Any, settings: Any
) -> None:
    dr = _lambda(DR)
    other = dr.get_function(FunctionName=FUNCTION)["Configuration"]
    dr.create_function(
        FunctionName="batch",
        Runtime="python3.12",
        Role=other["Role"],
        Handler="handler.handler",
        Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18},
    )
    dr.put_function_concurrency(FunctionName="batch", ReservedConcurrentExecutions=880)
    result = run_checks(loaded, settings)["concurrency"]
    assert result.status.value == "fail"
    assert (result.observed, result.threshold) == (70, 100)
    record = run_action(loaded, settings, "failover")
    assert record.status == "failed"
    assert step_statuses(record)["worker.set-concurrency"] == "failed"
    assert "UnreservedConcurrentExecution below its minimum" in record.steps[0].detail
    assert _reserved(DR) is None
    assert (_states(HOME), _states(DR)) == (["Enabled"], ["Disabled"]), "nothing switched"


def test_planned_failover_and_failback_twice(loaded: Any, settings: Any) -> None:
    for _ in (1, 2):
        record = run_action(loaded, settings, "failover")
        assert record.status == "succeeded", [(s.id, s.detail) for s in record.steps]
        assert list(step_statuses(record)) == [
            "worker.set-concurrency",
            "worker.disable-primary-sources",
            "worker.enable-dr-sources",
        ]
        enable = next(s for s in record.steps if s.id == "worker.enable-dr-sources")
        assert enable.duration_seconds is not None
        assert enable.duration_seconds >= moto_event_source_states.TRANSITION_SECONDS
        assert (_states(HOME), _states(DR)) == (["Disabled"], ["Enabled"])
        assert _reserved(DR) == 50
        assert record.steps[0].data == {"before": None}

        rerun = run_action(loaded, settings, "failover")
        assert set(step_statuses(rerun).values()) == {"skipped"}

        back = run_action(loaded, settings, "failback", from_run=record.run_id)
        assert back.status == "succeeded", [(s.id, s.detail) for s in back.steps]
        assert list(step_statuses(back)) == [
            "worker.disable-dr-sources",
            "worker.enable-primary-sources",
            "worker.restore-concurrency",
        ]
        assert (_states(HOME), _states(DR)) == (["Enabled"], ["Disabled"])
        assert _reserved(DR) is None
        again = run_action(loaded, settings, "failback", from_run=record.run_id)
        assert set(step_statuses(again).values()) == {"skipped"}
        assert all(r.status.value == "pass" for r in run_checks(loaded, settings).values())


def test_failback_without_a_recorded_reservation_refuses_to_guess(
    loaded: Any, settings: Any
) -> None:
    _lambda(DR).put_function_concurrency(FunctionName=FUNCTION, ReservedConcurrentExecutions=30)
    back = run_action(loaded, settings, "failback")  # no failover ever ran
    restore = next(s for s in back.steps if s.id == "worker.restore-concurrency")
    assert restore.status == "failed" and "no reservation recorded" in restore.detail
    assert _reserved(DR) == 30, "left as it was"


def test_unplanned_failover_turns_the_primary_off_once_it_is_back(
    loaded: Any, settings: Any
) -> None:
    outages.add(HOME)
    record = run_action(loaded, settings, "failover", mode="unplanned")
    assert step_statuses(record) == {
        "worker.set-concurrency": "succeeded",
        "worker.enable-dr-sources": "succeeded",
        "worker.disable-primary-sources": "waiting",
    }
    assert all(n == 1 for n in outages.refused().values()), outages.refused()
    outages.clear()
    assert (_states(HOME), _states(DR)) == (["Enabled"], ["Enabled"])

    resumed = run_action(loaded, settings, "failover", mode="unplanned", resume=record.run_id)
    assert resumed.status == "succeeded", [(s.id, s.status, s.detail) for s in resumed.steps]
    assert (_states(HOME), _states(DR)) == (["Disabled"], ["Enabled"])

    back = run_action(loaded, settings, "failback", from_run=record.run_id)
    assert back.status == "succeeded", [(s.id, s.detail) for s in back.steps]
    assert (_states(HOME), _states(DR)) == (["Enabled"], ["Disabled"])
    assert _reserved(DR) is None


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("    alias: '42'", "not a valid alias name"),
        ("    function: orders.worker", "not a valid function name"),
        ("    reserved_concurrency: '50'", "valid integer"),
    ],
)
def test_bad_fields_are_reported_with_their_position(
    tmp_path: Any, line: str, expected: str
) -> None:
    from tests.support import invoke

    field = line.split(":")[0]
    text = "\n".join(line if row.startswith(field + ":") else row for row in PLAN.splitlines())
    path = tmp_path / "plan.yaml"
    path.write_text(text)
    result = invoke("plan", "validate", str(path))
    assert result.exit_code == 2, result.output
    assert expected in result.output and "plan.yaml:" in result.output


def test_a_mapping_still_changing_state_is_waited_for_then_switched(
    loaded: Any, settings: Any
) -> None:
    """A DR mapping caught Disabling refuses an update (ResourceInUseException): the step waits
    until it is Disabled, then enables it."""
    dr = _lambda(DR)
    [mapping] = dr.list_event_source_mappings()["EventSourceMappings"]
    dr.update_event_source_mapping(UUID=mapping["UUID"], Enabled=True)
    settings.clock.advance(moto_event_source_states.TRANSITION_SECONDS)
    dr.update_event_source_mapping(UUID=mapping["UUID"], Enabled=False)
    assert _states(DR) == ["Disabling"]
    record = run_action(loaded, settings, "failover")
    assert record.status == "succeeded", [(s.id, s.detail) for s in record.steps]
    assert (_states(HOME), _states(DR)) == (["Disabled"], ["Enabled"])


def test_dry_run_lists_every_step_and_changes_nothing(loaded: Any, tmp_path: Any) -> None:
    import json

    from tests.support import invoke

    path = tmp_path / "plan.yaml"
    path.write_text(PLAN)
    result = invoke("-o", "json", "--state-dir", str(tmp_path / "dry"), "failover", "--plan",
                    str(path), "--dry-run")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert [s["action"] for s in json.loads(result.stdout)["steps"]] == [
        "set-concurrency",
        "disable-primary-sources",
        "enable-dr-sources",
    ]
    assert (_states(HOME), _states(DR)) == (["Enabled"], ["Disabled"])
    assert _reserved(DR) is None
