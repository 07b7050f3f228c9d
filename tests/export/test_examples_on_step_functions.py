"""Every example plan on both engines: where the export succeeds, a Step Functions failover in
moto leaves the AWS state a CLI failover leaves (compared resource by resource), and a rerun
of the execution changes nothing; where it refuses, it names the steps only the CLI runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from drctl.engine.settings import default_settings
from drctl.errors import DrctlError
from tests.conftest import REPO
from tests.export import sfn_support
from tests.export.end_state import end_state
from tests.support import run_action

EXAMPLES = REPO / "examples"

# (example, mode) -> what the export refuses, in its own words.
REFUSED = {
    ("organisation", "planned"): "has no failover steps to export",  # export each include
    ("organisation", "unplanned"): "has no failover steps to export",
    ("payments-custom-steps", "planned"): "cannot run on Step Functions: tell-on-call.run has "
    "no declarative form (only the CLI engine can run them) -- tell-on-call.run: it runs a "
    "local command (sh)",
    ("payments-custom-steps", "unplanned"): "tell-on-call.run: it runs a local command (sh), "
    "which only the machine running drctl can do",
}
RUNS = [
    ("ecommerce-warm-standby-arc", "planned"),
    ("ecommerce-warm-standby-arc", "unplanned"),
    ("ecommerce-warm-standby", "planned"),
    ("ecommerce-warm-standby", "unplanned"),
    ("full", "planned"),
    ("full", "unplanned"),
    ("global-active-active", "planned"),
    ("global-active-active", "unplanned"),
    ("hipaa-healthcare", "planned"),
    ("hipaa-healthcare", "unplanned"),
    ("startup-backup-restore", "planned"),
    ("startup-backup-restore", "unplanned"),
    ("serverless-warm-standby", "planned"),
    ("serverless-warm-standby", "unplanned"),
]


# (example, mode) refused as a whole -> the resources that run on Step Functions (--only),
# compared like RUNS.
PARTIAL = {
    ("payments-custom-steps", "planned"): ["ledger", "payment-flags", "settlement-queue"],
    ("payments-custom-steps", "unplanned"): ["ledger", "payment-flags", "settlement-queue"],
}


def test_every_example_and_mode_is_covered() -> None:
    names = {p.stem for p in EXAMPLES.glob("*.yaml")}
    assert {(n, m) for n in names for m in ("planned", "unplanned")} == set(REFUSED) | set(RUNS)
    assert set(PARTIAL) <= set(REFUSED)


@pytest.mark.parametrize(("example", "mode"), sorted(REFUSED))
def test_the_export_names_what_only_the_cli_runs(example: str, mode: str) -> None:
    with (
        sfn_support.sandbox(EXAMPLES / f"{example}.yaml") as loaded,
        pytest.raises(DrctlError) as caught,
    ):
        sfn_support.export(loaded, mode=mode)
    assert caught.value.exit_code == 2
    assert REFUSED[(example, mode)] in caught.value.message


CASES = [(example, mode, None) for example, mode in RUNS] + [
    (example, mode, only) for (example, mode), only in sorted(PARTIAL.items())
]


@pytest.mark.parametrize(("example", "mode", "only"), CASES)
def test_both_engines_leave_the_same_aws_state(
    example: str, mode: str, only: list[str] | None, tmp_path: Path
) -> None:
    _same_state(EXAMPLES / f"{example}.yaml", mode, only or [], tmp_path)


def test_an_automation_run_is_waited_for_on_step_functions(tmp_path: Path) -> None:
    """An SSM Automation ``run`` (without an automation check) is started and waited for in
    the step's wait loop, and both engines leave the same state."""
    text = (EXAMPLES / "payments-custom-steps.yaml").read_text()
    check = (
        "      check:\n        automation: {document: payments-settlement-drained, "
        "parameters: {Queue: [settlement]}}\n"
    )
    assert check in text
    plan = tmp_path / "payments.yaml"
    plan.write_text(text.replace(check, "", 1))
    _same_state(plan, "planned", ["ledger", "payment-flags", "settlement-queue"], tmp_path)


def _same_state(path: Path, mode: str, only: list[str], tmp_path: Path) -> None:
    with sfn_support.sandbox(path) as loaded:
        before = end_state(loaded.plan)
        manual = [r.name for r in loaded.plan.resources if r.kind == "manual"]
        settings = default_settings(state_dir=tmp_path / "state")
        record = run_action(loaded, settings, "failover", mode=mode, approve=manual, only=only)
        assert record.status == "succeeded"
        by_cli = end_state(loaded.plan)
    with sfn_support.sandbox(path) as loaded:
        first = sfn_support.run_approving(loaded, mode=mode, name="run-1", only=only)
        assert first.status == "SUCCEEDED", first.error
        by_sfn = end_state(loaded.plan)
        second = sfn_support.run_approving(loaded, mode=mode, name="run-2", only=only)
        assert second.status == "SUCCEEDED", second.error
        assert end_state(loaded.plan) == by_sfn
    assert by_sfn == by_cli
    assert by_sfn != before  # the failover did something
    # The rerun found every step done (no call) except those that always act: a manual
    # step asks again, a writability probe writes again.
    always = {f"{name}." for name in manual} | {
        f"{r.name}." for r in loaded.plan.resources
        if r.kind == "dynamodb-table" or (r.kind == "custom" and r.failover.check is None)
    }  # fmt: skip
    acted = [
        n for n in second.entered
        if ": call " in n and not any(n.startswith(p) for p in always)
    ]  # fmt: skip
    assert acted == []


def test_a_restore_on_step_functions_starts_from_the_newest_snapshot(tmp_path: Path) -> None:
    """A Choice cannot sort: the definition walks the snapshots keeping the newest. After a
    backup there are two copies in DR; the restore starts from the one the CLI would pick."""
    import boto3

    from drctl.engine.settings import make_context
    from drctl.kinds.rds_instance import api as rds_api

    path = EXAMPLES / "startup-backup-restore.yaml"
    with sfn_support.sandbox(path) as loaded:
        settings = default_settings(state_dir=tmp_path / "state")
        backup = run_action(loaded, settings, "backup", mode="planned")
        assert backup.status == "succeeded"
        db = next(r for r in loaded.plan.resources if r.name == "app-db")
        ctx = make_context(loaded.plan, settings)
        rds = boto3.client("rds", region_name=loaded.plan.regions.dr)
        copies = rds.describe_db_snapshots(DBInstanceIdentifier=db.primary)["DBSnapshots"]
        assert len(copies) >= 2
        newest = rds_api.newest_snapshot(ctx.client("rds", "dr"), db.primary)
        assert newest is not None
        execution = sfn_support.run(loaded, mode="unplanned", only=["app-db"])
        assert execution.status == "SUCCEEDED", execution.error
        restored = rds.describe_db_instances(DBInstanceIdentifier=db.dr)["DBInstances"][0]
        tags = {t["Key"]: t["Value"] for t in restored.get("TagList", [])}
        assert tags["drctl:restored-from"] == newest["DBSnapshotIdentifier"]
        assert any(": take" in n or ": newer?" in n for n in execution.entered)
