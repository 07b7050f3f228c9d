"""Manual steps never pass silently: a non-interactive run pauses, `--resume --approve`
continues it; on a terminal the operator is asked. AWS state is described back at
each stop: data moved, traffic held until the person said so.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

import boto3
import pytest

from drctl.plan.durations import human_seconds
from tests.conftest import DEMO_PLAN

EXTRA = """
  - kind: manual
    name: freeze-deploys
    instructions: Pause the deploy pipeline so nothing ships to the old primary.
  - kind: manual
    name: tell-partner
    instructions: Call the payments partner on-call and give them the DR endpoint.
"""


@pytest.fixture
def plan_file(tmp_path: Path) -> Path:
    text = DEMO_PLAN.read_text().replace(
        "depends_on: [orders-db, assets]", "depends_on: [orders-db, assets, freeze-deploys]"
    )
    path = tmp_path / "shop.yaml"
    path.write_text(text + EXTRA)
    return path


def _inverted() -> bool:
    r53 = boto3.client("route53", region_name="us-east-1")
    zone = r53.list_hosted_zones_by_name(DNSName="shop.example.com.")["HostedZones"][0]
    records = r53.list_resource_record_sets(HostedZoneId=zone["Id"])["ResourceRecordSets"]
    primary = next(r for r in records if r.get("Failover") == "PRIMARY")
    hc = r53.get_health_check(HealthCheckId=primary["HealthCheckId"])["HealthCheck"]
    return bool(hc["HealthCheckConfig"].get("Inverted"))


def _promoted() -> bool:
    rds = boto3.client("rds", region_name="us-west-2")
    inst = rds.describe_db_instances(DBInstanceIdentifier="shop-orders-dr")["DBInstances"][0]
    return "ReadReplicaSourceDBInstanceIdentifier" not in inst


def _statuses(doc: dict[str, Any]) -> dict[str, str]:
    return {s["id"]: s["status"] for s in doc["steps"]}


def test_plan_show_places_manual_steps(plan_file: Path, drctl: Any) -> None:
    doc = json.loads(drctl("-o", "json", "plan", "show", str(plan_file)).stdout)
    phases = {s["id"]: s["phase"] for s in doc["steps"]}
    # Needed before traffic moves -> with data/compute; a follow-up -> after traffic.
    assert phases["freeze-deploys.confirm"] == "compute"
    assert phases["tell-partner.confirm"] == "notify"
    assert "freeze-deploys.confirm" in next(
        s["depends_on"] for s in doc["steps"] if s["id"] == "api.shift-traffic"
    )


def test_non_interactive_run_pauses_and_resumes_with_approvals(
    built_now: Any, plan_file: Path, drctl: Any
) -> None:
    plan = str(plan_file)
    first = drctl("-o", "json", "failover", "--plan", plan, "--yes")
    assert first.exit_code == 3, first.output
    doc = json.loads(first.stdout)
    run_id = doc["run_id"]
    assert doc["status"] == "waiting"
    assert _statuses(doc) == {
        "orders-db.fence": "succeeded",
        "assets.verify-dr": "succeeded",
        "orders-db.drain": "succeeded",
        "orders-db.promote": "succeeded",
        "freeze-deploys.confirm": "waiting",
        "api.shift-traffic": "pending",
        "tell-partner.confirm": "pending",
    }
    assert "Pause the deploy pipeline" in doc["error"]
    assert _promoted() and not _inverted()  # data moved; traffic held for the person

    text = drctl("runs", "show", run_id)
    assert "waiting" in text.stdout

    second = drctl(
        "-o", "json", "failover", "--plan", plan, "--resume", run_id, "--approve", "freeze-deploys"
    )
    # Still refused: --resume is a run too and needs --yes without a TTY.
    assert second.exit_code == 3 and "without confirmation" in second.stderr
    second = drctl(
        "-o",
        "json",
        "failover",
        "--plan",
        plan,
        "--resume",
        run_id,
        "--approve",
        "freeze-deploys",
        "--yes",
    )
    assert second.exit_code == 3, second.output
    doc = json.loads(second.stdout)
    assert doc["run_id"] == run_id and doc["status"] == "waiting"
    statuses = _statuses(doc)
    assert statuses["freeze-deploys.confirm"] == "skipped"
    assert statuses["api.shift-traffic"] == "succeeded"
    assert statuses["tell-partner.confirm"] == "waiting"
    assert _inverted()
    # Steps done by the first attempt were not repeated: their calls are the first ones.
    assert statuses["orders-db.promote"] == "succeeded"

    third = drctl(
        "-o", "json", "failover", "--plan", plan, "--resume", run_id[:-2],
        "--approve", "tell-partner", "--yes",
    )  # fmt: skip
    assert third.exit_code == 0, third.output
    final = json.loads(third.stdout)
    assert final["status"] == "succeeded" and final["rto_seconds"] is not None
    assert [a["step"] for a in final["approvals"]] == ["freeze-deploys", "tell-partner"]
    assert final["resumes"] == 2
    shown = json.loads(drctl("-o", "json", "runs", "show", run_id).stdout)
    assert shown["status"] == "succeeded" and shown["approvals"] == final["approvals"]
    # The RTO counts the waits for the people (instant here; ten minutes in
    # tests/kinds/test_manual.py), and the record says how much of it was automation.
    assert final["automation_seconds"] <= final["rto_seconds"], final
    text = drctl("runs", "show", run_id).stdout
    assert f"measured RTO {human_seconds(final['rto_seconds'])}" in text, text

    again = drctl("failover", "--plan", plan, "--resume", run_id, "--yes")
    assert again.exit_code == 2 and "is succeeded" in again.stderr


def test_the_printed_resume_and_journal_commands_work_as_pasted(
    built_now: Any, plan_file: Path, drctl: Any, tmp_path: Path
) -> None:
    """The commands a paused run prints name its state directory and quote the plan's path:
    pasted into a shell from another directory, they find the run."""
    plan = tmp_path / "my plans" / "shop.yaml"
    plan.parent.mkdir()
    plan.write_text(plan_file.read_text())
    state = tmp_path / "elsewhere state"
    first = drctl("--state-dir", str(state), "failover", "--plan", str(plan), "--yes")
    assert first.exit_code == 3, first.output
    [approve] = [ln.split("when it is done: ", 1)[1] for ln in first.stdout.splitlines()
                 if "when it is done: " in ln]  # fmt: skip
    words = shlex.split(approve)
    assert words[:3] == ["drctl", "--state-dir", str(state)]
    assert words[3:6] == ["failover", "--plan", str(plan)]
    assert words[-2:] == ["--approve", "freeze-deploys"]
    second = drctl(*words[1:], "--yes")
    assert second.exit_code == 3, second.output  # on to the next person's step
    [journal] = [ln for ln in second.stdout.splitlines() if ln.startswith("  journal: run ")]
    shown = shlex.split(journal.split("(", 1)[1].rstrip(")"))
    doc = json.loads(drctl("-o", "json", *shown[1:]).stdout)
    assert doc["status"] == "waiting"
    assert [a["step"] for a in doc["approvals"]] == ["freeze-deploys"]
    assert _inverted()  # the approved step let traffic move


def test_resume_refuses_a_changed_plan_and_unknown_approvals(
    built_now: Any, plan_file: Path, drctl: Any
) -> None:
    plan = str(plan_file)
    first = drctl("-o", "json", "failover", "--plan", plan, "--yes")
    run_id = json.loads(first.stdout)["run_id"]
    bad = drctl("failover", "--plan", plan, "--resume", run_id, "--approve", "ghost", "--yes")
    assert bad.exit_code == 2 and "not a manual step" in bad.stderr
    plan_file.write_text(plan_file.read_text().replace("Call the payments", "Email the payments"))
    changed = drctl("failover", "--plan", plan, "--resume", run_id, "--yes")
    assert changed.exit_code == 2 and "changed since run" in changed.stderr
    assert not _inverted()


def test_interactive_operator_confirms_each_manual_step(
    built_now: Any, plan_file: Path, drctl: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("drctl.cli.common.interactive", lambda: True)
    result = drctl("failover", "--plan", str(plan_file), input="y\ny\ny\n")
    assert result.exit_code == 0, result.output
    assert "Manual step freeze-deploys" in result.stderr
    assert "Manual step tell-partner" in result.stderr
    assert _inverted()


def test_interactive_operator_says_not_done(
    built_now: Any, plan_file: Path, drctl: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("drctl.cli.common.interactive", lambda: True)
    result = drctl("failover", "--plan", str(plan_file), input="y\nn\n")
    assert result.exit_code == 1, result.output
    assert "did not confirm" in result.stdout
    assert "--resume" in result.stdout
    assert not _inverted()  # traffic never moved without the person's confirmation


def test_dry_run_lists_the_manual_steps_with_the_resume_command(
    built_now: Any, plan_file: Path, drctl: Any
) -> None:
    doc = json.loads(drctl("-o", "json", "failover", "--plan", str(plan_file), "--dry-run").stdout)
    step = next(s for s in doc["steps"] if s["id"] == "tell-partner.confirm")
    assert step["status"] == "pending"
    assert step["cli"][0] == "# Call the payments partner on-call and give them the DR endpoint."
    assert "--approve tell-partner" in step["cli"][1]
