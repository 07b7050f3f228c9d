"""The DynamoDB global-table extension on its own: replicas CREATING -> ACTIVE and DELETING over
AWS time, REGION_DISABLED during an outage and removal after 20 hours, asynchronous
last-writer-wins replication and the ReplicationLatency it publishes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from drctl.engine.clock import FakeClock
from drctl.kinds.dynamodb_table import moto_replicas
from drctl.kinds.sandboxing import aws_time
from drctl.sandbox.outages import outages

KEY = {"pk": {"S": "k"}, "sk": {"N": "1"}}


@pytest.fixture
def now(aws: None, clock: FakeClock) -> Iterator[FakeClock]:
    """AWS time follows the test's fake clock; outages end with the test."""
    aws_time.follow(clock.now)
    yield clock
    outages.clear()


def _client(region: str) -> Any:
    return boto3.client("dynamodb", region_name=region)


def _table(established: bool = False, region: str = "us-east-1") -> None:
    tags = [{"Key": moto_replicas.ESTABLISHED_TAG, "Value": "true"}] if established else []
    _client(region).create_table(
        TableName="sessions",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                   {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "N"}],
        BillingMode="PAY_PER_REQUEST",
        Tags=tags,
    )  # fmt: skip


def _replicate(to: str = "us-west-2", via: str = "us-east-1") -> None:
    _client(via).update_table(TableName="sessions", ReplicaUpdates=[{"Create": {"RegionName": to}}])


def _describe(region: str) -> dict[str, Any]:
    return dict(_client(region).describe_table(TableName="sessions")["Table"])


def _replicas(region: str) -> list[tuple[str, str]]:
    return [(r["RegionName"], r["ReplicaStatus"]) for r in _describe(region).get("Replicas", [])]


def _value(region: str) -> str | None:
    item = _client(region).get_item(TableName="sessions", Key=KEY, ConsistentRead=True)
    return item["Item"]["v"]["S"] if "Item" in item else None


def _put(region: str, value: str) -> None:
    _client(region).put_item(TableName="sessions", Item={**KEY, "v": {"S": value}})


def _latencies(source: str, receiving: str, clock: FakeClock) -> list[float]:
    points = boto3.client("cloudwatch", region_name=source).get_metric_statistics(
        Namespace="AWS/DynamoDB",
        MetricName="ReplicationLatency",
        Dimensions=[{"Name": "TableName", "Value": "sessions"},
                    {"Name": "ReceivingRegion", "Value": receiving}],
        StartTime=clock.now() - timedelta(days=2),
        EndTime=clock.now() + timedelta(minutes=1),
        Period=60,
        Statistics=["Maximum"],
    )["Datapoints"]  # fmt: skip
    return [p["Maximum"] for p in sorted(points, key=lambda p: p["Timestamp"])]


def test_a_new_replica_is_creating_for_minutes_then_active(now: FakeClock) -> None:
    _table()
    _put("us-east-1", "before")
    _replicate()
    east, west = _describe("us-east-1"), _describe("us-west-2")
    assert east["GlobalTableVersion"] == "2019.11.21"
    assert east["Replicas"] == [{"RegionName": "us-west-2", "ReplicaStatus": "CREATING"}]
    assert east["TableStatus"] == "UPDATING" and west["TableStatus"] == "CREATING"
    now.advance(moto_replicas.CREATE_SECONDS - 1)
    assert _replicas("us-east-1") == [("us-west-2", "CREATING")]
    now.advance(1)
    assert _replicas("us-east-1") == [("us-west-2", "ACTIVE")]
    assert _replicas("us-west-2") == [("us-east-1", "ACTIVE")]
    assert _describe("us-east-1")["TableStatus"] == _describe("us-west-2")["TableStatus"]
    assert _describe("us-west-2")["TableStatus"] == "ACTIVE"
    assert _value("us-west-2") == "before"  # the existing items are copied


def test_writes_replicate_after_the_delay_and_publish_their_latency(now: FakeClock) -> None:
    _table(established=True)
    _replicate()
    assert _replicas("us-east-1") == [("us-west-2", "ACTIVE")]  # established: at once
    _put("us-east-1", "one")
    assert _value("us-west-2") is None  # not yet: replication is asynchronous
    now.advance(moto_replicas.DEFAULT_DELAY_SECONDS - 0.1)
    assert _value("us-west-2") is None
    now.advance(0.1)
    assert _value("us-west-2") == "one"
    assert _latencies("us-east-1", "us-west-2", now) == [800.0]
    assert _latencies("us-west-2", "us-east-1", now) == []  # nothing went the other way

    west = _client("us-west-2")
    west.update_item(
        TableName="sessions", Key=KEY,
        UpdateExpression="SET v = :v", ExpressionAttributeValues={":v": {"S": "two"}},
    )  # fmt: skip
    assert _value("us-east-1") == "one"
    now.advance(1)
    assert _value("us-east-1") == "two"
    west.delete_item(TableName="sessions", Key=KEY)
    assert _value("us-east-1") == "two"
    now.advance(1)
    assert _value("us-east-1") is None
    assert moto_replicas.pending_writes("sessions") == 0


def test_conflicting_writes_resolve_last_writer_wins(now: FakeClock) -> None:
    _table(established=True)
    _replicate()
    _put("us-west-2", "west-first")
    now.advance(0.3)
    _put("us-east-1", "east-later")  # before west's write arrived
    now.advance(0.6)  # west's write reaches east, east's not yet west
    assert _value("us-east-1") == "east-later"  # the older write is discarded
    assert _value("us-west-2") == "west-first"
    now.advance(1)
    assert _value("us-west-2") == _value("us-east-1") == "east-later"

    _put("us-east-1", "put")
    now.advance(0.1)
    _client("us-west-2").delete_item(TableName="sessions", Key=KEY)  # the later write: a delete
    now.advance(2)
    assert _value("us-east-1") is None and _value("us-west-2") is None


def test_a_region_outage_disables_the_replica_and_holds_its_writes(now: FakeClock) -> None:
    _table(established=True)
    _replicate()
    outages.add("dynamodb@us-west-2")
    started = now.now()
    [replica] = _describe("us-east-1")["Replicas"]
    assert replica["ReplicaStatus"] == "REGION_DISABLED"
    assert replica["ReplicaInaccessibleDateTime"] == started
    _put("us-east-1", "during")
    now.advance(3600)
    assert _replicas("us-east-1") == [("us-west-2", "REGION_DISABLED")]
    assert _latencies("us-east-1", "us-west-2", now) == []  # nothing arrives, nothing measured
    outages.clear("dynamodb@us-west-2")
    assert _replicas("us-east-1") == [("us-west-2", "ACTIVE")]
    assert _value("us-west-2") == "during"
    assert _latencies("us-east-1", "us-west-2", now) == [3600_000.0]  # the hour it was held


def test_after_twenty_hours_disabled_the_replica_leaves_the_group(now: FakeClock) -> None:
    _table(established=True)
    _replicate()
    _put("us-east-1", "old")
    now.advance(1)
    outages.add("us-west-2")
    _put("us-east-1", "new")
    now.advance(moto_replicas.REMOVAL_SECONDS - 1)
    assert _replicas("us-east-1") == [("us-west-2", "REGION_DISABLED")]
    now.advance(1)
    assert "Replicas" not in _describe("us-east-1")  # removed from the group
    outages.clear()
    west = _describe("us-west-2")  # not deleted: a plain table holding what it held
    assert "Replicas" not in west and west["TableStatus"] == "ACTIVE"
    assert _value("us-west-2") == "old"
    _put("us-east-1", "newer")
    now.advance(5)
    assert _value("us-west-2") == "old"  # replication stopped from and to the Region

    with pytest.raises(ClientError) as exists:  # re-adding needs the stale table gone
        _replicate()
    assert exists.value.response["Error"]["Code"] == "ValidationException"
    _client("us-west-2").delete_table(TableName="sessions")
    _replicate()
    assert _replicas("us-east-1") == [("us-west-2", "CREATING")]
    now.advance(moto_replicas.CREATE_SECONDS)
    assert _replicas("us-east-1") == [("us-west-2", "ACTIVE")]
    assert _value("us-west-2") == "newer"


def test_a_deleted_replica_is_deleting_then_gone(now: FakeClock) -> None:
    _table(established=True)
    _replicate()
    east = _client("us-east-1")
    east.update_table(
        TableName="sessions", ReplicaUpdates=[{"Delete": {"RegionName": "us-west-2"}}]
    )
    assert _replicas("us-east-1") == [("us-west-2", "DELETING")]
    assert _describe("us-west-2")["TableStatus"] == "DELETING"
    now.advance(moto_replicas.DELETE_SECONDS)
    assert "Replicas" not in _describe("us-east-1")
    assert "sessions" not in _client("us-west-2").list_tables()["TableNames"]


def test_errors(now: FakeClock) -> None:
    _table()
    _replicate()
    with pytest.raises(ClientError) as twice:
        _replicate()
    assert twice.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(ClientError) as absent:
        _client("us-east-1").update_table(
            TableName="sessions", ReplicaUpdates=[{"Delete": {"RegionName": "eu-west-1"}}]
        )
    assert absent.value.response["Error"]["Code"] == "ValidationException"
