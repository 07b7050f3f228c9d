"""The replica failback of ``rds-instance`` on Step Functions (kinds/rds_instance/failback_forms):
the shape of its states (one describe per Region, decided together; renames waited through;
the retention-or-7 promotion as two parts), and executions in moto from the states a failback
meets: after a failover, after an earlier attempt renamed the old primary, with a home
replica that keeps backups, and with an old primary that was never fenced."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from drctl.engine.declarative import NoDeclarativeForm
from drctl.engine.run import step_graph
from drctl.engine.settings import default_settings, make_context
from drctl.export.iam import task_actions
from drctl.kinds.rds_instance import failback_forms, moto_rename
from drctl.kinds.registry import registry
from drctl.kinds.sandboxing import aws_time
from drctl.plan.loader import LoadedPlan
from drctl.plan.models import RdsInstance
from tests.conftest import REPO
from tests.export import sfn_support
from tests.export.end_state import end_state
from tests.export.test_failback_on_step_functions import _failover

PLAN = REPO / "examples" / "ecommerce-warm-standby.yaml"
HOME, DR = "us-east-1", "us-west-2"
PRIMARY, REPLICA = "shop-orders", "shop-orders-dr"
RUN_ID = "20261130T141500Z-shop-failback-3f9a"  # an execution drctl starts is named so


def _states(document: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}

    def scan(states: dict[str, Any]) -> None:
        for name, state in states.items():
            for branch in state.get("Branches", []):
                scan(branch["States"])
            found[name] = state

    scan(document["States"])
    return found


def _call(state: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    """(Region, action, parameters) of a task, proxied or not."""
    payload = state["Parameters"].get("Payload")
    if isinstance(payload, dict) and "Action" in payload:
        return payload["Region"], payload["Action"], payload["Parameters"]
    return DR, state["Resource"].rsplit(":", 1)[1], state["Parameters"]


def _instance(instance_id: str, region: str) -> dict[str, Any] | None:
    rds = boto3.client("rds", region_name=region)
    found = rds.describe_db_instances(
        Filters=[{"Name": "db-instance-id", "Values": [instance_id]}]
    )["DBInstances"]
    return found[0] if found else None


def _tags(instance: dict[str, Any]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in instance.get("TagList") or []}


def _execute(loaded: LoadedPlan, recorded: dict[str, Any], mode: str, name: str) -> Any:
    """The failback of orders-db, exported now (as ``drctl deploy`` would), executed once."""
    document = sfn_support.export(
        loaded, action="failback", mode=mode, only=["orders-db"], recorded=recorded
    )
    sfn = boto3.client("stepfunctions", region_name=DR)
    existing = [m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"]]
    arn = existing[0] if existing else sfn_support.machine(document, DR, name="drctl-failback")
    return sfn_support.follow(sfn_support.start(arn, DR, name, {"rpo_gate": {"ok": True}}), DR)


def _cli_steps(loaded: LoadedPlan, recorded: dict[str, Any], mode: str, actions: list[str]) -> None:
    """Run these CLI failback steps of orders-db, each until verified (an earlier attempt
    that went that far)."""
    from drctl.kinds.sandboxing import aws_time

    ctx = make_context(loaded.plan, default_settings(), mode=mode)
    ctx.recorded = dict(recorded)
    ctx.run_id = "20261130T130000Z-shop-failback-0a0a"
    graph = step_graph(loaded.plan, ctx, registry(), "failback", ["orders-db"])
    for step in graph.steps:
        if step.action not in actions:
            continue
        if not step.precheck().done:
            step.run()
        for _ in range(200):
            if step.verify().ok:
                break
            aws_time.wait(step.poll_seconds)
        assert step.verify().ok, step.id


def test_each_step_reads_both_regions_and_renames_before_creating(tmp_path: Path) -> None:
    with sfn_support.sandbox(PLAN) as loaded:
        recorded = _failover(loaded, tmp_path, "planned")
        document = sfn_support.export(
            loaded, action="failback", mode="planned", only=["orders-db"], recorded=recorded
        )
    states = _states(document)
    step = "orders-db.retire-old-primary: "
    # The DR instance is looked up in DR, the old primary described at home (through the
    # proxy), and the one rule reads both answers, as failback._home_state does.
    assert _call(states[step + "lookup"])[:2] == (DR, "describeDBInstances")
    assert _call(states[step + "precheck"])[:2] == (HOME, "describeDBInstances")
    rule = json.dumps(states[step + "done already?"]["Choices"][0])
    assert '"$.lookup.DbInstances[0]"' in rule and '"$.probe.Payload.DbInstances[0]"' in rule
    region, action, rename = _call(states[step + "call 1"])
    assert (region, action) == (HOME, "modifyDBInstance")
    assert rename["DbInstanceIdentifier"] == PRIMARY and rename["ApplyImmediately"] is True
    assert rename["NewDBInstanceIdentifier.$"] == failback_forms.aside_expression(PRIMARY)
    # The rename is through once the old name is gone and the new one there.
    verify = _call(states[step + "verify"])[2]["Filters"][0]["Values.$"]
    assert verify.startswith(f"States.Array('{PRIMARY}', States.Format(")

    region, action, create = _call(states["orders-db.reprotect: call 1"])
    assert (region, action) == (HOME, "createDBInstanceReadReplica")
    assert create["SourceDBInstanceIdentifier.$"] == "$.lookup.DbInstances[0].DbInstanceArn"
    assert create["DbParameterGroupName"] == "drctl-sandbox-mysql80"  # not the fence group

    promote = "orders-db.promote-home: part {}: call 1"
    assert _call(states[promote.format(1)])[2]["BackupRetentionPeriod.$"] == (
        "$.lookup.DbInstances[0].BackupRetentionPeriod"
    )
    assert _call(states[promote.format(2)])[2]["BackupRetentionPeriod"] == 7

    rename_dr = _call(states["orders-db.retire-dr: call 1"])
    assert rename_dr[:2] == (DR, "modifyDBInstance")
    create_dr = states["orders-db.reprotect-dr: call 1"]
    assert create_dr["Resource"] == "arn:aws:states:::aws-sdk:rds:createDBInstanceReadReplica"
    assert create_dr["Parameters"]["DbInstanceIdentifier"] == REPLICA
    assert {"rds:CreateDBInstanceReadReplica", "rds:AddTagsToResource"} <= set(
        task_actions(document)
    )


def test_the_execution_keeps_both_old_instances_aside_under_the_runs_suffix(
    tmp_path: Path,
) -> None:
    with sfn_support.sandbox(PLAN) as loaded:
        recorded = _failover(loaded, tmp_path, "unplanned")
        dr_arn = str((_instance(REPLICA, DR) or {})["DBInstanceArn"])
        execution = _execute(loaded, recorded, "unplanned", RUN_ID)
        assert execution.status == "SUCCEEDED", execution.error
        old_primary = _instance(f"{PRIMARY}-pre-failback-3f9a", HOME)
        old_dr = _instance(f"{REPLICA}-pre-failback-3f9a", DR)
        home = _instance(PRIMARY, HOME)
        replica = _instance(REPLICA, DR)
        state = end_state(loaded.plan)["orders-db"]
    assert old_primary is not None and old_dr is not None  # kept, not deleted
    assert old_primary["DBParameterGroups"][0]["DBParameterGroupName"].startswith("drctl-fenced-")
    assert home is not None and replica is not None
    assert home.get("ReadReplicaSourceDBInstanceIdentifier") is None
    assert home["DBInstanceStatus"] == "available"
    assert _tags(home)["drctl:reprotected-from"] == dr_arn  # created from DR, then promoted
    assert str(replica["ReadReplicaSourceDBInstanceIdentifier"]).endswith(f":db:{PRIMARY}")
    assert _tags(replica)["drctl:reprotected-from"] == home["DBInstanceArn"]
    assert state["kept_aside"] == (1, 1)
    # The sandbox's replica keeps its source's 7 days of backups: the first part promoted
    # it keeping them, the second found nothing left to do.
    assert home["BackupRetentionPeriod"] == 7
    assert "orders-db.promote-home: part 1: call 1" in execution.entered
    assert "orders-db.promote-home: part 2: call 1" not in execution.entered


@pytest.mark.parametrize(("kept", "part", "promoted"), [(3, 1, 3), (0, 2, 7)])
def test_after_an_attempt_that_went_as_far_as_the_home_replica_only_the_rest_runs(
    kept: int, part: int, promoted: int, tmp_path: Path
) -> None:
    """An earlier attempt renamed the old primary aside and created the home replica, whose
    backup retention was then set to ``kept`` days: the execution renames nothing at home,
    creates nothing there, and promotes keeping them, or with 7 days when it keeps none (the
    CLI's ``retention or 7``) -- one part each."""
    with sfn_support.sandbox(PLAN) as loaded:
        recorded = _failover(loaded, tmp_path, "planned")
        _cli_steps(loaded, recorded, "planned", ["retire-old-primary", "reprotect"])
        rds = boto3.client("rds", region_name=HOME)
        rds.modify_db_instance(
            DBInstanceIdentifier=PRIMARY, BackupRetentionPeriod=kept, ApplyImmediately=True
        )
        from drctl.kinds.sandboxing import aws_time

        aws_time.wait(300)
        execution = _execute(loaded, recorded, "planned", RUN_ID)
        assert execution.status == "SUCCEEDED", execution.error
        home = _instance(PRIMARY, HOME)
        state = end_state(loaded.plan)["orders-db"]
        assert _instance(f"{PRIMARY}-pre-failback-3f9a", HOME) is None  # renamed once, before
    entered = execution.entered
    for skipped in (
        "orders-db.retire-old-primary: call 1",
        "orders-db.reprotect: call 1",
        f"orders-db.promote-home: part {3 - part}: call 1",
    ):
        assert skipped not in entered
    assert f"orders-db.promote-home: part {part}: call 1" in entered
    assert home is not None and home["BackupRetentionPeriod"] == promoted
    assert home.get("ReadReplicaSourceDBInstanceIdentifier") is None
    assert state["kept_aside"] == (1, 1)
    assert state["dr"]["replica_of"] is not None
    assert str(state["dr"]["replica_of"]).endswith(f":db:{PRIMARY}")


def test_a_writable_old_primary_is_still_retired_while_dr_takes_writes(tmp_path: Path) -> None:
    """An old primary that was never fenced (it came back after the unplanned failover
    gave up on it) is writable, but DR takes the writes: home is not the primary again, so
    it is renamed aside -- a precheck reading home alone would have kept it, and the
    re-protecting replica could not take its name."""
    with sfn_support.sandbox(PLAN) as loaded:
        recorded = _failover(loaded, tmp_path, "unplanned")
        rds = boto3.client("rds", region_name=HOME)
        rds.modify_db_instance(
            DBInstanceIdentifier=PRIMARY,
            DBParameterGroupName="drctl-sandbox-mysql80",
            ApplyImmediately=True,
        )
        from drctl.kinds.sandboxing import aws_time

        aws_time.wait(600)
        old = _instance(PRIMARY, HOME) or {}
        assert old["DBParameterGroups"][0]["DBParameterGroupName"] == "drctl-sandbox-mysql80"
        execution = _execute(loaded, recorded, "unplanned", RUN_ID)
        assert execution.status == "SUCCEEDED", execution.error
        kept = _instance(f"{PRIMARY}-pre-failback-3f9a", HOME)
        state = end_state(loaded.plan)["orders-db"]
    assert "orders-db.retire-old-primary: call 1" in execution.entered
    assert kept is not None and kept["DbiResourceId"] == old["DbiResourceId"]
    assert state["primary"]["replica_of"] is None
    assert str(state["dr"]["replica_of"]).endswith(f":db:{PRIMARY}")


def test_an_aside_name_past_63_characters_has_no_declarative_form() -> None:
    res = RdsInstance(kind="rds-instance", name="db", primary="p" * 50, dr="d")
    sides = failback_forms.Sides(res, HOME, DR, ())
    with pytest.raises(NoDeclarativeForm, match="63 characters"):
        failback_forms.retire_old_primary(sides)


def test_promote_home_without_a_home_instance_fails_at_once(tmp_path: Path) -> None:
    """The CLI step stops at once when home has no instance to promote (its describe
    raises): so does the execution, rather than wait out the step's timeout."""
    from drctl.engine.graph import build_graph
    from drctl.export.stepfunctions import Target, definition

    with sfn_support.sandbox(PLAN) as loaded:
        recorded = _failover(loaded, tmp_path, "unplanned")
        ctx = make_context(loaded.plan, default_settings(), mode="unplanned")
        ctx.recorded = dict(recorded)
        steps = step_graph(loaded.plan, ctx, registry(), "failback", ["orders-db"]).steps
        promote = next(s for s in steps if s.action == "promote-home")
        document = definition(
            build_graph([promote], {}), Target("shop", "failback", "unplanned", DR, 900.0)
        )
        boto3.client("rds", region_name=HOME).modify_db_instance(
            DBInstanceIdentifier=PRIMARY, NewDBInstanceIdentifier="shop-orders-elsewhere",
            ApplyImmediately=True,
        )  # fmt: skip
        aws_time.wait(moto_rename.RENAMING_SECONDS)  # the rename is through: no home instance
        arn = sfn_support.machine(document, DR)
        execution = sfn_support.follow(sfn_support.start(arn, DR, RUN_ID, {}), DR)
    assert execution.status == "FAILED"
    entered = execution.entered
    assert "orders-db.promote-home: part 2: call 1" in entered  # refused: no such instance
    assert "orders-db.promote-home: part 2: failed" in entered
    assert "orders-db.promote-home: part 2: wait" not in entered  # no wait for the timeout
    failed = _states(document)["orders-db.promote-home: part 2: failed"]
    assert failed["Cause"] == f"orders-db.promote-home: {PRIMARY} not found in {HOME}"


def test_a_home_promoted_by_an_unplanned_failback_beside_a_writable_dr_is_not_renamed(
    tmp_path: Path,
) -> None:
    """An unplanned failback (DR never fenced) promoted home and stopped before re-protecting
    DR: both take writes, and home, the newer, may hold writes made since traffic came home.
    The CLI reads its re-protect tag and calls it home; a Choice cannot read a tag, so the
    execution refuses (fails, naming both) rather than rename it aside."""
    with sfn_support.sandbox(PLAN) as loaded:
        recorded = _failover(loaded, tmp_path, "planned")
        _cli_steps(
            loaded, recorded, "unplanned", ["retire-old-primary", "reprotect", "promote-home"]
        )
        live = _instance(PRIMARY, HOME) or {}
        dr = _instance(REPLICA, DR) or {}
        assert live.get("ReadReplicaSourceDBInstanceIdentifier") is None
        assert dr.get("ReadReplicaSourceDBInstanceIdentifier") is None
        execution = _execute(loaded, recorded, "unplanned", RUN_ID)
        home = _instance(PRIMARY, HOME) or {}
        kept = _instance(f"{PRIMARY}-pre-failback-3f9a", HOME)
        document = sfn_support.export(
            loaded, action="failback", mode="unplanned", only=["orders-db"], recorded=recorded
        )
    refused = _states(document)["orders-db.retire-old-primary: refused"]["Cause"]
    assert f"fence {REPLICA} if {PRIMARY} holds the data" in refused
    assert execution.status == "FAILED"
    assert "orders-db.retire-old-primary: refused" in execution.entered
    assert "orders-db.retire-old-primary: call 1" not in execution.entered
    assert kept is None and home["DbiResourceId"] == live["DbiResourceId"]
