"""Route 53: hosted zones, failover record sets, health checks and their status."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from drctl.aws.errors import is_not_found

# Route 53 considers an endpoint healthy when more than 18% of its checkers do.
HEALTHY_CHECKER_FRACTION = 0.18


def normalize_name(name: str) -> str:
    return name if name.endswith(".") else name + "."


def find_zone(
    route53: Any, *, name: str | None = None, zone_id: str | None = None
) -> dict[str, Any] | None:
    """The hosted zone by id or by name (the public one of that name, else a private one)."""
    if zone_id:
        zid = zone_id.split("/")[-1]
        try:
            return dict(route53.get_hosted_zone(Id=zid)["HostedZone"])
        except ClientError as exc:
            if is_not_found(exc, "NoSuchHostedZone"):
                return None
            raise
    assert name is not None
    wanted = normalize_name(name).lower()
    response = route53.list_hosted_zones_by_name(DNSName=wanted, MaxItems="10")
    named = [dict(z) for z in response.get("HostedZones", []) if z["Name"].lower() == wanted]
    public = [z for z in named if not is_private(z)]
    chosen = public or named
    return chosen[0] if chosen else None


def is_private(zone: dict[str, Any]) -> bool:
    """A private hosted zone: TestDNSAnswer does not answer for it (public zones only)."""
    return bool(zone.get("Config", {}).get("PrivateZone"))


def is_alias(rrset: dict[str, Any]) -> bool:
    return "AliasTarget" in rrset


def evaluates_target_health(rrset: dict[str, Any]) -> bool:
    """An alias record that Route 53 treats as unhealthy while its target is."""
    return bool(rrset.get("AliasTarget", {}).get("EvaluateTargetHealth"))


def zone_id_of(zone: dict[str, Any]) -> str:
    return str(zone["Id"]).split("/")[-1]


def failover_records(route53: Any, zone_id: str, record: str) -> dict[str, dict[str, Any]]:
    """{"PRIMARY": rrset, "SECONDARY": rrset} for ``record`` (any type; A/AAAA/CNAME...)."""
    wanted = normalize_name(record).lower()
    found: dict[str, dict[str, Any]] = {}
    kwargs: dict[str, Any] = {"HostedZoneId": zone_id, "StartRecordName": wanted}
    while True:
        page = route53.list_resource_record_sets(**kwargs)
        for rrset in page.get("ResourceRecordSets", []):
            if rrset["Name"].lower() != wanted:
                return found
            role = rrset.get("Failover")
            if role in ("PRIMARY", "SECONDARY") and role not in found:
                found[role] = rrset
        if not page.get("IsTruncated"):
            return found
        kwargs["StartRecordName"] = page["NextRecordName"]
        kwargs["StartRecordType"] = page["NextRecordType"]
        if page.get("NextRecordIdentifier"):
            kwargs["StartRecordIdentifier"] = page["NextRecordIdentifier"]


def get_health_check(route53: Any, health_check_id: str) -> dict[str, Any] | None:
    try:
        return dict(route53.get_health_check(HealthCheckId=health_check_id)["HealthCheck"])
    except ClientError as exc:
        if is_not_found(exc, "NoSuchHealthCheck"):
            return None
        raise


def detection_seconds(config: dict[str, Any]) -> int:
    """How long Route 53 takes to declare the endpoint unhealthy: interval x threshold."""
    interval = int(config.get("RequestInterval", 30))
    threshold = int(config.get("FailureThreshold", 3))
    return interval * threshold


def checker_observations(route53: Any, health_check_id: str) -> list[dict[str, Any]]:
    response = route53.get_health_check_status(HealthCheckId=health_check_id)
    return list(response.get("HealthCheckObservations", []))


def healthy_fraction(observations: list[dict[str, Any]]) -> float:
    if not observations:
        return 0.0
    ok = sum(
        1
        for o in observations
        if str(o.get("StatusReport", {}).get("Status", "")).startswith("Success")
    )
    return ok / len(observations)


def is_reported_healthy(observations: list[dict[str, Any]]) -> bool:
    return healthy_fraction(observations) > HEALTHY_CHECKER_FRACTION


def set_health_check_inversion(
    route53: Any, health_check_id: str, *, inverted: bool, disabled: bool, version: int | None
) -> dict[str, Any]:
    """Invert (or restore) a health check; the version guards against a concurrent edit."""
    kwargs: dict[str, Any] = {
        "HealthCheckId": health_check_id,
        "Inverted": inverted,
        "Disabled": disabled,
    }
    if version is not None:
        kwargs["HealthCheckVersion"] = version
    return dict(route53.update_health_check(**kwargs)["HealthCheck"])


def dns_answer(route53: Any, zone_id: str, record: str, record_type: str) -> list[str]:
    """What Route 53 answers now for ``record`` (TestDNSAnswer, from its own resolvers)."""
    response = route53.test_dns_answer(
        HostedZoneId=zone_id, RecordName=normalize_name(record), RecordType=record_type
    )
    return [str(v) for v in response.get("RecordData", [])]
