"""Sandbox: a cluster, a control panel, the two routing controls (primary On), an assertion rule
keeping one On, and a failover record whose PRIMARY and SECONDARY follow the controls through
``RECOVERY_CONTROL`` health checks -- the deployment ARC's own guide describes.
"""

from __future__ import annotations

from typing import Any

from drctl.kinds.arc_routing_control import api
from drctl.kinds.sandboxing import SandboxBuild
from drctl.plan.models import ArcRoutingControl

PRIMARY_ADDRESS = "192.0.2.20"  # RFC 5737 TEST-NET-1
SECONDARY_ADDRESS = "198.51.100.20"  # RFC 5737 TEST-NET-2
TTL = 60
WAIT_PERIOD_MS = 5000  # AWS's default for a safety rule


def build(b: SandboxBuild, res: ArcRoutingControl) -> None:
    config = b.sessions.client(api.CONFIG_SERVICE, api.CONFIG_REGION, "global")
    cluster = (
        api.find_cluster(config, res.cluster)
        or config.create_cluster(ClusterName=res.cluster)["Cluster"]
    )
    cluster_arn = cluster["ClusterArn"]
    panel_name = res.control_panel or f"{res.name}-panel"
    panel = (
        api.find_control_panel(config, cluster_arn, panel_name)
        or config.create_control_panel(ClusterArn=cluster_arn, ControlPanelName=panel_name)[
            "ControlPanel"
        ]
    )
    panel_arn = panel["ControlPanelArn"]
    arns = []
    for ref in (res.primary_control, res.dr_control):
        control = (
            api.find_routing_control(config, panel_arn, ref)
            or config.create_routing_control(
                ClusterArn=cluster_arn, ControlPanelArn=panel_arn, RoutingControlName=ref
            )["RoutingControl"]
        )
        arns.append(control["RoutingControlArn"])
    primary_arn, dr_arn = arns
    if not any(
        "ASSERTION" in r and api.keeps_one_on(r["ASSERTION"], arns)
        for r in api.safety_rules(config, panel_arn)
    ):
        config.create_safety_rule(
            AssertionRule={
                "ControlPanelArn": panel_arn,
                "AssertedControls": arns,
                "Name": f"{res.name}-one-on",
                "RuleConfig": {"Type": "ATLEAST", "Threshold": 1, "Inverted": False},
                "WaitPeriodMs": WAIT_PERIOD_MS,
            }
        )
    endpoints = [(e["Region"], e["Endpoint"]) for e in cluster["ClusterEndpoints"]]
    api.on_any_endpoint(
        endpoints,
        lambda region, url: b.sessions.endpoint_client(api.CLUSTER_SERVICE, region, url),
        lambda cluster_client: api.set_states(cluster_client, {primary_arn: "On", dr_arn: "Off"}),
    )
    _records(b.client("route53", "global"), res, primary_arn, dr_arn, b.tag_list())


def _records(
    r53: Any, res: ArcRoutingControl, primary_arn: str, dr_arn: str, tags: list[dict[str, str]]
) -> None:
    zone_id = api.find_zone_id(r53, res.zone)
    if zone_id is None:
        name = res.zone if res.zone.endswith(".") else res.zone + "."
        created = r53.create_hosted_zone(Name=name, CallerReference=f"drctl-sandbox-{name}")
        zone_id = str(created["HostedZone"]["Id"]).split("/")[-1]
    r53.change_tags_for_resource(ResourceType="hostedzone", ResourceId=zone_id, AddTags=tags)
    if len(api.failover_records(r53, zone_id, res.record)) == 2:
        return
    changes = []
    for role, arn, address in (
        ("PRIMARY", primary_arn, PRIMARY_ADDRESS),
        ("SECONDARY", dr_arn, SECONDARY_ADDRESS),
    ):
        hc_id = r53.create_health_check(
            CallerReference=f"drctl-sandbox-{res.name}-{role.lower()}-{zone_id}",
            HealthCheckConfig={"Type": "RECOVERY_CONTROL", "RoutingControlArn": arn},
        )["HealthCheck"]["Id"]
        changes.append(
            {
                "Action": "UPSERT",
                "ResourceRecordSet": {
                    "Name": res.record if res.record.endswith(".") else res.record + ".",
                    "Type": "A",
                    "SetIdentifier": role.lower(),
                    "Failover": role,
                    "TTL": TTL,
                    "ResourceRecords": [{"Value": address}],
                    "HealthCheckId": hc_id,
                },
            }
        )
    r53.change_resource_record_sets(
        HostedZoneId=zone_id, ChangeBatch={"Comment": "drctl sandbox", "Changes": changes}
    )
