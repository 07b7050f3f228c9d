"""Failover and failback by endpoint weights (``move: weights``).

Global Accelerator sends no traffic to an endpoint of weight 0, and when a group has no
healthy endpoint with a weight above 0 it fails over to another group's healthy endpoints,
ignoring the traffic dials (Developer Guide, "Failover for unhealthy endpoints"). So setting
every endpoint of the primary group to weight 0 moves the traffic to DR with one
``UpdateEndpointGroup`` on one group, and the DR group's dial can stay as it is (0 for an
active-passive pair). The failover records the weights it replaced; failback restores them.

Verification reads the groups back and applies those routing rules: the step is done when the
accelerator has deployed the change and the traffic goes to the wanted Region only.
"""

from __future__ import annotations

from typing import Any

from drctl.engine.context import RunContext
from drctl.engine.step import Phase, Precheck, Step, StepOutcome, Verification
from drctl.kinds.global_accelerator import api, dial
from drctl.kinds.steps import aws_step
from drctl.plan.models import GlobalAccelerator

NAME = "global-accelerator"
DEFAULT_WEIGHT = 128  # what Global Accelerator gives an endpoint created without one


def failover(res: GlobalAccelerator, ctx: RunContext) -> list[Step]:
    return [_weights_step(res, ctx, to="dr")]


def failback(res: GlobalAccelerator, ctx: RunContext) -> list[Step]:
    return [_weights_step(res, ctx, to="primary")]


def _weights_step(res: GlobalAccelerator, ctx: RunContext, *, to: str) -> Step:
    primary, dr = dial.regions(res, ctx)
    serving = dr if to == "dr" else primary
    side = "DR" if to == "dr" else "PRIMARY"
    action = "route-to-dr" if to == "dr" else "route-to-primary"
    before: dict[str, int] = dict(
        ctx.recorded.get(f"{res.name}.route-to-dr", {}).get("weights_before", {})
    )

    def described() -> dict[str, dict[str, Any]]:
        found = dial.groups(res, ctx, fresh=True)
        dial.pair(res, ctx, found)
        ga = api.client(ctx.sessions)
        return {r: api.endpoint_group(ga, g["EndpointGroupArn"]) for r, g in found.items()}

    def wanted(group: dict[str, Any]) -> dict[str, int]:
        current = api.weights(group)
        if to == "dr":
            return dict.fromkeys(current, 0)
        return {e: int(before.get(e, DEFAULT_WEIGHT)) for e in current}

    def precheck() -> Precheck:
        groups = described()
        current = api.weights(groups[primary])
        return Precheck(
            current == wanted(groups[primary]),
            f"{primary} weights {current}",
            f"{side} serving: {primary} weights {wanted(groups[primary])}",
        )

    def run() -> StepOutcome:
        groups = described()
        group = groups[primary]
        current, target = api.weights(group), wanted(group)
        data: dict[str, Any] = {"weights_before": current} if to == "dr" else {}
        if current != target:
            api.set_weights(api.client(ctx.sessions), group, target)
        return StepOutcome(detail=f"{primary} endpoint weights {current} -> {target}", data=data)

    def verify() -> Verification:
        groups = described()
        if api.weights(groups[primary]) != wanted(groups[primary]):
            return Verification(False, f"{primary} weights read {api.weights(groups[primary])}")
        accelerator = api.accelerator(api.client(ctx.sessions), res.accelerator)
        status = accelerator.get("Status") if accelerator else "missing"
        if status != "DEPLOYED":
            return Verification(False, f"accelerator {status}: the weight change is deploying")
        routed = api.serving_regions(groups)
        if routed != [serving]:
            return Verification(
                False,
                f"traffic would go to {', '.join(routed) or 'nowhere'} "
                f"({api.health_text(groups[serving])} in {serving})",
            )
        return Verification(True, f"{side} serving: traffic to {serving} only, deployed")

    return aws_step(
        resource=res.name,
        kind=NAME,
        action=action,
        phase=Phase.TRAFFIC,
        description=(
            f"Send the accelerator's traffic to {side}: set the weights of the {primary} "
            + (
                "endpoints to 0 (Global Accelerator then fails over to DR whatever the dials)"
                if to == "dr"
                else "endpoints back to the weights the failover recorded"
            )
            + f", and wait until the change is deployed and traffic goes to {serving} only"
        ),
        cli=[
            f"aws globalaccelerator describe-endpoint-group --region {api.API_REGION} "
            f'--endpoint-group-arn "$(aws globalaccelerator list-endpoint-groups --region '
            f"{api.API_REGION} --listener-arn {res.listener} --query "
            f"\\\"EndpointGroups[?EndpointGroupRegion=='{primary}'].EndpointGroupArn\\\" "
            '--output text)"',
            f"aws globalaccelerator update-endpoint-group --region {api.API_REGION} "
            f"--endpoint-group-arn ARN_ABOVE --endpoint-configurations "
            + (
                "EndpointId=ID,Weight=0 for each endpoint described above"
                if to == "dr"
                else "EndpointId=ID,Weight=W for each endpoint, W its weight before the failover"
            ),
            f"aws globalaccelerator describe-accelerator --region {api.API_REGION} "
            f"--accelerator-arn {res.accelerator}",
        ],
        where=f"{res.name} (global accelerator, {api.API_REGION} API)",
        precheck=precheck,
        run=run,
        verify=verify,
        poll_seconds=5.0,
    )
