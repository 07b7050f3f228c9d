"""Route 53 extension: health status derived like AWS, and TestDNSAnswer for failover."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from drctl.kinds.route53_record import moto_health as route53_health

ClientFactory = Callable[..., Any]
PRIMARY_IP = "192.0.2.10"
SECONDARY_IP = "198.51.100.20"


@pytest.fixture(autouse=True)
def _healthy_endpoints() -> Iterator[None]:
    route53_health.reset_endpoint_health()
    yield
    route53_health.reset_endpoint_health()


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


def test_unhealthy_endpoint_fails_every_observation(aws: ClientFactory) -> None:
    route53 = aws("route53")
    health_check_id = _health_check(route53, "app")

    route53_health.set_endpoint_health(health_check_id, healthy=False)

    assert _all_start_with(_statuses(route53, health_check_id), "Failure: Connection timed out")


def test_inverted_check_over_healthy_endpoint_fails(aws: ClientFactory) -> None:
    route53 = aws("route53")
    health_check_id = _health_check(route53, "app", Inverted=True)

    assert _all_start_with(_statuses(route53, health_check_id), "Failure:")


def test_inverted_check_over_unhealthy_endpoint_succeeds(aws: ClientFactory) -> None:
    route53 = aws("route53")
    health_check_id = _health_check(route53, "app", Inverted=True)
    route53_health.set_endpoint_health(health_check_id, healthy=False)

    assert _all_start_with(_statuses(route53, health_check_id), "Success:")


def test_disabled_check_is_healthy_even_when_endpoint_is_down(aws: ClientFactory) -> None:
    route53 = aws("route53")
    health_check_id = _health_check(route53, "app", Disabled=True)
    route53_health.set_endpoint_health(health_check_id, healthy=False)

    assert _all_start_with(_statuses(route53, health_check_id), "Success:")


def test_disabled_and_inverted_check_is_unhealthy(aws: ClientFactory) -> None:
    route53 = aws("route53")
    health_check_id = _health_check(route53, "app", Disabled=True, Inverted=True)

    assert _all_start_with(_statuses(route53, health_check_id), "Failure:")


def test_update_health_check_inverted_flips_status(aws: ClientFactory) -> None:
    route53 = aws("route53")
    health_check_id = _health_check(route53, "app")
    assert _all_start_with(_statuses(route53, health_check_id), "Success:")

    route53.update_health_check(HealthCheckId=health_check_id, Inverted=True)

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


def test_dns_answer_fails_over_when_primary_check_is_inverted(aws: ClientFactory) -> None:
    route53 = aws("route53")
    primary_check = _health_check(route53, "primary")
    zone_id = _failover_zone(route53, primary_check)

    route53.update_health_check(HealthCheckId=primary_check, Inverted=True)

    assert _answer(route53, zone_id)["RecordData"] == [SECONDARY_IP]


def test_dns_answer_fails_over_when_primary_endpoint_is_down(aws: ClientFactory) -> None:
    route53 = aws("route53")
    primary_check = _health_check(route53, "primary")
    zone_id = _failover_zone(route53, primary_check)

    route53_health.set_endpoint_health(primary_check, healthy=False)

    assert _answer(route53, zone_id)["RecordData"] == [SECONDARY_IP]


def test_dns_answer_stays_primary_when_secondary_is_also_unhealthy(aws: ClientFactory) -> None:
    route53 = aws("route53")
    primary_check = _health_check(route53, "primary")
    secondary_check = _health_check(route53, "secondary")
    zone_id = _failover_zone(route53, primary_check, secondary_check)

    route53_health.set_endpoint_health(primary_check, healthy=False)
    route53_health.set_endpoint_health(secondary_check, healthy=False)

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


def test_weighted_answer_skips_records_whose_health_check_fails(aws: ClientFactory) -> None:
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

    assert _answer(route53, zone_id, "api.example.com")["RecordData"] == [SECONDARY_IP]


def test_dns_answer_for_unknown_zone_is_no_such_hosted_zone(aws: ClientFactory) -> None:
    with pytest.raises(ClientError) as caught:
        _answer(aws("route53"), "Z0000000000000")

    assert caught.value.response["Error"]["Code"] == "NoSuchHostedZone"


def test_health_and_failover_through_threaded_server(server: ClientFactory) -> None:
    route53 = server("route53")
    primary_check = _health_check(route53, "primary", Inverted=True)
    zone_id = _failover_zone(route53, primary_check)

    assert _all_start_with(_statuses(route53, primary_check), "Failure:")
    assert _answer(route53, zone_id)["RecordData"] == [SECONDARY_IP]

    route53.update_health_check(HealthCheckId=primary_check, Inverted=False)

    assert _all_start_with(_statuses(route53, primary_check), "Success:")
    assert _answer(route53, zone_id)["RecordData"] == [PRIMARY_IP]
