"""The DynamoDB global-table extension on its own: ReplicaUpdates, describe, writes."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError


def _table(region: str = "us-east-1") -> None:
    boto3.client("dynamodb", region_name=region).create_table(
        TableName="sessions",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                   {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "N"}],
        BillingMode="PAY_PER_REQUEST",
    )  # fmt: skip


def test_replica_created_described_and_written_through(aws: None) -> None:
    _table()
    east = boto3.client("dynamodb", region_name="us-east-1")
    west = boto3.client("dynamodb", region_name="us-west-2")
    east.put_item(TableName="sessions", Item={"pk": {"S": "before"}, "sk": {"N": "1"}})
    east.update_table(
        TableName="sessions", ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}]
    )
    for client, other in ((east, "us-west-2"), (west, "us-east-1")):
        table = client.describe_table(TableName="sessions")["Table"]
        assert table["GlobalTableVersion"] == "2019.11.21"
        assert table["Replicas"] == [{"RegionName": other, "ReplicaStatus": "ACTIVE"}]
        assert table["TableStatus"] == "ACTIVE"
    key = {"pk": {"S": "before"}, "sk": {"N": "1"}}
    assert west.get_item(TableName="sessions", Key=key)["Item"] == key  # existing items copied

    west.put_item(TableName="sessions", Item={"pk": {"S": "w"}, "sk": {"N": "2"}, "v": {"S": "x"}})
    got = east.get_item(TableName="sessions", Key={"pk": {"S": "w"}, "sk": {"N": "2"}})
    assert got["Item"]["v"] == {"S": "x"}
    east.update_item(
        TableName="sessions", Key={"pk": {"S": "w"}, "sk": {"N": "2"}},
        UpdateExpression="SET v = :v", ExpressionAttributeValues={":v": {"S": "y"}},
    )  # fmt: skip
    got = west.get_item(TableName="sessions", Key={"pk": {"S": "w"}, "sk": {"N": "2"}})
    assert got["Item"]["v"] == {"S": "y"}
    east.delete_item(TableName="sessions", Key={"pk": {"S": "w"}, "sk": {"N": "2"}})
    assert "Item" not in west.get_item(
        TableName="sessions", Key={"pk": {"S": "w"}, "sk": {"N": "2"}}
    )


def test_errors_and_delete(aws: None) -> None:
    _table()
    east = boto3.client("dynamodb", region_name="us-east-1")
    east.update_table(
        TableName="sessions", ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}]
    )
    with pytest.raises(ClientError) as twice:
        east.update_table(
            TableName="sessions", ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}]
        )
    assert twice.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(ClientError) as absent:
        east.update_table(
            TableName="sessions", ReplicaUpdates=[{"Delete": {"RegionName": "eu-west-1"}}]
        )
    assert absent.value.response["Error"]["Code"] == "ValidationException"
    east.update_table(
        TableName="sessions", ReplicaUpdates=[{"Delete": {"RegionName": "us-west-2"}}]
    )
    assert "Replicas" not in east.describe_table(TableName="sessions")["Table"]
    west = boto3.client("dynamodb", region_name="us-west-2")
    assert "sessions" not in west.list_tables()["TableNames"]
