"""``elasticache-global``'s failback on Step Functions when the DR group had left the
datastore (an operator's disassociation): the definition retires the old datastore, forms a
new one from DR, replaces the stale home group (final snapshot kept) in four parts and fails
over home -- the AWS state a CLI failback leaves, read back; a rerun makes no call. The
definition's shape: what is written in when exporting, what is looked up, the snapshot's
name built from the entered time."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import boto3
import pytest

from drctl.engine.run import recorded_by_step
from drctl.engine.settings import default_settings
from drctl.kinds.elasticache_global import moto_global_datastore as ext
from drctl.kinds.sandboxing import aws_time
from drctl.plan.loader import LoadedPlan
from tests.export import sfn_support
from tests.export.end_state import end_state
from tests.kinds.test_elasticache_global import DR, HOME, PLAN
from tests.support import run_action

STEPS = ("retire-old-datastore", "form-datastore", "rebuild-home", "promote-home")


@pytest.fixture
def plan_path(tmp_path: Path) -> Path:
    path = tmp_path / "plan.yaml"
    path.write_text(PLAN)
    return path


def _left(loaded: LoadedPlan, state: Path) -> dict[str, dict[str, Any]]:
    """The DR group leaves the datastore by hand; an unplanned CLI failover then finds it
    writable already. What that failover recorded, by step id."""
    ec = boto3.client("elasticache", region_name=DR)
    [glob] = ec.describe_global_replication_groups()["GlobalReplicationGroups"]
    ec.disassociate_global_replication_group(
        GlobalReplicationGroupId=glob["GlobalReplicationGroupId"],
        ReplicationGroupId="shop-sessions-dr",
        ReplicationGroupRegion=DR,
    )
    aws_time.wait(ext.DISASSOCIATE_SECONDS)
    record = run_action(loaded, default_settings(state_dir=state), "failover", mode="unplanned")
    assert record.status == "succeeded"
    return recorded_by_step(record)


def _settled(loaded: LoadedPlan) -> dict[str, Any]:
    aws_time.wait(5)
    return end_state(loaded.plan)


def _fields(value: Any) -> list[str]:
    """Every ``.$`` field's expression under ``value``."""
    if isinstance(value, dict):
        found = [v for k, v in value.items() if k.endswith(".$") and isinstance(v, str)]
        for v in value.values():
            found.extend(_fields(v))
        return found
    if isinstance(value, list):
        return [text for item in value for text in _fields(item)]
    return []


def _snapshots() -> list[str]:
    found = boto3.client("elasticache", region_name=HOME).describe_snapshots()["Snapshots"]
    return sorted(s["SnapshotName"] for s in found)


def test_a_left_datastore_is_rebuilt_on_step_functions_as_by_the_cli(
    plan_path: Path, tmp_path: Path
) -> None:
    with sfn_support.sandbox(plan_path) as loaded:
        _left(loaded, tmp_path / "cli")
        left = _settled(loaded)
        back = run_action(loaded, default_settings(state_dir=tmp_path / "cli"), "failback")
        assert back.status == "succeeded", [(s.id, s.detail) for s in back.steps]
        assert {s.action: s.status for s in back.steps} == dict.fromkeys(STEPS, "succeeded")
        by_cli = _settled(loaded)
    with sfn_support.sandbox(plan_path) as loaded:
        recorded = _left(loaded, tmp_path / "sfn")
        assert _settled(loaded) == left
        first = sfn_support.run_approving(
            loaded, mode="planned", name="back-1", action="failback", recorded=recorded
        )
        assert first.status == "SUCCEEDED", first.error
        by_sfn = _settled(loaded)
        snapshots = _snapshots()
        second = sfn_support.run_approving(
            loaded, mode="planned", name="back-2", action="failback", recorded=recorded
        )
        assert second.status == "SUCCEEDED", second.error
        assert _settled(loaded) == by_sfn
        assert _snapshots() == snapshots
    assert left["sessions"]["roles"] == {
        "primary": ("PRIMARY", "available"),  # alone in the old datastore
        "dr": (None, "available"),
    }
    assert by_sfn == by_cli
    assert by_sfn["sessions"] == {
        "roles": {"primary": ("PRIMARY", "available"), "dr": ("SECONDARY", "available")},
        "datastore": f"{ext.region_prefix(DR)}-sessions",  # formed again from DR
        "datastore_status": "available",
        "final_snapshots": 1,
    }
    [snapshot] = snapshots
    assert re.fullmatch(r"shop-sessions-pre-failback-\d{4}-\d{2}-\d{2}-\d{4}", snapshot), snapshot
    calls = [n for n in first.entered if ": call " in n]
    assert calls == [
        "sessions.retire-old-datastore: call 1",
        "sessions.form-datastore: call 1",
        "sessions.rebuild-home: part 1: call 1",
        "sessions.rebuild-home: part 2: call 1",
        "sessions.promote-home: call 1",
    ]
    assert [n for n in second.entered if ": call " in n] == []


def test_the_definition_writes_in_what_exporting_read_and_looks_up_the_rest(
    plan_path: Path, tmp_path: Path
) -> None:
    with sfn_support.sandbox(plan_path) as loaded:
        recorded = _left(loaded, tmp_path)
        document = sfn_support.export(loaded, action="failback", mode="planned", recorded=recorded)
    states: dict[str, Any] = {}
    for phase in document["States"].values():
        for branch in phase.get("Branches", []):
            states.update(branch["States"])

    def proxied(name: str) -> dict[str, Any]:
        payload: dict[str, Any] = states[name]["Parameters"]["Payload"]
        return payload

    retire = proxied("sessions.retire-old-datastore: call 1")
    assert (retire["Region"], retire["Action"]) == (HOME, "deleteGlobalReplicationGroup")
    assert retire["Parameters"] == {
        "GlobalReplicationGroupId": f"{ext.region_prefix(HOME)}-sessions",  # the old one
        "RetainPrimaryReplicationGroup": True,
    }
    form = states["sessions.form-datastore: call 1"]
    assert form["Resource"].endswith("aws-sdk:elasticache:createGlobalReplicationGroup")
    assert form["Parameters"]["GlobalReplicationGroupIdSuffix"] == "sessions"
    assert form["ResultPath"] == "$.formed"
    verify = states["sessions.form-datastore: verify"]["Parameters"]
    assert verify == {
        "GlobalReplicationGroupId.$": "$.formed.GlobalReplicationGroup.GlobalReplicationGroupId"
    }
    delete = proxied("sessions.rebuild-home: part 1: call 1")
    assert delete["Action"] == "deleteReplicationGroup"
    name = delete["Parameters"]["FinalSnapshotIdentifier.$"]
    assert name.startswith("States.Format('shop-sessions-pre-failback-{}-{}{}', ")
    assert "States.StringSplit($$.State.EnteredTime, 'T:')" in name
    # "You can nest up to 10 intrinsic functions within a field" (AWS): every field counts.
    for state in states.values():
        for text in _fields(state):
            assert text.count("States.") <= 10, text
    create = proxied("sessions.rebuild-home: part 2: call 1")["Parameters"]
    assert create["GlobalReplicationGroupId.$"] == "$.lookup.gid"  # formed by this run
    assert create["NumCacheClusters"] >= 1  # the DR group's, read when exporting
    lookup = states["sessions.rebuild-home: part 1: lookup"]
    assert lookup["Resource"].endswith("aws-sdk:elasticache:describeReplicationGroups")
    assert lookup["Parameters"] == {"ReplicationGroupId": "shop-sessions-dr"}
    lag = proxied("sessions.rebuild-home: part 4: verify")
    assert (lag["Service"], lag["Action"], lag["Region"]) == (
        "cloudwatch",
        "getMetricStatistics",
        HOME,
    )
    from drctl.export.iam import task_actions

    actions = task_actions(document)  # the state machine role's policy
    assert {"elasticache:DeleteReplicationGroup", "elasticache:CreateSnapshot"} <= set(actions)
    assert "cloudwatch:GetMetricStatistics" in actions
    promote = proxied("sessions.promote-home: call 1")
    assert promote["Parameters"] == {
        "GlobalReplicationGroupId.$": "$.lookup.gid",
        "PrimaryRegion": HOME,
        "PrimaryReplicationGroupId": "shop-sessions",
    }


def test_a_failover_finds_a_dr_group_that_left_writable_already(
    plan_path: Path, tmp_path: Path
) -> None:
    """The CLI's promote-dr is skipped for a standalone DR group; so is the form's."""
    with sfn_support.sandbox(plan_path) as loaded:
        _left(loaded, tmp_path)
        before = _settled(loaded)
        execution = sfn_support.run(loaded, mode="unplanned")
        assert execution.status == "SUCCEEDED", execution.error
        assert _settled(loaded) == before
    assert "sessions.promote-dr: done already?" in execution.entered
    assert [n for n in execution.entered if ": call " in n] == []
