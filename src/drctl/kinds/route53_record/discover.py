"""Discovery of ``route53-record``: failover record pairs (a PRIMARY and a SECONDARY record set
of one name) in the hosted zones in scope -- zones carrying the tags, or the stack's zones and
record sets. Pairs whose health checks are ARC routing controls are ``arc-routing-control``'s.
"""

from __future__ import annotations

from drctl.aws.discovery import health_check
from drctl.engine.context import GLOBAL_REGION
from drctl.kinds.discovery import Found, Scope, scoped_failover_pairs
from drctl.plan.draft import DraftField, DraftResource

RECOVERY_CONTROL = "RECOVERY_CONTROL"


def discover(scope: Scope) -> Found:
    found = Found()
    if scope.dr is None:
        return found  # DNS says nothing about where data replicates
    route53 = scope.client("route53", GLOBAL_REGION)
    pairs, halves = scoped_failover_pairs(route53, scope)
    found.unpaired += [f"Route 53 failover record {h}: no other half" for h in halves]
    seen: set[tuple[str, str]] = set()
    for pair in pairs:
        if (pair.zone_id, pair.name) in seen:
            continue  # an A and an AAAA pair of one name: one plan entry moves both
        config = health_check(route53, pair.primary.get("HealthCheckId"))
        if config is not None and config.get("Type") == RECOVERY_CONTROL:
            continue  # moved by ARC routing controls: arc-routing-control
        seen.add((pair.zone_id, pair.name))
        notes = []
        if config is None:
            notes.append(
                f"{pair.name}: the PRIMARY record has no health check, so Route 53 will not "
                "fail over on its own (drctl failover still moves it)"
            )
        found.resources.append(
            DraftResource(
                "route53-record",
                pair.name.rstrip(".").split(".")[0],
                (
                    DraftField("zone", pair.zone_name),
                    DraftField("record", pair.name, f"PRIMARY/SECONDARY {pair.record_type}"),
                ),
                (("global", f"{pair.zone_name} {pair.name}"),),
                tuple(notes),
                moves_traffic=True,
            )
        )
    return found
