"""Route 53 extension: health status derived like AWS (per checker, over the checkers'
interval x threshold on the sandbox's AWS clock), and TestDNSAnswer for failover (public zones
only)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from drctl.engine.clock import FakeClock
from drctl.kinds.route53_record import moto_health as route53_health
from drctl.kinds.sandboxing import aws_time

ClientFactory = Callable[..., Any]
PRIMARY_IP = "192.0.2.10"
SECONDARY_IP = "198.51.100.20"


# Long enough for every checker to have seen any change FailureThreshold times (30 s x 3).
SETTLE_SECONDS = 120.0


@pytest.fixture(autouse=True)
def _healthy_endpoints() -> Iterator[None]:
    route53_health.reset_endpoint_health()
    yield
    route53_health.reset_endpoint_health()


@pytest.fixture(autouse=True)
def fake() -> Iterator[FakeClock]:
    """The sandbox's AWS clock follows a fake clock the test moves."""
    clock = FakeClock()
    aws_time.follow(clock.now)
    yield clock
    aws_time.reset()


def _health_check(route53: Any, name: str, **config: Any) -> str:
    health_check_config = {
        "Type": "HTTPS",
        "FullyQualifiedDomainName": f"{name}.example.com",
        "Port": 443,
        "ResourcePath": "/health",
        **config,
    }
    health_check_id: str = route53.create_health_check(
        CallerReference=name, HealthCheckConfig=health_check_config
    )["HealthCheck"]["Id"]
    return health_check_id


def _statuses(route53: Any, health_check_id: str) -> list[str]:
    observations = route53.get_health_check_status(HealthCheckId=health_check_id)[
        "HealthCheckObservations"
    ]
    return [o["StatusReport"]["Status"] for o in observations]


def _all_start_with(statuses: list[str], prefix: str) -> bool:
    return bool(statuses) and all(s.startswith(prefix) for s in statuses)


def test_healthy_endpoint_is_reported_by_every_checker(aws: ClientFactory) -> None:
    route53 = aws("route53")
    health_check_id = _health_check(route53, "app")

    observations = route53.get_health_check_status(HealthCheckId=health_check_id)[
        "HealthCheckObservations"
    ]

    expected = len(route53_health.CHECKER_REGIONS) * route53_health.CHECKERS_PER_REGION
    assert len(observations) == expected
    assert {o["Region"] for o in observations} == set(route53_health.CHECKER_REGIONS)
    assert len({o["IPAddress"] for o in observations}) == expected
    assert {o["StatusReport"]["Status"] for o in observations} == {
        "Success: HTTP Status Code 200, OK"
    }
    assert all(o["StatusReport"]["CheckedTime"] for o in observations)


def test_unhealthy_endpoint_fails_every_observation(aws: ClientFactory, fake: FakeClock) -> None:
    route53 = aws("route53")
    health_check_id = _health_check(route53, "app")

    route53_health.set_endpoint_health(health_check_id, healthy=False)
    fake.advance(SETTLE_SECONDS)

    assert _all_start_with(_statuses(route53, health_check_id), "Failure: Connection timed out")


def test_inverted_check_over_healthy_endpoint_fails(aws: ClientFactory, fake: FakeClock) -> None:
    route53 = aws("route53")
    health_check_id = _health_check(route53, "app", Inverted=True)
    fake.advance(SETTLE_SECONDS)

    assert _all_start_with(_statuses(route53, health_check_id), "Failure:")


def test_inverted_check_over_unhealthy_endpoint_succeeds(
    aws: ClientFactory, fake: FakeClock
) -> None:
    route53 = aws("route53")
    health_check_id = _health_check(route53, "app", Inverted=True)
    route53_health.set_endpoint_health(health_check_id, healthy=False)
    fake.advance(SETTLE_SECONDS)

    assert _all_start_with(_statuses(route53, health_check_id), "Success:")


def test_disabled_check_is_healthy_even_when_endpoint_is_down(
    aws: ClientFactory, fake: FakeClock
) -> None:
    route53 = aws("route53")
    health_check_id = _health_check(route53, "app", Disabled=True)
    route53_health.set_endpoint_health(health_check_id, healthy=False)
    fake.advance(SETTLE_SECONDS)

    assert _all_start_with(_statuses(route53, health_check_id), "Success:")


def test_disabled_and_inverted_check_is_unhealthy(aws: ClientFactory, fake: FakeClock) -> None:
    route53 = aws("route53")
    health_check_id = _health_check(route53, "app", Disabled=True, Inverted=True)
    fake.advance(SETTLE_SECONDS)

    assert _all_start_with(_statuses(route53, health_check_id), "Failure:")


def test_update_health_check_inverted_flips_status(aws: ClientFactory, fake: FakeClock) -> None:
    route53 = aws("route53")
    health_check_id = _health_check(route53, "app")
    assert _all_start_with(_statuses(route53, health_check_id), "Success:")

    route53.update_health_check(HealthCheckId=health_check_id, Inverted=True)
    fake.advance(SETTLE_SECONDS)

    assert route53.get_health_check(HealthCheckId=health_check_id)["HealthCheck"][
        "HealthCheckConfig"
    ]["Inverted"]
    assert _all_start_with(_statuses(route53, health_check_id), "Failure:")


def test_observations_follow_configured_regions(aws: ClientFactory) -> None:
    route53 = aws("route53")
    regions = ["us-east-1", "eu-west-1", "ap-southeast-1"]
    health_check_id = _health_check(route53, "app", Regions=regions)

    observations = route53.get_health_check_status(HealthCheckId=health_check_id)[
        "HealthCheckObservations"
    ]

    assert sorted({o["Region"] for o in observations}) == sorted(regions)


def test_calculated_health_check_status_is_invalid_input(aws: ClientFactory) -> None:
    route53 = aws("route53")
    child = _health_check(route53, "child")
    parent = route53.create_health_check(
        CallerReference="parent",
        HealthCheckConfig={
            "Type": "CALCULATED",
            "ChildHealthChecks": [child],
            "HealthThreshold": 1,
        },
    )["HealthCheck"]["Id"]

    with pytest.raises(ClientError) as caught:
        route53.get_health_check_status(HealthCheckId=parent)

    assert caught.value.response["Error"]["Code"] == "InvalidInput"


def test_unknown_health_check_is_no_such_health_check(aws: ClientFactory) -> None:
    with pytest.raises(ClientError) as caught:
        aws("route53").get_health_check_status(HealthCheckId="does-not-exist")

    assert caught.value.response["Error"]["Code"] == "NoSuchHealthCheck"


def _failover_zone(route53: Any, primary_check: str, secondary_check: str | None = None) -> str:
    zone_id: str = route53.create_hosted_zone(Name="example.com", CallerReference="zone")[
        "HostedZone"
    ]["Id"]
    secondary: dict[str, Any] = {
        "Name": "app.example.com",
        "Type": "A",
        "SetIdentifier": "dr",
        "Failover": "SECONDARY",
        "TTL": 60,
        "ResourceRecords": [{"Value": SECONDARY_IP}],
    }
    if secondary_check:
        secondary["HealthCheckId"] = secondary_check
    route53.change_resource_record_sets(
        HostedZoneId=zone_id,
        ChangeBatch={
            "Changes": [
                {
                    "Action": "CREATE",
                    "ResourceRecordSet": {
                        "Name": "app.example.com",
                        "Type": "A",
                        "SetIdentifier": "primary",
                        "Failover": "PRIMARY",
                        "TTL": 60,
                        "HealthCheckId": primary_check,
                        "ResourceRecords": [{"Value": PRIMARY_IP}],
                    },
                },
                {"Action": "CREATE", "ResourceRecordSet": secondary},
                {
                    "Action": "CREATE",
                    "ResourceRecordSet": {
                        "Name": "www.example.com",
                        "Type": "CNAME",
                        "TTL": 300,
                        "ResourceRecords": [{"Value": "app.example.com"}],
                    },
                },
            ]
        },
    )
    return zone_id


def _answer(route53: Any, zone_id: str, name: str = "app.example.com", rtype: str = "A") -> Any:
    return route53.test_dns_answer(HostedZoneId=zone_id, RecordName=name, RecordType=rtype)


def test_dns_answer_is_primary_while_primary_is_healthy(aws: ClientFactory) -> None:
    route53 = aws("route53")
    zone_id = _failover_zone(route53, _health_check(route53, "primary"))

    answer = _answer(route53, zone_id)

    assert answer["RecordData"] == [PRIMARY_IP]
    assert answer["ResponseCode"] == "NOERROR"
    assert answer["RecordName"] == "app.example.com"
    assert answer["RecordType"] == "A"
    assert answer["Protocol"] == "UDP"
    assert answer["Nameserver"]


def test_dns_answer_fails_over_when_primary_check_is_inverted(
    aws: ClientFactory, fake: FakeClock
) -> None:
    route53 = aws("route53")
    primary_check = _health_check(route53, "primary")
    zone_id = _failover_zone(route53, primary_check)

    route53.update_health_check(HealthCheckId=primary_check, Inverted=True)
    fake.advance(SETTLE_SECONDS)

    assert _answer(route53, zone_id)["RecordData"] == [SECONDARY_IP]


def test_dns_answer_fails_over_when_primary_endpoint_is_down(
    aws: ClientFactory, fake: FakeClock
) -> None:
    route53 = aws("route53")
    primary_check = _health_check(route53, "primary")
    zone_id = _failover_zone(route53, primary_check)

    route53_health.set_endpoint_health(primary_check, healthy=False)
    fake.advance(SETTLE_SECONDS)

    assert _answer(route53, zone_id)["RecordData"] == [SECONDARY_IP]


def test_dns_answer_stays_primary_when_secondary_is_also_unhealthy(
    aws: ClientFactory, fake: FakeClock
) -> None:
    route53 = aws("route53")
    primary_check = _health_check(route53, "primary")
    secondary_check = _health_check(route53, "secondary")
    zone_id = _failover_zone(route53, primary_check, secondary_check)

    route53_health.set_endpoint_health(primary_check, healthy=False)
    route53_health.set_endpoint_health(secondary_check, healthy=False)
    fake.advance(SETTLE_SECONDS)

    assert _answer(route53, zone_id)["RecordData"] == [PRIMARY_IP]


def test_dns_answer_for_plain_record_and_missing_name(aws: ClientFactory) -> None:
    route53 = aws("route53")
    zone_id = _failover_zone(route53, _health_check(route53, "primary"))

    cname = _answer(route53, zone_id, "www.example.com.", "CNAME")
    missing = _answer(route53, zone_id, "nothing.example.com", "A")

    assert cname["RecordData"] == ["app.example.com"]
    assert cname["ResponseCode"] == "NOERROR"
    assert missing["RecordData"] == []
    assert missing["ResponseCode"] == "NXDOMAIN"


def test_weighted_answer_skips_records_whose_health_check_fails(
    aws: ClientFactory, fake: FakeClock
) -> None:
    route53 = aws("route53")
    heavy_check = _health_check(route53, "heavy")
    zone_id = route53.create_hosted_zone(Name="example.com", CallerReference="zone")["HostedZone"][
        "Id"
    ]
    records = [("heavy", 200, PRIMARY_IP, heavy_check), ("light", 10, SECONDARY_IP, None)]
    changes = []
    for set_id, weight, ip, check in records:
        record: dict[str, Any] = {
            "Name": "api.example.com",
            "Type": "A",
            "SetIdentifier": set_id,
            "Weight": weight,
            "TTL": 60,
            "ResourceRecords": [{"Value": ip}],
        }
        if check:
            record["HealthCheckId"] = check
        changes.append({"Action": "CREATE", "ResourceRecordSet": record})
    route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": changes})
    assert _answer(route53, zone_id, "api.example.com")["RecordData"] == [PRIMARY_IP]

    route53_health.set_endpoint_health(heavy_check, healthy=False)
    fake.advance(SETTLE_SECONDS)

    assert _answer(route53, zone_id, "api.example.com")["RecordData"] == [SECONDARY_IP]


def test_dns_answer_for_unknown_zone_is_no_such_hosted_zone(aws: ClientFactory) -> None:
    with pytest.raises(ClientError) as caught:
        _answer(aws("route53"), "Z0000000000000")

    assert caught.value.response["Error"]["Code"] == "NoSuchHostedZone"


def test_health_and_failover_through_threaded_server(server: ClientFactory) -> None:
    route53 = server("route53")
    primary_check = _health_check(route53, "primary", Inverted=True)
    zone_id = _failover_zone(route53, primary_check)
    aws_time.follow(None)
    aws_time.set_scale(3600.0)  # the server reads the same scaled AWS clock
    time.sleep(0.1)  # 360 AWS seconds

    assert _all_start_with(_statuses(route53, primary_check), "Failure:")
    assert _answer(route53, zone_id)["RecordData"] == [SECONDARY_IP]

    route53.update_health_check(HealthCheckId=primary_check, Inverted=False)
    time.sleep(0.1)

    assert _all_start_with(_statuses(route53, primary_check), "Success:")
    assert _answer(route53, zone_id)["RecordData"] == [PRIMARY_IP]


def _failing(route53: Any, health_check_id: str) -> int:
    return sum(s.startswith("Failure:") for s in _statuses(route53, health_check_id))


def test_inversion_is_reported_checker_by_checker_over_interval_times_threshold(
    aws: ClientFactory, fake: FakeClock
) -> None:
    """Each checker reports a change after FailureThreshold consecutive probes (RequestInterval
    apart, the checkers uncoordinated): nothing before (threshold-1) x interval, all of them by
    interval x threshold, and DNS moves when no more than 18% still say healthy."""
    route53 = aws("route53")
    primary_check = _health_check(route53, "primary", RequestInterval=10, FailureThreshold=3)
    zone_id = _failover_zone(route53, primary_check)
    fake.advance(5)
    route53.update_health_check(HealthCheckId=primary_check, Inverted=True)

    fake.advance(19)  # 19 s: no checker has seen three failing probes yet
    assert _failing(route53, primary_check) == 0
    assert _answer(route53, zone_id)["RecordData"] == [PRIMARY_IP]

    fake.advance(5)  # 24 s: some checkers report the failure, most do not yet
    assert 0 < _failing(route53, primary_check) < 16
    assert _answer(route53, zone_id)["RecordData"] == [PRIMARY_IP]

    fake.advance(6)  # 30 s = interval x threshold: every checker reports it
    assert _failing(route53, primary_check) == 16
    assert _answer(route53, zone_id)["RecordData"] == [SECONDARY_IP]
    checked = {
        o["StatusReport"]["CheckedTime"]
        for o in route53.get_health_check_status(HealthCheckId=primary_check)[
            "HealthCheckObservations"
        ]
    }
    assert len(checked) > 1, "the checkers probe at their own times"


def test_disabling_takes_effect_after_interval_times_threshold(
    aws: ClientFactory, fake: FakeClock
) -> None:
    route53 = aws("route53")
    health_check_id = _health_check(route53, "app", RequestInterval=30, FailureThreshold=2)
    route53_health.set_endpoint_health(health_check_id, healthy=False)
    fake.advance(60)
    assert _failing(route53, health_check_id) == 16

    route53.update_health_check(HealthCheckId=health_check_id, Disabled=True)
    fake.advance(29)
    assert _failing(route53, health_check_id) == 16, "no checker has probed twice since"
    fake.advance(31)
    assert _failing(route53, health_check_id) == 0


def test_a_change_undone_before_the_threshold_is_never_reported(
    aws: ClientFactory, fake: FakeClock
) -> None:
    route53 = aws("route53")
    health_check_id = _health_check(route53, "app", RequestInterval=10, FailureThreshold=3)
    route53.update_health_check(HealthCheckId=health_check_id, Inverted=True)
    fake.advance(12)
    route53.update_health_check(HealthCheckId=health_check_id, Inverted=False)
    for _ in range(10):
        fake.advance(4)
        assert _failing(route53, health_check_id) == 0


def test_dns_answer_is_refused_for_a_private_zone(aws: ClientFactory) -> None:
    """The API reference: "This call only supports querying public hosted zones"."""
    route53 = aws("route53")
    aws("ec2", "us-east-1")  # a VPC to associate the private zone with
    vpc = aws("ec2", "us-east-1").create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    zone_id = route53.create_hosted_zone(
        Name="internal.example.com",
        CallerReference="private",
        VPC={"VPCRegion": "us-east-1", "VPCId": vpc},
        HostedZoneConfig={"PrivateZone": True},
    )["HostedZone"]["Id"]

    with pytest.raises(ClientError) as caught:
        _answer(route53, zone_id, "app.internal.example.com")

    assert caught.value.response["Error"]["Code"] == "InvalidInput"
    assert "public hosted zones" in caught.value.response["Error"]["Message"]


def test_alias_failover_with_evaluate_target_health_follows_its_target(
    aws: ClientFactory, fake: FakeClock
) -> None:
    """A PRIMARY alias with EvaluateTargetHealth and no health check of its own is unhealthy
    while its target (a record of the same zone) is."""
    route53 = aws("route53")
    target_check = _health_check(route53, "origin")
    zone_id = route53.create_hosted_zone(Name="example.com", CallerReference="alias")["HostedZone"][
        "Id"
    ]
    bare = zone_id.split("/")[-1]
    changes = [
        {"Name": "origin.example.com", "Type": "A", "TTL": 60, "HealthCheckId": target_check,
         "ResourceRecords": [{"Value": PRIMARY_IP}]},
        {"Name": "app.example.com", "Type": "A", "SetIdentifier": "primary", "Failover": "PRIMARY",
         "AliasTarget": {"HostedZoneId": bare, "DNSName": "origin.example.com",
                         "EvaluateTargetHealth": True}},
        {"Name": "app.example.com", "Type": "A", "SetIdentifier": "dr", "Failover": "SECONDARY",
         "TTL": 60, "ResourceRecords": [{"Value": SECONDARY_IP}]},
    ]  # fmt: skip
    route53.change_resource_record_sets(
        HostedZoneId=zone_id,
        ChangeBatch={"Changes": [{"Action": "CREATE", "ResourceRecordSet": c} for c in changes]},
    )
    assert _answer(route53, zone_id)["RecordData"] == ["origin.example.com"]

    route53_health.set_endpoint_health(target_check, healthy=False)
    fake.advance(SETTLE_SECONDS)

    assert _answer(route53, zone_id)["RecordData"] == [SECONDARY_IP]
