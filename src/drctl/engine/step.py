"""What the engine runs: Steps (failover/failback actions) and Checks (readiness).

The engine knows nothing about any AWS service. A kind builds Steps out of
closures over its AWS service functions; the engine only orders them, runs
them, waits for them to verify, and journals what happened.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Any

from drctl.engine.declarative import SfnStep


class Phase(IntEnum):
    """Where a step sits in a failover; lower phases finish before higher ones start.

    DATA and COMPUTE share a rank: scaling up compute takes minutes and does not
    need the promoted database, so they overlap. Use ``depends_on`` in the plan
    when an app must not start before its database is writable.
    """

    FENCE = 0
    DATA = 1
    COMPUTE = 2
    TRAFFIC = 3
    NOTIFY = 4

    @property
    def rank(self) -> int:
        return {0: 0, 1: 1, 2: 1, 3: 2, 4: 3}[int(self)]

    @property
    def label(self) -> str:
        return self.name.lower()


class StepStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"
    WAITING = "waiting"  # paused for a person's approval (a manual step)


class StepWaiting(Exception):
    """Raised by ``run`` when the step needs a person and nobody can be asked now.

    The executor records the step as ``waiting`` instead of failed; the run
    pauses and is continued with ``--resume RUN_ID --approve NAME``.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Precheck:
    """What a step found before acting. ``done`` means its effect is already present."""

    done: bool
    current: str
    target: str


@dataclass
class StepOutcome:
    """What ``run`` did: a note for people, the mutating AWS calls it made, data to keep."""

    detail: str = ""
    calls: list[dict[str, Any]] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Verification:
    ok: bool
    detail: str = ""


def _nothing_to_verify() -> Verification:
    return Verification(True, "")


class Stage(StrEnum):
    """Where a step's time goes in the RTO (see :attr:`Step.preparation`).

    Only ``recovery`` is downtime: ``preparation`` runs while the application still serves
    (before the switch), ``post-recovery`` after traffic moved (the NOTIFY phase).
    """

    PREPARATION = "preparation"
    RECOVERY = "recovery"
    POST_RECOVERY = "post-recovery"


@dataclass
class Step:
    """One action of a failover or failback, e.g. ``orders-db.promote``.

    ``preparation``: the step runs while the application still serves from where it is,
    before anything stops writes -- creating the read replica a failback will promote
    (minutes to hours on AWS), replicating a bucket back home. Such work is not downtime,
    so it is not part of the measured RTO: every preparation step finishes before any other
    step starts, and the RTO is measured from the first step after them. A preparation
    step waits only for the preparation steps of what it depends on.
    """

    id: str
    resource: str
    kind: str
    action: str
    phase: Phase
    description: str
    cli: list[str]
    precheck: Callable[[], Precheck]
    run: Callable[[], StepOutcome]
    verify: Callable[[], Verification] = _nothing_to_verify
    depends_on: list[str] = field(default_factory=list)
    mutating: bool = True
    timeout_seconds: float | None = None
    poll_seconds: float = 5.0
    preparation: bool = False
    # Plans of plans: the included plan's place in the run (0 first). Every step of a plan
    # stage finishes before the next plan stage starts, as phases do within one plan.
    plan_stage: int = 0

    # The same step as AWS SDK calls, for Step Functions (drctl export); None: CLI only.
    # Built on demand: it may read AWS (a parameter group's name), which a CLI run never needs.
    sfn: Callable[[], SfnStep | None] | None = None

    @property
    def rank(self) -> int:
        """The scheduling barrier within a plan: preparation before every phase, then the
        phase ranks."""
        return -1 if self.preparation else self.phase.rank

    @property
    def order(self) -> tuple[int, int]:
        """(plan stage, rank): a step starts when every step of a lower order finished."""
        return (self.plan_stage, self.rank)

    @property
    def stage(self) -> Stage:
        if self.preparation:
            return Stage.PREPARATION
        if self.phase is Phase.NOTIFY:
            return Stage.POST_RECOVERY
        return Stage.RECOVERY

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "resource": self.resource,
            "kind": self.kind,
            "action": self.action,
            "phase": self.phase.label,
            "description": self.description,
            "depends_on": list(self.depends_on),
            "cli": list(self.cli),
        }


class CheckStatus(StrEnum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    ERROR = "error"


@dataclass(frozen=True)
class CheckResult:
    status: CheckStatus
    detail: str
    observed: Any = None
    threshold: Any = None
    seconds: float = 0.0  # how long the check took (its JUnit testcase time)


@dataclass
class Check:
    """One readiness check of one resource, e.g. ``orders-db`` / ``replica-lag``."""

    resource: str
    kind: str
    name: str
    description: str
    run: Callable[[], CheckResult]


def passed(detail: str, observed: Any = None, threshold: Any = None) -> CheckResult:
    return CheckResult(CheckStatus.PASS, detail, observed, threshold)


def failed(detail: str, observed: Any = None, threshold: Any = None) -> CheckResult:
    return CheckResult(CheckStatus.FAIL, detail, observed, threshold)


def warned(detail: str, observed: Any = None, threshold: Any = None) -> CheckResult:
    return CheckResult(CheckStatus.WARN, detail, observed, threshold)
