"""The steps of ``eventbridge-rules``: turn one side's rules on or off, each rule only when it
is not already in the wanted state, so that a rerun changes nothing.

A side that must be turned off may be the Region that is down (an unplanned failover): that
step comes last (notify phase) and, when the Region does not answer, waits for it instead of
failing the run -- the jobs are not running there anyway while it is down, and they must be
off before it comes back.
"""

from __future__ import annotations

from drctl.engine.context import RunContext
from drctl.engine.declarative import Probe, SdkCall, SfnStep, all_of, equals
from drctl.engine.step import Phase, Precheck, Step, StepOutcome, StepWaiting, Verification
from drctl.errors import AwsError, EndpointUnreachable
from drctl.kinds.eventbridge_rules import api
from drctl.kinds.steps import aws_step
from drctl.plan.models import EventBridgeRules

NAME = "eventbridge-rules"


def rules_of(res: EventBridgeRules, side: str) -> list[str]:
    return list(res.primary if side == "primary" else res.dr)


def failover(res: EventBridgeRules, ctx: RunContext) -> list[Step]:
    if ctx.mode == "unplanned":
        on = switch_step(res, ctx, side="dr", enable=True, phase=Phase.TRAFFIC)
        off = switch_step(
            res, ctx, side="primary", enable=False, phase=Phase.NOTIFY, wait_if_unreachable=True
        )
        return [on, off]
    off = switch_step(res, ctx, side="primary", enable=False, phase=Phase.COMPUTE)
    on = switch_step(res, ctx, side="dr", enable=True, phase=Phase.TRAFFIC, depends_on=[off.id])
    return [off, on]


def failback(res: EventBridgeRules, ctx: RunContext) -> list[Step]:
    off = switch_step(res, ctx, side="dr", enable=False, phase=Phase.COMPUTE)
    on = switch_step(
        res, ctx, side="primary", enable=True, phase=Phase.TRAFFIC, depends_on=[off.id]
    )
    return [off, on]


def switch_step(
    res: EventBridgeRules,
    ctx: RunContext,
    *,
    side: str,
    enable: bool,
    phase: Phase,
    wait_if_unreachable: bool = False,
    depends_on: list[str] | None = None,
) -> Step:
    region = ctx.region(side)
    names = rules_of(res, side)
    bus = res.event_bus
    client = ctx.client("events", side)
    wanted = "ENABLED" if enable else "DISABLED"

    def states() -> dict[str, str]:
        found: dict[str, str] = {}
        for name in names:
            rule = api.describe_rule(client, name, bus)
            if rule is None:
                raise AwsError(f"{res.name}: rule {name} not found on event bus {bus} in {region}")
            found[name] = "ENABLED" if api.is_enabled(rule) else str(rule.get("State"))
        return found

    def pending(found: dict[str, str]) -> list[str]:
        return [n for n, state in found.items() if (state == "ENABLED") != enable]

    def text(found: dict[str, str]) -> str:
        return ", ".join(f"{n} {s}" for n, s in found.items())

    def precheck() -> Precheck:
        try:
            found = states()
        except EndpointUnreachable as exc:
            if wait_if_unreachable:
                return Precheck(False, f"unreachable ({exc.message})", f"all {wanted}")
            raise
        return Precheck(not pending(found), text(found), f"all {wanted} in {region}")

    def run() -> StepOutcome:
        try:
            todo = pending(states())
            for name in todo:
                (api.enable if enable else api.disable)(client, name, bus)
        except EndpointUnreachable as exc:
            if wait_if_unreachable:
                raise StepWaiting(
                    f"{res.name}: rules in {region} could not be {wanted.lower()} "
                    f"({exc.message}); resume this run when the Region is back"
                ) from None
            raise
        return StepOutcome(detail=f"{wanted.lower()} in {region}: {', '.join(todo)}",
                           data={"rules": todo, "region": region, "state": wanted})  # fmt: skip

    def verify() -> Verification:
        found = states()
        return Verification(not pending(found), text(found))

    verb = "enable-rule" if enable else "disable-rule"
    action = ("enable" if enable else "disable") + ("-dr" if side == "dr" else "-primary")
    why = "" if not wait_if_unreachable else " (after recovery; waits while the Region is down)"
    return aws_step(
        resource=res.name,
        kind=NAME,
        action=action,
        phase=phase,
        description=f"{'Enable' if enable else 'Disable'} rules {', '.join(names)} on event bus "
        f"{bus} in {region}{why}",
        cli=[
            f"aws events {verb} --name {name} --event-bus-name {bus} --region {region}"
            for name in names
        ],
        where=f"{res.name} (events {region})",
        precheck=precheck,
        run=run,
        verify=verify,
        poll_seconds=5.0,
        depends_on=depends_on,
        sfn=lambda: _declarative(res, ctx, side, enable, wait_if_unreachable),
    )


def _declarative(
    res: EventBridgeRules, ctx: RunContext, side: str, enable: bool, wait_if_unreachable: bool
) -> SfnStep | None:
    """Done when ListRules shows each rule in the wanted state (the rules' positions in the
    listing read when exporting, their names checked too: a changed listing acts rather than
    skips); otherwise EnableRule/DisableRule for each, which AWS applies before answering
    (the CLI's verify re-reads them; here a rule that is missing fails its call). None
    offline, or when the listing cannot be read or lacks a rule."""
    if ctx.offline:
        return None
    region = ctx.region(side)
    names = rules_of(res, side)
    note = (
        f"rules in {region} unreachable, not {'enabled' if enable else 'disabled'}: do it with "
        "the CLI when the Region is back"
        if wait_if_unreachable
        else None
    )
    try:
        listed = [
            str(r.get("Name")) for r in api.list_rules(ctx.client("events", side), res.event_bus)
        ]
    except Exception:
        if note is None:
            return None
        listed = []
    wanted = "ENABLED" if enable else "DISABLED"
    if listed and any(name not in listed for name in names):
        return None
    rules = [
        all_of(
            equals(f"$.Rules[{listed.index(name)}].Name", name),
            equals(f"$.Rules[{listed.index(name)}].State", wanted),
        )
        for name in names
        if name in listed
    ]
    listing = SdkCall(
        "eventbridge", "listRules", {"EventBusName": res.event_bus}, region, side=side
    )
    return SfnStep(
        precheck=Probe(listing, all_of(*rules)) if rules else None,
        run=tuple(
            SdkCall(
                "eventbridge",
                "enableRule" if enable else "disableRule",
                {"Name": name, "EventBusName": res.event_bus},
                region,
                side=side,
            )
            for name in names
        ),
        unreachable_note=note,
    )
