"""Sandbox: the plan's accelerator (its ARN), the listener, and one endpoint group per side,
each fronting an Elastic IP allocated in its Region -- the deployment Global Accelerator's
guide describes -- with the dials as "primary serving" says (primary 100%, DR at the plan's
``dr_traffic_dial``).

AWS takes time to deploy a new accelerator and to find new endpoints healthy; the builder waits
for both on the sandbox's AWS clock (never skipping the states), so a freshly built sandbox is
ready when ``drctl check`` runs.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from drctl.errors import SandboxError
from drctl.kinds.global_accelerator import api, dial
from drctl.kinds.sandboxing import SandboxBuild, aws_time
from drctl.plan.models import GlobalAccelerator

PORT = 443
INTERVAL_SECONDS = 10
THRESHOLD = 3
POLL_SECONDS = 5.0  # AWS seconds between reads while waiting
MAX_POLLS = 60


def _id(arn: str, after: str) -> str:
    return arn.split(after, 1)[1].split("/", 1)[0]


def build(b: SandboxBuild, res: GlobalAccelerator) -> None:
    ga = b.sessions.client(api.SERVICE, api.API_REGION, "global")
    if api.accelerator(ga, res.accelerator) is None:
        created = ga.create_accelerator(
            Name=f"{b.plan.app}-{res.name}",
            IdempotencyToken=_id(res.accelerator, "accelerator/"),
            Enabled=True,
        )["Accelerator"]["AcceleratorArn"]
        _same(created, res.accelerator, "accelerator")
    if api.listener_exists(ga, res.accelerator, res.listener) is None:
        created = ga.create_listener(
            AcceleratorArn=res.accelerator,
            PortRanges=[{"FromPort": PORT, "ToPort": PORT}],
            Protocol="TCP",
            IdempotencyToken=_id(res.listener, "/listener/"),
        )["Listener"]["ListenerArn"]
        _same(created, res.listener, "listener")
    primary = res.primary_endpoint_group or b.region("primary")
    dr = res.dr_endpoint_group or b.region("dr")
    existing = api.endpoint_groups(ga, res.listener) or {}
    for region, side, percent in (
        (primary, "primary", dial.FULL),
        (dr, "dr", float(res.dr_traffic_dial)),
    ):
        if region in existing:
            continue
        allocation = _elastic_ip(b.sessions.client("ec2", region, side), res)
        ga.create_endpoint_group(
            ListenerArn=res.listener,
            EndpointGroupRegion=region,
            EndpointConfigurations=[{"EndpointId": allocation, "Weight": 128}],
            TrafficDialPercentage=percent,
            HealthCheckProtocol="TCP",
            HealthCheckPort=PORT,
            HealthCheckIntervalSeconds=INTERVAL_SECONDS,
            ThresholdCount=THRESHOLD,
            IdempotencyToken=f"drctl-sandbox-{res.name}-{region}",
        )
    _wait_until_ready(b, ga, res, (primary, dr))


def _same(created: str, wanted: str, what: str) -> None:
    if created != wanted:
        raise SandboxError(
            f"sandbox: the plan's {what} {wanted} cannot be built here (built {created}): use "
            "the sandbox account 123456789012 and AWS's id format in the ARN"
        )


def _elastic_ip(ec2: Any, res: GlobalAccelerator) -> str:
    name = f"drctl-sandbox-{res.name}"
    found = ec2.describe_addresses(Filters=[{"Name": "tag:Name", "Values": [name]}])["Addresses"]
    if found:
        return str(found[0]["AllocationId"])
    return str(
        ec2.allocate_address(
            Domain="vpc",
            TagSpecifications=[
                {"ResourceType": "elastic-ip", "Tags": [{"Key": "Name", "Value": name}]}
            ],
        )["AllocationId"]
    )


def _wait_until_ready(
    b: SandboxBuild, ga: Any, res: GlobalAccelerator, regions: tuple[str, str]
) -> None:
    """Poll until the accelerator is DEPLOYED and both groups' endpoints are HEALTHY.

    Sleeps on the build's clock: a test's fake clock (which the AWS clock follows) moves
    ``POLL_SECONDS`` per poll; a scaled sandbox sleeps the real share of them. A clock the AWS
    clock does not follow makes no progress: the build gives up after ``MAX_POLLS`` and leaves
    the states to ``drctl check``.
    """
    for _ in range(MAX_POLLS):
        try:
            deployed = (api.accelerator(ga, res.accelerator) or {}).get("Status") == "DEPLOYED"
            groups = api.endpoint_groups(ga, res.listener) or {}
        except ClientError:
            return
        healthy = all(
            g.get("EndpointDescriptions")
            and len(api.healthy_endpoints(g)) == len(g["EndpointDescriptions"])
            for r, g in groups.items()
            if r in regions
        )
        if deployed and healthy:
            return
        b.clock.sleep(POLL_SECONDS / aws_time.scale)
