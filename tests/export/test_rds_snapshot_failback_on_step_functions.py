"""The backup-and-restore failback of an ``rds-instance`` on Step Functions: what the
definition calls where, the names it makes from the execution's name (the run id, as the
CLI's), and a second failover and failback cycle that retires the first one's primary.
Each run is a real execution in moto's interpreter, read back from RDS."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest

from drctl.engine.declarative import NoDeclarativeForm
from drctl.engine.run import recorded_by_step
from drctl.engine.settings import default_settings, make_context
from drctl.errors import DrctlError
from drctl.export.iam import task_actions
from drctl.export.stepfunctions import proxied_call
from drctl.kinds.rds_instance.failback import aside_name, run_suffix
from drctl.kinds.rds_instance.snapshot_declarative import Names
from drctl.plan.loader import LoadedPlan
from tests.conftest import EXAMPLES
from tests.export import sfn_support
from tests.support import run_action

PLAN = EXAMPLES / "startup-backup-restore.yaml"
HOME, AWAY = "us-east-1", "us-west-2"
PRIMARY, DR = "startup-prod", "startup-dr-restored"
FIRST = "20261130T140000Z-startup-failback-3f9a"  # named as drctl names its runs
SECOND = "20261130T150000Z-startup-failback-b07e"
STEPS = ("fence-dr", "snapshot-dr", "copy-home", "retire-old-primary", "restore-home")


def _failover(loaded: LoadedPlan, state: Path) -> dict[str, dict[str, Any]]:
    record = run_action(loaded, default_settings(state_dir=state), "failover", mode="unplanned")
    assert record.status == "succeeded"
    return recorded_by_step(record)


def _failback(loaded: LoadedPlan, name: str, recorded: dict[str, Any]) -> sfn_support.Execution:
    execution = sfn_support.run_approving(
        loaded, mode="unplanned", name=name, action="failback", only=["app-db"],
        recorded=recorded,
    )  # fmt: skip
    assert execution.status == "SUCCEEDED", execution.error
    return execution


def _instances(region: str) -> dict[str, dict[str, Any]]:
    found = boto3.client("rds", region_name=region).describe_db_instances()["DBInstances"]
    return {i["DBInstanceIdentifier"]: i for i in found}


def _snapshots(region: str) -> dict[str, dict[str, Any]]:
    rds = boto3.client("rds", region_name=region)
    found = rds.describe_db_snapshots(SnapshotType="manual")["DBSnapshots"]
    return {s["DBSnapshotIdentifier"]: s for s in found}


def _restored_from(inst: dict[str, Any]) -> str | None:
    tags = {t["Key"]: t["Value"] for t in inst.get("TagList") or []}
    return tags.get("drctl:restored-from")


def _states(document: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for state in document["States"].values():
        for branch in state.get("Branches", []):
            found.update(branch["States"])
    return found


def test_the_definition_reads_both_regions_first_and_copies_through_the_right_region(
    tmp_path: Path,
) -> None:
    with sfn_support.sandbox(PLAN) as loaded:
        recorded = _failover(loaded, tmp_path)
        document = sfn_support.export(
            loaded, action="failback", mode="unplanned", only=["app-db"], recorded=recorded
        )
    states = _states(document)
    # Each step up to the restore first asks whether failback is complete: DR instance gone
    # (a task in the machine's Region), then home writable (through the Region proxy).
    for action in STEPS:
        gone = states[f"app-db.{action}: skip if 1"]
        assert gone["Resource"] == "arn:aws:states:::aws-sdk:rds:describeDBInstances"
        assert gone["Parameters"]["Filters"][0]["Values"] == [DR]
        home = proxied_call(states[f"app-db.{action}: skip if 2"])
        assert home is not None and home["Region"] == HOME
        assert home["Parameters"]["Filters"][0]["Values"] == [PRIMARY]
    # Names from the execution's name, as the CLI's from the run id.
    create = states["app-db.snapshot-dr: call 1"]
    assert create["Resource"] == "arn:aws:states:::aws-sdk:rds:createDBSnapshot"
    assert "'drctl-startup-app-db-failback-{}'" in create["Parameters"]["DbSnapshotIdentifier.$"]
    assert "$$.Execution.Name" in create["Parameters"]["DbSnapshotIdentifier.$"]
    # Home's copy is made at home (the proxy's boto3 presigns from SourceRegion) from the DR
    # snapshot's ARN; DR's copy is the machine's own task, the ARN alone.
    home_copy = proxied_call(states["app-db.copy-home: call 1"])
    assert home_copy is not None and home_copy["Region"] == HOME
    assert home_copy["Action"] == "copyDBSnapshot"
    assert home_copy["Parameters"]["SourceRegion"] == AWAY
    assert home_copy["Parameters"]["SourceDBSnapshotIdentifier.$"].startswith(
        "States.Format('arn:aws:rds:us-west-2:123456789012:snapshot:"
        "drctl-startup-app-db-failback-{}'"
    )
    dr_copy = states["app-db.copy-to-dr: call 1"]
    assert dr_copy["Resource"] == "arn:aws:states:::aws-sdk:rds:copyDBSnapshot"
    assert "SourceRegion" not in dr_copy["Parameters"]
    assert dr_copy["Parameters"]["SourceDBSnapshotIdentifier.$"].startswith(
        "States.Format('arn:aws:rds:us-east-1:123456789012:snapshot:drctl-startup-app-db-{}'"
    )
    # Created with tags: the role may tag too.
    assert {"rds:CreateDBSnapshot", "rds:CopyDBSnapshot", "rds:AddTagsToResource"} <= set(
        task_actions(document)
    )


def test_an_execution_makes_the_names_the_cli_makes_for_its_run_id(tmp_path: Path) -> None:
    with sfn_support.sandbox(PLAN) as loaded:
        recorded = _failover(loaded, tmp_path)
        _failback(loaded, FIRST, recorded)
        home, away = _instances(HOME), _instances(AWAY)
        home_snaps, away_snaps = _snapshots(HOME), _snapshots(AWAY)
        ctx = make_context(loaded.plan, default_settings(), run_id=FIRST)
    suffix = run_suffix(ctx)
    assert suffix == "3f9a"
    base = f"drctl-startup-app-db-failback-{suffix}"
    assert away_snaps[base]["DBInstanceIdentifier"] == DR
    assert home_snaps[f"{base}-home"]["DBInstanceIdentifier"] == DR
    assert _restored_from(home[PRIMARY]) == f"{base}-home"
    assert home[PRIMARY]["DBInstanceStatus"] == "available"
    assert aside_name(PRIMARY, ctx) in home  # the stale primary, kept
    assert DR not in away and aside_name(DR, ctx) in away
    assert home_snaps[f"drctl-startup-app-db-{suffix}"]["Status"] == "available"
    assert away_snaps[f"drctl-startup-app-db-{suffix}-dr"]["Status"] == "available"


def test_a_second_cycle_retires_the_primary_the_first_failback_restored(tmp_path: Path) -> None:
    """The home instance the first failback restored is the stale one of the second: its
    restored-from tag names the first run's copy, not this run's, so it is renamed aside and
    the second copy restored; re-protecting names its snapshots after the second run."""
    with sfn_support.sandbox(PLAN) as loaded:
        recorded = _failover(loaded, tmp_path / "one")
        _failback(loaded, FIRST, recorded)
        recorded = _failover(loaded, tmp_path / "two")
        assert DR in _instances(AWAY)
        second = _failback(loaded, SECOND, recorded)
        home, away = _instances(HOME), _instances(AWAY)
        home_snaps, away_snaps = _snapshots(HOME), _snapshots(AWAY)
    assert _restored_from(home[PRIMARY]) == "drctl-startup-app-db-failback-b07e-home"
    assert _restored_from(home[f"{PRIMARY}-pre-failback-b07e"]) == (
        "drctl-startup-app-db-failback-3f9a-home"
    )
    assert f"{PRIMARY}-pre-failback-3f9a" in home
    assert DR not in away and f"{DR}-pre-failback-b07e" in away
    assert "drctl-startup-app-db-b07e" in home_snaps
    assert "drctl-startup-app-db-b07e-dr" in away_snaps
    called = [n.split(":")[0] for n in second.entered if n.startswith("app-db.") and ": call " in n]
    assert list(dict.fromkeys(called)) == [
        f"app-db.{a}" for a in (*STEPS, "retire-dr", "snapshot", "copy-to-dr")
    ]


def test_a_home_an_earlier_failback_restored_beside_the_fenced_dr_is_not_renamed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A CLI failback restored home, then died before retiring DR (traffic may be home:
    writes land there). The CLI calls that home; an execution cannot read the tag's run
    against DR's age in its skip rule, so its retire-old-primary refuses rather than rename
    the restored home aside."""
    from drctl.kinds.rds_instance import api

    with sfn_support.sandbox(PLAN) as loaded:
        recorded = _failover(loaded, tmp_path)
        real = api.rename_instance

        def die_before_retiring_dr(rds: Any, old: str, new: str) -> None:
            if old == DR:
                raise RuntimeError("drctl died here")
            real(rds, old, new)

        with monkeypatch.context() as patched:
            patched.setattr(api, "rename_instance", die_before_retiring_dr)
            first = run_action(
                loaded, default_settings(state_dir=tmp_path), "failback", mode="unplanned",
                only=["app-db"],
            )  # fmt: skip
        assert {s.id: s.status for s in first.steps}["app-db.retire-dr"] == "failed"
        live = _instances(HOME)[PRIMARY]
        execution = sfn_support.run_approving(
            loaded, mode="unplanned", name=SECOND, action="failback", only=["app-db"],
            recorded=recorded,
        )  # fmt: skip
        home = _instances(HOME)
    assert execution.status == "FAILED"
    assert "app-db.retire-old-primary: refused" in execution.entered
    assert "app-db.retire-old-primary: call 1" not in execution.entered
    assert home[PRIMARY]["DbiResourceId"] == live["DbiResourceId"]
    assert f"{PRIMARY}-pre-failback-b07e" not in home


def test_without_the_dr_instance_the_export_names_what_it_cannot_read() -> None:
    """Before a failover there is no DR instance to read the copy's ARN from: the export
    refuses those steps, saying why (exit 2)."""
    with sfn_support.sandbox(PLAN) as loaded, pytest.raises(DrctlError) as caught:
        sfn_support.export(loaded, action="failback", mode="unplanned", only=["app-db"])
    assert caught.value.exit_code == 2
    assert f"app-db.copy-home: {DR} not found in {AWAY}: nothing to bring home" in (
        caught.value.message
    )


def test_an_instance_id_too_long_to_keep_aside_by_name_has_no_form() -> None:
    """The CLI cuts ``<id>-pre-failback-<run>`` at 63 characters; an intrinsic cannot."""
    assert "-pre-failback-{}'" in Names.aside("a" * 45)
    with pytest.raises(NoDeclarativeForm, match="exceeds the 63 characters"):
        Names.aside("a" * 46)
