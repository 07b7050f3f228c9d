"""Lambda extensions: an event source mapping is Enabling / Disabling on the sandbox's AWS clock
before it is Enabled / Disabled and refuses updates meanwhile; GetAccountSettings reports the
Region's quota and what is unreserved; a reservation that leaves less than 100 is refused."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from botocore.exceptions import ClientError

from drctl.kinds.lambda_function import moto_concurrency, moto_event_source_states
from tests.sandbox.conftest import DR_REGION, ClientFactory


def _function(aws: ClientFactory, name: str = "worker") -> Any:
    iam = aws("iam")
    try:
        role = iam.create_role(RoleName="fn", AssumeRolePolicyDocument=json.dumps({}))
    except ClientError:
        role = iam.get_role(RoleName="fn")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return 1\n")
    lam = aws("lambda", DR_REGION)
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role["Role"]["Arn"],
        Handler="handler.handler",
        Code={"ZipFile": buffer.getvalue()},
    )
    return lam


def _mapping(aws: ClientFactory) -> tuple[Any, str]:
    lam = _function(aws)
    sqs = aws("sqs", DR_REGION)
    url = sqs.create_queue(QueueName="events")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    created = lam.create_event_source_mapping(
        EventSourceArn=arn["QueueArn"], FunctionName="worker", Enabled=False
    )
    return lam, str(created["UUID"])


def _state(lam: Any, uuid: str) -> str:
    return str(lam.get_event_source_mapping(UUID=uuid)["State"])


def test_a_mapping_is_enabling_then_enabled(aws: ClientFactory, aws_clock: Any) -> None:
    lam, uuid = _mapping(aws)
    assert _state(lam, uuid) == "Disabled"
    assert lam.update_event_source_mapping(UUID=uuid, Enabled=True)["State"] == "Enabling"
    aws_clock.advance(moto_event_source_states.TRANSITION_SECONDS - 1)
    assert _state(lam, uuid) == "Enabling"
    aws_clock.advance(1)
    assert _state(lam, uuid) == "Enabled"
    lam.update_event_source_mapping(UUID=uuid, Enabled=False)
    assert _state(lam, uuid) == "Disabling"
    aws_clock.advance(moto_event_source_states.TRANSITION_SECONDS)
    assert _state(lam, uuid) == "Disabled"


def test_an_update_while_the_state_changes_is_refused(aws: ClientFactory, aws_clock: Any) -> None:
    lam, uuid = _mapping(aws)
    lam.update_event_source_mapping(UUID=uuid, Enabled=True)
    with pytest.raises(ClientError) as err:
        lam.update_event_source_mapping(UUID=uuid, Enabled=False)
    assert err.value.response["Error"]["Code"] == "ResourceInUseException"
    aws_clock.advance(moto_event_source_states.TRANSITION_SECONDS)
    lam.update_event_source_mapping(UUID=uuid, Enabled=False)
    assert _state(lam, uuid) == "Disabling"


def test_an_update_that_keeps_the_state_is_not_a_transition(
    aws: ClientFactory, aws_clock: Any
) -> None:
    lam, uuid = _mapping(aws)
    lam.update_event_source_mapping(UUID=uuid, Enabled=False, BatchSize=5)
    assert _state(lam, uuid) == "Disabled"


def test_account_settings_report_the_unreserved_concurrency(
    aws: ClientFactory, aws_clock: Any
) -> None:
    lam = _function(aws)
    limit = lam.get_account_settings()["AccountLimit"]
    assert (limit["ConcurrentExecutions"], limit["UnreservedConcurrentExecutions"]) == (
        moto_concurrency.DEFAULT_QUOTA,
        moto_concurrency.DEFAULT_QUOTA,
    )
    lam.put_function_concurrency(FunctionName="worker", ReservedConcurrentExecutions=300)
    assert lam.get_account_settings()["AccountLimit"]["UnreservedConcurrentExecutions"] == 700
    assert lam.get_account_settings()["AccountUsage"]["FunctionCount"] == 1


def test_a_reservation_below_the_floor_is_refused(aws: ClientFactory, aws_clock: Any) -> None:
    lam = _function(aws)
    lam.put_function_concurrency(FunctionName="worker", ReservedConcurrentExecutions=900)
    lam.put_function_concurrency(FunctionName="worker", ReservedConcurrentExecutions=900)
    _function(aws, "other")
    with pytest.raises(ClientError) as err:
        lam.put_function_concurrency(FunctionName="other", ReservedConcurrentExecutions=1)
    assert err.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert "minimum value of [100]" in err.value.response["Error"]["Message"]


def test_uninstall_restores_moto(aws: ClientFactory, aws_clock: Any) -> None:
    moto_event_source_states.uninstall()
    try:
        lam, uuid = _mapping(aws)
        assert lam.update_event_source_mapping(UUID=uuid, Enabled=True)["State"] == "Enabled"
    finally:
        moto_event_source_states.install()


def test_account_settings_are_served_by_the_sandbox_server(server: ClientFactory) -> None:
    limit = server("lambda", DR_REGION).get_account_settings()["AccountLimit"]
    assert limit["UnreservedConcurrentExecutions"] == moto_concurrency.DEFAULT_QUOTA
