"""Sandbox: a hosted zone, a health check on the primary, PRIMARY and SECONDARY records."""

from __future__ import annotations

from typing import Any

from drctl.kinds.route53_record import api
from drctl.kinds.sandboxing import SandboxBuild
from drctl.plan.models import Route53Record

PRIMARY_ADDRESS = "192.0.2.10"  # RFC 5737 TEST-NET-1
SECONDARY_ADDRESS = "198.51.100.10"  # RFC 5737 TEST-NET-2
TTL = 60


def build(b: SandboxBuild, res: Route53Record) -> None:
    r53 = b.client("route53", "global")
    zone_id = ensure_zone(r53, res)
    r53.change_tags_for_resource(
        ResourceType="hostedzone", ResourceId=zone_id, AddTags=b.tag_list()
    )
    record = api.normalize_name(res.record)
    existing = api.failover_records(r53, zone_id, record)
    if "PRIMARY" in existing and "SECONDARY" in existing:
        return
    health_check_id = r53.create_health_check(
        CallerReference=f"drctl-sandbox-{res.name}-{zone_id}",
        HealthCheckConfig={
            "IPAddress": PRIMARY_ADDRESS,
            "Port": 443,
            "Type": "HTTPS",
            "ResourcePath": "/health",
            "FullyQualifiedDomainName": record.rstrip("."),
            "RequestInterval": 10,
            "FailureThreshold": 3,
        },
    )["HealthCheck"]["Id"]
    r53.change_resource_record_sets(
        HostedZoneId=zone_id,
        ChangeBatch={
            "Comment": "drctl sandbox",
            "Changes": [
                failover_record(record, "PRIMARY", PRIMARY_ADDRESS, health_check_id),
                failover_record(record, "SECONDARY", SECONDARY_ADDRESS, None),
            ],
        },
    )


def ensure_zone(r53: Any, res: Route53Record) -> str:
    if res.zone_id:
        return res.zone_id.split("/")[-1]
    assert res.zone is not None
    zone = api.find_zone(r53, name=res.zone)
    if zone is not None:
        return api.zone_id_of(zone)
    name = api.normalize_name(res.zone)
    created = r53.create_hosted_zone(Name=name, CallerReference=f"drctl-sandbox-{name}")
    return api.zone_id_of(created["HostedZone"])


def failover_record(
    name: str, role: str, address: str, health_check_id: str | None
) -> dict[str, Any]:
    rrset: dict[str, Any] = {
        "Name": name,
        "Type": "A",
        "SetIdentifier": role.lower(),
        "Failover": role,
        "TTL": TTL,
        "ResourceRecords": [{"Value": address}],
    }
    if health_check_id:
        rrset["HealthCheckId"] = health_check_id
    return {"Action": "UPSERT", "ResourceRecordSet": rrset}
