"""Every AWS call of ``global-accelerator``: the Global Accelerator API, served from us-west-2.

Global Accelerator is a global service, but "you must specify the US West (Oregon) Region to
create, update, or otherwise work with accelerators" (API reference): every client here is
made for us-west-2, whatever the plan's regions. That is a dependency on us-west-2, not on
us-east-1 (where Route 53's control plane lives).
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

SERVICE = "globalaccelerator"
API_REGION = "us-west-2"


def client(sessions: Any) -> Any:
    """The Global Accelerator client (the plan's primary account, as for other global APIs)."""
    return sessions.client(SERVICE, API_REGION, "global")


def accelerator(ga: Any, arn: str) -> dict[str, Any] | None:
    """DescribeAccelerator, None when it does not exist."""
    try:
        return dict(ga.describe_accelerator(AcceleratorArn=arn)["Accelerator"])
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "AcceleratorNotFoundException":
            return None
        raise


def listener_exists(ga: Any, accelerator_arn: str, listener_arn: str) -> dict[str, Any] | None:
    """The listener among the accelerator's (ListListeners), or None."""
    kwargs: dict[str, Any] = {"AcceleratorArn": accelerator_arn}
    while True:
        page = ga.list_listeners(**kwargs)
        for listener in page.get("Listeners", []):
            if listener.get("ListenerArn") == listener_arn:
                return dict(listener)
        if not page.get("NextToken"):
            return None
        kwargs["NextToken"] = page["NextToken"]


def endpoint_groups(ga: Any, listener_arn: str) -> dict[str, dict[str, Any]] | None:
    """The listener's endpoint groups by Region (ListEndpointGroups; one per Region), or None
    when there is no such listener."""
    groups: dict[str, dict[str, Any]] = {}
    kwargs: dict[str, Any] = {"ListenerArn": listener_arn}
    while True:
        try:
            page = ga.list_endpoint_groups(**kwargs)
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ListenerNotFoundException":
                return None
            raise
        for group in page.get("EndpointGroups", []):
            groups[str(group["EndpointGroupRegion"])] = dict(group)
        if not page.get("NextToken"):
            return groups
        kwargs["NextToken"] = page["NextToken"]


def endpoint_group(ga: Any, arn: str) -> dict[str, Any]:
    """DescribeEndpointGroup: its dial, health-check settings and endpoints' health now."""
    return dict(ga.describe_endpoint_group(EndpointGroupArn=arn)["EndpointGroup"])


def set_dial(ga: Any, arn: str, percent: float) -> dict[str, Any]:
    """UpdateEndpointGroup with only ``TrafficDialPercentage``: nothing else changes."""
    return dict(
        ga.update_endpoint_group(EndpointGroupArn=arn, TrafficDialPercentage=percent)[
            "EndpointGroup"
        ]
    )


def set_weights(ga: Any, group: dict[str, Any], weights: dict[str, int]) -> dict[str, Any]:
    """UpdateEndpointGroup with every endpoint of ``group`` listed (the call replaces the
    list), each keeping its settings and taking its weight from ``weights`` when named."""
    configs = [
        {
            "EndpointId": e["EndpointId"],
            "Weight": int(weights.get(str(e["EndpointId"]), e.get("Weight", 128))),
            "ClientIPPreservationEnabled": bool(e.get("ClientIPPreservationEnabled", False)),
        }
        for e in group.get("EndpointDescriptions", [])
    ]
    response = ga.update_endpoint_group(
        EndpointGroupArn=group["EndpointGroupArn"], EndpointConfigurations=configs
    )
    return dict(response["EndpointGroup"])


def weights(group: dict[str, Any]) -> dict[str, int]:
    """Endpoint id -> weight, as described."""
    return {
        str(e["EndpointId"]): int(e.get("Weight", 128))
        for e in group.get("EndpointDescriptions", [])
    }


def serving_regions(groups: dict[str, dict[str, Any]]) -> list[str]:
    """Where Global Accelerator sends traffic, by its documented rules: to the groups whose
    dial is above 0 and that have a healthy endpoint with a weight above 0; when none has,
    it "fails over to a healthy endpoint with a weight greater than zero in another endpoint
    group" and "ignores the traffic dial setting" (Global Accelerator Developer Guide,
    "Failover for unhealthy endpoints")."""
    dialled = [
        region
        for region, g in groups.items()
        if float(g.get("TrafficDialPercentage", 100)) > 0 and healthy_endpoints(g)
    ]
    return dialled or [region for region, g in groups.items() if healthy_endpoints(g)]


def healthy_endpoints(group: dict[str, Any]) -> list[str]:
    """Endpoints that take traffic: HEALTHY and with a weight above zero."""
    return [
        str(e["EndpointId"])
        for e in group.get("EndpointDescriptions", [])
        if e.get("HealthState") == "HEALTHY" and int(e.get("Weight", 128)) > 0
    ]


def health_text(group: dict[str, Any]) -> str:
    endpoints = group.get("EndpointDescriptions", [])
    if not endpoints:
        return "no endpoints"
    return ", ".join(f"{e['EndpointId']} {e.get('HealthState', '?')}" for e in endpoints)
