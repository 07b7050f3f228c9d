"""The ``efs-replication`` steps on Step Functions: the planned failover's write fence (the
policy rebuilt at run time, every statement kept), its wait for a sync after the fence took
effect, and the failback (replicate home, wait, stop, lift the fence, replicate to DR again),
run in the sandbox's interpreter and read back from AWS."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from drctl.engine.settings import default_settings
from drctl.kinds.efs_replication.declarative import FENCE_SID_EXPRESSION, POLICY_NOT_FOUND
from drctl.kinds.efs_replication.fence import FENCE_SETTLE_SECONDS, fenced_at
from tests.export import sfn_support
from tests.kinds.test_efs_replication import DR, HOME, NAME, PLAN
from tests.support import run_action

OWN_STATEMENTS = [
    {
        "Sid": "TlsOnly",
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "*",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    },
    {
        "Effect": "Allow",  # no Sid: IAM does not require one
        "Principal": {"AWS": "*"},
        "Action": ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
    },
]
# IAM lets Statement be a list or one statement.
POLICIES = {
    "listed": {"Version": "2012-10-17", "Id": "orders-own", "Statement": OWN_STATEMENTS},
    "single": {"Version": "2012-10-17", "Statement": OWN_STATEMENTS[0]},
}


def _efs(region: str) -> Any:
    return boto3.client("efs", region_name=region)


def _ids() -> tuple[str, str]:
    [home] = [f for f in _efs(HOME).describe_file_systems()["FileSystems"] if f["Name"] == NAME]
    [copy] = _efs(DR).describe_file_systems()["FileSystems"]
    return str(home["FileSystemId"]), str(copy["FileSystemId"])


def _policy(fs_id: str) -> dict[str, Any] | None:
    try:
        return dict(
            json.loads(_efs(HOME).describe_file_system_policy(FileSystemId=fs_id)["Policy"])
        )
    except _efs(HOME).exceptions.PolicyNotFound:
        return None


def _links(region: str, fs_id: str) -> list[dict[str, Any]]:
    try:
        found = _efs(region).describe_replication_configurations(FileSystemId=fs_id)
    except _efs(region).exceptions.ReplicationNotFound:
        return []
    return list(found["Replications"])


def _states(document: dict[str, Any]) -> dict[str, Any]:
    """Every state of the definition, those inside Parallel branches included."""
    found: dict[str, Any] = {}
    for name, state in document["States"].items():
        found[name] = state
        for branch in state.get("Branches", []):
            found.update(_states(branch))
    return found


def _calls(execution: sfn_support.Execution) -> list[str]:
    return [n for n in execution.entered if ": call " in n]


@pytest.fixture
def plan_path(tmp_path: Path) -> Path:
    path = tmp_path / "plan.yaml"
    path.write_text(PLAN)
    return path


def test_the_definition_builds_the_fence_at_run_time_and_waits_for_it_to_settle(
    plan_path: Path,
) -> None:
    with sfn_support.sandbox(plan_path) as loaded:
        document = sfn_support.export(loaded, mode="planned")
    states = _states(document)
    fence = "shared-files.fence-writes"
    build = states[f"{fence}: compute 1"]
    assert build["Type"] == "Pass"
    assert build["Parameters"]["deny"]["Sid.$"] == FENCE_SID_EXPRESSION
    assert "$$.State.EnteredTime" in FENCE_SID_EXPRESSION
    assert build["Parameters"]["doc.$"] == "States.StringToJson($.lookup.Policy)"
    for probe in ("lookup", "precheck", "verify"):
        [catch, *_] = states[f"{fence}: {probe}"]["Catch"]
        assert catch["ErrorEquals"] == [POLICY_NOT_FOUND]
    # No policy is the default one: the lookup reads the stand-in for it, and no escaped
    # brace is needed anywhere (the policy is built as JSON, then written as text).
    default = json.loads(states[f"{fence}: lookup missing"]["Result"]["Policy"])
    assert [s["Sid"] for s in default["Statement"]] == ["DrctlDefaultAccess"]
    assert "\\{" not in json.dumps(document)
    put = states[f"{fence}: call 1"]["Parameters"]["Payload"]
    assert (put["Region"], put["Action"]) == (HOME, "putFileSystemPolicy")
    assert put["Parameters"]["Policy.$"] == "$.fenced.text"
    sync = "shared-files.await-sync"
    settle = states[f"{sync}: start verify"]
    assert settle == {
        "Type": "Wait",
        "Seconds": int(FENCE_SETTLE_SECONDS),
        "Next": f"{sync}: settled",
    }
    rule = json.dumps(states[f"{sync}: verified?"]["Choices"][0])
    assert '"TimestampGreaterThanPath": "$.polls.since"' in rule


@pytest.mark.parametrize("shape", sorted(POLICIES))
def test_failover_and_failback_on_step_functions_keep_the_policy(
    plan_path: Path, shape: str
) -> None:
    before = POLICIES[shape]
    with sfn_support.sandbox(plan_path) as loaded:
        primary, copy = _ids()
        _efs(HOME).put_file_system_policy(FileSystemId=primary, Policy=json.dumps(before))
        first = sfn_support.run_approving(loaded, mode="planned", name="over-1")
        assert first.status == "SUCCEEDED", first.error
        fenced = _policy(primary)
        assert fenced is not None
        *kept, deny = fenced["Statement"]
        listed = before["Statement"]
        assert kept == (listed if isinstance(listed, list) else [listed])
        assert fenced.get("Id") == before.get("Id")
        assert deny["Effect"] == "Deny" and deny["Action"] == ["elasticfilesystem:ClientWrite"]
        assert deny["Resource"].endswith(f"file-system/{primary}")
        at = fenced_at(json.dumps(fenced))  # the CLI reads the execution's fence
        assert at is not None
        assert _links(DR, copy) == [] and _links(HOME, primary) == []
        # The sync the stop recorded: after the fence plus the time a policy takes.
        [tagged] = _efs(DR).describe_file_systems(FileSystemId=copy)["FileSystems"]
        assert tagged["FileSystemProtection"]["ReplicationOverwriteProtection"] == "ENABLED"
        settled = [e for e in first.history if "settled" in str(e.get("stateEnteredEventDetails"))]
        assert settled, "the wait settled first"
        second = sfn_support.run_approving(loaded, mode="planned", name="over-2")
        assert second.status == "SUCCEEDED", second.error
        assert _calls(second) == [] and _policy(primary) == fenced

        back = sfn_support.run_approving(loaded, mode="planned", name="back-1", action="failback")
        assert back.status == "SUCCEEDED", back.error
        # As the CLI restores it: one statement comes back as a list of one (the same policy).
        restored = {**before, "Statement": kept}
        assert _policy(primary) == restored, "the policy before the failover"
        [link] = _links(DR, copy)
        assert (link["SourceFileSystemId"], link["Destinations"][0]["FileSystemId"]) == (
            primary,
            copy,
        )
        assert link["Destinations"][0]["Status"] == "ENABLED"
        again = sfn_support.run_approving(loaded, mode="planned", name="back-2", action="failback")
        assert again.status == "SUCCEEDED", again.error
        assert _calls(again) == [] and _policy(primary) == restored


def test_the_wait_counts_only_a_sync_after_the_fence_settled(plan_path: Path) -> None:
    """The sync the execution's wait accepted completed after the fence (its time read back
    from the policy's Sid) plus the time a policy takes to take effect."""
    with sfn_support.sandbox(plan_path) as loaded:
        primary, _ = _ids()
        execution = sfn_support.run_approving(loaded, mode="planned", name="over-1")
        assert execution.status == "SUCCEEDED", execution.error
        at = fenced_at(json.dumps(_policy(primary)))
        assert at is not None
    answers = [
        json.loads(e["stateExitedEventDetails"]["output"])["probe"]
        for e in execution.history
        if e["type"] == "TaskStateExited"
        and e["stateExitedEventDetails"]["name"] == "shared-files.await-sync: verify"
    ]
    assert answers
    [link] = answers[-1]["Replications"]  # the answer the wait ended on
    last = datetime.fromisoformat(link["Destinations"][0]["LastReplicatedTimestamp"])
    assert last > at + timedelta(seconds=FENCE_SETTLE_SECONDS)
    # An earlier answer already had a sync after the fence, but not after it settled.
    assert (
        any(
            at
            < datetime.fromisoformat(
                a["Replications"][0]["Destinations"][0]["LastReplicatedTimestamp"]
            )
            <= at + timedelta(seconds=FENCE_SETTLE_SECONDS)
            for a in answers[:-1]
        )
        or len(answers) == 1
    )


def test_the_lift_refuses_a_policy_changed_since_the_export(plan_path: Path) -> None:
    """The policy without the fence is computed when the failback is exported: an execution
    that finds another policy fails, and writes nothing."""
    with sfn_support.sandbox(plan_path) as loaded:
        primary, _ = _ids()
        settings = default_settings(state_dir=plan_path.parent / "state")
        record = run_action(loaded, settings, "failover", mode="planned")
        assert record.status == "succeeded"
        document = sfn_support.export(loaded, action="failback", mode="planned")
        fenced = _policy(primary)
        assert fenced is not None
        changed = {**fenced, "Statement": [*fenced["Statement"], OWN_STATEMENTS[0]]}
        _efs(HOME).put_file_system_policy(FileSystemId=primary, Policy=json.dumps(changed))
        arn = sfn_support.machine(document, DR, name="drctl-failback")
        execution = sfn_support.follow(
            sfn_support.start(arn, DR, "back-1", {"rpo_gate": {"ok": True}}), DR
        )
        assert execution.status == "FAILED"
        lift = "shared-files.lift-fence"
        assert f"{lift}: compute 1" in execution.entered  # the guard's Fail state
        assert f"{lift}: call 1" not in execution.entered
        said = json.dumps(execution.history, default=str)
        assert "not the one read when the failback was exported" in said
        assert _policy(primary) == changed


def test_the_export_says_why_a_step_has_no_form_when_aws_cannot_tell(tmp_path: Path) -> None:
    """The ids and the policy are read when exporting: a file system that is not there
    leaves the steps without a form, and the export says what could not be read."""
    from drctl.errors import DrctlError
    from drctl.plan.loader import load_plan

    built = tmp_path / "plan.yaml"
    built.write_text(PLAN)
    missing = tmp_path / "missing.yaml"
    missing.write_text(PLAN.replace(f"file_system: {NAME}", "file_system: no-such-files"))
    with sfn_support.sandbox(built), pytest.raises(DrctlError) as caught:
        sfn_support.export(load_plan(str(missing)), mode="planned")
    assert caught.value.exit_code == 2
    message = caught.value.message
    assert "shared-files.fence-writes" in message and "shared-files.await-sync" in message
    assert "cannot be read now: no EFS file system named 'no-such-files'" in message
