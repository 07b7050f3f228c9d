"""A step described as data: the AWS SDK calls that do it, for engines other than this process.

The CLI engine runs a Step's closures. An engine that runs inside AWS (Step Functions) cannot
call Python: it needs the same step as SDK calls and conditions on their answers. A kind that
can describe a step that way attaches an :class:`SfnStep` to it; the exporter
(``drctl.export``) turns it into states. The closures remain the reference: each declarative
form mirrors its step's precheck, run and verify, and the tests run both engines against the
same sandbox and compare what AWS ends up with.

Names follow Step Functions' AWS SDK integrations: the service as in
``arn:aws:states:::aws-sdk:<service>:<action>``, the action in camelCase, parameter and
response members in PascalCase as the SDK for Java v2 spells them (``DbInstanceIdentifier``,
``DbInstances``): https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Rule = dict[str, Any]  # an Amazon States Language Choice rule; Variable paths start at "$."


@dataclass(frozen=True)
class SdkCall:
    """One AWS SDK call with its parameters, resolved when the definition is exported.

    ``region`` is the Region the call goes to; None means the state machine's own Region (or
    a global service). ``side`` is whose account it acts in (``primary``, ``dr``, or
    ``global`` for Route 53 and Global Accelerator, which live with the primary side; ``own``
    for what the CLI calls with its own credentials whatever the plan's ``accounts:``, such as
    an ARC cluster): a plan with ``accounts:`` gets the side's role as the task's
    ``Credentials``.
    ``tolerate_failure`` marks a call whose failure is expected on a rerun (creating what an
    earlier attempt already created): the run goes on, and the next call or the verification
    fails if something really is wrong.
    """

    service: str
    action: str
    parameters: dict[str, Any] = field(default_factory=dict)
    region: str | None = None
    tolerate_failure: bool = False
    side: str = "dr"
    # "aws-sdk" (arn:aws:states:::aws-sdk:<service>:<action>) or "optimized": Step Functions'
    # own integration (arn:aws:states:::lambda:invoke fails the task on a function error).
    integration: str = "aws-sdk"
    # Where a run call's answer is kept for later calls (an automation's execution id read
    # by the wait loop, ``"AutomationExecutionId.$": "$.automation.AutomationExecutionId"``).
    result_path: str | None = None
    # An API served by its own endpoints, (Region, URL) tried in turn (an ARC cluster's): no
    # AWS SDK task can name an endpoint, so the call goes through drctl's Region proxy.
    endpoints: tuple[tuple[str, str], ...] = ()
    # Every page of a listing as one answer (the proxy pages; an SDK task gives one page).
    paginate: bool = False

    @property
    def iam_action(self) -> str:
        return f"{self.service}:{self.action[:1].upper()}{self.action[1:]}"


@dataclass(frozen=True)
class Probe:
    """A describe call and the condition on its answer: ``holds`` means done (a precheck)
    or verified (a wait loop). ``nudge``: while ``nudge[0]`` holds, make call ``nudge[1]``
    and keep waiting (a parameter group waiting for a reboot). ``select``: what to keep of
    the answer, name -> path or intrinsic (a Task's ``ResultSelector``), for what a Choice
    cannot compute itself: ``States.ArrayLength($.Instances[?(@.LifecycleState ==
    'InService')])`` counts; the rules then read the selected names."""

    call: SdkCall
    holds: Rule
    nudge: tuple[Rule, SdkCall] | None = None
    select: dict[str, str] | None = None
    wait_first: bool = False  # a wait loop that waits one poll before its first describe
    # A wait loop fails at once, not after its timeout, when this holds (an automation that
    # ended Failed); ``fails[1]`` says why. On a precheck: when it does not hold and this does
    # (what the step would change is not as the export read it), the step fails.
    fails: tuple[Rule, str] | None = None
    # Errors of the call that mean "nothing there" rather than a failure (``Efs.
    # PolicyNotFoundException``: the default policy; ``S3.NoSuchReplicationConfiguration``):
    # the rules then read ``missing_answer`` as the call's answer (the selected names, with
    # ``select``), so a precheck decides on it like on any answer.
    missing: tuple[str, ...] = ()
    missing_answer: dict[str, Any] = field(default_factory=dict)
    # A wait loop that first waits this long, then begins (its ``$.polls.since`` taken after):
    # a change that takes minutes to take effect (a file system policy).
    settle_seconds: int = 0


class NoDeclarativeForm(Exception):
    """Raised by a step's ``sfn`` when it has no declarative form for a reason worth naming
    (a local command, an endpoint an SDK task cannot be pointed at). Returning None still
    means "none" without a reason, as before."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Newest:
    """Before the run calls, pick the newest item of a listing (the snapshot a restore
    starts from): a Choice cannot sort, so the states walk the items one by one, keeping
    the one whose ``time`` is later (``fallback_time`` when an item lacks ``time``). The
    pick is at ``$.newest.best`` for the calls (``"DbSnapshotIdentifier.$":
    "$.newest.best.DbSnapshotIdentifier"``); with no item the step fails, saying ``none``."""

    call: SdkCall
    items: str  # JSONPath of the candidates in the call's answer (a filter allowed)
    time: str  # the field compared, an ISO-8601 timestamp
    fallback_time: str
    none: str


EACH = "$.each"  # where an :class:`Each` keeps its page, its loop and its item's answers
ITEM = "$.each.loop.item"  # the item an :class:`Each` is at
ITEM_ANSWER = "$.each.probe.answer"  # the answer of its ``probe`` about that item


@dataclass(frozen=True)
class Let:
    """A Pass state in an :class:`Each`'s calls: ``value`` (parameters, ``.$`` keys read
    paths or intrinsics) kept at ``path`` for the calls after it, for what a call's
    parameters cannot build in place (an object to merge into another)."""

    path: str
    value: dict[str, Any]


@dataclass(frozen=True)
class Each:
    """For every item of a listing, page by page: probe the item, skip it when ``done``
    holds, else make ``run`` in order. A Choice loop over one page at a time (the state's
    data holds a page, never the whole listing; an execution's history holds 25,000
    events), so it reads at most ``limit`` items and pages (a page counts as one) and fails
    past them, saying ``beyond``.

    ``listing`` lists one page; ``next_page`` gives the next page's parameters (name ->
    path in a page) while ``more`` holds on the page; ``present`` is the path of the
    page's items array (a page may leave it out) and ``items`` the items taken from it (a
    filter allowed). Paths of a page start at ``$.``; the item is at :data:`ITEM`, the
    probe's answer at :data:`ITEM_ANSWER` (``done`` and ``refuse`` read those absolute
    paths). A probe error in ``absent`` means the thing probed does not exist: the item is
    done when ``absent_done``, else it is acted on. ``refuse``: an item the step cannot act
    on, failing the step with its reason."""

    listing: SdkCall
    present: str
    items: str
    next_page: dict[str, str]
    more: Rule
    probe: SdkCall
    run: tuple[SdkCall | Let, ...]
    limit: int
    beyond: str
    done: Rule | None = None  # None: an item the probe finds is acted on
    absent: tuple[str, ...] = ()
    absent_done: bool = False
    refuse: tuple[Rule, str] | None = None

    def calls(self) -> list[SdkCall]:
        return [self.listing, self.probe, *(c for c in self.run if isinstance(c, SdkCall))]


@dataclass(frozen=True)
class Compute:
    """A Pass state before the run calls: ``parameters`` (static values, paths and
    intrinsics, on the state's data: ``$.lookup``, earlier results) kept at ``result_path``,
    for what a call's parameters cannot compute in one expression (a policy rebuilt at run
    time). ``when``: only when this rule (on the state's data) holds, else skipped. ``fail``
    instead of parameters: the step fails with this cause when ``when`` holds (a guard)."""

    result_path: str = "$.compute"
    parameters: dict[str, Any] = field(default_factory=dict)
    when: Rule | None = None
    fail: str | None = None


@dataclass(frozen=True)
class SfnStep:
    """A Step as Step Functions runs it: skip when ``precheck`` holds, make the ``run``
    calls in order, then poll ``verify`` until it holds or the step times out. ``manual``
    (instead of calls): instructions for a person; the execution waits for ``drctl
    approve``, which sends the task token back. ``unreachable_note``: when the precheck's
    describe fails (its Region is down), the step ends with this note instead of failing the
    execution (fencing an old primary that does not answer).

    ``after``: calls made once verified (removing a probe item the step wrote).

    ``lookup``: a describe made first, its selection kept at ``$.lookup`` for the other
    calls' parameters (``"BackupPlanId.$": "$.lookup.Ids[0]"``): what a precheck must read
    by an id another call answers (its rule is not used). The precheck's and verify's rules
    may read it too, by paths under ``$.lookup`` (``present("$.lookup.DbInstances[0]")``):
    a decision on two answers, such as one describe in each Region.

    ``skip_if``: describes read after the lookup and before the precheck; when every one
    holds, in order, the step is done (what one describe cannot tell: a state read in two
    Regions, such as "the DR instance is gone and the home one takes writes").

    ``compute``: Pass states after the precheck, before the calls (see :class:`Compute`).

    A precheck that holds skips the step entirely, as the CLI engine does.

    ``parts``: a step that is several moves, each idempotent on its own (rename the stale
    primary aside, create a replica, wait, promote): the parts run in order, each with its
    own lookup, precheck, calls and wait loop, and a part whose precheck holds is skipped
    while the next still runs. A rerun after any interruption then makes only the calls its
    parts still need, which one precheck for the whole step could not tell. A form with parts
    has no other field of its own."""

    run: tuple[SdkCall, ...] = ()
    after: tuple[SdkCall, ...] = ()
    precheck: Probe | None = None
    verify: Probe | None = None
    manual: str | None = None
    unreachable_note: str | None = None
    newest: Newest | None = None
    lookup: Probe | None = None
    compute: tuple[Compute, ...] = ()
    parts: tuple[SfnStep, ...] = ()
    skip_if: tuple[Probe, ...] = ()
    # For every item of a listing, page by page (after the precheck, before the run calls).
    each: Each | None = None

    def __post_init__(self) -> None:
        own = (self.run, self.after, self.precheck, self.verify, self.manual, self.newest)
        extra = (self.lookup, self.skip_if, self.unreachable_note, self.compute, self.each)
        if self.parts and (any(own) or any(extra)):
            raise ValueError("a form with parts has no other field: give them to a part")

    def calls(self) -> list[SdkCall]:
        """Every SDK call the step may make (for its state machine role's policy)."""
        found = [*self.run, *self.after, *([self.newest.call] if self.newest else [])]
        for part in self.parts:
            found.extend(part.calls())
        if self.each is not None:
            found.extend(self.each.calls())
        for probe in (self.lookup, *self.skip_if, self.precheck, self.verify):
            if probe is not None:
                found.append(probe.call)
                if probe.nudge is not None:
                    found.append(probe.nudge[1])
        return found


def equals(path: str, value: str | bool | float) -> Rule:
    """``path`` (from the call's answer, e.g. ``$.DbInstances[0].DbInstanceStatus``) is
    ``value``; false when the path is absent."""
    op = (
        "BooleanEquals"
        if isinstance(value, bool)
        else "StringEquals"
        if isinstance(value, str)
        else "NumericEquals"
    )
    return {"And": [{"Variable": path, "IsPresent": True}, {"Variable": path, op: value}]}


def starts_with(path: str, prefix: str) -> Rule:
    return {
        "And": [
            {"Variable": path, "IsPresent": True},
            {"Variable": path, "StringMatches": f"{prefix}*"},
        ]
    }


def present(path: str) -> Rule:
    return {"Variable": path, "IsPresent": True}


def at_least(path: str, value: float) -> Rule:
    return {
        "And": [
            {"Variable": path, "IsPresent": True},
            {"Variable": path, "NumericGreaterThanEquals": value},
        ]
    }


def all_of(*rules: Rule) -> Rule:
    return {"And": list(rules)} if len(rules) > 1 else rules[0]


def any_of(*rules: Rule) -> Rule:
    return {"Or": list(rules)} if len(rules) > 1 else rules[0]


def negate(rule: Rule) -> Rule:
    return {"Not": rule}
