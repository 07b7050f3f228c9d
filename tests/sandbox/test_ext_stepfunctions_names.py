"""Step Functions' AWS SDK tasks in the sandbox spell names as AWS does (the SDK for Java v2's
fields, capitalised: ``SseSpecification``, ``Bool``, ``MultiAZ``) and take no other spelling:
a field the operation does not have is refused when the definition is created, or, when it
arrives through a ``.$`` path, fails the execution with an uncatchable ``States.Runtime``."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from drctl.sandbox import extensions

REGION = "us-west-2"
ROLE = "arn:aws:iam::123456789012:role/drctl-stepfunctions"


@pytest.fixture
def sfn(installed: None) -> Iterator[Any]:
    config: Any = {
        "core": {"reset_boto3_session": False},
        "stepfunctions": {"execute_state_machine": True},
    }
    assert extensions.is_installed()
    with mock_aws(config=config):
        yield boto3.client("stepfunctions", region_name=REGION)


def _task(action: str, parameters: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {
        "Type": "Task",
        "Resource": f"arn:aws:states:::aws-sdk:{action}",
        "Parameters": parameters,
        **more,
    }


def _machine(sfn: Any, name: str, states: dict[str, Any], start: str) -> str:
    definition = json.dumps({"StartAt": start, "States": states})
    return str(
        sfn.create_state_machine(name=name, roleArn=ROLE, definition=definition)["stateMachineArn"]
    )


def _run(
    sfn: Any, arn: str, name: str, payload: dict[str, Any]
) -> tuple[dict[str, Any], list[Any]]:
    execution = sfn.start_execution(stateMachineArn=arn, name=name, input=json.dumps(payload))
    started = time.monotonic()
    while True:
        described = sfn.describe_execution(executionArn=execution["executionArn"])
        if described["status"] != "RUNNING" or time.monotonic() - started > 30:
            break
        time.sleep(0.02)
    history = sfn.get_execution_history(executionArn=execution["executionArn"])["events"]
    return described, history


ORDERS = {
    "TableName": "orders",
    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
    "BillingMode": "PAY_PER_REQUEST",
}


def test_names_are_the_sdk_for_java_v2_spelling_both_ways(sfn: Any) -> None:
    """``SSESpecification`` is written ``SseSpecification``, ``BOOL`` ``Bool``; the answers
    come back spelled the same way, so a path into them reads what AWS would hand over."""
    states = {
        "create": _task(
            "dynamodb:createTable",
            {**ORDERS, "SseSpecification": {"Enabled": True}},
            ResultPath="$.created",
            Next="put",
        ),
        "put": _task(
            "dynamodb:putItem",
            {"TableName": "orders", "Item": {"id": {"S": "1"}, "paid": {"Bool": True}}},
            ResultPath=None,
            Next="get",
        ),
        "get": _task(
            "dynamodb:getItem",
            {"TableName": "orders", "Key": {"id": {"S": "1"}}},
            ResultSelector={"paid.$": "$.Item.paid.Bool"},
            ResultPath="$.got",
            End=True,
        ),
    }
    arn = _machine(sfn, "names", states, "create")
    described, _ = _run(sfn, arn, "run-1", {})
    assert described["status"] == "SUCCEEDED", described.get("cause")
    output = json.loads(described["output"])
    assert output["got"]["paid"] is True
    assert "SseDescription" in output["created"]["TableDescription"]
    assert "TableName" in output["created"]["TableDescription"]
    # And AWS state read back: the item is there, with its boolean.
    item = boto3.client("dynamodb", region_name=REGION).get_item(
        TableName="orders", Key={"id": {"S": "1"}}
    )["Item"]
    assert item == {"id": {"S": "1"}, "paid": {"BOOL": True}}


@pytest.mark.parametrize(
    ("action", "parameters", "field", "where"),
    [
        # The snake-case round trip's spelling, which AWS does not know.
        (
            "rds:createDBInstanceReadReplica",
            {"DbInstanceIdentifier": "ro", "SourceDbInstanceIdentifier": "db", "MultiAz": True},
            "SourceDbInstanceIdentifier",
            "/States/call/Parameters",
        ),
        # botocore's own spelling is not Step Functions'.
        ("dynamodb:createTable", {**ORDERS, "SSESpecification": {}}, "SSESpecification", ""),
        # At any depth: a map's values, a list's items.
        (
            "dynamodb:putItem",
            {"TableName": "orders", "Item": {"id": {"BOOL": True}}},
            "BOOL",
            "/States/call/Parameters/Item/id",
        ),
        (
            "dynamodb:createTable",
            {**ORDERS, "KeySchema": [{"AttributeName": "id", "Keytype": "HASH"}]},
            "Keytype",
            "/States/call/Parameters/KeySchema/0",
        ),
        # A ``.$`` field's name is checked too.
        ("rds:describeDBInstances", {"DBInstanceIdentifier.$": "$.id"}, "DBInstanceIdentifier", ""),
    ],
)
def test_a_field_the_operation_does_not_have_is_refused_at_create(
    sfn: Any, action: str, parameters: dict[str, Any], field: str, where: str
) -> None:
    states = {"call": _task(action, parameters, End=True)}
    with pytest.raises(sfn.exceptions.InvalidDefinition) as refused:
        _machine(sfn, "refused", states, "call")
    message = str(refused.value)
    assert f'SCHEMA_VALIDATION_FAILED: The field "{field}" is not supported by Step Functions' in (
        message
    )
    assert f"at {where or '/States/call/Parameters'}" in message
    assert sfn.list_state_machines()["stateMachines"] == []


def test_a_field_inside_a_branch_is_checked_too(sfn: Any) -> None:
    inner = {"StartAt": "call", "States": {"call": _task(
        "rds:describeDBInstances", {"DbInstanceIdentifier": "db", "Marker2": "x"}, End=True
    )}}  # fmt: skip
    states = {"fan": {"Type": "Parallel", "Branches": [inner], "End": True}}
    with pytest.raises(sfn.exceptions.InvalidDefinition) as refused:
        _machine(sfn, "branch", states, "fan")
    assert 'The field "Marker2"' in str(refused.value)
    assert "at /States/fan/Branches/0/States/call/Parameters" in str(refused.value)


def test_a_field_that_arrives_at_run_time_fails_the_execution_uncatchably(sfn: Any) -> None:
    """Only the run-time value can name it: the task fails with ``States.Runtime``, which no
    ``Catch`` takes (``States.ALL`` included), and nothing is written."""
    boto3.client("dynamodb", region_name=REGION).create_table(**ORDERS)
    states = {
        "put": _task(
            "dynamodb:putItem",
            {"TableName": "orders", "Item.$": "$.item"},
            Catch=[{"ErrorEquals": ["States.ALL"], "Next": "caught"}],
            End=True,
        ),
        "caught": {"Type": "Pass", "End": True},
    }
    arn = _machine(sfn, "late", states, "put")
    described, history = _run(
        sfn, arn, "run-1", {"item": {"id": {"S": "1"}, "paid": {"BOOL": True}}}
    )
    assert described["status"] == "FAILED"
    assert described["error"] == "States.Runtime"
    assert (
        'The field "BOOL" is not supported by Step Functions at Parameters.Item.paid'
        in (described["cause"])
    )
    assert not [e for e in history if e.get("stateEnteredEventDetails", {}).get("name") == "caught"]
    assert boto3.client("dynamodb", region_name=REGION).scan(TableName="orders")["Items"] == []
    # The same input spelled as Step Functions spells it is written.
    described, _ = _run(sfn, arn, "run-2", {"item": {"id": {"S": "1"}, "paid": {"Bool": True}}})
    assert described["status"] == "SUCCEEDED"
    items = boto3.client("dynamodb", region_name=REGION).scan(TableName="orders")["Items"]
    assert items == [{"id": {"S": "1"}, "paid": {"BOOL": True}}]
