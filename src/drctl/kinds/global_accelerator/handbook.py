"""``global-accelerator`` by hand: the readiness checks and step verifications as AWS CLI
commands (the Global Accelerator API answers in us-west-2 only)."""

from __future__ import annotations

from drctl.engine.context import RunContext
from drctl.kinds.global_accelerator.api import API_REGION
from drctl.kinds.handbook import HandCheck
from drctl.plan.models import GlobalAccelerator


def _groups(res: GlobalAccelerator, query: str, target: str) -> HandCheck:
    return HandCheck(
        "the listener's endpoint groups",
        f"aws globalaccelerator list-endpoint-groups --listener-arn {res.listener} "
        f"--query '{query}' --region {API_REGION}",
        target,
    )


def _regions(res: GlobalAccelerator, ctx: RunContext) -> tuple[str, str]:
    return (
        res.primary_endpoint_group or ctx.region("primary"),
        res.dr_endpoint_group or ctx.region("dr"),
    )


DIALS = "EndpointGroups[].[EndpointGroupRegion,TrafficDialPercentage]"


def prechecks(res: GlobalAccelerator, ctx: RunContext) -> list[HandCheck]:
    p, d = _regions(res, ctx)
    return [
        HandCheck(
            "the accelerator",
            f"aws globalaccelerator describe-accelerator --accelerator-arn {res.accelerator} "
            f"--query 'Accelerator.[Enabled,Status]' --region {API_REGION}",
            '`[true, "DEPLOYED"]`',
            ("accelerator",),
        ),
        HandCheck(
            "the listener",
            f"aws globalaccelerator describe-listener --listener-arn {res.listener} "
            f"--query 'Listener.[Protocol,PortRanges]' --region {API_REGION}",
            "the listener's protocol and ports (an error means it is gone)",
            ("listener",),
        ),
        _groups(
            res,
            "EndpointGroups[].[EndpointGroupRegion,TrafficDialPercentage,"
            "HealthCheckIntervalSeconds,ThresholdCount,EndpointDescriptions[].HealthState]",
            f"a group in {p} with dial 100 and one in {d} with dial {res.dr_traffic_dial:g}; "
            "interval x threshold within the RTO; the DR endpoints `HEALTHY`",
        ).covering(("endpoint-groups", "health-checks", "primary-serving", "dr-endpoints")),
    ]


def verifications(
    res: GlobalAccelerator, ctx: RunContext, action: str
) -> dict[str, list[HandCheck]]:
    p, d = _regions(res, ctx)
    if action == "failover":
        return {"route-to-dr": [_groups(res, DIALS, f"{d} at 100 and {p} at 0")]}
    return {
        "route-to-primary": [
            _groups(res, DIALS, f"{p} at 100 and {d} back at {res.dr_traffic_dial:g}")
        ]
    }
