"""`secret`: readiness on a fresh sandbox and on broken replication or keys (a value on its way
to DR warns); a planned failover leaves replication in place and waits for a new value to reach
DR; an unplanned one (primary Region out) promotes the DR replica with what it had, saying so,
and failback brings the primary home with what DR wrote, every rerun a no-op, twice over."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from drctl.kinds.secret import moto_secret_replication
from drctl.sandbox.outages import outages
from tests.support import build_plan_text, run_action, run_checks, step_statuses

HOME, DR = "us-east-1", "us-west-2"
SECRET = "prod/orders/db"
PLAN = f"""
version: 1
app: orders
tier: silver
strategy: warm-standby
objectives: {{rto: 1h, rpo: 15m}}
regions: {{primary: {HOME}, dr: {DR}}}
resources:
  - {{kind: secret, name: db-credentials, secret: {SECRET}}}
"""


@pytest.fixture(autouse=True)
def no_outage_left() -> Iterator[None]:
    yield
    outages.clear()


@pytest.fixture
def loaded(aws: None, settings: Any) -> Any:
    return build_plan_text(PLAN, settings)  # replication moves as the run's fake clock sleeps


def _sm(region: str) -> Any:
    return boto3.client("secretsmanager", region_name=region)


def _describe(region: str) -> dict[str, Any]:
    return dict(_sm(region).describe_secret(SecretId=SECRET))


def _value(region: str) -> str:
    return str(_sm(region).get_secret_value(SecretId=SECRET)["SecretString"])


def _original_topology() -> None:
    """Primary at home replicating to DR InSync; DR a replica of home under its own key."""
    home = _describe(HOME)
    assert "PrimaryRegion" not in home
    [entry] = home["ReplicationStatus"]
    assert (entry["Region"], entry["Status"]) == (DR, "InSync")
    assert f":{DR}:" in entry["KmsKeyId"]
    assert _describe(DR)["PrimaryRegion"] == HOME


def test_checks_pass_on_the_replicated_secret(loaded: Any, settings: Any) -> None:
    results = run_checks(loaded, settings)
    assert {n: r.status.value for n, r in results.items()} == {
        "replication": "pass",
        "dr-replica": "pass",
        "dr-kms-key": "pass",
    }
    assert "multi-Region replica" in results["dr-kms-key"].detail
    _original_topology()


def test_a_new_replica_is_in_progress_until_its_first_copy(loaded: Any, settings: Any) -> None:
    _sm(HOME).create_secret(Name="other", SecretString="v", AddReplicaRegions=[{"Region": DR}])
    entry = _sm(HOME).describe_secret(SecretId="other")["ReplicationStatus"][0]
    assert entry["Status"] == "InProgress"
    settings.clock.advance(moto_secret_replication.REPLICATION_SECONDS)
    entry = _sm(HOME).describe_secret(SecretId="other")["ReplicationStatus"][0]
    assert entry["Status"] == "InSync"


def test_checks_fail_when_replication_is_removed(loaded: Any, settings: Any) -> None:
    _sm(HOME).remove_regions_from_replication(SecretId=SECRET, RemoveReplicaRegions=[DR])
    results = run_checks(loaded, settings)
    assert results["replication"].status.value == "fail"
    assert "replicate-secret-to-regions" in results["replication"].detail
    assert results["dr-replica"].status.value == "fail"
    assert "no secret" in results["dr-replica"].detail


def test_check_fails_on_a_dr_key_pending_deletion(loaded: Any, settings: Any) -> None:
    key = _describe(HOME)["ReplicationStatus"][0]["KmsKeyId"]
    kms = boto3.client("kms", region_name=DR)
    kms.schedule_key_deletion(KeyId=key.split("/")[-1], PendingWindowInDays=7)
    result = run_checks(loaded, settings)["dr-kms-key"]
    assert result.status.value == "fail" and "PendingDeletion" in result.detail


def test_check_fails_when_the_replica_is_not_under_the_primarys_multi_region_key(
    loaded: Any, settings: Any
) -> None:
    own = boto3.client("kms", region_name=DR).create_key()["KeyMetadata"]
    _sm(HOME).remove_regions_from_replication(SecretId=SECRET, RemoveReplicaRegions=[DR])
    _sm(HOME).replicate_secret_to_regions(
        SecretId=SECRET, AddReplicaRegions=[{"Region": DR, "KmsKeyId": own["Arn"]}]
    )
    settings.clock.advance(moto_secret_replication.REPLICATION_SECONDS)
    result = run_checks(loaded, settings)["dr-kms-key"]
    assert result.status.value == "fail"
    assert "not its replica" in result.detail and "replicate-key" in result.detail


def test_check_warns_while_a_new_value_is_on_its_way_to_dr(loaded: Any, settings: Any) -> None:
    settings.clock.advance(3600)
    _sm(HOME).put_secret_value(SecretId=SECRET, SecretString="v2")
    settings.clock.advance(5)
    result = run_checks(loaded, settings)["replication"]
    assert result.status.value == "warn", result.detail
    assert "InProgress" in result.detail and "last changed 5 s ago" in result.detail
    assert _describe(HOME)["ReplicationStatus"][0]["Status"] == "InProgress"
    settings.clock.advance(moto_secret_replication.VALUE_LAG_SECONDS)
    assert run_checks(loaded, settings)["replication"].status.value == "pass"
    assert _value(DR) == "v2"


def test_planned_failover_waits_for_a_new_value_to_reach_dr(loaded: Any, settings: Any) -> None:
    _sm(HOME).put_secret_value(SecretId=SECRET, SecretString="written just before")
    assert _value(DR) != "written just before", "not in DR yet"
    record = run_action(loaded, settings, "failover")
    assert record.status == "succeeded", [(s.id, s.detail) for s in record.steps]
    [step] = record.steps
    assert step.status == "succeeded" and step.calls == []
    assert step.duration_seconds is not None
    assert step.duration_seconds >= moto_secret_replication.VALUE_LAG_SECONDS
    assert _value(DR) == _value(HOME) == "written just before", "a planned move loses nothing"
    _original_topology()


def test_unplanned_failover_right_after_a_put_keeps_the_older_value_and_says_so(
    loaded: Any, settings: Any
) -> None:
    before = _sm(DR).get_secret_value(SecretId=SECRET)
    settings.clock.advance(600)
    _sm(HOME).put_secret_value(SecretId=SECRET, SecretString="written just before")
    settings.clock.advance(2)
    outages.add(HOME)
    record = run_action(loaded, settings, "failover", mode="unplanned")
    assert record.status == "succeeded", [(s.id, s.detail) for s in record.steps]
    [step] = record.steps
    assert not outages.refused(), "nothing was asked of the Region that is down"
    outages.clear()
    assert "PrimaryRegion" not in _describe(DR), "promoted"
    kept = _sm(DR).get_secret_value(SecretId=SECRET)
    assert (kept["VersionId"], kept["SecretString"]) == (
        before["VersionId"],
        before["SecretString"],
    ), "the write never reached DR: the promoted secret has the older value"
    assert _value(HOME) == "written just before"
    assert f"current version {before['VersionId']}" in step.detail
    assert "may not have reached" in step.detail and "s ago" in step.detail
    assert step.data["kept_version"] == before["VersionId"]
    assert step.data["kept_version_created"] == kept["CreatedDate"].isoformat()


def test_planned_failover_leaves_replication_in_place(loaded: Any, settings: Any) -> None:
    record = run_action(loaded, settings, "failover")
    assert record.status == "succeeded", [(s.id, s.detail) for s in record.steps]
    assert [s.id for s in record.steps] == ["db-credentials.replica-in-sync"]
    assert record.steps[0].calls == []
    _original_topology()  # nothing promoted: DR still follows home

    back = run_action(loaded, settings, "failback", from_run=record.run_id)
    assert back.status == "succeeded"
    assert set(step_statuses(back).values()) == {"skipped"}
    _original_topology()


def test_unplanned_failover_promotes_and_failback_brings_dr_writes_home_twice(
    loaded: Any, settings: Any
) -> None:
    for cycle in (1, 2):
        outages.add(HOME)
        record = run_action(loaded, settings, "failover", mode="unplanned")
        assert record.status == "succeeded", [(s.id, s.detail) for s in record.steps]
        assert step_statuses(record) == {"db-credentials.promote-dr": "succeeded"}
        assert [c["operation"] for c in record.steps[0].calls] == ["StopReplicationToReplica"]
        assert not outages.refused(), "the promotion never calls the Region that is down"
        outages.clear()
        promoted = _describe(DR)
        assert "PrimaryRegion" not in promoted and "ReplicationStatus" not in promoted
        assert f":{DR}:" in promoted["KmsKeyId"], "the promoted secret keeps the replica's key"
        assert "ReplicationStatus" not in _describe(HOME), "home no longer replicates to DR"

        rerun = run_action(loaded, settings, "failover", mode="unplanned")
        assert set(step_statuses(rerun).values()) == {"skipped"}

        _sm(DR).put_secret_value(SecretId=SECRET, SecretString=f"rotated in DR {cycle}")
        back = run_action(loaded, settings, "failback", from_run=record.run_id)
        assert back.status == "succeeded", [(s.id, s.detail) for s in back.steps]
        assert step_statuses(back) == {
            "db-credentials.replicate-home": "succeeded",
            "db-credentials.promote-home": "succeeded",
            "db-credentials.replicate-dr": "succeeded",
        }
        for step in back.steps:  # each new replica was InProgress first, as on AWS
            if step.action.startswith("replicate"):
                assert step.duration_seconds is not None
                assert step.duration_seconds >= moto_secret_replication.REPLICATION_SECONDS
        _original_topology()
        assert _value(HOME) == _value(DR) == f"rotated in DR {cycle}"
        assert f":{HOME}:" in _describe(HOME)["KmsKeyId"], "home keeps its own key"

        again = run_action(loaded, settings, "failback", from_run=record.run_id)
        assert set(step_statuses(again).values()) == {"skipped"}
        assert all(s.calls == [] for s in again.steps)
        assert run_checks(loaded, settings)["replication"].status.value == "pass"


def test_promoting_a_secret_that_is_not_a_replica_is_refused(loaded: Any) -> None:
    with pytest.raises(_sm(HOME).exceptions.InvalidRequestException):
        _sm(HOME).stop_replication_to_replica(SecretId=SECRET)


def test_a_bad_secret_name_is_reported_with_its_position(tmp_path: Any) -> None:
    from tests.support import invoke

    path = tmp_path / "plan.yaml"
    path.write_text(PLAN.replace(SECRET, "prod orders"))
    result = invoke("plan", "validate", str(path))
    assert result.exit_code == 2
    assert "plan.yaml:9:" in result.output and "not a valid secret name" in result.output


def test_dry_run_of_an_unplanned_failover_promotes_nothing(loaded: Any, tmp_path: Any) -> None:
    import json

    from tests.support import invoke

    path = tmp_path / "plan.yaml"
    path.write_text(PLAN)
    result = invoke("-o", "json", "--state-dir", str(tmp_path / "dry"), "failover", "--plan",
                    str(path), "--mode", "unplanned", "--dry-run")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert [s["action"] for s in json.loads(result.stdout)["steps"]] == ["promote-dr"]
    assert _describe(DR)["PrimaryRegion"] == HOME, "still a replica"
