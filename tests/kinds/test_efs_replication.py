"""`efs-replication`: readiness on a fresh sandbox and on broken replication; a planned
failover fences writes on the primary (a file system policy denying ClientWrite), waits for a
sync after the fence took effect and deletes the replication (the DR copy writeable); an
unplanned one (primary Region out) places no fence, deletes DR's record alone and says what
was lost; failback brings DR's data home, lifts the fence (the policy before it, or none) and
replicates home to DR again, every rerun a no-op, twice over."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from drctl.engine.settings import make_context
from drctl.kinds.efs_replication import moto_efs_replication as ext
from drctl.kinds.efs_replication.fence import (
    FENCE_SETTLE_SECONDS,
    fenced_at,
    with_fence,
    without_fence,
)
from drctl.kinds.registry import registry
from drctl.kinds.sandboxing import aws_time
from drctl.plan.loader import load_plan_text
from drctl.sandbox.builders import SandboxBuilder
from drctl.sandbox.outages import outages
from tests.support import collect_checks, failover_graph, invoke, run_action

HOME, DR = "us-east-1", "us-west-2"
NAME = "orders-shared"
PLAN = f"""
version: 1
app: orders
tier: silver
strategy: warm-standby
objectives: {{rto: 4h, rpo: 15m}}
regions: {{primary: {HOME}, dr: {DR}}}
resources:
  - {{kind: efs-replication, name: shared-files, file_system: {NAME}}}
"""


@pytest.fixture(autouse=True)
def no_outage_left() -> Iterator[None]:
    yield
    outages.clear()


@pytest.fixture
def loaded(aws: None, settings: Any) -> Any:
    aws_time.follow(settings.clock.now)  # replication moves as the run's fake clock sleeps
    loaded = load_plan_text(PLAN)
    ctx = make_context(loaded.plan, settings)
    SandboxBuilder(loaded.plan, ctx.sessions, settings.clock).build()
    return loaded


def _efs(region: str) -> Any:
    return boto3.client("efs", region_name=region)


def _primary() -> str:
    [fs] = [f for f in _efs(HOME).describe_file_systems()["FileSystems"] if f["Name"] == NAME]
    return str(fs["FileSystemId"])


def _copy() -> str:
    [fs] = _efs(DR).describe_file_systems()["FileSystems"]
    return str(fs["FileSystemId"])


def _guard(region: str, fs_id: str) -> str:
    fs = _efs(region).describe_file_systems(FileSystemId=fs_id)["FileSystems"][0]
    return str(fs["FileSystemProtection"]["ReplicationOverwriteProtection"])


def _links(region: str, fs_id: str) -> list[dict[str, Any]]:
    try:
        return list(
            _efs(region).describe_replication_configurations(FileSystemId=fs_id)["Replications"]
        )
    except _efs(region).exceptions.ReplicationNotFound:
        return []


# The file system's own policy in the second cycle: encryption in transit for every client.
OWN_POLICY = {
    "Version": "2012-10-17",
    "Id": "orders-own",
    "Statement": [
        {
            "Sid": "TlsOnly",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
        {
            "Sid": "MountAndWrite",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
        },
    ],
}


def _policy(fs_id: str) -> dict[str, Any] | None:
    """The home file system's policy read back, or None (PolicyNotFound: the default)."""
    try:
        text = _efs(HOME).describe_file_system_policy(FileSystemId=fs_id)["Policy"]
    except _efs(HOME).exceptions.PolicyNotFound:
        return None
    return dict(json.loads(text))


def _fences(policy: dict[str, Any] | None) -> list[dict[str, Any]]:
    return [
        s
        for s in (policy or {}).get("Statement", [])
        if str(s.get("Sid", "")).startswith("DrctlWriteFence")
    ]


def _checks(loaded: Any, settings: Any, mode: str = "planned") -> dict[str, Any]:
    ctx = make_context(loaded.plan, settings, mode=mode)
    return {c.name: c.run() for c in collect_checks(loaded.plan, ctx)}


def _statuses(record: Any) -> dict[str, str]:
    return {s.id: s.status for s in record.steps}


def _home_replicates_to_dr() -> None:
    """The original topology: home -> DR ENABLED, recorded in both Regions, DR read-only."""
    primary, copy = _primary(), _copy()
    for region, fs_id in ((HOME, primary), (DR, copy)):
        [link] = _links(region, fs_id)
        assert (link["SourceFileSystemId"], link["SourceFileSystemRegion"]) == (primary, HOME)
        [dest] = link["Destinations"]
        assert (dest["FileSystemId"], dest["Region"], dest["Status"]) == (copy, DR, "ENABLED")
        assert "LastReplicatedTimestamp" in dest
    assert _guard(DR, copy) == "REPLICATING"
    assert _guard(HOME, primary) == "ENABLED"


def test_checks_pass_on_the_replicated_file_system(loaded: Any, settings: Any) -> None:
    results = _checks(loaded, settings)
    assert {n: r.status.value for n, r in results.items()} == {
        "replication": "pass",
        "replication-status": "pass",
        "replication-lag": "pass",
        "encryption": "pass",
        "dr-mount-targets": "pass",
        "backup-policy": "pass",
    }
    assert results["replication-lag"].observed <= ext.SYNC_SECONDS
    assert "2 mount target(s)" in results["dr-mount-targets"].detail
    assert "ENABLED on" in results["backup-policy"].detail
    assert "DISABLED on" in results["backup-policy"].detail  # noted: the copy has none
    _home_replicates_to_dr()


def test_checks_fail_without_replication_and_on_a_stale_sync(loaded: Any, settings: Any) -> None:
    outages.add(HOME)  # syncs stop while the source's Region is out
    settings.clock.advance(20 * 60)
    outages.clear(HOME)  # ended, kept in the history
    lag = _checks(loaded, settings)["replication-lag"]
    assert lag.status.value == "fail" and "over the RPO" in lag.detail
    _efs(HOME).delete_replication_configuration(SourceFileSystemId=_primary())
    settings.clock.advance(ext.DELETING_SECONDS)
    results = _checks(loaded, settings)
    assert results["replication"].status.value == "fail"
    assert "create-replication-configuration" in results["replication"].detail
    assert results["replication-lag"].status.value == "fail"
    assert "unknown" in results["replication-lag"].detail


def test_check_fails_without_dr_mount_targets(loaded: Any, settings: Any) -> None:
    for mt in _efs(DR).describe_mount_targets(FileSystemId=_copy())["MountTargets"]:
        _efs(DR).delete_mount_target(MountTargetId=mt["MountTargetId"])
    result = _checks(loaded, settings)["dr-mount-targets"]
    assert result.status.value == "fail" and "create-mount-target" in result.detail


def test_lag_fails_closed_when_never_synced(loaded: Any, settings: Any) -> None:
    primary = _primary()
    _efs(HOME).delete_replication_configuration(SourceFileSystemId=primary)
    settings.clock.advance(ext.DELETING_SECONDS)
    _efs(DR).update_file_system_protection(
        FileSystemId=_copy(), ReplicationOverwriteProtection="DISABLED"
    )
    _efs(HOME).create_replication_configuration(
        SourceFileSystemId=primary, Destinations=[{"Region": DR, "FileSystemId": _copy()}]
    )
    ctx = make_context(loaded.plan, settings)
    reading = registry().get("efs-replication").lag(loaded.plan.resources[0], ctx)  # type: ignore[misc]
    assert reading.seconds is None and reading.fail_closed
    assert "never synced" in reading.detail
    settings.clock.advance(ext.ENABLING_SECONDS + ext.SYNC_SECONDS)
    reading = registry().get("efs-replication").lag(loaded.plan.resources[0], ctx)  # type: ignore[misc]
    assert reading.seconds is not None and reading.seconds < ext.SYNC_SECONDS


def test_planned_failover_fences_waits_for_a_later_sync_and_fails_back_twice(
    loaded: Any, settings: Any
) -> None:
    """Cycle 1: no policy before (the default); cycle 2: the file system's own policy. The
    fence is read back from AWS, the sync counted is later than it, and the failback leaves
    the policy as it was."""
    primary, copy = _primary(), _copy()
    for cycle in (1, 2):
        before = None if cycle == 1 else OWN_POLICY
        if before is not None:
            _efs(HOME).put_file_system_policy(FileSystemId=primary, Policy=json.dumps(before))
        assert _policy(primary) == before
        started = settings.clock.now()
        record = run_action(loaded, settings, "failover")
        assert record.status == "succeeded", [(s.id, s.detail) for s in record.steps]
        assert _statuses(record) == {
            "shared-files.fence-writes": "succeeded",
            "shared-files.await-sync": "succeeded",
            "shared-files.stop-replication": "succeeded",
        }
        fence, synced, stop = record.steps
        assert [(c["operation"], c["region"]) for c in fence.calls] == [
            ("PutFileSystemPolicy", HOME)
        ]
        fenced = _policy(primary)
        assert fenced is not None
        [deny] = _fences(fenced)
        assert deny["Effect"] == "Deny" and deny["Principal"] == {"AWS": "*"}
        assert deny["Action"] == ["elasticfilesystem:ClientWrite"]
        assert deny["Resource"].endswith(f"file-system/{primary}")
        kept = [s for s in fenced["Statement"] if s is not deny]
        if before is None:  # the default policy's stand-in: read access, no write
            [standin] = kept
            assert standin["Sid"] == "DrctlDefaultAccess" and standin["Effect"] == "Allow"
            assert "elasticfilesystem:ClientWrite" not in standin["Action"]
        else:
            assert kept == before["Statement"] and fenced["Id"] == before["Id"]
        at = fenced_at(json.dumps(fenced))
        assert at is not None and started <= at <= settings.clock.now()
        assert fence.data["previous_policy"] == (json.dumps(before) if before else None)
        assert [c["operation"] for c in stop.calls] == [
            "TagResource",
            "DeleteReplicationConfiguration",
        ]
        last = datetime.fromisoformat(stop.data["last_replicated"].replace("Z", "+00:00"))
        assert last > at + timedelta(seconds=FENCE_SETTLE_SECONDS), (
            "the sync counted completed after the fence took effect"
        )
        assert str(synced.started_at) >= str(fence.finished_at), "the wait began after it"
        assert _links(DR, copy) == [] and _links(HOME, primary) == []
        assert _guard(DR, copy) == "ENABLED", "the DR copy is writeable"
        assert _fences(_policy(primary)), "home stays fenced while DR serves"

        rerun = run_action(loaded, settings, "failover")
        assert set(_statuses(rerun).values()) == {"skipped"}
        assert len(_fences(_policy(primary))) == 1

        back = run_action(loaded, settings, "failback", from_run=record.run_id)
        assert back.status == "succeeded", [(s.id, s.detail) for s in back.steps]
        assert _statuses(back) == {
            "shared-files.clear-stale-home": "skipped",
            "shared-files.replicate-home": "succeeded",
            "shared-files.await-sync-home": "succeeded",
            "shared-files.stop-replication-home": "succeeded",
            "shared-files.lift-fence": "succeeded",
            "shared-files.replicate-dr": "succeeded",
        }
        steps = {s.action: s for s in back.steps}
        lift = steps["lift-fence"]
        assert str(lift.started_at) >= str(steps["stop-replication-home"].finished_at), (
            "lifted once home is the source again, not while it was a destination"
        )
        assert [c["operation"] for c in lift.calls] == (
            ["DeleteFileSystemPolicy"] if before is None else ["PutFileSystemPolicy"]
        )
        assert _policy(primary) == before, "the policy before the failover, exactly"
        home = next(s for s in back.steps if s.action == "replicate-home")
        assert [c["operation"] for c in home.calls] == [
            "UpdateFileSystemProtection",
            "CreateReplicationConfiguration",
        ]
        assert home.duration_seconds is not None
        assert home.duration_seconds >= ext.ENABLING_SECONDS + ext.SYNC_SECONDS
        _home_replicates_to_dr()
        assert (_primary(), _copy()) == (primary, copy), "the same two file systems"
        [link] = _links(DR, copy)
        assert link["OriginalSourceFileSystemArn"].endswith(primary)

        again = run_action(loaded, settings, "failback", from_run=record.run_id)
        assert set(_statuses(again).values()) == {"skipped"}
        assert all(s.calls == [] for s in again.steps)
        assert _policy(primary) == before
        assert _checks(loaded, settings)["replication"].status.value == "pass"


def test_a_rerun_after_a_crash_past_the_fence_keeps_one_fence_and_the_old_policy(
    loaded: Any, settings: Any
) -> None:
    """The fence was placed, then the run died before journaling it: the rerun finds the
    fence in AWS, places none again (the policy kept inside it is not overwritten with the
    fenced one), waits from the first fence's time; the failback restores the policy."""
    primary = _primary()
    _efs(HOME).put_file_system_policy(FileSystemId=primary, Policy=json.dumps(OWN_POLICY))
    ctx = make_context(loaded.plan, settings)
    fence = failover_graph(loaded.plan, ctx).steps[0]
    assert fence.action == "fence-writes"
    fence.run()  # the crash: placed, never recorded
    first = _policy(primary)
    first_at = fenced_at(json.dumps(first))
    settings.clock.advance(120)
    record = run_action(loaded, settings, "failover")
    assert record.status == "succeeded", [(s.id, s.detail) for s in record.steps]
    assert _statuses(record)["shared-files.fence-writes"] == "skipped"
    assert _policy(primary) == first and len(_fences(first)) == 1
    stop = record.steps[-1]
    last = datetime.fromisoformat(stop.data["last_replicated"].replace("Z", "+00:00"))
    assert first_at is not None and last > first_at + timedelta(seconds=FENCE_SETTLE_SECONDS)
    back = run_action(loaded, settings, "failback", from_run=record.run_id)
    assert back.status == "succeeded", [(s.id, s.detail) for s in back.steps]
    assert _policy(primary) == OWN_POLICY


def test_the_fence_round_trip_and_its_limit() -> None:
    """Pure policy arithmetic: a policy (a lone statement too) comes back statement for
    statement, none comes back as none, and a fence that would pass EFS's 20,000 characters
    is refused before any call, naming the limit."""
    from drctl.errors import AwsError

    arn = "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-0123456789abcdef0"
    at = datetime(2026, 11, 30, 12, 0, 5, tzinfo=UTC)
    assert without_fence(with_fence(None, arn, at)) is None
    assert fenced_at(with_fence(None, arn, at)) == at
    own = json.dumps(OWN_POLICY)
    assert json.loads(str(without_fence(with_fence(own, arn, at)))) == OWN_POLICY
    lone = {"Version": "2012-10-17", "Statement": OWN_POLICY["Statement"][0]}
    back = json.loads(str(without_fence(with_fence(json.dumps(lone), arn, at))))
    assert back["Statement"] == [lone["Statement"]]
    big = {"Statement": [{**OWN_POLICY["Statement"][0], "Sid": f"S{i}"} for i in range(200)]}
    with pytest.raises(AwsError) as caught:
        with_fence(json.dumps(big), arn, at)
    assert "20000" in caught.value.message


def test_dry_run_shows_the_fence_call_and_places_none(loaded: Any, tmp_path: Any) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(PLAN)
    state = str(tmp_path / "dry")
    result = invoke("-o", "json", "--state-dir", state, "failover", "--plan", str(path),
                    "--dry-run")  # fmt: skip
    assert result.exit_code == 0, result.output
    steps = json.loads(result.stdout)["steps"]
    assert [s["action"] for s in steps] == ["fence-writes", "await-sync", "stop-replication"]
    assert any("aws efs put-file-system-policy" in line for line in steps[0]["cli"])
    assert "elasticfilesystem:ClientWrite" in " ".join(steps[0]["cli"])
    assert _policy(_primary()) is None, "nothing was fenced"
    _home_replicates_to_dr()


def test_unplanned_failover_calls_dr_only_and_says_what_was_lost_then_back_twice(
    loaded: Any, settings: Any
) -> None:
    primary, copy = _primary(), _copy()
    for _cycle in (1, 2):
        outages.add(HOME)
        settings.clock.advance(10 * 60)  # the outage lasts: no sync reaches DR
        record = run_action(loaded, settings, "failover", mode="unplanned")
        assert record.status == "succeeded", [(s.id, s.detail) for s in record.steps]
        assert _statuses(record) == {"shared-files.stop-replication": "succeeded"}
        [step] = record.steps
        assert [c["operation"] for c in step.calls] == [
            "TagResource",
            "DeleteReplicationConfiguration",
        ]
        assert {c["region"] for c in step.calls} == {DR}
        assert "deleted in us-west-2 only" in step.detail  # LOCAL_CONFIGURATION_ONLY
        assert not outages.refused(), "the failover never calls the Region that is down"
        assert (step.data["data_loss_seconds"] or 0) >= 10 * 60, (_cycle, step.detail, step.data)
        assert "is not in us-west-2" in step.detail
        assert "no write fence was placed" in step.detail
        assert step.data["write_fence"] == "not placed"
        assert _guard(DR, copy) == "ENABLED" and _links(DR, copy) == []

        rerun = run_action(loaded, settings, "failover", mode="unplanned")
        assert set(_statuses(rerun).values()) == {"skipped"}
        assert not outages.refused()
        outages.clear(HOME)
        assert _policy(primary) is None, "the home file system was never fenced"
        [stale] = _links(HOME, primary)  # home's half, left behind
        assert stale["Destinations"][0]["Status"] == "ERROR"

        back = run_action(loaded, settings, "failback", from_run=record.run_id)
        assert back.status == "succeeded", [(s.id, s.detail) for s in back.steps]
        assert {k: v for k, v in _statuses(back).items() if v != "succeeded"} == {
            "shared-files.lift-fence": "skipped"  # no fence to lift
        }
        assert _policy(primary) is None
        _home_replicates_to_dr()

        again = run_action(loaded, settings, "failback", from_run=record.run_id)
        assert set(_statuses(again).values()) == {"skipped"}


def test_failback_finds_the_copy_by_its_tag_without_the_failover_run(
    loaded: Any, settings: Any
) -> None:
    record = run_action(loaded, settings, "failover")
    assert record.status == "succeeded"
    tags = _efs(DR).describe_file_systems(FileSystemId=_copy())["FileSystems"][0]["Tags"]
    assert {"Key": "drctl-replica-of", "Value": _primary()} in tags
    back = run_action(loaded, settings, "failback")  # no from_run: nothing recorded
    assert back.status == "succeeded", [(s.id, s.detail) for s in back.steps]
    _home_replicates_to_dr()


def test_a_bad_file_system_reference_is_reported_with_its_position(tmp_path: Any) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(PLAN.replace(f"file_system: {NAME}", "file_system: 'orders|shared'"))
    result = invoke("plan", "validate", str(path))
    assert result.exit_code == 2
    assert "plan.yaml:9:" in result.output and "file system id" in result.output


def _never_synced(settings: Any) -> None:
    """Home replicates to the DR copy anew: ENABLING, no sync yet."""
    primary, copy = _primary(), _copy()
    _efs(HOME).delete_replication_configuration(SourceFileSystemId=primary)
    settings.clock.advance(ext.DELETING_SECONDS)
    _efs(DR).update_file_system_protection(
        FileSystemId=copy, ReplicationOverwriteProtection="DISABLED"
    )
    _efs(HOME).create_replication_configuration(
        SourceFileSystemId=primary, Destinations=[{"Region": DR, "FileSystemId": copy}]
    )


def test_the_rpo_gate_refuses_a_planned_failover_when_never_synced(
    loaded: Any, settings: Any
) -> None:
    from drctl.errors import GateRefused

    _never_synced(settings)
    with pytest.raises(GateRefused) as caught:
        run_action(loaded, settings, "failover", accept_data_loss=False)
    assert "shared-files" in caught.value.message
    assert _guard(DR, _copy()) == "REPLICATING", "nothing was deleted"
    assert _links(DR, _copy())[0]["Destinations"][0]["Status"] == "ENABLING"


def test_a_plan_naming_both_file_systems_by_id(aws: None, settings: Any) -> None:
    aws_time.follow(settings.clock.now)
    primary, copy = "fs-0123456789abcdef0", "fs-0fedcba987654321f"
    plan = PLAN.replace(
        f"file_system: {NAME}}}", f"file_system: {primary}, dr_file_system: {copy}}}"
    )
    loaded = load_plan_text(plan)
    ctx = make_context(loaded.plan, settings)
    SandboxBuilder(loaded.plan, ctx.sessions, settings.clock).build()
    results = _checks(loaded, settings)
    assert {r.status.value for r in results.values()} == {"pass"}, results
    assert copy in results["replication"].detail
    outages.add(HOME)
    record = run_action(loaded, settings, "failover", mode="unplanned")
    assert record.status == "succeeded", [(s.id, s.detail) for s in record.steps]
    assert record.steps[0].data["dr_file_system"] == copy
    assert _guard(DR, copy) == "ENABLED"
    outages.clear(HOME)
    back = run_action(loaded, settings, "failback")
    assert back.status == "succeeded", [(s.id, s.detail) for s in back.steps]
    [link] = _links(HOME, primary)
    assert link["Destinations"][0]["FileSystemId"] == copy


def test_a_missing_file_system_fails_the_run_naming_it(loaded: Any, settings: Any) -> None:
    plan = load_plan_text(PLAN.replace(f"file_system: {NAME}", "file_system: no-such-files"))
    record = run_action(plan, settings, "failover")
    assert record.status == "failed"
    failed = [s for s in record.steps if s.status == "failed"]
    assert failed and "no EFS file system named 'no-such-files'" in (failed[0].detail or "")
    _home_replicates_to_dr()  # nothing changed


def test_the_unplanned_failover_runs_on_step_functions_from_dr_alone(tmp_path: Any) -> None:
    """The stop's declarative form: exported, run by Step Functions (in the sandbox) with the
    primary's Region out, it leaves what the CLI leaves; a second execution calls nothing.
    (The planned failover's forms: tests/export/test_efs_on_step_functions.py.)"""
    from tests.export import sfn_support

    path = tmp_path / "plan.yaml"
    path.write_text(PLAN)
    with sfn_support.sandbox(path) as loaded:
        primary, copy = _primary(), _copy()
        outages.add(HOME)
        first = sfn_support.run_approving(loaded, mode="unplanned", name="run-1")
        assert first.status == "SUCCEEDED", first.error
        assert _guard(DR, copy) == "ENABLED" and _links(DR, copy) == []
        tags = _efs(DR).describe_file_systems(FileSystemId=copy)["FileSystems"][0]["Tags"]
        assert {"Key": "drctl-replica-of", "Value": primary} in tags
        second = sfn_support.run_approving(loaded, mode="unplanned", name="run-2")
        assert second.status == "SUCCEEDED", second.error
        assert [n for n in second.entered if ": call " in n] == []
        assert not outages.refused()
        outages.clear(HOME)
        assert _links(HOME, primary)[0]["Destinations"][0]["Status"] == "ERROR"
