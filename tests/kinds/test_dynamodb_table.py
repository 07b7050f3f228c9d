"""`dynamodb-table`: checks on a fresh global table and on broken ones; the failover
probe proves the DR replica writable and leaves nothing behind; the RPO gate reads
ReplicationLatency; the replication drill times a canary across regions."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from drctl.engine.settings import make_context
from drctl.kinds.sandboxing import aws_time
from drctl.plan.loader import load_plan_text
from drctl.sandbox.builders import SandboxBuilder
from tests.support import collect_checks, rpo_gate, run_action

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
def loaded(aws: None, settings: Any) -> Any:
    aws_time.follow(settings.clock.now)  # replication and replica states follow the run's clock
    loaded = load_plan_text(PLAN)
    ctx = make_context(loaded.plan, settings)
    SandboxBuilder(loaded.plan, ctx.sessions, settings.clock).build()
    return loaded


def _checks(loaded: Any, settings: Any) -> dict[str, Any]:
    ctx = make_context(loaded.plan, settings)
    return {c.name: c.run() for c in collect_checks(loaded.plan, ctx)}


def _items(region: str) -> list[Any]:
    ddb = boto3.client("dynamodb", region_name=region)
    return list(ddb.scan(TableName="saas-sessions")["Items"])


def test_checks_pass_on_the_global_table(loaded: Any, settings: Any) -> None:
    results = _checks(loaded, settings)
    assert {n: r.status.value for n, r in results.items()} == {
        "global-table": "pass",
        "dr-table": "pass",
        "pitr": "pass",
        "replication-latency": "pass",
    }
    assert results["replication-latency"].observed == 0.8


def test_checks_fail_without_pitr_or_replica(loaded: Any, settings: Any) -> None:
    boto3.client("dynamodb", region_name="eu-west-1").update_continuous_backups(
        TableName="saas-sessions",
        PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False},
    )
    pitr = _checks(loaded, settings)["pitr"]
    assert pitr.status.value == "fail" and "eu-west-1" in pitr.detail
    boto3.client("dynamodb", region_name="us-east-1").update_table(
        TableName="saas-sessions", ReplicaUpdates=[{"Delete": {"RegionName": "eu-west-1"}}]
    )
    results = _checks(loaded, settings)
    assert results["global-table"].status.value == "fail"
    assert results["dr-table"].status.value == "fail"


def test_failover_probe_writes_reads_and_cleans_up(loaded: Any, settings: Any) -> None:
    record = run_action(loaded, settings, "failover")
    assert record.status == "succeeded", [(s.id, s.detail) for s in record.steps]
    [step] = record.steps
    assert step.id == "sessions.probe-dr" and "took a write" in step.detail
    assert _items("eu-west-1") == [] and _items("us-east-1") == []


def test_rpo_gate_reads_replication_latency(loaded: Any, settings: Any) -> None:
    [reading] = rpo_gate(loaded.plan, make_context(loaded.plan, settings)).readings
    assert reading.resource == "sessions" and reading.seconds == 0.8


def test_replication_drill_times_the_canary(loaded: Any, settings: Any) -> None:
    from drctl.drills.env import DrillEnv
    from drctl.drills.runner import run_one

    result = run_one(loaded.plan.drills[0], DrillEnv(loaded, settings))
    assert result.status == "pass", [(c.name, c.detail) for c in result.cases]
    assert result.measured["rpo_seconds"] <= 1
    assert _items("eu-west-1") == [] and _items("us-east-1") == []
