"""`backup-vault`: readiness on a fresh sandbox (copies in DR within the RPO) and when the copy
rule, the DR vault or the copies are missing; the lag the RPO gate reads (fail closed when no
copy); failover records the newest DR copy and creates the DR plan copying home, failback
removes it, every rerun a no-op, twice over; an unplanned failover with the primary Region
down; the restore drill restores the newest copy, times it and deletes it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from drctl.drills import prerequisites
from drctl.engine.gate import enforce
from drctl.engine.settings import make_context
from drctl.errors import GateRefused
from drctl.kinds.backup_vault.copies import reverse_plan_name
from drctl.kinds.registry import registry
from drctl.kinds.sandboxing import aws_time
from drctl.plan.loader import load_plan_text
from drctl.sandbox.builders import SandboxBuilder
from drctl.sandbox.outages import outages
from tests.support import collect_checks, invoke, rpo_gate, run_action

HOME, DR = "us-east-1", "us-west-2"
TABLE = "clinic-audit"
ARN = f"arn:aws:dynamodb:{HOME}:123456789012:table/{TABLE}"
PLAN = f"""
version: 1
app: clinic
tier: gold
strategy: warm-standby
objectives: {{rto: 30m, rpo: 5m}}
regions: {{primary: {HOME}, dr: {DR}}}
resources:
  - kind: backup-vault
    name: audit-backups
    vault: clinic-backups
    dr_vault: clinic-backups-dr
    backup_plan: clinic-hourly
    resources: [{ARN}]
    rpo: 2h
drills:
  - {{name: audit-restore, type: restore, resource: audit-backups}}
"""


@pytest.fixture(autouse=True)
def no_outage_left() -> Iterator[None]:
    yield
    outages.clear()


@pytest.fixture
def loaded(aws: None, settings: Any) -> Any:
    aws_time.follow(settings.clock.now)  # backups and copies move as the fake clock sleeps
    loaded = load_plan_text(PLAN)
    ctx = make_context(loaded.plan, settings)
    SandboxBuilder(loaded.plan, ctx.sessions, settings.clock).build()
    return loaded


def _backup(region: str) -> Any:
    return boto3.client("backup", region_name=region)


def _checks(loaded: Any, settings: Any) -> dict[str, Any]:
    """The kind's checks and its restore drill's (what ``drctl check`` runs)."""
    ctx = make_context(loaded.plan, settings)
    found = collect_checks(loaded.plan, ctx) + prerequisites.checks(loaded.plan, ctx)
    return {c.name: c.run() for c in found}


def _dr_plans() -> list[str]:
    return [p["BackupPlanName"] for p in _backup(DR).list_backup_plans()["BackupPlansList"]]


def _dr_copies() -> list[dict[str, Any]]:
    points = _backup(DR).list_recovery_points_by_backup_vault(
        BackupVaultName="clinic-backups-dr", ByResourceArn=ARN
    )["RecoveryPoints"]
    done = [p for p in points if p["Status"] == "COMPLETED"]
    return sorted(done, key=lambda p: p["CreationDate"], reverse=True)  # newest first


def _statuses(record: Any) -> dict[str, str]:
    return {s.id: s.status for s in record.steps}


def test_checks_pass_on_the_sandbox(loaded: Any, settings: Any) -> None:
    results = _checks(loaded, settings)
    assert {n: r.status.value for n, r in results.items()} == {
        "copy-rule": "pass",
        "dr-vault": "pass",
        "dr-recovery-point": "pass",
        "copy-jobs": "pass",
        "restore-source": "pass",
    }
    assert "vault lock on" in results["dr-vault"].detail
    assert results["dr-recovery-point"].observed <= 2 * 3600
    copies = _dr_copies()
    assert copies and all(
        c["SourceBackupVaultArn"].endswith(":backup-vault:clinic-backups") for c in copies
    )


def test_copies_keep_arriving_on_the_aws_clock(loaded: Any, settings: Any) -> None:
    before = len(_dr_copies())
    settings.clock.advance(3 * 3600)
    assert len(_dr_copies()) >= before + 2
    assert _checks(loaded, settings)["dr-recovery-point"].status.value == "pass"


def test_copies_older_than_the_rpo_fail_the_check_and_the_gate(loaded: Any, settings: Any) -> None:
    # No more backups: the selection goes, and the copies age past the resource's 2h RPO.
    backup = _backup(HOME)
    [plan] = backup.list_backup_plans()["BackupPlansList"]
    for sel in backup.list_backup_selections(BackupPlanId=plan["BackupPlanId"])[
        "BackupSelectionsList"
    ]:
        backup.delete_backup_selection(
            BackupPlanId=plan["BackupPlanId"], SelectionId=sel["SelectionId"]
        )
    settings.clock.advance(3 * 3600)
    result = _checks(loaded, settings)["dr-recovery-point"]
    assert result.status.value == "fail" and "over the RPO of 2h" in result.detail
    ctx = make_context(loaded.plan, settings)
    gate = rpo_gate(loaded.plan, ctx)
    [reading] = gate.readings
    assert reading.rpo_seconds == 7200 and reading.seconds is not None
    assert gate.over == [reading]
    with pytest.raises(GateRefused, match=r"audit-backups \(backup-vault\).*> RPO 2h"):
        enforce(gate, mode="planned", accept_data_loss=False)
    enforce(gate, mode="unplanned", accept_data_loss=False)  # an outage goes on
    assert _dr_plans() == []  # nothing ran


def test_the_gate_holds_copies_to_their_own_rpo_not_the_plans(loaded: Any, settings: Any) -> None:
    """Copies an hour old pass the resource's 2h though the plan's RPO is 5m."""
    gate = rpo_gate(loaded.plan, make_context(loaded.plan, settings))
    [reading] = gate.readings
    assert reading.seconds is not None and 300 < reading.seconds <= 7200
    assert gate.over == [] and gate.unknown == []
    enforce(gate, mode="planned", accept_data_loss=False)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("resources", "[not-an-arn]", "expected a resource ARN"),
        ("resources", f"[{ARN}, {ARN}]", "names an ARN twice"),
        ("dr_vault", "'bad vault!'", "not a valid backup vault name"),
        ("rpo", "2 hours", "rpo"),
    ],
)
def test_a_bad_resource_is_refused_with_its_position(
    tmp_path: Path, field: str, value: str, message: str
) -> None:
    lines = [
        line if not line.startswith(f"    {field}:") else f"    {field}: {value}"
        for line in PLAN.splitlines()
    ]
    path = tmp_path / "plan.yaml"
    path.write_text("\n".join(lines) + "\n")
    result = invoke("plan", "validate", str(path))
    assert result.exit_code == 2, result.output
    assert message in result.output and f"{path}:" in result.output


def test_no_copy_in_dr_fails_and_the_lag_fails_closed(loaded: Any, settings: Any) -> None:
    for point in _backup(DR).list_recovery_points_by_backup_vault(
        BackupVaultName="clinic-backups-dr"
    )["RecoveryPoints"]:
        _backup(DR).delete_recovery_point(
            BackupVaultName="clinic-backups-dr", RecoveryPointArn=point["RecoveryPointArn"]
        )
    results = _checks(loaded, settings)
    assert results["dr-recovery-point"].status.value == "fail"
    assert "no COMPLETED copy" in results["dr-recovery-point"].detail
    assert results["restore-source"].status.value == "fail"
    gate = rpo_gate(loaded.plan, make_context(loaded.plan, settings))
    assert [r.fail_closed for r in gate.unknown] == [True]


def test_missing_copy_rule_and_dr_vault_fail(loaded: Any, settings: Any) -> None:
    _backup(DR).delete_backup_vault(BackupVaultName="clinic-backups-dr")
    results = _checks(loaded, settings)
    assert results["dr-vault"].status.value == "fail"
    assert "no backup vault clinic-backups-dr" in results["dr-vault"].detail
    backup = _backup(HOME)
    [plan] = backup.list_backup_plans()["BackupPlansList"]
    for sel in backup.list_backup_selections(BackupPlanId=plan["BackupPlanId"])[
        "BackupSelectionsList"
    ]:
        backup.delete_backup_selection(
            BackupPlanId=plan["BackupPlanId"], SelectionId=sel["SelectionId"]
        )
    backup.delete_backup_plan(BackupPlanId=plan["BackupPlanId"])
    assert _checks(loaded, settings)["copy-rule"].status.value == "fail"


def test_failed_copy_jobs_fail_the_check(loaded: Any, settings: Any) -> None:
    # The DR vault goes: the next copy job fails (its destination does not exist).
    _backup(DR).delete_backup_vault(BackupVaultName="clinic-backups-dr")
    settings.clock.advance(2 * 3600)
    result = _checks(loaded, settings)["copy-jobs"]
    assert result.status.value == "fail" and "FAILED" in result.detail
    assert "does not exist" in result.detail


def test_failover_and_failback_twice_each_rerun_a_no_op(loaded: Any, settings: Any) -> None:
    name = reverse_plan_name(loaded.plan.resources[0])
    for _ in range(2):
        record = run_action(loaded, settings, "failover", accept_data_loss=False)
        assert record.status == "succeeded", record
        statuses = _statuses(record)
        assert statuses["audit-backups.dr-recovery-point"] == "succeeded"
        assert statuses["audit-backups.copy-home"] == "succeeded"
        assert statuses["audit-backups.copy-home-selection"] == "succeeded"
        point = next(s for s in record.steps if s.action == "dr-recovery-point")
        assert (
            point.data["recovery_points"][ARN]["recovery_point"]
            == (_dr_copies()[0]["RecoveryPointArn"])
        )
        # Read back: a plan in DR copying to the primary vault, its selection by tag.
        assert _dr_plans() == [name]
        [plan] = _backup(DR).list_backup_plans()["BackupPlansList"]
        got = _backup(DR).get_backup_plan(BackupPlanId=plan["BackupPlanId"])["BackupPlan"]
        [rule] = got["Rules"]
        assert rule["TargetBackupVaultName"] == "clinic-backups-dr"
        assert rule["CopyActions"][0]["DestinationBackupVaultArn"].startswith(
            f"arn:aws:backup:{HOME}:"
        )
        [sel] = _backup(DR).list_backup_selections(BackupPlanId=plan["BackupPlanId"])[
            "BackupSelectionsList"
        ]
        full = _backup(DR).get_backup_selection(
            BackupPlanId=plan["BackupPlanId"], SelectionId=sel["SelectionId"]
        )["BackupSelection"]
        assert full["Conditions"]["StringEquals"][0]["ConditionValue"] == "audit-backups"

        rerun = run_action(loaded, settings, "failover", accept_data_loss=False)
        assert _statuses(rerun)["audit-backups.copy-home"] == "skipped"
        assert _statuses(rerun)["audit-backups.copy-home-selection"] == "skipped"
        assert _dr_plans() == [name]

        back = run_action(loaded, settings, "failback")
        assert back.status == "succeeded", back
        assert _statuses(back)["audit-backups.remove-copy-home"] == "succeeded"
        assert _statuses(back)["audit-backups.copy-rule"] == "skipped"  # never changed
        assert _dr_plans() == []
        again = run_action(loaded, settings, "failback")
        assert _statuses(again)["audit-backups.remove-copy-home"] == "skipped"
        assert all(r.status.value == "pass" for r in _checks(loaded, settings).values())


def test_unplanned_failover_with_the_primary_region_down(loaded: Any, settings: Any) -> None:
    outages.add(HOME)
    record = run_action(loaded, settings, "failover", mode="unplanned")
    assert record.status == "succeeded", record
    assert _dr_plans() == [reverse_plan_name(loaded.plan.resources[0])]
    point = next(s for s in record.steps if s.action == "dr-recovery-point")
    assert point.data["data_loss_window_seconds"] > 0
    assert "loses up to" in point.detail


def test_failover_fails_when_dr_holds_no_copy(loaded: Any, settings: Any) -> None:
    for p in _backup(DR).list_recovery_points_by_backup_vault(BackupVaultName="clinic-backups-dr")[
        "RecoveryPoints"
    ]:
        _backup(DR).delete_recovery_point(
            BackupVaultName="clinic-backups-dr", RecoveryPointArn=p["RecoveryPointArn"]
        )
    record = run_action(loaded, settings, "failover", mode="unplanned")
    assert record.status == "failed"
    assert _dr_plans() == []  # copy-home depends on it: nothing created


def test_restore_drill_restores_the_newest_copy_and_deletes_it(loaded: Any, settings: Any) -> None:
    from drctl.drills import restore as drill
    from drctl.drills.env import DrillEnv

    env = DrillEnv(loaded, settings, run_id="run-20260101-abc123")
    result = drill.run(loaded.plan.drills[0], env)
    cases = {c.name: c for c in result.cases}
    assert cases["audit-backups.restore-time"].status == "pass"
    took = result.measured["rto_seconds"]
    assert took >= 600  # PENDING then RUNNING on the AWS clock, never instant
    assert cases["audit-backups.restored-key_schema"].status == "pass"
    assert cases["audit-backups.restored-item_count"].status == "pass"
    assert cases["audit-backups.cleanup"].status == "pass"
    tables = boto3.client("dynamodb", region_name=DR).list_tables()["TableNames"]
    assert tables == []  # the throw-away table is gone
    [job] = _backup(DR).list_restore_jobs()["RestoreJobs"]
    assert job["Status"] == "COMPLETED"
    assert job["CreatedResourceArn"].endswith(f":table/{TABLE}-drill-abc123")
    # The newest copy when the drill started (more may have arrived while it ran).
    started = job["CreationDate"]
    newest = next(p for p in _dr_copies() if p["CompletionDate"] <= started)
    assert job["RecoveryPointArn"] == newest["RecoveryPointArn"]


def test_kind_offers_lag_and_restore() -> None:
    kind = registry().get("backup-vault")
    assert {c.value for c in kind.offers()} == {"lag", "restore"}


def _drill(loaded: Any, settings: Any, run_id: str) -> dict[str, Any]:
    from drctl.drills import restore as drill
    from drctl.drills.env import DrillEnv

    result = drill.run(loaded.plan.drills[0], DrillEnv(loaded, settings, run_id=run_id))
    return {c.name: c for c in result.cases}


def _put_items(count: int, start: int = 0) -> None:
    table = boto3.client("dynamodb", region_name=HOME)
    for i in range(start, start + count):
        table.put_item(TableName=TABLE, Item={"pk": {"S": f"visit-{i}"}})


def test_the_restore_drill_gets_the_items_of_the_copy_back(loaded: Any, settings: Any) -> None:
    _put_items(3)
    settings.clock.advance(2 * 3600)  # an hourly backup of the 3 items, copied to DR
    cases = _drill(loaded, settings, "run-20260101-aaa111")
    count = cases["audit-backups.restored-item_count"]
    assert count.status == "pass", count.detail
    assert count.observed == 3 and "restored 3, source 3" in count.detail


def test_the_restore_drill_reports_items_written_since_the_copy(loaded: Any, settings: Any) -> None:
    """Items written after the copy's backup are not in the restore: the counts differ, and
    the drill warns with both (what a restore of this copy loses), without failing."""
    _put_items(3)
    settings.clock.advance(2 * 3600)
    # A scheduled backup holds the table as the first Backup request after its start finds
    # it (docs/sandbox.md): one now, before the next writes.
    _backup(HOME).list_backup_jobs()
    _put_items(2, start=3)
    cases = _drill(loaded, settings, "run-20260101-bbb222")
    count = cases["audit-backups.restored-item_count"]
    assert count.status == "warn"
    assert count.observed == 3 and "restored 3, source 5" in count.detail
    assert "what a restore of it loses" in count.detail
    assert cases["audit-backups.restored-key_schema"].status == "pass"
    assert cases["audit-backups.cleanup"].status == "pass"


def test_the_restore_drill_refuses_what_it_cannot_restore(aws: None, settings: Any) -> None:
    """An EBS volume's copies: the restore source check says the drill restores DynamoDB
    tables only, and the drill fails before starting any restore job."""
    from drctl.drills import restore as drill
    from drctl.drills.env import DrillEnv

    aws_time.follow(settings.clock.now)
    volume_arn = f"arn:aws:ec2:{HOME}:123456789012:volume/vol-0123456789abcdef0"
    loaded = load_plan_text(PLAN.replace(ARN, volume_arn))
    SandboxBuilder(
        loaded.plan, make_context(loaded.plan, settings).sessions, settings.clock
    ).build()
    result = _checks(loaded, settings)["restore-source"]
    assert result.status.value == "fail" and "restores DynamoDB" in result.detail
    outcome = drill.run(loaded.plan.drills[0], DrillEnv(loaded, settings, run_id="run-x-def456"))
    cases = {c.name: c for c in outcome.cases}
    assert cases["audit-backups.restore"].status == "fail"
    assert cases["audit-backups.cleanup"].detail.endswith("was never created")
    assert _backup(DR).list_restore_jobs()["RestoreJobs"] == []


def test_a_drifting_comparison_warns_and_only_an_empty_copy_fails() -> None:
    """The source's item count moves on after the copy: a difference warns (what a restore
    of the copy loses); an empty copy of a source with items, or any other property that
    differs, fails."""
    from drctl.drills.restore import _compared

    drifting = frozenset({"item_count"})
    assert _compared("item_count", 5, 5, drifting) == "pass"
    assert _compared("item_count", 5, 3, drifting) == "warn"
    assert _compared("item_count", 0, 2, drifting) == "warn"
    assert _compared("item_count", 5, 0, drifting) == "fail"
    assert _compared("key_schema", ["pk"], ["id"], drifting) == "fail"
