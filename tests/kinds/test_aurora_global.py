"""`aurora-global`: checks, planned switchover and unplanned failover to the DR member,
failback home -- the global cluster's writer, status and member synchronization described back
-- on the sandbox's AWS clock following the test's fake clock, so every wait moves AWS time."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from drctl.engine.clock import FakeClock
from drctl.engine.settings import make_context
from drctl.errors import GateRefused
from drctl.kinds.aurora_global import moto_global_failover as ext
from drctl.kinds.aurora_global import sandbox as aurora_sandbox
from drctl.kinds.global_cluster import short
from drctl.kinds.sandboxing import SandboxBuild, aws_time
from drctl.plan.loader import load_plan_text
from drctl.sandbox.outages import outages
from tests.support import collect_checks, failback_graph, failover_graph, rpo_gate, run_action

PLAN = """
version: 1
app: saas
tier: platinum
strategy: active-active
regions: {primary: us-east-1, dr: eu-west-1}
resources:
  - {kind: aurora-global, name: accounts-db, global_cluster: saas-accounts}
"""
HOME = "arn:aws:rds:us-east-1:123456789012:cluster:saas-accounts-us-east-1"
DR = "arn:aws:rds:eu-west-1:123456789012:cluster:saas-accounts-eu-west-1"
LAG = "AuroraGlobalDBReplicationLag"
CHECKS = ["global-cluster", "writer", "secondary", "encryption", "replication-lag"]


@pytest.fixture(autouse=True)
def follow(clock: FakeClock) -> Iterator[None]:
    """AWS time is the engine's clock: a poll that sleeps 15 s moves AWS 15 s."""
    aws_time.follow(clock.now)
    yield
    aws_time.follow(None)


def _build(settings: Any, engine: str = "aurora-mysql", versions: Any = None) -> Any:
    loaded = load_plan_text(PLAN)
    ctx = make_context(loaded.plan, settings)
    build = SandboxBuild(loaded.plan, ctx.sessions, settings.clock)
    aurora_sandbox.build(build, loaded.plan.resources[0], engine, versions)  # type: ignore[arg-type]
    return loaded


@pytest.fixture
def loaded(aws: None, settings: Any) -> Any:
    return _build(settings)


def _put_lag(cluster_arn: str, ms: float, settings: Any) -> None:
    boto3.client("cloudwatch", region_name=cluster_arn.split(":")[3]).put_metric_data(
        Namespace="AWS/RDS",
        MetricData=[{
            "MetricName": LAG, "Value": ms, "Unit": "Milliseconds",
            "Dimensions": [{"Name": "DBClusterIdentifier", "Value": short(cluster_arn)}],
            "Timestamp": settings.clock.now(),
        }],
    )  # fmt: skip


def _glob() -> dict[str, Any]:
    rds = boto3.client("rds", region_name="eu-west-1")
    found = rds.describe_global_clusters(GlobalClusterIdentifier="saas-accounts")
    return dict(found["GlobalClusters"][0])


def _writer_region() -> str:
    writer = next(m for m in _glob()["GlobalClusterMembers"] if m["IsWriter"])
    return str(writer["DBClusterArn"].split(":")[3])


def _sync(arn: str) -> str:
    member = next(m for m in _glob()["GlobalClusterMembers"] if m["DBClusterArn"] == arn)
    return str(member["SynchronizationStatus"])


def test_checks_pass_and_the_gate_reads_the_lag(loaded: Any, settings: Any) -> None:
    ctx = make_context(loaded.plan, settings)
    results = {c.name: c.run() for c in collect_checks(loaded.plan, ctx)}
    assert {n: r.status.value for n, r in results.items()} == dict.fromkeys(
        [*CHECKS, "switchover-ready"], "pass"
    )
    [reading] = rpo_gate(loaded.plan, ctx).readings
    assert reading.seconds == 0.9 and "AuroraGlobalDBReplicationLag" in reading.source


def test_aurora_postgresql_lag_is_the_rpo_lag_metric(aws: None, settings: Any) -> None:
    loaded = _build(settings, engine="aurora-postgresql")
    boto3.client("cloudwatch", region_name="eu-west-1").put_metric_data(
        Namespace="AWS/RDS",
        MetricData=[
            {
                "MetricName": "AuroraGlobalDBReplicationLag",
                "Dimensions": [{"Name": "DBClusterIdentifier", "Value": DR.rsplit(":", 1)[-1]}],
                "Value": 600_000.0,  # storage lag: not what a failover loses on PostgreSQL
                "Unit": "Milliseconds",
                "Timestamp": settings.clock.now(),
            }
        ],
    )
    ctx = make_context(loaded.plan, settings)
    [reading] = rpo_gate(loaded.plan, ctx).readings
    assert reading.seconds == 0.9
    assert reading.source == "CloudWatch AWS/RDS AuroraGlobalDBRPOLag"
    lag = {c.name: c.run() for c in collect_checks(loaded.plan, ctx)}["replication-lag"]
    assert lag.status.value == "pass" and "AuroraGlobalDBRPOLag" in lag.detail


def test_planned_failover_waits_for_the_switchover_and_failback_comes_home(
    loaded: Any, settings: Any, clock: FakeClock
) -> None:
    start = clock.monotonic()
    record = run_action(loaded, settings, "failover", mode="planned")
    assert record.status == "succeeded", [(s.id, s.detail) for s in record.steps]
    # The step returned only once AWS had finished: verified, then switched over.
    assert clock.monotonic() - start >= ext.VERIFY_SECONDS + ext.SWITCHOVER_SECONDS
    glob = _glob()
    assert _writer_region() == "eu-west-1"
    assert glob["Status"] == "available" and not glob.get("FailoverState")
    assert _sync(HOME) == "connected"  # a switchover keeps the old writer in sync
    assert "switchover" in record.steps[0].detail
    ctx = make_context(loaded.plan, settings)
    writer = {c.name: c.run() for c in collect_checks(loaded.plan, ctx)}["writer"]
    assert writer.status.value == "fail" and "eu-west-1" in writer.detail
    again = run_action(loaded, settings, "failover", mode="planned")
    assert again.steps[0].status == "skipped"
    # The failback's gate reads home, the secondary now (the DR writer publishes no lag).
    _put_lag(HOME, 1200.0, settings)
    [reading] = rpo_gate(loaded.plan, make_context(loaded.plan, settings)).readings
    assert reading.seconds == 1.2 and reading.source == "CloudWatch AWS/RDS " + LAG
    back = run_action(loaded, settings, "failback", from_run=record.run_id, accept_data_loss=False)
    assert back.status == "succeeded", [(s.id, s.detail) for s in back.steps]
    assert [s.status for s in back.steps] == ["skipped", "succeeded"]  # nothing to resync
    assert _writer_region() == "us-east-1" and _glob()["Status"] == "available"


def test_unplanned_failover_then_failback_waits_for_the_old_primary_to_resync(
    loaded: Any, settings: Any, clock: FakeClock
) -> None:
    record = run_action(loaded, settings, "failover", mode="unplanned")
    assert record.status == "succeeded", [(s.id, s.detail) for s in record.steps]
    assert "failover with data loss" in record.steps[0].detail
    assert _writer_region() == "eu-west-1" and _glob()["Status"] == "available"
    assert _sync(HOME) == "pending-resync"
    # Home replicates nothing yet: no lag to read, and the failback waits for it itself.
    [reading] = rpo_gate(loaded.plan, make_context(loaded.plan, settings)).readings
    assert reading.seconds is None and not reading.fail_closed
    assert "saas-accounts-us-east-1 is pending-resync" in reading.detail
    started = clock.monotonic()
    back = run_action(loaded, settings, "failback", from_run=record.run_id, accept_data_loss=False)
    assert back.status == "succeeded", [(s.id, s.detail) for s in back.steps]
    resync, home = back.steps
    assert resync.action == "await-home-resync" and resync.status == "succeeded"
    assert clock.monotonic() - started >= ext.RESYNC_SECONDS - ext.FAILOVER_SECONDS
    assert "connected" in resync.detail and home.status == "succeeded"
    assert _writer_region() == "us-east-1" and _sync(DR) == "connected"
    # Waiting for the resync is preparation (DR still serves): only the switchover is the RTO.
    assert resync.stage == "preparation" and home.stage == "recovery"
    assert back.preparation_seconds is not None
    assert back.preparation_seconds >= ext.RESYNC_SECONDS - ext.FAILOVER_SECONDS
    assert back.rto_seconds is not None and back.rto_seconds < back.preparation_seconds


def test_the_gate_refuses_a_planned_failover_once_the_writer_region_stopped_replicating(
    loaded: Any, settings: Any, clock: FakeClock
) -> None:
    outages.add("us-east-1")  # nothing arrives in DR: the secondary publishes no lag
    try:
        clock.advance(11 * 60)  # past the last datapoint from before the outage
        gate = rpo_gate(loaded.plan, make_context(loaded.plan, settings))
        [reading] = gate.unknown  # unknown is not zero: the old datapoint no longer counts
        assert reading.fail_closed and "no datapoint" in reading.detail
        with pytest.raises(GateRefused, match="unknown is not zero"):
            run_action(loaded, settings, "failover", mode="planned", accept_data_loss=False)
    finally:
        outages.clear()
    assert _writer_region() == "us-east-1" and not _glob().get("FailoverState")


def test_a_switchover_to_a_member_that_is_not_available_is_refused(
    loaded: Any, settings: Any
) -> None:
    boto3.client("rds", region_name="eu-west-1").stop_db_cluster(
        DBClusterIdentifier="saas-accounts-eu-west-1"
    )
    record = run_action(loaded, settings, "failover", mode="planned")
    assert record.status == "failed"
    detail = record.steps[0].detail
    assert "cannot switch saas-accounts over to saas-accounts-eu-west-1" in detail
    assert "not available" in detail
    assert _writer_region() == "us-east-1" and not _glob().get("FailoverState")


def test_switchover_prechecks_name_the_engine_versions(aws: None, settings: Any) -> None:
    loaded = _build(settings, versions=("8.0.mysql_aurora.3.05.2", "8.0.mysql_aurora.3.04.0"))
    ctx = make_context(loaded.plan, settings)
    ready = {c.name: c.run() for c in collect_checks(loaded.plan, ctx)}["switchover-ready"]
    assert ready.status.value == "fail"
    assert "3.05.2" in ready.detail and "3.04.0" in ready.detail
    record = run_action(loaded, settings, "failover", mode="planned")
    assert record.status == "failed"
    assert "engine versions differ" in record.steps[0].detail
    assert _writer_region() == "us-east-1" and not _glob().get("FailoverState")
    # An unplanned failover is not held back by versions: AWS allows it.
    assert run_action(loaded, settings, "failover", mode="unplanned").status == "succeeded"
    assert _writer_region() == "eu-west-1"


def test_a_move_already_in_flight_is_awaited_not_repeated(loaded: Any, settings: Any) -> None:
    boto3.client("rds", region_name="eu-west-1").switchover_global_cluster(
        GlobalClusterIdentifier="saas-accounts", TargetDbClusterIdentifier=DR
    )  # e.g. an earlier attempt of this run, interrupted after its call
    ctx = make_context(loaded.plan, settings)
    ready = {c.name: c.run() for c in collect_checks(loaded.plan, ctx)}["switchover-ready"]
    assert ready.status.value == "fail" and "in progress" in ready.detail
    record = run_action(loaded, settings, "failover", mode="planned")
    assert record.status == "succeeded", [(s.id, s.detail) for s in record.steps]
    assert "already" in record.steps[0].detail
    assert [c for c in record.steps[0].calls if "Switchover" in str(c)] == []
    assert _writer_region() == "eu-west-1"


def test_dry_run_commands_name_the_real_member_arn(loaded: Any, settings: Any) -> None:
    ctx = make_context(loaded.plan, settings)
    [switch] = failover_graph(loaded.plan, ctx).steps
    assert f"--target-db-cluster-identifier {DR} " in switch.cli[0]
    home = failback_graph(loaded.plan, ctx).steps[-1]
    assert f"--target-db-cluster-identifier {HOME} " in home.cli[0]
    offline = make_context(loaded.plan, settings)
    offline.offline = True
    [unknown] = failover_graph(loaded.plan, offline).steps
    for line in unknown.cli:
        assert "<" not in line and ">" not in line
    assert '"$(aws rds describe-global-clusters' in unknown.cli[0]
