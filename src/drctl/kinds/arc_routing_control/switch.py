"""Failover and failback by routing control: one ``UpdateRoutingControlStates`` on the cluster's
data plane, trying its regional endpoints in turn, verified with ``GetRoutingControlState``
(on Step Functions: ``ListRoutingControls``, through drctl's Region proxy).

Both controls change in one call, so an assertion rule that keeps at least one On holds
throughout (two calls would pass through both-Off, or both-On, in between). Endpoints in the
region being left are tried last: in an unplanned failover that region is the one down.
"""

from __future__ import annotations

from typing import Any

from drctl.engine.context import RunContext
from drctl.engine.declarative import NoDeclarativeForm, Probe, SdkCall, SfnStep, all_of, equals
from drctl.engine.step import Phase, Precheck, Step, StepOutcome, Verification
from drctl.kinds.arc_routing_control import api, targets
from drctl.kinds.steps import aws_step
from drctl.plan.models import ArcRoutingControl

NAME = "arc-routing-control"


def failover(res: ArcRoutingControl, ctx: RunContext) -> list[Step]:
    return [switch_step(res, ctx, to="dr")]


def failback(res: ArcRoutingControl, ctx: RunContext) -> list[Step]:
    return [switch_step(res, ctx, to="primary")]


def switch_step(res: ArcRoutingControl, ctx: RunContext, *, to: str) -> Step:
    found, origin = targets.for_failover(res, ctx)
    leaving = ctx.region("primary" if to == "dr" else "dr")
    endpoints = api.ordered_endpoints(found.endpoints, leaving)
    serving, idle = (
        (found.dr_arn, found.primary_arn)
        if to == "dr"
        else (
            found.primary_arn,
            found.dr_arn,
        )
    )
    wanted = {serving: "On", idle: "Off"}
    side = "DR" if to == "dr" else "PRIMARY"
    turned_on = res.dr_control if to == "dr" else res.primary_control

    def client_for(region: str, url: str) -> Any:
        return ctx.sessions.endpoint_client(api.CLUSTER_SERVICE, region, url)

    def states() -> tuple[dict[str, str], str, list[str]]:
        def read(cluster: Any) -> dict[str, str]:
            return {arn: api.control_state(cluster, arn) for arn in wanted}

        return api.on_any_endpoint(endpoints, client_for, read)

    def text(current: dict[str, str]) -> str:
        return (
            f"{res.primary_control}={current.get(found.primary_arn, '?')}, "
            f"{res.dr_control}={current.get(found.dr_arn, '?')}"
        )

    def precheck() -> Precheck:
        current, region, _ = states()
        target = f"{side} serving: {text(wanted)}"
        return Precheck(
            current == wanted, f"{text(current)} (read on the {region} endpoint)", target
        )

    def run() -> StepOutcome:
        _, region, failures = api.on_any_endpoint(
            endpoints, client_for, lambda cluster: api.set_states(cluster, wanted)
        )
        skipped = f"; skipped {', '.join(failures)}" if failures else ""
        return StepOutcome(
            detail=f"{text(wanted)} on the {region} endpoint{skipped}",
            data={
                "endpoint_region": region,
                "failed_endpoints": failures,
                "targets": found.to_dict(),
                "targets_from": origin,
            },
        )

    def verify() -> Verification:
        current, region, _ = states()
        if current != wanted:
            return Verification(False, f"routing controls read {text(current)} on {region}")
        return Verification(True, f"{side} serving: {text(current)} (read on {region})")

    first_region, first_url = endpoints[0]
    entries = " ".join(
        f"RoutingControlArn={arn},RoutingControlState={state}" for arn, state in wanted.items()
    )
    return aws_step(
        resource=res.name,
        kind=NAME,
        action="route-to-dr" if to == "dr" else "route-to-primary",
        phase=Phase.TRAFFIC,
        description=(
            f"Send {res.record} to {side}: set {turned_on} On and the other Off in one call "
            f"on the ARC cluster's data plane (endpoints tried in turn; ARNs and endpoints "
            f"{origin})"
        ),
        cli=[
            f"aws route53-recovery-cluster update-routing-control-states --region {first_region} "
            f"--endpoint-url {first_url} --update-routing-control-state-entries {entries}",
            f"aws route53-recovery-cluster get-routing-control-state --region {first_region} "
            f"--endpoint-url {first_url} --routing-control-arn {serving}",
        ],
        where=f"{res.name} (arc {res.record})",
        precheck=precheck,
        run=run,
        verify=verify,
        poll_seconds=2.0,
        sfn=lambda: declarative_form(res, ctx, to=to),
    )


def declarative_form(res: ArcRoutingControl, ctx: RunContext, *, to: str) -> SfnStep:
    """The switch on Step Functions: the same one ``UpdateRoutingControlStates`` on the
    cluster's endpoints in turn, read back with ``ListRoutingControls`` (every page). No AWS
    SDK task can name an endpoint URL, so these calls go through drctl's Region proxy.

    The ARNs and endpoints are read from the ARC configuration API now, not taken from the
    last check: a definition outlives the run that exports it."""
    if ctx.offline:
        raise NoDeclarativeForm("its routing controls and cluster endpoints are not known offline")
    found = targets.resolve(res, ctx)
    endpoints = api.ordered_endpoints(
        found.endpoints, ctx.region("primary" if to == "dr" else "dr")
    )
    serving, idle = (
        (found.dr_arn, found.primary_arn) if to == "dr" else (found.primary_arn, found.dr_arn)
    )
    wanted = {serving: "On", idle: "Off"}

    def call(action: str, parameters: dict[str, Any], *, paginate: bool = False) -> SdkCall:
        return SdkCall(
            "route53recoverycluster", action, parameters, side="own",
            endpoints=tuple(endpoints), paginate=paginate,
        )  # fmt: skip

    def state_of(arn: str) -> str:
        return f"$.RoutingControls[?(@.RoutingControlArn == '{arn}')].RoutingControlState"

    read = Probe(
        call("listRoutingControls", {}, paginate=True),
        all_of(equals("$.serving[0]", wanted[serving]), equals("$.idle[0]", wanted[idle])),
        select={"serving": state_of(serving), "idle": state_of(idle)},
    )
    update = call(
        "updateRoutingControlStates",
        {
            "UpdateRoutingControlStateEntries": [
                {"RoutingControlArn": arn, "RoutingControlState": state}
                for arn, state in wanted.items()
            ]
        },
    )
    return SfnStep(precheck=read, run=(update,), verify=read)
