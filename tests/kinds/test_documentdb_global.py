"""`documentdb-global`: checks (engine, backups, deletion protection, lag that fails closed),
planned switchover and unplanned failover with the primary Region down, failback home -- each
read back with the ``docdb`` client -- on the sandbox's AWS clock following the test's fake
clock, so every wait moves AWS time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest

from drctl.aws.cloudwatch import put_metric
from drctl.engine.clock import FakeClock
from drctl.engine.settings import make_context
from drctl.errors import GateRefused
from drctl.kinds import moto_global_clusters as ext
from drctl.kinds.documentdb_global import sandbox as docdb_sandbox
from drctl.kinds.sandboxing import SandboxBuild, aws_time
from drctl.plan.loader import load_plan_text
from drctl.sandbox.outages import outages
from tests.support import (
    collect_checks,
    failback_graph,
    failover_graph,
    invoke,
    rpo_gate,
    run_action,
    run_checks,
)

PLAN = """
version: 1
app: shop
tier: gold
strategy: warm-standby
objectives: {rto: 15m, rpo: 5m}
regions: {primary: us-east-1, dr: us-west-2}
resources:
  - {kind: documentdb-global, name: catalog-db, global_cluster: shop-catalog}
"""
HOME_REGION, DR_REGION = "us-east-1", "us-west-2"
HOME = "arn:aws:rds:us-east-1:123456789012:cluster:shop-catalog-us-east-1"
DR = "arn:aws:rds:us-west-2:123456789012:cluster:shop-catalog-us-west-2"
CHECKS = [
    "global-cluster", "writer", "secondary", "encryption", "engine", "backups",
    "deletion-protection", "replication-lag", "switchover-ready",
]  # fmt: skip


@pytest.fixture(autouse=True)
def follow(clock: FakeClock) -> Iterator[None]:
    """AWS time is the engine's clock: a poll that sleeps 15 s moves AWS 15 s."""
    aws_time.follow(clock.now)
    yield
    aws_time.follow(None)
    outages.clear()


def _build(settings: Any, versions: Any = None) -> Any:
    loaded = load_plan_text(PLAN)
    ctx = make_context(loaded.plan, settings)
    build = SandboxBuild(loaded.plan, ctx.sessions, settings.clock)
    docdb_sandbox.build(build, loaded.plan.resources[0], versions)  # type: ignore[arg-type]
    return loaded


@pytest.fixture
def loaded(aws: None, settings: Any) -> Any:
    return _build(settings)


def _docdb(region: str) -> Any:
    return boto3.client("docdb", region_name=region)


def _glob() -> dict[str, Any]:
    found = _docdb(DR_REGION).describe_global_clusters(GlobalClusterIdentifier="shop-catalog")
    return dict(found["GlobalClusters"][0])


def _writer_region() -> str:
    writer = next(m for m in _glob()["GlobalClusterMembers"] if m["IsWriter"])
    return str(writer["DBClusterArn"].split(":")[3])


def _sync(arn: str) -> str:
    member = next(m for m in _glob()["GlobalClusterMembers"] if m["DBClusterArn"] == arn)
    return str(member["SynchronizationStatus"])


def _statuses(record: Any) -> dict[str, str]:
    return {s.action: s.status for s in record.steps}


def test_the_sandbox_is_a_docdb_global_cluster(loaded: Any) -> None:
    glob = _glob()
    assert glob["Engine"] == "docdb" and glob["EngineVersion"] == "5.0.0"
    assert glob["StorageEncrypted"] is True
    home = _docdb(HOME_REGION).describe_db_clusters(DBClusterIdentifier=HOME)["DBClusters"][0]
    assert home["Engine"] == "docdb" and home["Port"] == 27017
    assert home["DeletionProtection"] is True and home["BackupRetentionPeriod"] == 7
    assert home["DBClusterParameterGroup"] == "default.docdb5.0"


def test_checks_pass_and_the_gate_reads_the_lag(loaded: Any, settings: Any) -> None:
    results = run_checks(loaded, settings)
    assert {n: r.status.value for n, r in results.items()} == dict.fromkeys(CHECKS, "pass")
    assert "GlobalClusterReplicationLag" in results["replication-lag"].detail
    ctx = make_context(loaded.plan, settings)
    [reading] = rpo_gate(loaded.plan, ctx).readings
    assert reading.seconds == 0.7
    assert reading.source == "CloudWatch AWS/DocDB GlobalClusterReplicationLag"


def test_an_unknown_lag_fails_closed(loaded: Any, settings: Any, clock: FakeClock) -> None:
    outages.add(HOME_REGION)  # nothing arrives from the writer: DR publishes no lag
    clock.advance(timedelta(minutes=30).total_seconds())
    ctx = make_context(loaded.plan, settings)
    by_name = {c.name: c for c in collect_checks(loaded.plan, ctx)}
    lag = by_name["replication-lag"].run()  # the checks of the primary cluster cannot run
    assert lag.status.value == "fail" and "lag unknown" in lag.detail
    gate = rpo_gate(loaded.plan, ctx)
    assert [r.resource for r in gate.unknown] == ["catalog-db"]
    with pytest.raises(GateRefused, match="unknown is not zero"):
        run_action(loaded, settings, "failover", accept_data_loss=False)
    assert _writer_region() == HOME_REGION and not _glob().get("FailoverState")


def test_the_secondary_publishes_its_lag_every_minute(
    loaded: Any, settings: Any, clock: FakeClock
) -> None:
    clock.advance(timedelta(hours=2).total_seconds())  # long after the builder's datapoint
    ctx = make_context(loaded.plan, settings)
    [reading] = rpo_gate(loaded.plan, ctx).readings
    assert reading.seconds == 0.7  # the lag it runs at, published for each minute since


def test_deletion_protection_off_fails(loaded: Any, settings: Any) -> None:
    _docdb(HOME_REGION).modify_db_cluster(
        DBClusterIdentifier="shop-catalog-us-east-1", DeletionProtection=False
    )
    results = run_checks(loaded, settings)
    deletion = results["deletion-protection"]
    assert deletion.status.value == "fail"
    assert "deletion protection is off on shop-catalog-us-east-1" in deletion.detail
    assert results["backups"].status.value == "pass" and "7 days" in results["backups"].detail


def test_a_global_cluster_on_another_engine_is_not_docdb(aws: None, settings: Any) -> None:
    _docdb(HOME_REGION).create_global_cluster(
        GlobalClusterIdentifier="shop-catalog", Engine="aurora-mysql", StorageEncrypted=True
    )
    engine = run_checks(load_plan_text(PLAN), settings)["engine"]
    assert engine.status.value == "fail" and "not docdb" in engine.detail


def test_planned_switchover_and_failback_twice(
    loaded: Any, settings: Any, clock: FakeClock
) -> None:
    for _cycle in (1, 2):
        start = clock.monotonic()
        record = run_action(loaded, settings, "failover", mode="planned")
        assert record.status == "succeeded", [(s.id, s.detail) for s in record.steps]
        assert clock.monotonic() - start >= ext.VERIFY_SECONDS + ext.SWITCHOVER_SECONDS
        assert "switchover to shop-catalog-us-west-2 started" in record.steps[0].detail
        assert [c["operation"] for c in record.steps[0].calls] == ["SwitchoverGlobalCluster"]
        glob = _glob()
        assert _writer_region() == DR_REGION
        assert glob["Status"] == "available" and not glob.get("FailoverState")
        assert _sync(HOME) == "connected"  # a switchover keeps the old writer in sync
        assert run_checks(loaded, settings)["writer"].status.value == "fail"

        again = run_action(loaded, settings, "failover", mode="planned")
        assert _statuses(again) == {"switch-writer": "skipped"}

        back = run_action(loaded, settings, "failback", from_run=record.run_id)
        assert back.status == "succeeded", [(s.id, s.detail) for s in back.steps]
        assert _statuses(back) == {
            "await-home-resync": "skipped",  # nothing to resync after a switchover
            "switch-writer-home": "succeeded",
        }
        assert _writer_region() == HOME_REGION and _glob()["Status"] == "available"
        rerun = run_action(loaded, settings, "failback", from_run=record.run_id)
        assert set(_statuses(rerun).values()) == {"skipped"}
        assert all(s.calls == [] for s in rerun.steps)
        assert run_checks(loaded, settings)["writer"].status.value == "pass"


def test_unplanned_failover_with_the_primary_region_down_then_failback_twice(
    loaded: Any, settings: Any, clock: FakeClock
) -> None:
    for lag_ms, said in ((700.0, "0.7s"), (2500.0, "2.5s")):
        put_metric(
            boto3.client("cloudwatch", region_name=DR_REGION),
            namespace="AWS/DocDB",
            metric="GlobalClusterReplicationLag",
            dimensions={"DBClusterIdentifier": "shop-catalog-us-west-2"},
            value=lag_ms,
            unit="Milliseconds",
            at=clock.now(),
        )
        outages.add(HOME_REGION)
        record = run_action(loaded, settings, "failover", mode="unplanned")
        assert record.status == "succeeded", [(s.id, s.detail) for s in record.steps]
        [step] = record.steps
        assert [c["operation"] for c in step.calls] == ["FailoverGlobalCluster"]
        assert {c["region"] for c in step.calls} == {DR_REGION}
        assert not outages.refused(), "the failover never calls the Region that is down"
        assert "failover with data loss allowed" in step.detail
        assert f"writes of about the last {said} before the outage" in step.detail  # said
        assert _writer_region() == DR_REGION and _glob()["Status"] == "available"

        rerun = run_action(loaded, settings, "failover", mode="unplanned")
        assert _statuses(rerun) == {"switch-writer": "skipped"}

        # The old primary cannot resynchronize while its Region is down.
        clock.advance(ext.RESYNC_SECONDS * 3)
        assert _sync(HOME) == "pending-resync"
        outages.clear(HOME_REGION)  # the Region is back: its outage stays in the history
        assert _sync(HOME) == "pending-resync"  # its resync starts now

        started = clock.monotonic()
        back = run_action(loaded, settings, "failback", from_run=record.run_id)
        assert back.status == "succeeded", [(s.id, s.detail) for s in back.steps]
        assert _statuses(back) == {
            "await-home-resync": "succeeded",
            "switch-writer-home": "succeeded",
        }
        assert clock.monotonic() - started >= ext.RESYNC_SECONDS
        assert _writer_region() == HOME_REGION and _sync(DR) == "connected"
        assert _glob()["Status"] == "available" and not _glob().get("FailoverState")

        again = run_action(loaded, settings, "failback", from_run=record.run_id)
        assert set(_statuses(again).values()) == {"skipped"}
        assert run_checks(loaded, settings)["writer"].status.value == "pass"


def test_a_switchover_across_engine_versions_is_refused_with_both_named(
    aws: None, settings: Any
) -> None:
    loaded = _build(settings, versions=("5.0.0", "4.0.0"))
    ready = run_checks(loaded, settings)["switchover-ready"]
    assert ready.status.value == "fail" and "5.0.0" in ready.detail and "4.0.0" in ready.detail
    record = run_action(loaded, settings, "failover", mode="planned")
    assert record.status == "failed"
    assert "engine versions differ" in record.steps[0].detail
    assert _writer_region() == HOME_REGION and not _glob().get("FailoverState")


def test_aws_refuses_a_second_move_while_one_is_in_flight(loaded: Any) -> None:
    client = _docdb(DR_REGION)
    client.switchover_global_cluster(
        GlobalClusterIdentifier="shop-catalog", TargetDbClusterIdentifier=DR
    )
    with pytest.raises(client.exceptions.InvalidGlobalClusterStateFault):
        client.failover_global_cluster(
            GlobalClusterIdentifier="shop-catalog", TargetDbClusterIdentifier=DR, AllowDataLoss=True
        )
    assert _glob()["FailoverState"]["Status"] == "pending"


def test_dry_run_commands_are_docdb_commands_with_the_real_arn(loaded: Any, settings: Any) -> None:
    ctx = make_context(loaded.plan, settings)
    [switch] = failover_graph(loaded.plan, ctx).steps
    assert switch.cli[0].startswith("aws docdb switchover-global-cluster ")
    assert f"--target-db-cluster-identifier {DR} " in switch.cli[0]
    home = failback_graph(loaded.plan, ctx).steps[-1]
    assert f"--target-db-cluster-identifier {HOME} " in home.cli[0]
    sfn = switch.sfn() if switch.sfn else None
    assert sfn is not None and sfn.run[0].service == "docdb"
    assert sfn.run[0].action == "switchoverGlobalCluster"


def test_a_bad_global_cluster_name_is_reported_with_its_position(tmp_path: Any) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(PLAN.replace("global_cluster: shop-catalog", "global_cluster: 9catalog"))
    result = invoke("plan", "validate", str(path))
    assert result.exit_code == 2
    assert "plan.yaml:9:" in result.output and "global_cluster" in result.output
