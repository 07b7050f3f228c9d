"""Kinds' ``discover`` capability on a scope built by hand (moto): stack mode pairs the stack's
compute with DR compute found by name alone, Route 53 pairs come from the stack's hosted zone
(ARC pairs left to arc-routing-control), and the DR Region is the one most data replicates to.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from drctl.drills.discovery import _infer_dr
from drctl.errors import UsageError
from drctl.kinds.discovery import Found, Scope
from drctl.kinds.registry import registry

PRIMARY, DR = "us-east-1", "us-west-2"


def _client(service: str, region: str) -> Any:
    return boto3.client(service, region_name=region)


def _discover(kind: str, scope: Scope) -> Found:
    discover = registry().get(kind).discover
    assert discover is not None, f"{kind} does not discover"
    return discover(scope)


def _stack_scope(**stack: set[str]) -> Scope:
    types = {k.replace("__", "::"): frozenset(v) for k, v in stack.items()}
    return Scope(PRIMARY, DR, _client, stack=types)


def _group(region: str, name: str, desired: int, maximum: int) -> None:
    ec2 = _client("ec2", region)
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    ec2.create_launch_template(
        LaunchTemplateName=f"{name}-lt",
        LaunchTemplateData={"ImageId": image, "InstanceType": "t3.micro"},
    )
    _client("autoscaling", region).create_auto_scaling_group(
        AutoScalingGroupName=name,
        LaunchTemplate={"LaunchTemplateName": f"{name}-lt", "Version": "$Latest"},
        MinSize=0,
        MaxSize=maximum,
        DesiredCapacity=desired,
        AvailabilityZones=[f"{region}a"],
    )


def test_stack_groups_pair_with_dr_groups_by_name(aws: None) -> None:
    _group(PRIMARY, "web-use1", 4, 8)
    _group(PRIMARY, "batch-use1", 1, 2)  # not in the stack
    _group(PRIMARY, "api", 2, 4)
    _group(DR, "web-usw2", 0, 8)
    _group(DR, "other-usw2", 0, 2)  # pairs with nothing of the stack: left out
    scope = _stack_scope(AWS__AutoScaling__AutoScalingGroup={"web-use1", "api"})
    found = _discover("autoscaling-group", scope)
    [web] = found.resources
    fields = {f.key: f.value for f in web.fields}
    assert fields == {"dr": "web-usw2", "desired": 4}  # what the primary runs now
    assert web.dr_running is False
    assert found.unpaired == [
        "Auto Scaling group api in us-east-1: no group in us-west-2 pairs with it by name"
    ]


def test_stack_services_pair_with_dr_services_by_cluster_and_name(aws: None) -> None:
    arns = {}
    for region, cluster, count in ((PRIMARY, "shop-use1", 3), (DR, "shop-usw2", 0)):
        ecs = _client("ecs", region)
        ecs.create_cluster(clusterName=cluster)
        ecs.register_task_definition(
            family="api", containerDefinitions=[{"name": "api", "image": "nginx", "memory": 64}]
        )
        arns[region] = ecs.create_service(
            cluster=cluster, serviceName="api", taskDefinition="api", desiredCount=count
        )["service"]["serviceArn"]
    found = _discover("ecs-service", _stack_scope(AWS__ECS__Service={arns[PRIMARY]}))
    [api] = found.resources
    assert {f.key: f.value for f in api.fields} == {
        "cluster": "shop-usw2",
        "service": "api",
        "desired": 3,
    }
    assert api.notes == (
        "guessed: paired with shop-use1/api in us-east-1 by the same name without its Region",
    )


def _failover(r53: Any, zone: str, name: str, check: str | None) -> None:
    changes = []
    for role, address in (("PRIMARY", "192.0.2.1"), ("SECONDARY", "198.51.100.1")):
        rrset: dict[str, Any] = {"Name": name, "Type": "A", "SetIdentifier": role.lower(),
                                 "Failover": role, "TTL": 60,
                                 "ResourceRecords": [{"Value": address}]}  # fmt: skip
        if check and role == "PRIMARY":
            rrset["HealthCheckId"] = check
        changes.append({"Action": "UPSERT", "ResourceRecordSet": rrset})
    r53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": changes})


def test_stack_zone_gives_its_failover_pairs(aws: None) -> None:
    r53 = _client("route53", PRIMARY)
    zone = r53.create_hosted_zone(Name="example.com.", CallerReference="z")["HostedZone"]["Id"]
    other = r53.create_hosted_zone(Name="example.org.", CallerReference="o")["HostedZone"]["Id"]
    check = r53.create_health_check(
        CallerReference="hc",
        HealthCheckConfig={"IPAddress": "192.0.2.1", "Port": 443, "Type": "HTTPS"},
    )["HealthCheck"]["Id"]
    _failover(r53, zone, "api.example.com.", check)
    _failover(r53, zone, "www.example.com.", None)
    _failover(r53, other, "api.example.org.", check)  # not the stack's zone
    scope = _stack_scope(AWS__Route53__HostedZone={zone.rsplit("/", 1)[-1]})
    found = _discover("route53-record", scope)
    records = {next(f.value for f in r.fields if f.key == "record"): r for r in found.resources}
    assert set(records) == {"api.example.com.", "www.example.com."}
    assert records["api.example.com."].notes == ()
    assert "no health check" in records["www.example.com."].notes[0]
    assert all(r.moves_traffic for r in found.resources)
    # Pairs that are not ARC's are not arc-routing-control's.
    assert _discover("arc-routing-control", scope).resources == []


def test_the_dr_region_is_where_most_data_replicates() -> None:
    found = [
        ("rds-instance", Found(dr_regions=["us-west-2", "eu-west-1"])),
        ("s3-bucket", Found(dr_regions=["us-west-2"])),
    ]
    region, why = _infer_dr(found, PRIMARY)
    assert region == "us-west-2"
    assert why == "where 2 of the resources found replicate to; also seen: eu-west-1 (1)"
    with pytest.raises(UsageError, match="cannot tell the DR Region"):
        _infer_dr([("s3-bucket", Found())], PRIMARY)
