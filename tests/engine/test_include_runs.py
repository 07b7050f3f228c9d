"""Plans of plans in the sandbox: examples/organisation.yaml fails over its platform, then its
storefront, in one run -- one journal, every platform step ended before the first storefront
step started, AWS state read back; a rerun finds the custom steps done; failback brings both
home. One lock per included plan: a held one stops the run before anything moves (exit 4,
naming it) and the locks already taken are let go. ``plan show`` and ``--dry-run`` show the
combined graph."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3

from drctl.engine.clock import FakeClock
from drctl.engine.journal import read_journal
from drctl.engine.lock import FileLockStore, LockInfo, RunLock
from drctl.engine.runs import runs_dir
from drctl.engine.settings import default_settings
from drctl.kinds.sandboxing import aws_time
from drctl.plan.loader import load_plan
from tests.conftest import EXAMPLES
from tests.support import build_sandbox, invoke, run_action

ORG = EXAMPLES / "organisation.yaml"
DR = "us-west-2"


def _build(loaded: Any, settings: Any) -> None:
    for inc in loaded.includes:
        build_sandbox(inc.loaded.plan, settings)


def _flag(name: str) -> str | None:
    ssm = boto3.client("ssm", region_name=DR)
    try:
        return str(ssm.get_parameter(Name=f"/drctl-sandbox/{name}")["Parameter"]["Value"])
    except ssm.exceptions.ParameterNotFound:
        return None


def _desired(group: str) -> int:
    asg = boto3.client("autoscaling", region_name=DR)
    found = asg.describe_auto_scaling_groups(AutoScalingGroupNames=[group])["AutoScalingGroups"]
    return int(found[0]["DesiredCapacity"])


def test_the_platform_fails_over_before_the_storefront_in_one_run(
    aws: None, tmp_path: Path
) -> None:
    loaded = load_plan(ORG)
    settings = default_settings(state_dir=tmp_path / "state", clock=FakeClock())
    aws_time.follow(settings.clock.now)
    _build(loaded, settings)
    assert _desired("storefront-web-dr") == 0 and _flag("platform-flags") is None

    record = run_action(loaded, settings, "failover")
    assert record.status == "succeeded", [(s.id, s.status, s.detail) for s in record.steps]
    assert record.app == "organisation"
    assert {s.id for s in record.steps} == {
        "platform/sessions.probe-dr",
        "platform/platform-flags.run",
        "storefront/web.scale-up",
        "storefront/warm-caches.run",
    }
    # One journal for the run; in it, every platform step ended before any storefront step.
    [journal] = list(runs_dir(settings.state_dir).glob("*.jsonl"))
    events = read_journal(journal)
    order = [(e["event"], e["step"]) for e in events if e["event"] in ("step-start", "step-end")]
    last_platform_end = max(
        i
        for i, (kind, step) in enumerate(order)
        if kind == "step-end" and step.startswith("platform/")
    )
    first_storefront_start = min(
        i
        for i, (kind, step) in enumerate(order)
        if kind == "step-start" and step.startswith("storefront/")
    )
    assert last_platform_end < first_storefront_start, order
    # AWS state read back: the platform's flag, the storefront's group and its runbook's flag.
    assert _flag("platform-flags") == "dr"
    assert _desired("storefront-web-dr") == 2
    assert _flag("warm-caches") == "dr"
    # Every lock let go.
    for app in ("organisation", "platform", "storefront"):
        assert FileLockStore(settings.state_dir, app).read() is None

    again = run_action(loaded, settings, "failover")
    status = {s.id: s.status for s in again.steps}
    assert status["platform/platform-flags.run"] == "skipped"
    assert status["storefront/warm-caches.run"] == "skipped"
    assert status["storefront/web.scale-up"] == "skipped"

    back = run_action(loaded, settings, "failback", from_run=record.run_id)
    assert back.status == "succeeded", [(s.id, s.status, s.detail) for s in back.steps]
    assert _flag("platform-flags") == "primary"
    assert _flag("warm-caches") == "primary"
    assert _desired("storefront-web-dr") == 0  # the capacity the failover recorded


def _held(state: Path, app: str) -> None:
    RunLock(
        FileLockStore(state, app),
        LockInfo(
            lock_id="deadbeef",
            app=app,
            run_id=f"20261124T000000Z-{app}-failover-other",
            action="failover",
            host="laptop-1",
            user="alice",
            pid=4242,
            acquired_at="2026-11-24T12:00:00.000Z",
        ),
    ).acquire()


def test_a_held_lock_on_one_include_stops_the_run_before_anything_moves(
    aws: None, tmp_path: Path
) -> None:
    loaded = load_plan(ORG)
    settings = default_settings(state_dir=tmp_path / "state")
    _build(loaded, settings)
    state = tmp_path / "state"
    _held(state, "storefront")
    result = invoke("--state-dir", str(state), "failover", "--plan", str(ORG), "--yes")
    assert result.exit_code == 4, result.output
    assert "storefront is locked by run 20261124T000000Z-storefront-failover-other" in result.stderr
    assert _flag("platform-flags") is None and _desired("storefront-web-dr") == 0
    # The platform's lock, taken first, was let go; the held one is untouched.
    assert FileLockStore(state, "platform").read() is None
    assert FileLockStore(state, "organisation").read() is None
    held = FileLockStore(state, "storefront").read()
    assert held is not None and held.lock_id == "deadbeef"
    assert not list(runs_dir(state).glob("*.jsonl"))  # nothing journaled


def test_dry_run_and_plan_show_give_the_combined_graph(aws: None, tmp_path: Path) -> None:
    loaded = load_plan(ORG)
    settings = default_settings(state_dir=tmp_path / "state")
    _build(loaded, settings)
    dry = invoke(
        "--output", "json", "--state-dir", str(tmp_path / "state"),
        "failover", "--plan", str(ORG), "--dry-run",
    )  # fmt: skip
    assert dry.exit_code == 0, dry.output
    doc = json.loads(dry.stdout)
    ids = [s["id"] for s in doc["steps"]]
    assert ids.index("platform/platform-flags.run") < ids.index("storefront/web.scale-up")
    flags = next(s for s in doc["steps"] if s["id"] == "platform/platform-flags.run")
    assert "not checked in a dry run" in flags["detail"]
    assert _flag("platform-flags") is None and _desired("storefront-web-dr") == 0

    shown = invoke("--output", "json", "plan", "show", str(ORG))
    assert shown.exit_code == 0, shown.output
    steps = {s["id"]: s for s in json.loads(shown.stdout)["steps"]}
    assert steps["storefront/web.scale-up"]["depends_on"] == [
        "platform/platform-flags.run",
        "platform/sessions.probe-dr",
    ]
    assert steps["storefront/warm-caches.run"]["depends_on"] == ["storefront/web.scale-up"]
    assert steps["platform/platform-flags.run"]["resource"] == "platform/platform-flags"
    text = invoke("plan", "show", str(ORG))
    assert text.exit_code == 0, text.output
    assert "Included plans" in text.stdout and "organisation/storefront.yaml" in text.stdout
    assert "waits for: platform/platform-flags.run, platform/sessions.probe-dr" in text.stdout


def test_check_covers_every_included_plan(aws: None, tmp_path: Path) -> None:
    loaded = load_plan(ORG)
    _build(loaded, default_settings(state_dir=tmp_path / "state"))
    result = invoke("--output", "json", "check", "--plan", str(ORG))
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    resources = {c["resource"] for c in doc["checks"]}
    assert {"platform/sessions", "platform/platform-flags", "storefront/web"} <= resources


PARTNER = """\
version: 1
app: partner
tier: gold
strategy: warm-standby
regions: {primary: us-east-1, dr: us-west-2}
resources:
  - {kind: manual, name: call, instructions: "Ask the partner to switch"}
"""

TOP = """\
version: 1
app: org
tier: gold
strategy: warm-standby
regions: {primary: us-east-1, dr: us-west-2}
include:
  - plan: plans/platform.yaml
  - {plan: plans/partner.yaml, depends_on: [platform]}
"""


def test_an_included_manual_step_waits_and_resumes_under_its_app(aws: None, tmp_path: Path) -> None:
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "platform.yaml").write_text(
        (EXAMPLES / "organisation" / "platform.yaml").read_text()
    )
    (tmp_path / "plans" / "partner.yaml").write_text(PARTNER)
    (tmp_path / "org.yaml").write_text(TOP)
    loaded = load_plan(tmp_path / "org.yaml")
    settings = default_settings(state_dir=tmp_path / "state", clock=FakeClock())
    aws_time.follow(settings.clock.now)
    _build(loaded, settings)

    first = run_action(loaded, settings, "failover")
    status = {s.id: s.status for s in first.steps}
    assert first.status == "waiting" and status["partner/call.confirm"] == "waiting"
    assert status["platform/platform-flags.run"] == "succeeded"
    # The run keeps every lock while it waits for the person.
    for app in ("org", "platform", "partner"):
        held = FileLockStore(settings.state_dir, app).read()
        assert held is not None and held.run_id == first.run_id
    # The gate read the platform's table against the platform's RPO, named under its app.
    [start] = [e for e in read_journal(_journal(settings)) if e["event"] == "run-start"][:1]
    readings = start["rpo_gate"]["readings"]
    assert [r["resource"] for r in readings] == ["platform/sessions"]

    # An included file changed since: the resume is refused.
    partner = tmp_path / "plans" / "partner.yaml"
    partner.write_text(PARTNER.replace("switch", "switch now"))
    result = invoke(
        "--state-dir", str(settings.state_dir), "failover", "--plan", str(tmp_path / "org.yaml"),
        "--resume", first.run_id, "--approve", "partner/call", "--yes",
    )  # fmt: skip
    assert result.exit_code == 2 and "changed since run" in result.stderr, result.output
    partner.write_text(PARTNER)

    done = run_action(loaded, settings, "failover", resume=first.run_id, approve=["partner/call"])
    assert done.status == "succeeded", [(s.id, s.status, s.detail) for s in done.steps]
    assert [a["step"] for a in done.approvals] == ["partner/call"]
    for app in ("org", "platform", "partner"):
        assert FileLockStore(settings.state_dir, app).read() is None


def _journal(settings: Any) -> Path:
    [journal] = list(runs_dir(settings.state_dir).glob("*.jsonl"))
    return journal
