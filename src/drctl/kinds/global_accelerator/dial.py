"""Failover and failback by traffic dial: ``UpdateEndpointGroup`` on the listener's endpoint
groups, verified with ``DescribeEndpointGroup`` and ``DescribeAccelerator``.

The side gaining traffic is dialled up first and the side losing it down second, so there is
never a moment where both dials are down (capacity never drops to zero between the two calls).
Verification waits until the dials read as wanted, the accelerator has deployed the change
(``Status`` DEPLOYED) and the serving group has a healthy endpoint to take the traffic.
"""

from __future__ import annotations

from typing import Any

from drctl.engine.context import RunContext
from drctl.engine.declarative import Probe, SdkCall, SfnStep, all_of, at_least, equals
from drctl.engine.step import Phase, Precheck, Step, StepOutcome, Verification
from drctl.errors import AwsError
from drctl.kinds.global_accelerator import api
from drctl.kinds.steps import aws_step
from drctl.plan.models import GlobalAccelerator

NAME = "global-accelerator"
FULL = 100.0


def regions(res: GlobalAccelerator, ctx: RunContext) -> tuple[str, str]:
    """(primary, DR) Regions of the two endpoint groups."""
    return (
        res.primary_endpoint_group or ctx.region("primary"),
        res.dr_endpoint_group or ctx.region("dr"),
    )


def groups(res: GlobalAccelerator, ctx: RunContext, *, fresh: bool = False) -> dict[str, Any]:
    """The listener's endpoint groups by Region (memoised for checks; ``fresh`` for steps)."""

    def read() -> dict[str, Any]:
        found = api.endpoint_groups(api.client(ctx.sessions), res.listener)
        if found is None:
            raise AwsError(f"{res.name}: listener {res.listener} not found")
        return found

    if fresh:
        return read()
    return ctx.memo.get(("ga", "groups", res.name), read)


def pair(res: GlobalAccelerator, ctx: RunContext, found: dict[str, Any]) -> tuple[Any, Any]:
    """(primary group, DR group), failing with what is missing."""
    primary, dr = regions(res, ctx)
    missing = [r for r in (primary, dr) if r not in found]
    if missing:
        raise AwsError(
            f"{res.name}: listener {res.listener} has no endpoint group in {', '.join(missing)}"
            f" (groups in: {', '.join(sorted(found)) or 'none'})"
        )
    return found[primary], found[dr]


def _group_arns(res: GlobalAccelerator, ctx: RunContext) -> dict[str, str]:
    """Endpoint group ARNs by Region for the printed commands; {} when they cannot be read
    (offline, or the API unreachable): the commands then say so."""
    if ctx.offline:
        return {}
    try:
        return {region: str(g["EndpointGroupArn"]) for region, g in groups(res, ctx).items()}
    except Exception:
        return {}


def dials_text(res: GlobalAccelerator, ctx: RunContext, dials: dict[str, float]) -> str:
    def pct(region: str) -> str:
        value = dials.get(region)
        return "?" if value is None else f"{value:g}%"

    primary, dr = regions(res, ctx)
    return f"{primary} {pct(primary)}, {dr} {pct(dr)}"


def failover(res: GlobalAccelerator, ctx: RunContext) -> list[Step]:
    return [dial_step(res, ctx, to="dr")]


def failback(res: GlobalAccelerator, ctx: RunContext) -> list[Step]:
    return [dial_step(res, ctx, to="primary")]


def dial_step(res: GlobalAccelerator, ctx: RunContext, *, to: str) -> Step:
    primary, dr = regions(res, ctx)
    # (region, dial) in the order the calls are made: the side gaining traffic first.
    if to == "dr":
        order = [(dr, FULL), (primary, 0.0)]
    else:
        order = [(primary, FULL), (dr, float(res.dr_traffic_dial))]
    wanted = dict(order)
    serving = dr if to == "dr" else primary
    side = "DR" if to == "dr" else "PRIMARY"

    def read() -> tuple[dict[str, float], dict[str, Any]]:
        found = groups(res, ctx, fresh=True)
        pair(res, ctx, found)
        ga = api.client(ctx.sessions)
        described = {r: api.endpoint_group(ga, found[r]["EndpointGroupArn"]) for r in wanted}
        return {r: float(g["TrafficDialPercentage"]) for r, g in described.items()}, described

    def precheck() -> Precheck:
        dials, _ = read()
        return Precheck(
            dials == wanted,
            dials_text(res, ctx, dials),
            f"{side} serving: {dials_text(res, ctx, wanted)}",
        )

    def run() -> StepOutcome:
        found = groups(res, ctx, fresh=True)
        pair(res, ctx, found)
        ga = api.client(ctx.sessions)
        changed = []
        for region, percent in order:
            group = found[region]
            if float(group["TrafficDialPercentage"]) != percent:
                api.set_dial(ga, group["EndpointGroupArn"], percent)
                changed.append(f"{region} -> {percent:g}%")
        return StepOutcome(
            detail=f"dials {', '.join(changed) or 'already set'}",
            data={"dials": {r: p for r, p in order}},
        )

    def verify() -> Verification:
        dials, described = read()
        if dials != wanted:
            return Verification(False, f"dials read {dials_text(res, ctx, dials)}")
        accelerator = api.accelerator(api.client(ctx.sessions), res.accelerator)
        status = accelerator.get("Status") if accelerator else "missing"
        if status != "DEPLOYED":
            return Verification(False, f"accelerator {status}: the dial change is deploying")
        healthy = api.healthy_endpoints(described[serving])
        if not healthy:
            return Verification(
                False,
                f"no healthy endpoint in {serving} to take the traffic "
                f"({api.health_text(described[serving])})",
            )
        return Verification(
            True,
            f"{side} serving: {dials_text(res, ctx, dials)}, deployed; healthy in {serving}: "
            f"{', '.join(healthy)}",
        )

    arns = _group_arns(res, ctx)

    def variable(region: str) -> str:
        return "GROUP_" + region.upper().replace("-", "_")

    cli = [
        f"aws globalaccelerator update-endpoint-group --region {api.API_REGION} "
        f"--endpoint-group-arn {arns.get(region) or '$' + variable(region)} "
        f"--traffic-dial-percentage {percent:g}"
        for region, percent in order
    ]
    unknown = [region for region, _ in order if region not in arns]
    if unknown:
        cli.insert(
            0,
            f"# the endpoint groups of {res.listener} could not be read now: set "
            f"{' and '.join(variable(r) for r in unknown)} to the EndpointGroupArn of "
            f"{' and '.join(unknown)} from aws globalaccelerator list-endpoint-groups "
            f"--listener-arn {res.listener} --region {api.API_REGION}",
        )
    cli.append(
        f"aws globalaccelerator describe-accelerator --region {api.API_REGION} "
        f"--accelerator-arn {res.accelerator}"
    )
    return aws_step(
        resource=res.name,
        kind=NAME,
        action="route-to-dr" if to == "dr" else "route-to-primary",
        phase=Phase.TRAFFIC,
        description=(
            f"Send the accelerator's traffic to {side}: dial the {serving} endpoint group up to "
            f"100% first, then {order[1][0]} to {order[1][1]:g}%, and wait until the change "
            f"is deployed and {serving} has a healthy endpoint"
        ),
        cli=cli,
        where=f"{res.name} (global accelerator, {api.API_REGION} API)",
        precheck=precheck,
        run=run,
        verify=verify,
        poll_seconds=5.0,
        sfn=lambda: _declarative(res, ctx, order, serving),
    )


def _declarative(
    res: GlobalAccelerator, ctx: RunContext, order: list[tuple[str, float]], serving: str
) -> SfnStep | None:
    """The two dials in the same order (gaining side first); done when both dials read
    their values (one ListEndpointGroups: the groups' positions in it are read when
    exporting, their ARNs checked too -- a changed listener never passes, it acts);
    verified when the serving group reads 100% with a healthy endpoint. The accelerator's
    ``DEPLOYED`` status, which the CLI also waits for, is a second describe the one-call
    wait loop leaves out. Group ARNs are read when exporting."""
    if ctx.offline:
        return None
    try:
        found = groups(res, ctx, fresh=True)
        pair(res, ctx, found)
    except Exception:
        return None

    def arn(region: str) -> str:
        return str(found[region]["EndpointGroupArn"])

    def describe(region: str) -> SdkCall:
        return SdkCall(
            "globalaccelerator", "describeEndpointGroup", {"EndpointGroupArn": arn(region)},
            api.API_REGION, side="global",
        )  # fmt: skip

    full = order[0][1]
    # ListEndpointGroups' order, as the listing read when exporting kept it.
    listed = [str(g["EndpointGroupArn"]) for g in found.values()]
    if any(arn(region) not in listed for region, _ in order):
        return None
    dialled = [
        all_of(
            equals(f"$.EndpointGroups[{listed.index(arn(region))}].EndpointGroupArn", arn(region)),
            equals(f"$.EndpointGroups[{listed.index(arn(region))}].TrafficDialPercentage", pct),
        )
        for region, pct in order
    ]
    return SfnStep(
        precheck=Probe(
            SdkCall(
                "globalaccelerator",
                "listEndpointGroups",
                {"ListenerArn": res.listener},
                api.API_REGION,
                side="global",
            ),
            all_of(*dialled),
        ),
        run=tuple(
            SdkCall(
                "globalaccelerator",
                "updateEndpointGroup",
                {"EndpointGroupArn": arn(region), "TrafficDialPercentage": percent},
                api.API_REGION,
                side="global",
            )
            for region, percent in order
        ),
        verify=Probe(
            describe(serving),
            all_of(equals("$.Dial", full), at_least("$.Healthy", 1)),
            select={
                "Dial": "$.EndpointGroup.TrafficDialPercentage",
                "Healthy": "States.ArrayLength($.EndpointGroup.EndpointDescriptions"
                "[?(@.HealthState == 'HEALTHY')])",
            },
        ),
    )
