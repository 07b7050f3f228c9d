"""The global-cluster lag extension for Aurora against the metrics reference: the secondary
publishes ``AuroraGlobalDBReplicationLag`` (and, on Aurora PostgreSQL, ``AuroraGlobalDBRPOLag``)
every minute in its own Region, the writer publishes none, a member resynchronizing after a
failover publishes none until it is connected, and nothing is published while the writer's
Region is down. Each test reads the datapoints back with ``GetMetricStatistics``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from drctl.engine.clock import FakeClock
from drctl.kinds.aurora_global import moto_global_failover as failover_ext
from drctl.kinds.sandboxing import aws_time
from drctl.sandbox.outages import outages
from tests.sandbox.conftest import ClientFactory

HOME_REGION, AWAY_REGION = "us-east-1", "eu-west-1"
AWAY = "arn:aws:rds:eu-west-1:123456789012:cluster:g-away"
REPLICATION, RPO = "AuroraGlobalDBReplicationLag", "AuroraGlobalDBRPOLag"
VERSIONS = {"aurora-mysql": "8.0.mysql_aurora.3.05.2", "aurora-postgresql": "15.4"}


@pytest.fixture
def fake() -> Iterator[FakeClock]:
    clock = FakeClock()
    aws_time.follow(clock.now)
    yield clock
    aws_time.reset()
    outages.clear()


def _build(aws: ClientFactory, engine: str) -> None:
    """Writer g-home in us-east-1, secondary g-away in eu-west-1."""
    home, away = aws("rds", HOME_REGION), aws("rds", AWAY_REGION)
    version = VERSIONS[engine]
    home.create_global_cluster(GlobalClusterIdentifier="g", Engine=engine, EngineVersion=version)
    home.create_db_cluster(
        DBClusterIdentifier="g-home", Engine=engine, EngineVersion=version,
        GlobalClusterIdentifier="g", MasterUsername="admin", MasterUserPassword="sandbox-only",
    )  # fmt: skip
    away.create_db_cluster(
        DBClusterIdentifier="g-away", Engine=engine, EngineVersion=version,
        GlobalClusterIdentifier="g",
    )  # fmt: skip


@pytest.fixture
def mysql(aws: ClientFactory, fake: FakeClock) -> None:
    _build(aws, "aurora-mysql")


def _put(aws: ClientFactory, fake: FakeClock, metric: str, cluster: str, ms: float) -> None:
    region = AWAY_REGION if cluster == "g-away" else HOME_REGION
    aws("cloudwatch", region).put_metric_data(
        Namespace="AWS/RDS",
        MetricData=[{
            "MetricName": metric, "Value": ms, "Unit": "Milliseconds", "Timestamp": fake.now(),
            "Dimensions": [{"Name": "DBClusterIdentifier", "Value": cluster}],
        }],
    )  # fmt: skip


def _points(
    aws: ClientFactory, fake: FakeClock, cluster: str, metric: str = REPLICATION
) -> list[float]:
    """The last 10 AWS minutes of ``metric`` for ``cluster``, read in its own Region."""
    region = AWAY_REGION if cluster == "g-away" else HOME_REGION
    answer = aws("cloudwatch", region).get_metric_statistics(
        Namespace="AWS/RDS", MetricName=metric,
        Dimensions=[{"Name": "DBClusterIdentifier", "Value": cluster}],
        StartTime=fake.now() - timedelta(minutes=10), EndTime=fake.now(),
        Period=60, Statistics=["Maximum"],
    )  # fmt: skip
    return [p["Maximum"] for p in sorted(answer["Datapoints"], key=lambda p: p["Timestamp"])]


def test_the_secondary_publishes_every_minute_and_the_writer_nothing(
    aws: ClientFactory, mysql: None, fake: FakeClock
) -> None:
    _put(aws, fake, REPLICATION, "g-away", 400.0)
    fake.advance(timedelta(minutes=30).total_seconds())
    assert _points(aws, fake, "g-away") == [400.0] * 10  # not one stale datapoint: each minute
    assert _points(aws, fake, "g-home") == []  # the writer replicates to no one
    assert _points(aws, fake, "g-away", RPO) == []  # Aurora MySQL has no RPO lag metric


def test_aurora_postgresql_publishes_the_rpo_lag_too(aws: ClientFactory, fake: FakeClock) -> None:
    _build(aws, "aurora-postgresql")
    _put(aws, fake, RPO, "g-away", 250.0)
    fake.advance(timedelta(minutes=12).total_seconds())
    assert _points(aws, fake, "g-away", RPO) == [250.0] * 10
    assert _points(aws, fake, "g-away") == [0.0] * 10  # storage lag: never put, so 0


def test_after_a_failover_the_old_writer_publishes_only_once_resynchronized(
    aws: ClientFactory, mysql: None, fake: FakeClock
) -> None:
    _put(aws, fake, REPLICATION, "g-away", 400.0)
    _put(aws, fake, REPLICATION, "g-home", 300.0)  # the lag it will run at as a secondary
    aws("rds", AWAY_REGION).failover_global_cluster(
        GlobalClusterIdentifier="g", TargetDbClusterIdentifier=AWAY, AllowDataLoss=True
    )
    fake.advance(failover_ext.VERIFY_SECONDS + failover_ext.FAILOVER_SECONDS + 1)
    fake.advance(timedelta(minutes=8).total_seconds())  # still pending-resync (10 minutes)
    assert _points(aws, fake, "g-home") == [300.0]  # only the test's own put, long before
    away = _points(aws, fake, "g-away")
    assert away and len(away) <= 3  # the new writer stopped publishing when it was promoted
    fake.advance(timedelta(minutes=12).total_seconds())  # the resync is over: connected
    assert _points(aws, fake, "g-home")[-5:] == [300.0] * 5
    assert _points(aws, fake, "g-away") == []


def test_nothing_is_published_while_the_writer_region_is_down(
    aws: ClientFactory, mysql: None, fake: FakeClock
) -> None:
    _put(aws, fake, REPLICATION, "g-away", 400.0)
    fake.advance(timedelta(minutes=5).total_seconds())
    outages.add(HOME_REGION)  # nothing arrives from the writer: nothing to measure
    fake.advance(timedelta(minutes=11).total_seconds())
    assert _points(aws, fake, "g-away") == []
    outages.clear(HOME_REGION)
    fake.advance(timedelta(minutes=3, seconds=30).total_seconds())  # 3 whole minutes at least
    assert _points(aws, fake, "g-away")[-3:] == [400.0] * 3
