"""The steps of ``lambda-function``: turn one side's event source mappings on or off, and set
(then restore) the DR function's reserved concurrency.

Only mappings not already in the wanted state are updated, so a rerun changes nothing. A
mapping goes through ``Enabling`` / ``Disabling`` before it polls or stops, and refuses an
update meanwhile (``ResourceInUseException``): the step waits for the final state, and one
found settling the other way is updated once it has settled.

The side being turned off may be the Region that is down (unplanned failover): that step comes
last (notify phase) and waits for the Region instead of failing the run.
"""

from __future__ import annotations

from typing import Any

from drctl.engine.context import RunContext
from drctl.engine.declarative import Probe, SdkCall, SfnStep, equals, negate, present
from drctl.engine.step import Phase, Precheck, Step, StepOutcome, StepWaiting, Verification
from drctl.errors import DrctlError, EndpointUnreachable
from drctl.kinds.lambda_function import api
from drctl.kinds.steps import aws_step
from drctl.plan.models import LambdaFunction

NAME = "lambda-function"
# States in which a mapping refuses an update (ResourceInUseException): wait them out.
TRANSITIONAL = ("Creating", "Enabling", "Disabling", "Updating", "Deleting")
SETTLE_TIMEOUT_SECONDS = 600.0


def failover(res: LambdaFunction, ctx: RunContext) -> list[Step]:
    steps = [concurrency_step(res, ctx)] if res.reserved_concurrency is not None else []
    if ctx.mode == "unplanned":
        on = sources_step(res, ctx, side="dr", enable=True, phase=Phase.TRAFFIC)
        off = sources_step(
            res, ctx, side="primary", enable=False, phase=Phase.NOTIFY, wait_if_unreachable=True
        )
        return [*steps, on, off]
    off = sources_step(
        res, ctx, side="primary", enable=False, phase=Phase.COMPUTE, depends_on=ids(steps)
    )
    on = sources_step(res, ctx, side="dr", enable=True, phase=Phase.TRAFFIC, depends_on=[off.id])
    return [*steps, off, on]


def ids(steps: list[Step]) -> list[str]:
    return [s.id for s in steps]


def failback(res: LambdaFunction, ctx: RunContext) -> list[Step]:
    off = sources_step(res, ctx, side="dr", enable=False, phase=Phase.COMPUTE)
    on = sources_step(
        res, ctx, side="primary", enable=True, phase=Phase.TRAFFIC, depends_on=[off.id]
    )
    steps = [off, on]
    if res.reserved_concurrency is not None:
        steps.append(restore_concurrency_step(res, ctx))
    return steps


def sources_step(
    res: LambdaFunction,
    ctx: RunContext,
    *,
    side: str,
    enable: bool,
    phase: Phase,
    wait_if_unreachable: bool = False,
    depends_on: list[str] | None = None,
) -> Step:
    region = ctx.region(side)
    client = ctx.client("lambda", side)
    wanted = "Enabled" if enable else "Disabled"

    def current() -> list[dict[str, Any]]:
        return api.mappings(client, res.function)

    def text(found: list[dict[str, Any]]) -> str:
        if not found:
            return f"no event source mappings of {res.function} in {region}"
        return ", ".join(f"{m['UUID'][:8]} {m.get('State')}" for m in found)

    def settled_wrong(found: list[dict[str, Any]]) -> list[str]:
        """Mappings at rest in the other state: the ones to update (one still changing state
        would refuse the update; it is updated once it has settled)."""
        return [str(m["UUID"]) for m in found if m.get("State") not in (wanted, *TRANSITIONAL)]

    def precheck() -> Precheck:
        try:
            found = current()
        except EndpointUnreachable as exc:
            if wait_if_unreachable:
                return Precheck(False, f"unreachable ({exc.message})", f"all {wanted}")
            raise
        done = all(m.get("State") == wanted for m in found)
        return Precheck(done, text(found), f"every mapping {wanted} in {region}")

    def run() -> StepOutcome:
        try:
            todo = settled_wrong(current())
            for uuid in todo:
                api.set_mapping(client, uuid, enable)
        except EndpointUnreachable as exc:
            if wait_if_unreachable:
                raise StepWaiting(
                    f"{res.name}: event source mappings in {region} could not be set "
                    f"{wanted} ({exc.message}); resume this run when the Region is back"
                ) from None
            raise
        return StepOutcome(
            detail=f"{len(todo)} mapping(s) of {res.function} in {region} set {wanted}",
            data={"mappings": todo, "region": region, "state": wanted},
        )

    def verify() -> Verification:
        found = current()
        late = [
            str(m["UUID"]) for m in found if m.get("State") not in (wanted, "Enabling", "Disabling")
        ]
        for uuid in late:  # settled the other way since the run: update it now
            api.set_mapping(client, uuid, enable)
        return Verification(all(m.get("State") == wanted for m in found), text(found))

    verb = "enable" if enable else "disable"
    action = f"{verb}-{'dr' if side == 'dr' else 'primary'}-sources"
    why = " (after recovery; waits while the Region is down)" if wait_if_unreachable else ""
    return aws_step(
        resource=res.name,
        kind=NAME,
        action=action,
        phase=phase,
        description=f"{verb.capitalize()} the event source mappings of {res.function} in "
        f"{region} and wait until they are {wanted}{why}",
        cli=[
            f"aws lambda list-event-source-mappings --function-name {res.function} "
            f"--region {region}",
            f"for uuid in $(aws lambda list-event-source-mappings --function-name {res.function} "
            f"--region {region} --query 'EventSourceMappings[].UUID' --output text); do "
            f'aws lambda update-event-source-mapping --uuid "$uuid" '
            f"{'--enabled' if enable else '--no-enabled'} --region {region}; done",
        ],
        where=f"{res.name} (lambda {region})",
        precheck=precheck,
        run=run,
        verify=verify,
        timeout_seconds=SETTLE_TIMEOUT_SECONDS,
        poll_seconds=5.0,
        depends_on=depends_on,
        sfn=lambda: _declarative_sources(
            res, ctx, side, enable, "waits while the Region is down" if wait_if_unreachable else ""
        ),
    )


def _declarative_sources(
    res: LambdaFunction, ctx: RunContext, side: str, enable: bool, unreachable: str
) -> SfnStep | None:
    """One event source mapping (its UUID read when exporting): update it, wait until its
    State is the wanted one, updating it again if it settled the other way (as the CLI's
    verify does). A function with several mappings has no form -- a wait loop reads one
    answer, and a Choice cannot look through a list of them -- and none offline."""
    if ctx.offline:
        return None
    region = ctx.region(side)
    try:
        found = api.mappings(ctx.client("lambda", side), res.function)
    except Exception:
        if not unreachable:
            return None
        found = []
    if len(found) != 1:
        return None
    uuid = str(found[0]["UUID"])
    wanted, other = ("Enabled", "Disabled") if enable else ("Disabled", "Enabled")
    update = SdkCall(
        "lambda", "updateEventSourceMapping", {"Uuid": uuid, "Enabled": enable}, region,
        side=side, tolerate_failure=True,  # a mapping changing state refuses: the wait sees it
    )  # fmt: skip
    probe = Probe(
        SdkCall("lambda", "getEventSourceMapping", {"Uuid": uuid}, region, side=side),
        equals("$.State", wanted),
        nudge=(equals("$.State", other), update),
    )
    return SfnStep(
        precheck=Probe(probe.call, probe.holds),
        run=(update,),
        verify=probe,
        unreachable_note=(
            f"event source mappings of {res.function} in {region} unreachable, not "
            f"{wanted.lower()}: resume with the CLI when the Region is back"
            if unreachable
            else None
        ),
    )


def concurrency_step(res: LambdaFunction, ctx: RunContext) -> Step:
    """Reserve the plan's concurrency for the DR function, recording what it had."""
    region = ctx.region("dr")
    client = ctx.client("lambda", "dr")
    target = res.reserved_concurrency

    def precheck() -> Precheck:
        now = api.reserved(client, res.function)
        return Precheck(now == target, f"reserved {_words(now)}", f"reserved {_words(target)}")

    def run() -> StepOutcome:
        before = api.reserved(client, res.function)
        api.reserve(client, res.function, target)
        return StepOutcome(
            detail=f"{res.function} in {region}: reserved {_words(before)} -> {_words(target)}",
            data={"before": before},
        )

    def verify() -> Verification:
        now = api.reserved(client, res.function)
        return Verification(now == target, f"reserved {_words(now)}")

    return aws_step(
        resource=res.name,
        kind=NAME,
        action="set-concurrency",
        # Before the triggers (they depend on it): a reservation the Region refuses stops the
        # failover before any trigger is switched, not with the primary's off and DR's not on.
        phase=Phase.COMPUTE,
        description=f"Reserve {target} concurrent executions for {res.function} in {region} "
        "(recording its reservation for failback)",
        cli=[
            f"aws lambda put-function-concurrency --function-name {res.function} "
            f"--reserved-concurrent-executions {target} --region {region}"
        ],
        where=f"{res.name} (lambda {region})",
        precheck=precheck,
        run=run,
        verify=verify,
        sfn=lambda: _declarative_concurrency(res, ctx, target),
    )


def _declarative_concurrency(
    res: LambdaFunction, ctx: RunContext, target: int | None
) -> SfnStep | None:
    """PutFunctionConcurrency (DeleteFunctionConcurrency for no reservation), done when
    GetFunctionConcurrency reads the target: the CLI's precheck, call and verify."""
    region = ctx.region("dr")
    read = SdkCall("lambda", "getFunctionConcurrency", {"FunctionName": res.function}, region)
    if target is None:
        holds = negate(present("$.ReservedConcurrentExecutions"))
        call = SdkCall(
            "lambda", "deleteFunctionConcurrency", {"FunctionName": res.function}, region
        )
    else:
        holds = equals("$.ReservedConcurrentExecutions", target)
        call = SdkCall(
            "lambda",
            "putFunctionConcurrency",
            {"FunctionName": res.function, "ReservedConcurrentExecutions": target},
            region,
        )
    probe = Probe(read, holds)
    return SfnStep(precheck=probe, run=(call,), verify=probe)


def restore_concurrency_step(res: LambdaFunction, ctx: RunContext) -> Step:
    """Put back the DR function's reservation the failover recorded (after traffic is home)."""
    region = ctx.region("dr")
    client = ctx.client("lambda", "dr")
    recorded = ctx.recorded.get(f"{res.name}.set-concurrency")

    def target() -> int | None:
        if recorded is None or "before" not in recorded:
            raise DrctlError(
                f"{res.name}: no reservation recorded by a failover to restore "
                f"{res.function} in {region} to",
                hint="fail back with --from-run RUN_ID of the failover, or set it by hand: "
                f"aws lambda delete-function-concurrency --function-name {res.function} "
                f"--region {region}",
            )
        value = recorded["before"]
        return None if value is None else int(value)

    def precheck() -> Precheck:
        want = target()
        now = api.reserved(client, res.function)
        return Precheck(now == want, f"reserved {_words(now)}", f"reserved {_words(want)}")

    def run() -> StepOutcome:
        want = target()
        api.reserve(client, res.function, want)
        return StepOutcome(detail=f"{res.function} in {region}: reserved {_words(want)}")

    def verify() -> Verification:
        now = api.reserved(client, res.function)
        return Verification(now == target(), f"reserved {_words(now)}")

    return aws_step(
        resource=res.name,
        kind=NAME,
        action="restore-concurrency",
        phase=Phase.NOTIFY,
        description=f"Restore the reserved concurrency {res.function} had in {region} before "
        "the failover (removed when it had none)",
        cli=_restore_cli(res, region, recorded),
        where=f"{res.name} (lambda {region})",
        precheck=precheck,
        run=run,
        verify=verify,
        sfn=lambda: (
            None
            if recorded is None or "before" not in recorded
            else _declarative_concurrency(
                res, ctx, None if recorded["before"] is None else int(recorded["before"])
            )
        ),
    )


def _words(value: int | None) -> str:
    return "none" if value is None else str(value)


def _restore_cli(res: LambdaFunction, region: str, recorded: dict[str, Any] | None) -> list[str]:
    """The command with the recorded reservation; without one, words (the step refuses)."""
    if recorded is None or "before" not in recorded:
        return [
            "# no reservation recorded by a failover of this plan: the step refuses; fail back "
            "with --from-run RUN_ID of the failover"
        ]
    before = recorded["before"]
    if before is None:
        return [
            f"aws lambda delete-function-concurrency --function-name {res.function} "
            f"--region {region}"
        ]
    return [
        f"aws lambda put-function-concurrency --function-name {res.function} "
        f"--reserved-concurrent-executions {int(before)} --region {region}"
    ]
