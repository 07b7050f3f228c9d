"""custom kind extensions: SSM Automation executions move Pending -> InProgress -> Success or
Failed over the sandbox's AWS clock, carrying out the modelled steps (and refusing to pretend
on the others); Lambda Invoke answers as AWS does -- payload, FunctionError, log tail,
ResourceNotFoundException -- without running code."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from drctl.engine.clock import FakeClock
from drctl.kinds.sandboxing import aws_time

ClientFactory = Callable[..., Any]
REGION = "us-west-2"


@pytest.fixture(autouse=True)
def fake() -> Iterator[FakeClock]:
    clock = FakeClock()
    aws_time.follow(clock.now)
    yield clock
    aws_time.reset()


def _runbook(ssm: Any, name: str, steps: list[dict[str, Any]], params: Any = None) -> None:
    content = {"schemaVersion": "0.3", "parameters": params or {}, "mainSteps": steps}
    ssm.create_document(
        Name=name, DocumentType="Automation", DocumentFormat="JSON", Content=json.dumps(content)
    )


PUT = {
    "name": "put",
    "action": "aws:executeAwsApi",
    "inputs": {
        "Service": "ssm",
        "Api": "PutParameter",
        "Name": "/flag",
        "Value": "{{ Target }}",
        "Overwrite": True,
    },
}
ASSERT = {
    "name": "assert",
    "action": "aws:assertAwsResourceProperty",
    "inputs": {
        "Service": "ssm",
        "Api": "GetParameter",
        "Name": "/flag",
        "PropertySelector": "$.Parameter.Value",
        "DesiredValues": ["dr"],
    },
}


def _status(ssm: Any, execution_id: str) -> dict[str, Any]:
    found: dict[str, Any] = ssm.get_automation_execution(AutomationExecutionId=execution_id)[
        "AutomationExecution"
    ]
    return found


def test_an_execution_runs_its_steps_over_aws_time(aws: ClientFactory, fake: FakeClock) -> None:
    ssm = aws("ssm", REGION)
    _runbook(ssm, "switch", [PUT, ASSERT], {"Target": {"type": "String"}})
    execution_id = ssm.start_automation_execution(
        DocumentName="switch", Parameters={"Target": ["dr"]}
    )["AutomationExecutionId"]
    assert _status(ssm, execution_id)["AutomationExecutionStatus"] == "Pending"
    fake.advance(3)
    found = _status(ssm, execution_id)
    assert found["AutomationExecutionStatus"] == "InProgress"
    assert ssm.get_parameter(Name="/flag")["Parameter"]["Value"] == "dr"  # step 1 done
    fake.advance(30)
    found = _status(ssm, execution_id)
    assert found["AutomationExecutionStatus"] == "Success"
    assert [s["StepStatus"] for s in found["StepExecutions"]] == ["Success", "Success"]
    assert found["Parameters"] == {"Target": ["dr"]}


def test_a_failing_assertion_fails_the_execution_with_a_message(
    aws: ClientFactory, fake: FakeClock
) -> None:
    ssm = aws("ssm", REGION)
    ssm.put_parameter(Name="/flag", Value="primary", Type="String")
    _runbook(ssm, "check", [ASSERT])
    execution_id = ssm.start_automation_execution(DocumentName="check")["AutomationExecutionId"]
    fake.advance(60)
    found = _status(ssm, execution_id)
    assert found["AutomationExecutionStatus"] == "Failed"
    assert "The actual value primary" in found["FailureMessage"]


def test_an_unmodelled_action_fails_instead_of_pretending(
    aws: ClientFactory, fake: FakeClock
) -> None:
    ssm = aws("ssm", REGION)
    step = {"name": "r", "action": "aws:runCommand", "inputs": {"DocumentName": "x"}}
    _runbook(ssm, "other", [step])
    execution_id = ssm.start_automation_execution(DocumentName="other")["AutomationExecutionId"]
    fake.advance(60)
    found = _status(ssm, execution_id)
    assert found["AutomationExecutionStatus"] == "Failed"
    assert "does not model aws:runCommand" in found["FailureMessage"]


def test_start_refuses_unknown_runbooks_and_parameters(aws: ClientFactory) -> None:
    ssm = aws("ssm", REGION)
    with pytest.raises(ClientError) as missing:
        ssm.start_automation_execution(DocumentName="nope")
    assert missing.value.response["Error"]["Code"] == "AutomationDefinitionNotFoundException"
    _runbook(ssm, "switch", [PUT], {"Target": {"type": "String"}})
    for params in ({}, {"Target": ["dr"], "Other": ["x"]}):
        with pytest.raises(ClientError) as bad:
            ssm.start_automation_execution(DocumentName="switch", Parameters=params)
        code = bad.value.response["Error"]["Code"]
        assert code == "InvalidAutomationExecutionParametersException"
    with pytest.raises(ClientError) as unknown:
        ssm.get_automation_execution(AutomationExecutionId="a" * 36)
    assert unknown.value.response["Error"]["Code"] == "AutomationExecutionNotFoundException"


def _function(aws: ClientFactory, name: str, env: dict[str, str]) -> Any:
    aws("iam", "us-east-1").create_role(RoleName=f"r-{name}", AssumeRolePolicyDocument="{}")
    client = aws("lambda", REGION)
    client.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=f"arn:aws:iam::123456789012:role/r-{name}",
        Handler="index.handler",
        Code={"ZipFile": b"PK"},
        Environment={"Variables": env},
    )
    return client


def test_invoke_puts_and_reads_the_parameter_with_a_log_tail(aws: ClientFactory) -> None:
    client = _function(
        aws, "switch", {"DRCTL_SANDBOX_PARAMETER": "/flag", "DRCTL_SANDBOX_PUT": "dr"}
    )
    _function(aws, "check", {"DRCTL_SANDBOX_PARAMETER": "/flag", "DRCTL_SANDBOX_EXPECT": "dr"})
    first = client.invoke(FunctionName="check", Payload=b"{}")
    assert json.loads(first["Payload"].read()) is False
    answer = client.invoke(FunctionName="switch", Payload=b'{"to": "dr"}', LogType="Tail")
    assert json.loads(answer["Payload"].read()) == {"parameter": "/flag", "value": "dr"}
    log = base64.b64decode(answer["LogResult"]).decode()
    assert log.startswith("START RequestId:") and "put /flag=dr" in log
    assert aws("ssm", REGION).get_parameter(Name="/flag")["Parameter"]["Value"] == "dr"
    assert json.loads(client.invoke(FunctionName="check")["Payload"].read()) is True


def test_invoke_of_a_raising_function_is_200_with_function_error(aws: ClientFactory) -> None:
    client = _function(aws, "raising", {"DRCTL_SANDBOX_ERROR": "out of cheese"})
    answer = client.invoke(FunctionName="raising")
    assert answer["StatusCode"] == 200 and answer["FunctionError"] == "Unhandled"
    assert json.loads(answer["Payload"].read())["errorMessage"] == "out of cheese"
    with pytest.raises(ClientError) as missing:
        client.invoke(FunctionName="nope")
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_sandbox_up_builds_each_included_plan_and_the_extensions_answer_over_http(
    server: ClientFactory, fake: FakeClock
) -> None:
    from drctl.sandbox.serve import build_plan
    from tests.conftest import EXAMPLES

    endpoint = server("ssm").meta.endpoint_url
    built = build_plan(str(EXAMPLES / "organisation.yaml"), endpoint)
    assert built == [
        "platform/sessions",
        "platform/platform-flags",
        "storefront/web",
        "storefront/warm-caches",
    ]
    client = server("lambda", REGION)
    answer = client.invoke(FunctionName="platform-flags-switch", Payload=b'{"serving": "dr"}')
    assert json.loads(answer["Payload"].read()) == {
        "parameter": "/drctl-sandbox/platform-flags",
        "value": "dr",
    }
    ssm = server("ssm", REGION)
    execution_id = ssm.start_automation_execution(
        DocumentName="storefront-warm-caches", Parameters={"Pages": ["home", "search"]}
    )["AutomationExecutionId"]
    fake.advance(60)
    assert _status(ssm, execution_id)["AutomationExecutionStatus"] == "Success"
    flag = ssm.get_parameter(Name="/drctl-sandbox/warm-caches")["Parameter"]["Value"]
    assert flag == "dr"
