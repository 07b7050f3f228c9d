"""The one way a kind builds its Steps and Checks, and the one lag verdict every kind uses.

A kind knows nothing about threads, journals or retries: it builds Steps and Checks out of
closures. These helpers wrap the closures so that botocore errors become drctl errors naming
the resource, and so that the request ids of mutating calls end up in the step's outcome (and
from there in the journal).
"""

from __future__ import annotations

from collections.abc import Callable

from drctl.aws.calls import recording
from drctl.aws.errors import aws_errors
from drctl.engine.declarative import SfnStep
from drctl.engine.step import (
    Check,
    CheckResult,
    Phase,
    Precheck,
    Step,
    StepOutcome,
    Verification,
    failed,
    passed,
    warned,
)
from drctl.plan.durations import format_seconds, human_seconds


def aws_step(
    *,
    resource: str,
    kind: str,
    action: str,
    phase: Phase,
    description: str,
    cli: list[str],
    where: str,
    precheck: Callable[[], Precheck],
    run: Callable[[], StepOutcome],
    verify: Callable[[], Verification] | None = None,
    mutating: bool = True,
    timeout_seconds: float | None = None,
    poll_seconds: float = 5.0,
    depends_on: list[str] | None = None,
    preparation: bool = False,
    sfn: Callable[[], SfnStep | None] | None = None,
) -> Step:
    """A Step whose closures translate AWS errors and record mutating calls.

    ``preparation``: see :attr:`drctl.engine.step.Step.preparation` (work done while the
    application still serves, before the switch; not counted in the RTO)."""

    def guarded_precheck() -> Precheck:
        with aws_errors(where):
            return precheck()

    def guarded_run() -> StepOutcome:
        with recording() as calls, aws_errors(where):
            outcome = run()
        outcome.calls = [*calls, *outcome.calls]
        return outcome

    def guarded_verify() -> Verification:
        if verify is None:
            return Verification(True)
        with aws_errors(where):
            return verify()

    return Step(
        id=f"{resource}.{action}",
        resource=resource,
        kind=kind,
        action=action,
        phase=phase,
        description=description,
        cli=cli,
        precheck=guarded_precheck,
        run=guarded_run,
        verify=guarded_verify,
        mutating=mutating,
        timeout_seconds=timeout_seconds,
        poll_seconds=poll_seconds,
        depends_on=depends_on or [],
        preparation=preparation,
        sfn=sfn,
    )


def check_maker(
    resource: str, kind: str, where: str
) -> Callable[[str, str, Callable[[], CheckResult]], Check]:
    """``check(name, description, run)`` for one resource: every kind's checks in one line,
    each translating AWS errors into a drctl error that names ``where``."""

    def make(name: str, description: str, run: Callable[[], CheckResult]) -> Check:
        def guarded() -> CheckResult:
            with aws_errors(where):
                return run()

        return Check(resource=resource, kind=kind, name=name, description=description, run=guarded)

    return make


def lag_within_rpo(seconds: float | None, rpo: int, *, what: str, missing: str) -> CheckResult:
    """The readiness verdict on a measured replication lag: pass, fail over the RPO, or
    warn when there is no datapoint (unknown is not the same as late)."""
    if seconds is None:
        return warned(missing, None, rpo)
    text = f"{what} {human_seconds(seconds)}"
    if seconds > rpo:
        return failed(f"{text} over the RPO of {format_seconds(rpo)}", seconds, rpo)
    return passed(f"{text} within the RPO of {format_seconds(rpo)}", seconds, rpo)
