"""The DocumentDB extension against the API reference: moto's RDS backend, which answers the
``docdb`` client, accepts ``Engine`` ``docdb`` with DocumentDB's defaults, and a DocumentDB
global cluster switches over and fails over through the shared global-cluster extension --
``failing-over`` being the only in-flight status DocumentDB documents, and the old primary
resynchronizing only once its Region is back. Each test reads state back with the ``docdb``
client."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from drctl.engine.clock import FakeClock
from drctl.kinds import moto_global_clusters as shared
from drctl.kinds.documentdb_global import moto_docdb_clusters as ext
from drctl.kinds.sandboxing import aws_time
from drctl.sandbox.outages import outages
from tests.sandbox.conftest import ClientFactory

HOME = "arn:aws:rds:us-east-1:123456789012:cluster:c-home"
AWAY = "arn:aws:rds:us-west-2:123456789012:cluster:c-away"


@pytest.fixture
def fake() -> Iterator[FakeClock]:
    clock = FakeClock()
    aws_time.follow(clock.now)
    yield clock
    aws_time.reset()
    outages.clear()


@pytest.fixture
def docdb(aws: ClientFactory, fake: FakeClock) -> Any:
    """A DocumentDB global cluster: writer in us-east-1, secondary in us-west-2; the
    us-west-2 client."""
    home, away = aws("docdb", "us-east-1"), aws("docdb", "us-west-2")
    home.create_global_cluster(GlobalClusterIdentifier="c", Engine="docdb", EngineVersion="5.0.0")
    home.create_db_cluster(
        DBClusterIdentifier="c-home", Engine="docdb", EngineVersion="5.0.0",
        GlobalClusterIdentifier="c", MasterUsername="catalog", MasterUserPassword="sandbox-only",
    )  # fmt: skip
    away.create_db_cluster(
        DBClusterIdentifier="c-away", Engine="docdb", EngineVersion="5.0.0",
        GlobalClusterIdentifier="c",
    )  # fmt: skip
    return away


def _state(docdb: Any) -> tuple[str, str | None, str, dict[str, str]]:
    """(Status, FailoverState.Status, writer, {member: SynchronizationStatus})."""
    glob = docdb.describe_global_clusters(GlobalClusterIdentifier="c")["GlobalClusters"][0]
    members = glob["GlobalClusterMembers"]
    writer = next(m["DBClusterArn"] for m in members if m["IsWriter"])
    state = glob.get("FailoverState") or {}
    sync = {m["DBClusterArn"]: m["SynchronizationStatus"] for m in members}
    return glob["Status"], state.get("Status"), writer, sync


def test_moto_refuses_the_docdb_engine_without_the_extension(aws: ClientFactory) -> None:
    ext.uninstall()
    try:
        with pytest.raises(ClientError, match="Engine 'docdb' is not supported"):
            aws("docdb", "us-east-1").create_db_cluster(
                DBClusterIdentifier="plain", Engine="docdb", MasterUsername="catalog",
                MasterUserPassword="sandbox-only",
            )  # fmt: skip
    finally:
        ext.install()


def test_a_docdb_cluster_has_documentdb_defaults(aws: ClientFactory) -> None:
    client = aws("docdb", "us-east-1")
    client.create_db_cluster(
        DBClusterIdentifier="plain", Engine="docdb", MasterUsername="catalog",
        MasterUserPassword="sandbox-only",
    )  # fmt: skip
    cluster = client.describe_db_clusters(DBClusterIdentifier="plain")["DBClusters"][0]
    assert cluster["Engine"] == "docdb" and cluster["EngineVersion"] == ext.DEFAULT_VERSION
    assert cluster["Port"] == 27017
    assert cluster["DBClusterParameterGroup"] == "default.docdb5.0"
    client.create_db_cluster(
        DBClusterIdentifier="older", Engine="docdb", EngineVersion="4.0.0",
        MasterUsername="catalog", MasterUserPassword="sandbox-only",
    )  # fmt: skip
    older = client.describe_db_clusters(DBClusterIdentifier="older")["DBClusters"][0]
    assert older["DBClusterParameterGroup"] == "default.docdb4.0"


def test_a_docdb_switchover_is_pending_then_failing_over_then_done(
    docdb: Any, fake: FakeClock
) -> None:
    docdb.switchover_global_cluster(GlobalClusterIdentifier="c", TargetDbClusterIdentifier=AWAY)
    assert _state(docdb)[:3] == ("failing-over", "pending", HOME)
    fake.advance(shared.VERIFY_SECONDS)
    assert _state(docdb)[:3] == ("failing-over", "failing-over", HOME)
    fake.advance(shared.SWITCHOVER_SECONDS)
    status, moving, writer, sync = _state(docdb)
    assert (status, moving, writer) == ("available", None, AWAY)
    assert sync == {HOME: "connected", AWAY: "connected"}


def test_a_second_call_while_moving_is_invalid_global_cluster_state(docdb: Any) -> None:
    docdb.failover_global_cluster(
        GlobalClusterIdentifier="c", TargetDbClusterIdentifier=AWAY, AllowDataLoss=True
    )
    with pytest.raises(ClientError) as caught:
        docdb.switchover_global_cluster(GlobalClusterIdentifier="c", TargetDbClusterIdentifier=AWAY)
    assert caught.value.response["Error"]["Code"] == "InvalidGlobalClusterStateFault"


def test_the_old_primary_resyncs_only_once_its_region_is_back(docdb: Any, fake: FakeClock) -> None:
    outages.add("us-east-1")
    docdb.failover_global_cluster(
        GlobalClusterIdentifier="c", TargetDbClusterIdentifier=AWAY, AllowDataLoss=True
    )
    fake.advance(shared.VERIFY_SECONDS + shared.FAILOVER_SECONDS)
    assert _state(docdb)[2] == AWAY
    fake.advance(shared.RESYNC_SECONDS * 2)
    assert _state(docdb)[3][HOME] == "pending-resync"
    with pytest.raises(ClientError) as caught:  # a switchover home must wait for it
        docdb.switchover_global_cluster(GlobalClusterIdentifier="c", TargetDbClusterIdentifier=HOME)
    assert caught.value.response["Error"]["Code"] == "InvalidDBClusterStateFault"
    outages.clear("us-east-1")
    fake.advance(shared.RESYNC_SECONDS - 1)
    assert _state(docdb)[3][HOME] == "pending-resync"
    fake.advance(1)
    assert _state(docdb)[3][HOME] == "connected"


def _lag_points(aws: ClientFactory, cluster: str, fake: FakeClock) -> list[float]:
    found = aws("cloudwatch", "us-west-2" if cluster == "c-away" else "us-east-1")
    answer = found.get_metric_statistics(
        Namespace="AWS/DocDB", MetricName="GlobalClusterReplicationLag",
        Dimensions=[{"Name": "DBClusterIdentifier", "Value": cluster}],
        StartTime=fake.now() - timedelta(minutes=10), EndTime=fake.now(),
        Period=60, Statistics=["Maximum"],
    )  # fmt: skip
    return [p["Maximum"] for p in sorted(answer["Datapoints"], key=lambda p: p["Timestamp"])]


def test_the_secondary_publishes_its_lag_each_minute_and_the_writer_none(
    aws: ClientFactory, docdb: Any, fake: FakeClock
) -> None:
    aws("cloudwatch", "us-west-2").put_metric_data(
        Namespace="AWS/DocDB",
        MetricData=[{
            "MetricName": "GlobalClusterReplicationLag", "Value": 400.0, "Unit": "Milliseconds",
            "Dimensions": [{"Name": "DBClusterIdentifier", "Value": "c-away"}],
            "Timestamp": fake.now(),
        }],
    )  # fmt: skip
    fake.advance(timedelta(minutes=30).total_seconds())
    assert _lag_points(aws, "c-away", fake) == [400.0] * 10
    assert _lag_points(aws, "c-home", fake) == []  # the writer replicates to no one
    outages.add("us-east-1")  # nothing arrives from the writer: nothing to measure
    fake.advance(timedelta(minutes=11).total_seconds())  # past the last one before it
    assert _lag_points(aws, "c-away", fake) == []
