"""Discovery of ``arc-routing-control``: failover record pairs in the hosted zones in scope
whose PRIMARY and SECONDARY health checks are ARC ``RECOVERY_CONTROL`` checks. Each check
names its routing control; the control names its control panel, the panel its cluster. A
control On while the primary serves is the PRIMARY record's."""

from __future__ import annotations

from drctl.aws.discovery import health_check
from drctl.engine.context import GLOBAL_REGION
from drctl.kinds.arc_routing_control import api
from drctl.kinds.discovery import Found, Scope, scoped_failover_pairs
from drctl.plan.draft import DraftField, DraftResource

RECOVERY_CONTROL = "RECOVERY_CONTROL"


def discover(scope: Scope) -> Found:
    found = Found()
    if scope.dr is None:
        return found  # DNS says nothing about where data replicates
    route53 = scope.client("route53", GLOBAL_REGION)
    config = scope.client(api.CONFIG_SERVICE, api.CONFIG_REGION)
    pairs, _ = scoped_failover_pairs(route53, scope)  # lone halves: route53-record lists them
    seen: set[tuple[str, str]] = set()
    for pair in pairs:
        checks = [
            health_check(route53, rrset.get("HealthCheckId"))
            for rrset in (pair.primary, pair.secondary)
        ]
        if (pair.zone_id, pair.name) in seen or not all(
            c is not None and c.get("Type") == RECOVERY_CONTROL for c in checks
        ):
            continue
        seen.add((pair.zone_id, pair.name))
        controls = [api.routing_control(config, str(c["RoutingControlArn"])) for c in checks if c]
        panel = api.control_panel(config, str(controls[0]["ControlPanelArn"]))
        if any(c["ControlPanelArn"] != panel["ControlPanelArn"] for c in controls):
            found.unpaired.append(
                f"Route 53 failover record {pair.name}: its routing controls are on two control "
                "panels (a plan entry needs both on one)"
            )
            continue
        cluster = api.cluster(config, str(panel["ClusterArn"]))
        primary, dr = (str(c["Name"]) for c in controls)
        found.resources.append(
            DraftResource(
                "arc-routing-control",
                pair.name.rstrip(".").split(".")[0],
                (
                    DraftField("cluster", str(cluster["Name"])),
                    DraftField("control_panel", str(panel["Name"])),
                    DraftField("primary_control", primary, "the PRIMARY record's health check"),
                    DraftField("dr_control", dr, "the SECONDARY record's health check"),
                    DraftField("zone", pair.zone_name),
                    DraftField("record", pair.name),
                ),
                (("global", f"{pair.zone_name} {pair.name}"),),
                moves_traffic=True,
            )
        )
    return found
