"""What every kind gets to work with, and helpers to build AWS-backed steps and checks.

A kind knows nothing about threads, journals or retries: it builds Steps and
Checks out of closures. The helpers here wrap those closures so that botocore
errors become drctl errors naming the resource, and so that the request ids of
mutating calls end up in the step's outcome (and from there in the journal).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from drctl.aws.calls import recording
from drctl.aws.errors import aws_errors
from drctl.aws.session import AwsSessions
from drctl.engine.clock import Clock
from drctl.engine.step import Check, CheckResult, Phase, Precheck, Step, StepOutcome, Verification
from drctl.plan.models import EffectiveObjectives, Plan

T = TypeVar("T")

GLOBAL_REGION = "us-east-1"  # Route 53, IAM: global services answer here


@dataclass
class KindContext:
    plan: Plan
    sessions: AwsSessions
    clock: Clock
    mode: str = "planned"  # planned | unplanned
    run_id: str | None = None
    memo: Memo = field(default_factory=lambda: Memo())
    # Data the steps of the failover being undone recorded, by step id (e.g. the
    # capacity a group had before it was scaled up); failback steps read it.
    recorded: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Build steps without reading AWS (``plan show``): ids only AWS knows stay
    # placeholders in the step's CLI text.
    offline: bool = False
    # Manual steps: names approved for this run (``--approve``), and how to ask a
    # person right now (None when nobody can answer: the step then waits).
    approvals: dict[str, str] = field(default_factory=dict)
    ask: Callable[[str, str], bool] | None = None

    @property
    def objectives(self) -> EffectiveObjectives:
        return self.plan.effective_objectives()

    def region(self, side: str) -> str:
        return self.plan.regions.primary if side == "primary" else self.plan.regions.dr

    def client(self, service: str, side: str) -> Any:
        """A client for ``side`` ("primary", "dr" or "global")."""
        region = GLOBAL_REGION if side == "global" else self.region(side)
        return self.sessions.client(service, region, side)


class Memo:
    """Per-run cache of AWS reads, so ten checks of one instance describe it once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[tuple[Any, ...], Any] = {}
        self._key_locks: dict[tuple[Any, ...], threading.Lock] = {}

    def get(self, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._values:
                return self._values[key]  # type: ignore[no-any-return]
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                if key in self._values:
                    return self._values[key]  # type: ignore[no-any-return]
            value = compute()
            with self._lock:
                self._values[key] = value
            return value

    def forget(self) -> None:
        with self._lock:
            self._values.clear()


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
) -> Step:
    """A Step whose closures translate AWS errors and record mutating calls."""

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
    )


def aws_check(
    *,
    resource: str,
    kind: str,
    name: str,
    description: str,
    where: str,
    run: Callable[[], CheckResult],
) -> Check:
    def guarded() -> CheckResult:
        with aws_errors(where):
            return run()

    return Check(resource=resource, kind=kind, name=name, description=description, run=guarded)


def lag_within_rpo(seconds: float | None, rpo: int, *, what: str, missing: str) -> CheckResult:
    """The readiness verdict on a measured replication lag: pass, fail over the RPO, or
    warn when there is no datapoint (unknown is not the same as late)."""
    from drctl.engine.step import failed, passed, warned
    from drctl.plan.durations import format_seconds, human_seconds

    if seconds is None:
        return warned(missing, None, rpo)
    text = f"{what} {human_seconds(seconds)}"
    if seconds > rpo:
        return failed(f"{text} over the RPO of {format_seconds(rpo)}", seconds, rpo)
    return passed(f"{text} within the RPO of {format_seconds(rpo)}", seconds, rpo)


def check_maker(
    resource: str, kind: str, where: str
) -> Callable[[str, str, Callable[[], CheckResult]], Check]:
    """``check(name, description, run)`` for one resource: the kinds' checks in one line."""

    def make(name: str, description: str, run: Callable[[], CheckResult]) -> Check:
        return aws_check(
            resource=resource, kind=kind, name=name, description=description, where=where, run=run
        )

    return make
