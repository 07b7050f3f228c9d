"""Global Accelerator extension: the API on us-west-2 only, deployments over the AWS clock,
endpoint groups with their dials and validation, and endpoint health that follows a Region's
outage after interval x threshold -- in-process and through the moto server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from drctl.engine.clock import FakeClock
from drctl.kinds.global_accelerator import moto_global_accelerator as ext
from drctl.kinds.sandboxing import aws_time
from drctl.sandbox.outages import outages

ClientFactory = Callable[..., Any]
ACCELERATOR_ID = "1234abcd-abcd-1234-abcd-1234abcdef01"


@pytest.fixture(autouse=True)
def fake() -> Iterator[FakeClock]:
    clock = FakeClock()
    aws_time.follow(clock.now)
    ext.reset_endpoint_health()
    yield clock
    outages.clear()
    ext.reset_endpoint_health()
    aws_time.reset()


def _setup(client: ClientFactory, interval: int = 10, threshold: int = 3) -> dict[str, Any]:
    """An accelerator, a listener, and groups in us-east-1 (100%) and eu-west-1 (0%)."""
    ga = client("globalaccelerator", "us-west-2")
    accelerator = ga.create_accelerator(Name="shop", IdempotencyToken=ACCELERATOR_ID)["Accelerator"]
    listener = ga.create_listener(
        AcceleratorArn=accelerator["AcceleratorArn"],
        PortRanges=[{"FromPort": 443, "ToPort": 443}],
        Protocol="TCP",
        IdempotencyToken="0123abcd",
    )["Listener"]
    groups = {}
    for region, dial in (("us-east-1", 100.0), ("eu-west-1", 0.0)):
        allocation = client("ec2", region).allocate_address(Domain="vpc")["AllocationId"]
        groups[region] = ga.create_endpoint_group(
            ListenerArn=listener["ListenerArn"],
            EndpointGroupRegion=region,
            EndpointConfigurations=[{"EndpointId": allocation}],
            TrafficDialPercentage=dial,
            HealthCheckIntervalSeconds=interval,
            ThresholdCount=threshold,
            IdempotencyToken=f"token-{region}",
        )["EndpointGroup"]
    return {"ga": ga, "accelerator": accelerator, "listener": listener, "groups": groups}


def _health(ga: Any, group: dict[str, Any]) -> list[str]:
    described = ga.describe_endpoint_group(EndpointGroupArn=group["EndpointGroupArn"])
    return [e["HealthState"] for e in described["EndpointGroup"]["EndpointDescriptions"]]


def _status(ga: Any, arn: str) -> str:
    return str(ga.describe_accelerator(AcceleratorArn=arn)["Accelerator"]["Status"])


def test_the_api_answers_in_us_west_2_only(aws: ClientFactory) -> None:
    with pytest.raises(ClientError) as caught:
        aws("globalaccelerator", "us-east-1").create_accelerator(Name="x", IdempotencyToken="t")
    assert caught.value.response["Error"]["Code"] == "InvalidArgumentException"
    assert "us-west-2" in caught.value.response["Error"]["Message"]


def test_a_change_deploys_over_aws_time(aws: ClientFactory, fake: FakeClock) -> None:
    built = _setup(aws)
    ga, arn = built["ga"], built["accelerator"]["AcceleratorArn"]
    assert arn.endswith(f":accelerator/{ACCELERATOR_ID}")
    assert built["accelerator"]["Status"] == "IN_PROGRESS"
    assert built["accelerator"]["DnsName"].endswith(".awsglobalaccelerator.example")
    fake.advance(ext.DEPLOY_SECONDS - 1)
    assert _status(ga, arn) == "IN_PROGRESS"
    fake.advance(1)
    assert _status(ga, arn) == "DEPLOYED"
    # A dial change is a change: IN_PROGRESS again, then DEPLOYED.
    group = built["groups"]["eu-west-1"]
    updated = ga.update_endpoint_group(
        EndpointGroupArn=group["EndpointGroupArn"], TrafficDialPercentage=100
    )["EndpointGroup"]
    assert updated["TrafficDialPercentage"] == 100.0
    assert updated["HealthCheckIntervalSeconds"] == 10  # unchanged settings are kept
    assert _status(ga, arn) == "IN_PROGRESS"
    # UpdateAccelerator is refused while a change deploys (TransactionInProgressException).
    with pytest.raises(ClientError, match="TransactionInProgressException"):
        ga.update_accelerator(AcceleratorArn=arn, Enabled=False)
    fake.advance(ext.DEPLOY_SECONDS)
    assert _status(ga, arn) == "DEPLOYED"
    disabled = ga.update_accelerator(AcceleratorArn=arn, Enabled=False)["Accelerator"]
    assert disabled["Enabled"] is False


def test_listeners_and_endpoint_groups_are_listed_and_validated(aws: ClientFactory) -> None:
    built = _setup(aws)
    ga, listener = built["ga"], built["listener"]
    listed = ga.list_listeners(AcceleratorArn=built["accelerator"]["AcceleratorArn"])
    assert [x["ListenerArn"] for x in listed["Listeners"]] == [listener["ListenerArn"]]
    groups = ga.list_endpoint_groups(ListenerArn=listener["ListenerArn"])["EndpointGroups"]
    assert {g["EndpointGroupRegion"]: g["TrafficDialPercentage"] for g in groups} == {
        "us-east-1": 100.0,
        "eu-west-1": 0.0,
    }
    group = built["groups"]["us-east-1"]
    assert group["HealthCheckPort"] == 443 and group["HealthCheckProtocol"] == "TCP"
    assert group["EndpointDescriptions"][0]["Weight"] == 128
    cases = [
        (dict(EndpointGroupRegion="us-east-1"), "EndpointGroupAlreadyExistsException"),
        (dict(EndpointGroupRegion="us-west-1", TrafficDialPercentage=101), "InvalidArgument"),
        (dict(EndpointGroupRegion="us-west-1", HealthCheckIntervalSeconds=20), "InvalidArgument"),
        (
            dict(EndpointGroupRegion="us-west-1", EndpointConfigurations=[{"EndpointId": "i-0"}]),
            "InvalidArgumentException",  # not a valid, active resource
        ),
    ]
    for kwargs, code in cases:
        with pytest.raises(ClientError, match=code):
            ga.create_endpoint_group(
                ListenerArn=listener["ListenerArn"], IdempotencyToken="t", **kwargs
            )
    with pytest.raises(ClientError, match="EndpointGroupNotFoundException"):
        ga.describe_endpoint_group(EndpointGroupArn=listener["ListenerArn"] + "/endpoint-group/x")
    with pytest.raises(ClientError, match="AcceleratorNotFoundException"):
        ga.describe_accelerator(AcceleratorArn="arn:aws:globalaccelerator::123456789012:x")


def test_new_endpoints_are_initial_then_healthy_after_threshold_checks(
    aws: ClientFactory, fake: FakeClock
) -> None:
    built = _setup(aws, interval=10, threshold=3)
    ga, group = built["ga"], built["groups"]["us-east-1"]
    assert _health(ga, group) == ["INITIAL"]
    fake.advance(29)
    assert _health(ga, group) == ["INITIAL"]
    fake.advance(1)
    assert _health(ga, group) == ["HEALTHY"]


def test_endpoint_health_follows_an_outage_of_the_groups_region(
    aws: ClientFactory, fake: FakeClock
) -> None:
    built = _setup(aws, interval=30, threshold=3)
    ga, groups = built["ga"], built["groups"]
    fake.advance(90)
    assert _health(ga, groups["us-east-1"]) == _health(ga, groups["eu-west-1"]) == ["HEALTHY"]
    outages.add("us-east-1")
    fake.advance(89)
    assert _health(ga, groups["us-east-1"]) == ["HEALTHY"]  # not yet seen 3 times
    fake.advance(1)
    # The API (us-west-2) still answers; the primary's endpoint is down, DR's is not.
    assert _health(ga, groups["us-east-1"]) == ["UNHEALTHY"]
    assert _health(ga, groups["eu-west-1"]) == ["HEALTHY"]
    outages.clear("us-east-1")
    fake.advance(90)
    assert _health(ga, groups["us-east-1"]) == ["HEALTHY"]
    # A blip shorter than interval x threshold is never reported.
    outages.add("ec2@us-east-1")
    fake.advance(60)
    outages.clear("ec2@us-east-1")
    fake.advance(60)
    assert _health(ga, groups["us-east-1"]) == ["HEALTHY"]


def test_the_api_is_down_with_us_west_2_not_with_us_east_1(aws: ClientFactory) -> None:
    built = _setup(aws)
    ga = built["ga"]
    outages.add("us-east-1")
    assert ga.list_accelerators()["Accelerators"]
    outages.clear()
    outages.add("us-west-2")
    from botocore.exceptions import EndpointConnectionError

    with pytest.raises(EndpointConnectionError):
        ga.list_accelerators()
    assert outages.refused().get("globalaccelerator@us-west-2", 0) >= 1


def test_a_test_can_take_an_endpoint_down(aws: ClientFactory, fake: FakeClock) -> None:
    built = _setup(aws, interval=10, threshold=1)
    ga, group = built["ga"], built["groups"]["eu-west-1"]
    fake.advance(10)
    ext.set_endpoint_health(group["EndpointDescriptions"][0]["EndpointId"], False)
    fake.advance(10)
    assert _health(ga, group) == ["UNHEALTHY"]


def test_through_the_moto_server(server: ClientFactory, fake: FakeClock) -> None:
    built = _setup(server)
    ga = built["ga"]
    fake.advance(ext.DEPLOY_SECONDS)
    assert _status(ga, built["accelerator"]["AcceleratorArn"]) == "DEPLOYED"
    assert _health(ga, built["groups"]["eu-west-1"]) == ["HEALTHY"]
