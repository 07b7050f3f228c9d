"""`dynamodb-table`: checks on a fresh global table and on broken ones (REGION_DISABLED,
missing replica); the failover probe proves the DR replica writable with its own key and leaves
nothing behind; failback refuses a home replica that left the group and waits for one being
re-added; the RPO gate reads ReplicationLatency; the replication drill times a canary across
regions and measures the replication delay."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from drctl.engine.settings import make_context
from drctl.kinds.dynamodb_table import api, moto_replicas
from drctl.sandbox.outages import outages
from tests.support import build_plan_text, collect_checks, rpo_gate, run_action, run_checks

PLAN = """
version: 1
app: saas
tier: platinum
strategy: active-active
regions: {primary: us-east-1, dr: eu-west-1}
resources:
  - {kind: dynamodb-table, name: sessions, table: saas-sessions}
drills:
  - {name: sessions-replication, type: replication, resource: sessions, timeout: 10s}
"""


@pytest.fixture
def loaded(aws: None, settings: Any) -> Iterator[Any]:
    yield build_plan_text(PLAN, settings)  # replication and replica states follow the run's clock
    outages.clear()


def _items(region: str) -> list[Any]:
    ddb = boto3.client("dynamodb", region_name=region)
    return list(ddb.scan(TableName="saas-sessions")["Items"])


def test_checks_pass_on_the_global_table(loaded: Any, settings: Any) -> None:
    results = run_checks(loaded, settings)
    assert {n: r.status.value for n, r in results.items()} == {
        "global-table": "pass",
        "dr-table": "pass",
        "pitr": "pass",
        "replication-latency": "pass",
    }
    assert results["replication-latency"].observed == 0.8


def _check(loaded: Any, settings: Any, name: str) -> Any:
    ctx = make_context(loaded.plan, settings)
    [check] = [c for c in collect_checks(loaded.plan, ctx) if c.name == name]
    return check.run()


def _replicas(region: str) -> list[tuple[str, str]]:
    table = boto3.client("dynamodb", region_name=region).describe_table(TableName="saas-sessions")
    return [(r["RegionName"], r["ReplicaStatus"]) for r in table["Table"].get("Replicas", [])]


def test_check_fails_on_a_region_disabled_replica_and_says_what_it_means(
    loaded: Any, settings: Any
) -> None:
    outages.add("dynamodb@eu-west-1")
    result = _check(loaded, settings, "global-table")
    assert result.status.value == "fail"
    assert "replica in eu-west-1 is REGION_DISABLED since 2026-01-01T00:00:00.000Z" in result.detail
    assert "writes are not replicating" in result.detail and "20 hours" in result.detail


def test_check_fails_on_a_missing_replica_with_the_command_to_add_it(
    loaded: Any, settings: Any
) -> None:
    boto3.client("dynamodb", region_name="us-east-1").update_table(
        TableName="saas-sessions", ReplicaUpdates=[{"Delete": {"RegionName": "eu-west-1"}}]
    )
    deleting = _check(loaded, settings, "global-table")
    assert deleting.status.value == "fail" and "DELETING" in deleting.detail
    settings.clock.advance(moto_replicas.DELETE_SECONDS)
    missing = _check(loaded, settings, "global-table")
    assert missing.status.value == "fail"
    assert "has no replica in eu-west-1: nothing written in us-east-1 reaches" in missing.detail
    assert (
        "aws dynamodb update-table --table-name saas-sessions --replica-updates "
        """'[{"Create":{"RegionName":"eu-west-1"}}]' --region us-east-1"""
    ) in missing.detail


def test_checks_fail_without_pitr_or_replica(loaded: Any, settings: Any) -> None:
    boto3.client("dynamodb", region_name="eu-west-1").update_continuous_backups(
        TableName="saas-sessions",
        PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False},
    )
    pitr = run_checks(loaded, settings)["pitr"]
    assert pitr.status.value == "fail" and "eu-west-1" in pitr.detail
    boto3.client("dynamodb", region_name="us-east-1").update_table(
        TableName="saas-sessions", ReplicaUpdates=[{"Delete": {"RegionName": "eu-west-1"}}]
    )
    results = run_checks(loaded, settings)
    assert results["global-table"].status.value == "fail"
    assert results["dr-table"].status.value == "fail"


def test_failover_probe_writes_reads_and_cleans_up(loaded: Any, settings: Any) -> None:
    record = run_action(loaded, settings, "failover")
    assert record.status == "succeeded", [(s.id, s.detail) for s in record.steps]
    [step] = record.steps
    assert step.id == "sessions.probe-dr" and "took a write" in step.detail
    assert f"probe item drctl-probe#{record.run_id}, removed" in step.detail
    assert step.data == {"probe": f"drctl-probe#{record.run_id}"}
    assert _items("eu-west-1") == [] and _items("us-east-1") == []
    settings.clock.advance(5)  # the probe's put and delete replicate home, in order
    assert moto_replicas.pending_writes("saas-sessions") == 0
    assert _items("us-east-1") == [] and _items("eu-west-1") == []


def test_probe_key_honours_the_key_schema() -> None:
    key = api.probe_key([("tenant", "N"), ("id", "S"), ("blob", "B")], "r-1")
    assert key["id"] == {"S": "drctl-probe#r-1"}
    assert key["blob"] == {"B": b"drctl-probe#r-1"}
    assert int(key["tenant"]["N"]) < 0
    assert api.probe_key([("id", "S")], "r-1") != api.canary_key([("id", "S")], "r-1")


def _home_leaves_the_group(settings: Any) -> None:
    """us-east-1 out for 20 hours (the replica is removed), then back with its stale table."""
    outages.add("us-east-1")
    settings.clock.advance(moto_replicas.REMOVAL_SECONDS)
    assert _replicas("eu-west-1") == []
    outages.clear()


def test_failback_refuses_a_home_replica_that_left_the_group(loaded: Any, settings: Any) -> None:
    _home_leaves_the_group(settings)
    record = run_action(loaded, settings, "failback")
    assert record.status == "failed"
    steps = {s.id: s for s in record.steps}
    refused = steps["sessions.await-home-replica"]
    assert refused.status == "failed"
    assert "no longer a replica of the global table" in refused.detail
    assert (
        "aws dynamodb delete-table --table-name saas-sessions --region us-east-1 && "
        "aws dynamodb update-table --table-name saas-sessions --replica-updates "
        """'[{"Create":{"RegionName":"us-east-1"}}]' --region eu-west-1"""
    ) in refused.detail
    assert steps["sessions.probe-home"].status != "succeeded"


def test_failback_waits_for_a_readded_home_replica(loaded: Any, settings: Any) -> None:
    _home_leaves_the_group(settings)
    boto3.client("dynamodb", region_name="us-east-1").delete_table(TableName="saas-sessions")
    boto3.client("dynamodb", region_name="eu-west-1").update_table(
        TableName="saas-sessions", ReplicaUpdates=[{"Create": {"RegionName": "us-east-1"}}]
    )
    assert _replicas("eu-west-1") == [("us-east-1", "CREATING")]
    started = settings.clock.monotonic()
    record = run_action(loaded, settings, "failback")
    assert record.status == "succeeded", [(s.id, s.detail) for s in record.steps]
    assert [s.id for s in record.steps] == ["sessions.await-home-replica", "sessions.probe-home"]
    assert "CREATING" in record.steps[0].detail
    assert settings.clock.monotonic() - started >= moto_replicas.CREATE_SECONDS
    assert _replicas("eu-west-1") == [("us-east-1", "ACTIVE")]


def test_failback_on_a_healthy_table_probes_home(loaded: Any, settings: Any) -> None:
    record = run_action(loaded, settings, "failback")
    assert record.status == "succeeded", [(s.id, s.detail) for s in record.steps]
    steps = {s.id: s for s in record.steps}
    assert steps["sessions.await-home-replica"].status == "skipped"
    assert "took a write" in steps["sessions.probe-home"].detail


def test_rpo_gate_reads_replication_latency(loaded: Any, settings: Any) -> None:
    [reading] = rpo_gate(loaded.plan, make_context(loaded.plan, settings)).readings
    assert reading.resource == "sessions" and reading.seconds == 0.8


def test_replication_drill_times_the_canary(loaded: Any, settings: Any) -> None:
    from drctl.drills.env import DrillEnv
    from drctl.drills.runner import run_one

    result = run_one(loaded.plan.drills[0], DrillEnv(loaded, settings))
    assert result.status == "pass", [(c.name, c.detail) for c in result.cases]
    # The replication delay, measured: a write is not in DR before it has replicated.
    lag = result.measured["rpo_seconds"]
    assert moto_replicas.DEFAULT_DELAY_SECONDS <= lag <= moto_replicas.DEFAULT_DELAY_SECONDS + 0.2
    assert _items("eu-west-1") == [] and _items("us-east-1") == []
