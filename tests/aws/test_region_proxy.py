"""drctl's Region proxy: the call an AWS SDK task would make, made in another Region, answered
and failed as the integration answers and fails; run as deployed (the package read back from
Lambda) when a state machine invokes it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from drctl.aws import region_proxy
from drctl.aws.stepfunctions import code_sha256, ensure_proxy, ensure_role, proxy_zip
from drctl.sandbox.outages import outages

ROLE_NAME = "drctl-proxy-test"


def _client(
    service: str, region: str, credentials: dict[str, str] | None, endpoint: str | None
) -> Any:
    return boto3.client(service, region_name=region, endpoint_url=endpoint, **(credentials or {}))


@pytest.fixture
def table(aws: None) -> Iterator[str]:
    ddb = boto3.client("dynamodb", region_name="us-east-1")
    ddb.create_table(
        TableName="orders",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    yield "orders"
    outages.clear()


def test_names_are_bound_to_boto3s_and_answered_as_step_functions_spells_them(
    table: str,
) -> None:
    answer = region_proxy.call(
        {"Region": "us-east-1", "Service": "dynamodb", "Action": "describeTable",
         "ErrorPrefix": "DynamoDb", "Parameters": {"TableName": table}},
        _client,
    )  # fmt: skip
    described = answer["Table"]
    assert described["TableName"] == table
    assert described["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    # A timestamp is an RFC 3339 string, as a state's JSON data holds it.
    assert described["CreationDateTime"].endswith("Z") and "T" in described["CreationDateTime"]
    assert "ResponseMetadata" not in answer
    # botocore's DBInstanceIdentifier / DBInstances are Step Functions' DbInstance..., both ways.
    boto3.client("rds", region_name="us-east-1").create_db_instance(
        DBInstanceIdentifier="orders-db", DBInstanceClass="db.t3.micro", Engine="postgres",
        MasterUsername="admin", MasterUserPassword="not-a-secret-1", AllocatedStorage=20,
    )  # fmt: skip
    rds = region_proxy.call(
        {"Region": "us-east-1", "Service": "rds", "Action": "describeDBInstances",
         "Parameters": {"DbInstanceIdentifier": "orders-db"}},
        _client,
    )  # fmt: skip
    assert rds["DbInstances"][0]["DbInstanceIdentifier"] == "orders-db"
    # Capitals past the first word stay, as the SDK for Java v2 spells its fields.
    assert rds["DbInstances"][0]["MultiAZ"] is False
    assert "IamDatabaseAuthenticationEnabled" in rds["DbInstances"][0]


@pytest.mark.parametrize(
    ("botocore", "sfn"),
    [
        ("DBInstanceIdentifier", "DbInstanceIdentifier"),
        ("DBInstances", "DbInstances"),
        ("BOOL", "Bool"),
        ("SSESpecification", "SseSpecification"),
        ("KMSKeyId", "KmsKeyId"),
        ("KmsKeyId", "KmsKeyId"),
        ("SourceDBInstanceIdentifier", "SourceDBInstanceIdentifier"),
        ("MultiAZ", "MultiAZ"),
        ("ReadReplicaSourceDBInstanceIdentifier", "ReadReplicaSourceDBInstanceIdentifier"),
        ("EnableIAMDatabaseAuthentication", "EnableIAMDatabaseAuthentication"),
        ("IAMDatabaseAuthenticationEnabled", "IamDatabaseAuthenticationEnabled"),
        ("ReplicaKmsKeyID", "ReplicaKmsKeyID"),
        ("S", "S"),
        ("SS", "Ss"),
        ("nextToken", "NextToken"),
        ("TableName", "TableName"),
    ],
)
def test_member_names_are_the_sdk_for_java_v2_fields_capitalised(botocore: str, sfn: str) -> None:
    """Java v2's ``unCapitalize`` (leading capitals lower-cased but the one a lower-case
    letter follows), first letter upper-cased."""
    assert region_proxy.sfn_member_name(botocore) == sfn


def test_a_parameter_named_the_old_way_or_unknown_is_refused_and_named(aws: None) -> None:
    """Bound by exact spelling only: ``SourceDbInstanceIdentifier`` (a snake-case round trip's
    spelling) is no member on AWS, and neither is a misspelled field at any depth."""
    rds = boto3.client("rds", region_name="us-east-1")
    rds.create_db_instance(
        DBInstanceIdentifier="orders-db", DBInstanceClass="db.t3.micro", Engine="postgres",
        MasterUsername="admin", MasterUserPassword="not-a-secret-1", AllocatedStorage=20,
    )  # fmt: skip
    cases = [
        ({"SourceDbInstanceIdentifier": "orders-db", "DbInstanceIdentifier": "ro"},
         "SourceDbInstanceIdentifier", "createDBInstanceReadReplica"),
        ({"SourceDBInstanceIdentifier": "orders-db", "DbInstanceIdentifier": "ro",
          "Tags": [{"Key": "a", "Valeu": "b"}]}, "Valeu", "createDBInstanceReadReplica"),
        ({"DBInstanceIdentifier": "orders-db"}, "DBInstanceIdentifier", "describeDBInstances"),
    ]  # fmt: skip
    for parameters, field, action in cases:
        with pytest.raises(Exception) as caught:
            region_proxy.call(
                {"Region": "us-east-1", "Service": "rds", "Action": action,
                 "ErrorPrefix": "Rds", "Parameters": parameters},
                _client,
            )  # fmt: skip
        assert type(caught.value).__name__ == "Rds.UnsupportedParameterException"
        assert f'The field "{field}" is not supported' in str(caught.value)
    # The old spelling is answered with Step Functions' own.
    assert 'spells it "SourceDBInstanceIdentifier"' in str(
        region_proxy.UnsupportedParameter(
            "SourceDbInstanceIdentifier", "Parameters", ["SourceDBInstanceIdentifier", "Tags"]
        )
    )
    # Nothing was created by the refused calls.
    described = rds.describe_db_instances()["DBInstances"]
    assert [d["DBInstanceIdentifier"] for d in described] == ["orders-db"]
    # Spelled as Step Functions spells them, the same call is made.
    answer = region_proxy.call(
        {"Region": "us-east-1", "Service": "rds", "Action": "createDBInstanceReadReplica",
         "ErrorPrefix": "Rds", "Parameters": {"SourceDBInstanceIdentifier": "orders-db",
         "DbInstanceIdentifier": "ro", "MultiAZ": False}},
        _client,
    )  # fmt: skip
    assert answer["DbInstance"]["ReadReplicaSourceDBInstanceIdentifier"] == "orders-db"
    replica = rds.describe_db_instances(DBInstanceIdentifier="ro")["DBInstances"][0]
    assert replica["ReadReplicaSourceDBInstanceIdentifier"] == "orders-db"


def test_an_aws_error_is_raised_under_the_integrations_error_name(aws: None) -> None:
    with pytest.raises(Exception) as caught:
        region_proxy.call(
            {"Region": "us-east-1", "Service": "rds", "Action": "describeDBInstances",
             "ErrorPrefix": "Rds", "Parameters": {"DbInstanceIdentifier": "missing"}},
            _client,
        )  # fmt: skip
    # Lambda reports the class name as errorType: Step Functions' error name.
    assert type(caught.value).__name__ == "Rds.DbInstanceNotFoundException"
    assert "missing" in str(caught.value)


def test_a_region_that_does_not_answer_is_an_sdk_client_exception(table: str) -> None:
    outages.add("us-east-1")

    def no_retries(service: str, region: str, creds: Any, endpoint: Any) -> Any:
        from botocore.config import Config

        return boto3.client(service, region_name=region, endpoint_url=endpoint,
                            config=Config(retries={"total_max_attempts": 1}))  # fmt: skip

    with pytest.raises(Exception) as caught:
        region_proxy.call(
            {"Region": "us-east-1", "Service": "dynamodb", "Action": "describeTable",
             "ErrorPrefix": "DynamoDb", "Parameters": {"TableName": table}},
            no_retries,
        )  # fmt: skip
    assert type(caught.value).__name__ == "DynamoDb.SdkClientException"
    assert "got no answer from us-east-1" in str(caught.value)


def test_endpoints_are_tried_in_turn_until_one_answers(table: str) -> None:
    """ARC's cluster endpoints: the first that answers serves the call."""
    tried: list[str | None] = []

    def factory(service: str, region: str, creds: Any, endpoint: str | None) -> Any:
        tried.append(endpoint)
        if endpoint == "https://down.example.invalid":
            from botocore.exceptions import EndpointConnectionError

            class Refusing:
                meta = boto3.client(service, region_name=region).meta

                def describe_table(self, **_: Any) -> Any:
                    raise EndpointConnectionError(endpoint_url=endpoint)

            return Refusing()
        return _client(service, region, creds, None)

    answer = region_proxy.call(
        {"Region": "us-east-1", "Service": "dynamodb", "Action": "describeTable",
         "Parameters": {"TableName": table},
         "Endpoints": ["https://down.example.invalid", "https://up.example.invalid"]},
        factory,
    )  # fmt: skip
    assert answer["Table"]["TableName"] == table
    assert tried == ["https://down.example.invalid", "https://up.example.invalid"]


def test_the_accounts_role_is_assumed_before_the_call(table: str) -> None:
    seen: list[dict[str, str] | None] = []

    def factory(service: str, region: str, creds: Any, endpoint: Any) -> Any:
        if service != "sts":
            seen.append(creds)
        return _client(service, region, creds, endpoint)

    region_proxy.call(
        {"Region": "us-east-1", "Service": "dynamodb", "Action": "describeTable",
         "Parameters": {"TableName": table},
         "RoleArn": "arn:aws:iam::123456789012:role/drctl-primary"},
        factory,
    )  # fmt: skip
    assert seen and seen[0] is not None and seen[0]["aws_session_token"]


def test_deployed_it_runs_in_the_sandbox_as_its_package_says(table: str) -> None:
    """Invoked through Lambda, the package read back from the function runs: the code AWS
    would run is the code tested; an error comes back as Lambda reports one."""
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "dynamodb:DescribeTable", "Resource": "*"}],
    }
    role = ensure_role(boto3.client("iam"), ROLE_NAME, policy, "test", lambda_too=True)
    lam = boto3.client("lambda", region_name="us-west-2")
    arn, verdict = ensure_proxy(lam, "drctl-shop-region-proxy", role, "test")
    assert verdict == "created" and arn.endswith(":function:drctl-shop-region-proxy")
    assert ensure_proxy(lam, "drctl-shop-region-proxy", role, "test")[1] == "unchanged"
    config = lam.get_function_configuration(FunctionName="drctl-shop-region-proxy")
    assert config["CodeSha256"] == code_sha256(proxy_zip())

    event = {"Region": "us-east-1", "Service": "dynamodb", "Action": "describeTable",
             "ErrorPrefix": "DynamoDb", "Parameters": {"TableName": table}}  # fmt: skip
    done = lam.invoke(FunctionName="drctl-shop-region-proxy", Payload=json.dumps(event))
    assert "FunctionError" not in done
    assert json.loads(done["Payload"].read())["Table"]["TableName"] == table

    event["Parameters"] = {"TableName": "missing"}
    failed = lam.invoke(FunctionName="drctl-shop-region-proxy", Payload=json.dumps(event))
    assert failed["FunctionError"] == "Unhandled"
    assert json.loads(failed["Payload"].read())["errorType"] == (
        "DynamoDb.ResourceNotFoundException"
    )


def test_an_optimized_lambda_invoke_fails_on_the_functions_error(aws: None) -> None:
    """A custom step's function in another Region: its error is the task's error, as the
    optimized lambda:invoke integration makes it."""
    iam = boto3.client("iam")
    role = iam.create_role(RoleName="fn", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    lam = boto3.client("lambda", region_name="us-east-1")
    for name, env in (("ok", {}), ("broken", {"DRCTL_SANDBOX_ERROR": "flag store down"})):
        lam.create_function(FunctionName=name, Runtime="python3.12", Role=role,
                            Handler="x.handler", Code={"ZipFile": proxy_zip()},
                            Environment={"Variables": env})  # fmt: skip
    base = {"Region": "us-east-1", "Service": "lambda", "Action": "invoke",
            "Integration": "optimized"}  # fmt: skip
    answer = region_proxy.call(
        {**base, "Parameters": {"FunctionName": "ok", "Payload": {"a": 1}}}, _client
    )
    assert answer["StatusCode"] == 200 and answer["Payload"] is None
    with pytest.raises(Exception, match="flag store down") as caught:
        region_proxy.call(
            {**base, "Parameters": {"FunctionName": "broken", "Payload": {}}}, _client
        )
    assert type(caught.value).__name__ == "Exception"


def test_each_endpoint_gets_one_short_try_so_five_fit_in_the_function_timeout() -> None:
    """Five ARC endpoints that all time out must not outlast the Lambda function's timeout
    (the task would fail as a Lambda timeout, not as the endpoints' error)."""
    from drctl.aws.stepfunctions import PROXY_TIMEOUT_SECONDS

    client = region_proxy._boto3_client("dynamodb", "us-east-1", None, "https://a.example.invalid")
    config = client.meta.config
    assert config.retries["total_max_attempts"] == 1
    assert 5 * (config.connect_timeout + config.read_timeout) < PROXY_TIMEOUT_SECONDS
    single = region_proxy._boto3_client("dynamodb", "us-east-1", None, None).meta.config
    assert single.retries["mode"] == "standard"
