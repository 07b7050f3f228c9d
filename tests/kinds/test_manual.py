"""manual: a step that waits for a person -- approved, it passes; unapproved with nobody to ask,
it pauses the run (journaled as waiting); its check names who must be ready."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from drctl.engine.clock import FakeClock
from drctl.engine.settings import default_settings, make_context
from drctl.engine.step import StepStatus
from drctl.plan.durations import human_seconds
from drctl.plan.loader import load_plan_text
from drctl.render.tables import rto_line
from tests.support import collect_checks, failback_graph, failover_graph, run_action

PLAN = """\
version: 1
app: shop
tier: gold
strategy: pilot-light
regions: {primary: us-east-1, dr: us-west-2}
resources:
  - {kind: manual, name: call-partner, instructions: "Ask the payment partner to switch"}
"""


def _loaded() -> Any:
    return load_plan_text(PLAN)


WITH_FAILBACK = PLAN.replace(
    'instructions: "Ask the payment partner to switch"}',
    'instructions: "Ask the payment partner to switch",'
    ' failback_instructions: "Ask the payment partner to switch back home"}',
)


def test_check_names_the_step_and_what_to_do(tmp_path: Path) -> None:
    loaded = _loaded()
    settings = default_settings(state_dir=tmp_path, clock=FakeClock())
    checks = {c.name: c for c in collect_checks(loaded.plan, make_context(loaded.plan, settings))}
    assert {c.resource for c in checks.values()} == {"call-partner"}
    result = checks["instructions"].run()
    assert result.status.value == "pass" and "Ask the payment partner" in result.detail
    # No failback_instructions: the check says failback will not stop for a person.
    back = checks["failback-instructions"].run()
    assert back.status.value == "warn" and "failback_instructions" in back.detail


def test_failback_shows_the_failback_instructions_not_the_failovers(tmp_path: Path) -> None:
    loaded = load_plan_text(WITH_FAILBACK)
    ctx = make_context(loaded.plan, default_settings(state_dir=tmp_path, clock=FakeClock()))
    [over] = failover_graph(loaded.plan, ctx).steps
    [back] = failback_graph(loaded.plan, ctx).steps
    assert over.resource == back.resource == "call-partner"
    assert over.description == "By hand: Ask the payment partner to switch"
    assert back.description == "By hand: Ask the payment partner to switch back home"
    assert back.cli[0] == "# Ask the payment partner to switch back home"
    assert "--approve call-partner" in back.cli[1] and back.cli[1].startswith("drctl failback")
    checks = collect_checks(loaded.plan, ctx)
    assert {c.name: c.run().status.value for c in checks} == {
        "instructions": "pass",
        "failback-instructions": "pass",
    }


def test_failback_without_failback_instructions_has_no_manual_step(tmp_path: Path) -> None:
    loaded = _loaded()
    ctx = make_context(loaded.plan, default_settings(state_dir=tmp_path, clock=FakeClock()))
    assert len(failover_graph(loaded.plan, ctx).steps) == 1
    assert failback_graph(loaded.plan, ctx).steps == []


def test_a_failback_waits_with_the_failback_words(aws: None, tmp_path: Path) -> None:
    settings = default_settings(state_dir=tmp_path, clock=FakeClock())
    record = run_action(load_plan_text(WITH_FAILBACK), settings, "failback")
    assert record.status == "waiting"
    [step] = record.steps
    assert step.detail == (
        "call-partner: waiting for a person: Ask the payment partner to switch back home"
    )


def test_unapproved_without_a_terminal_the_run_waits(aws: None, tmp_path: Path) -> None:
    settings = default_settings(state_dir=tmp_path, clock=FakeClock())
    record = run_action(_loaded(), settings, "failover")
    assert record.status == "waiting"
    [step] = record.steps
    assert step.status == StepStatus.WAITING.value
    assert "waiting for a person: Ask the payment partner to switch" in step.detail


def test_approved_the_step_succeeds_and_the_approval_is_journaled(
    aws: None, tmp_path: Path
) -> None:
    settings = default_settings(state_dir=tmp_path, clock=FakeClock())
    record = run_action(_loaded(), settings, "failover", approve=["call-partner"])
    assert record.status == "succeeded", [(s.id, s.detail) for s in record.steps]
    assert [a["step"] for a in record.approvals] == ["call-partner"]


def test_the_rto_includes_the_wait_for_a_person_and_says_how_much_was_automated(
    built_plan: Any, settings: Any, clock: FakeClock
) -> None:
    text = built_plan.text.replace(
        "resources:",
        "resources:\n  - {kind: manual, name: call-partner, instructions: Switch the partner}",
        1,
    ).replace("depends_on: [orders-db, assets]", "depends_on: [orders-db, assets, call-partner]")
    loaded = load_plan_text(text)
    first = run_action(loaded, settings, "failover")
    assert first.status == "waiting" and first.rto_seconds is None
    clock.sleep(600)  # the person takes ten minutes
    done = run_action(loaded, settings, "failover", resume=first.run_id, approve=["call-partner"])
    assert done.status == "succeeded", [(s.id, s.status, s.detail) for s in done.steps]
    assert done.rto_seconds is not None and done.rto_seconds >= 600
    # Automation is the run minus the person's ten minutes (the promotion alone takes AWS
    # minutes in the sandbox, as it does on AWS).
    assert done.automation_seconds is not None
    assert done.automation_seconds <= done.rto_seconds - 600
    assert done.as_dict()["automation_seconds"] == done.automation_seconds
    # What the operator reads (drctl failover, drctl runs show): both figures, on one line.
    [verdict, *_] = rto_line(done).splitlines()
    assert f"measured RTO [bold]{human_seconds(done.rto_seconds)}[/]" in verdict
    assert f"({human_seconds(done.automation_seconds)} of it automated steps)" in verdict
