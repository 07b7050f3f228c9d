"""Region and service outages: requests to what is out fail as an unreachable endpoint does
(a refused connection in-process, a dropped connection through the server), never as a tidy
4xx, and nothing reaches moto's backends while the outage lasts."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ConnectionClosedError, EndpointConnectionError

from drctl.errors import UsageError
from drctl.sandbox.outages import Outage, outages, remote, request_scope
from tests.sandbox.conftest import ClientFactory

ONE_ATTEMPT = Config(retries={"mode": "standard", "total_max_attempts": 1})


@pytest.fixture(autouse=True)
def no_outage_left() -> Iterator[None]:
    yield
    outages.clear()


def _one_shot(session: boto3.session.Session, service: str, region: str, endpoint: Any) -> Any:
    return session.client(service, region_name=region, endpoint_url=endpoint, config=ONE_ATTEMPT)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("us-east-1", Outage(region="us-east-1")),
        ("rds", Outage(service="rds")),
        ("RDS@eu-west-1", Outage(service="rds", region="eu-west-1")),
        ("us-gov-west-1", Outage(region="us-gov-west-1")),
    ],
)
def test_specs(spec: str, expected: Outage) -> None:
    assert Outage.parse(spec) == expected
    assert Outage.parse(str(expected)) == expected


@pytest.mark.parametrize("spec", ["", "rds@nowhere", "r ds", "@us-east-1"])
def test_bad_specs_are_usage_errors(spec: str) -> None:
    with pytest.raises(UsageError):
        Outage.parse(spec)


def test_the_scope_comes_from_the_signature_then_the_host() -> None:
    auth = {
        "Authorization": "AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-west-1/rds/aws4_request, "
        "SignedHeaders=host, Signature=00"
    }
    assert request_scope(auth, "http://127.0.0.1:5000/") == ("rds", "eu-west-1")
    assert request_scope({}, "https://dynamodb.ap-south-1.amazonaws.com/") == (
        "dynamodb",
        "ap-south-1",
    )


def test_a_region_outage_refuses_connections_in_process(
    aws: ClientFactory, boto_session: boto3.session.Session
) -> None:
    outages.add("us-east-1")
    down = _one_shot(boto_session, "rds", "us-east-1", None)
    with pytest.raises(EndpointConnectionError):
        down.create_db_instance(
            DBInstanceIdentifier="lost", Engine="postgres", DBInstanceClass="db.t3.micro",
            MasterUsername="admin", MasterUserPassword="sandbox-only",
        )  # fmt: skip
    assert aws("rds", "eu-west-1").describe_db_instances()["DBInstances"] == []
    assert aws("route53", "us-east-1").list_hosted_zones()["HostedZones"] == []  # global: up
    assert outages.refused() == {"rds@us-east-1": 1}
    outages.clear("us-east-1")
    # The refused call never reached moto: the instance does not exist.
    assert aws("rds", "us-east-1").describe_db_instances()["DBInstances"] == []


def test_service_outages_take_down_one_service(
    aws: ClientFactory, boto_session: boto3.session.Session
) -> None:
    outages.add("s3@eu-west-1", "route53")
    with pytest.raises(EndpointConnectionError):
        _one_shot(boto_session, "s3", "eu-west-1", None).list_buckets()
    with pytest.raises(EndpointConnectionError):
        _one_shot(boto_session, "route53", "us-east-1", None).list_hosted_zones()
    assert aws("s3", "us-east-1").list_buckets()["Buckets"] == []
    assert aws("rds", "eu-west-1").describe_db_instances()["DBInstances"] == []
    assert [str(o) for o in outages.active()] == ["route53", "s3@eu-west-1"]
    outages.clear()
    assert aws("route53", "us-east-1").list_hosted_zones()["HostedZones"] == []


def test_the_server_drops_the_connection_and_takes_changes_over_http(
    server: ClientFactory, boto_session: boto3.session.Session
) -> None:
    endpoint = server("rds", "us-east-1").meta.endpoint_url
    assert remote(endpoint, {"add": ["us-east-1"]})["outages"] == ["us-east-1"]
    down = _one_shot(boto_session, "rds", "us-east-1", endpoint)
    with pytest.raises(ConnectionClosedError):
        down.describe_db_instances()
    assert server("rds", "eu-west-1").describe_db_instances()["DBInstances"] == []
    with urllib.request.urlopen(f"{endpoint}/drctl-api/outages", timeout=5) as answer:
        state = json.loads(answer.read())
    assert state == {"outages": ["us-east-1"], "refused": {"rds@us-east-1": 1}}
    assert remote(endpoint, {"clear": None})["outages"] == []
    assert down.describe_db_instances()["DBInstances"] == []
