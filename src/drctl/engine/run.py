"""A run of a plan -- failover, failback or backup -- from the operator's request to its record.

One object decides everything a run decides: which run it is (new, or a resume of a journaled
one, whose mode and resource selection it keeps), the manual approvals, the graph of steps
the kinds contribute, the RPO gate, the lock, and the record (built once, from the journal).
The CLI parses flags, asks for confirmation through the callback it hands in, and renders;
the engine imports no kind: the kinds are handed in as :class:`Kinds`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from drctl.engine import events
from drctl.engine.checks import run_checks
from drctl.engine.clock import iso
from drctl.engine.context import RunContext
from drctl.engine.events import RunMeta
from drctl.engine.executor import Executor, RunObserver, dry_run
from drctl.engine.gate import GateResult, LagRead, LagSource, enforce, measure
from drctl.engine.graph import StepGraph, build_graph
from drctl.engine.journal import Journal, read_journal
from drctl.engine.lock import RunLock
from drctl.engine.notify import notifier_for
from drctl.engine.runs import (
    RunRecord,
    list_runs,
    load_run,
    new_run_id,
    record_from_events,
    runs_dir,
)
from drctl.engine.settings import RunSettings, make_context, operator, user
from drctl.engine.state import fetch_remote_journal, journal_mirror, run_lock
from drctl.engine.step import Check, CheckResult, Step
from drctl.engine.units import (
    Unit,
    qualified,
    renamed,
    renamed_reading,
    selection,
    split,
    units_of,
)
from drctl.errors import UsageError
from drctl.plan.loader import LoadedPlan
from drctl.plan.models import Plan, ResourceBase

ACTIONS = ("failover", "failback", "backup")
# A run in one of these states is not over: it keeps its lock, and --resume takes it over.
UNFINISHED = ("waiting", "aborted", "interrupted")


class Kinds(Protocol):
    """What the engine asks of the kind registry it is handed."""

    def checks(self, res: ResourceBase, ctx: RunContext) -> list[Check]: ...

    def steps(self, action: str, res: ResourceBase, ctx: RunContext) -> list[Step]: ...

    def lag_reader(self, res: ResourceBase, ctx: RunContext) -> LagRead | None:
        """How to read this resource's replication lag; None when its kind cannot."""
        ...


@dataclass
class RunRequest:
    """What the operator asked for (flags), before anything is decided."""

    action: str  # failover | failback | backup
    mode: str = "planned"
    only: Sequence[str] = ()
    resume: str | None = None
    approve: Sequence[str] = ()
    accept_data_loss: bool = False
    dry_run: bool = False
    from_run: str | None = None  # failback: the failover whose records to restore


def selected_resources(plan: Plan, only: Sequence[str] | None) -> list[ResourceBase]:
    """The plan's resources, or the ones named by ``--only`` (unknown names are bad input)."""
    if not only:
        return list(plan.resources)
    names = {r.name for r in plan.resources}
    unknown = [n for n in only if n not in names]
    if unknown:
        raise UsageError(
            f"unknown resource {', '.join(repr(n) for n in unknown)} in --only",
            hint=f"the plan has: {', '.join(sorted(names))}",
        )
    return [r for r in plan.resources if r.name in set(only)]


class PlanChecks(Protocol):
    """Checks of what the plan's drills and experiments need (``drctl.drills.prerequisites``),
    handed in like the kinds: the engine imports no drill."""

    def __call__(
        self, plan: Plan, ctx: RunContext, only: Sequence[str] | None = None
    ) -> list[Check]: ...


def readiness(
    plan: Plan,
    ctx: RunContext,
    kinds: Kinds,
    only: Sequence[str] | None = None,
    on_result: Callable[[Check, CheckResult], None] | None = None,
    prerequisites: PlanChecks | None = None,
) -> list[tuple[Check, CheckResult]]:
    """Every selected resource's readiness checks, then the drills' and experiments'
    prerequisites (when handed ``prerequisites``), run in parallel, in plan order."""
    checks = [c for res in selected_resources(plan, only) for c in kinds.checks(res, ctx)]
    if prerequisites is not None:
        checks.extend(prerequisites(plan, ctx, only))
    return run_checks(checks, on_result=on_result)


def plan_readiness(
    loaded: LoadedPlan,
    ctx: RunContext,
    context: Callable[[Plan], RunContext],
    kinds: Kinds,
    only: Sequence[str] = (),
    prerequisites: PlanChecks | None = None,
) -> list[tuple[Check, CheckResult]]:
    """:func:`readiness` of ``loaded`` and of every plan it includes (each in a context made
    by ``context``), an included plan's checks named under its app."""
    units = units_of(loaded, ctx, context)
    chosen_by_unit = selection(units, only)
    checks: list[Check] = []
    for unit in units:
        names = [r.name for r in chosen_by_unit[unit.prefix]]
        if only and not names:
            continue
        own = [c for res in chosen_by_unit[unit.prefix] for c in kinds.checks(res, unit.ctx)]
        if prerequisites is not None:
            own.extend(prerequisites(unit.plan, unit.ctx, names if only else None))
        checks.extend(dataclasses.replace(c, resource=qualified(unit, c.resource)) for c in own)
    return run_checks(checks)


def step_graph(
    plan: Plan, ctx: RunContext, kinds: Kinds, action: str, only: Sequence[str] | None = None
) -> StepGraph:
    """Every selected resource's steps for ``action``, ordered by phase and ``depends_on``."""
    resources = selected_resources(plan, only)
    steps = [s for res in resources for s in kinds.steps(action, res, ctx)]
    if action == "backup" and not steps:
        raise UsageError(
            f"{plan.app} has nothing drctl backup applies to"
            + (f" among {', '.join(only)}" if only else ""),
            hint="drctl backup takes the snapshots that backup-and-restore "
            "(rds-instance recovery: snapshot) plans restore from",
        )
    chosen = {r.name for r in resources if any(s.resource == r.name for s in steps)}
    deps = {r.name: [d for d in r.depends_on if d in chosen] for r in resources}
    return build_graph(steps, deps)


def units_graph(
    units: Sequence[Unit], kinds: Kinds, action: str, only: Sequence[str] = ()
) -> StepGraph:
    """:func:`step_graph` over the plans of a run: each included plan's steps named under
    its app and placed in its stage (a plan without includes: exactly step_graph)."""
    chosen_by_unit = selection(units, only)
    steps: list[Step] = []
    deps: dict[str, list[str]] = {}
    by_unit: dict[str, list[Step]] = {}
    for unit in units:
        resources = chosen_by_unit[unit.prefix]
        own = [renamed(unit, s) for res in resources for s in kinds.steps(action, res, unit.ctx)]
        stepped = {
            r.name for r in resources if any(s.resource == qualified(unit, r.name) for s in own)
        }
        for res in resources:
            deps[qualified(unit, res.name)] = [
                qualified(unit, d) for d in res.depends_on if d in stepped
            ]
        # An include's first steps wait for every step of the includes it depends on: the
        # stages enforce it; the edges say it (plan show, dry run).
        upstream = [s.id for prefix in unit.after for s in by_unit.get(prefix, [])]
        if upstream:
            started: set[str] = set()
            for step in own:  # the first step of each resource that waits for no other
                first = step.resource not in started
                started.add(step.resource)
                if first and not step.depends_on and not deps.get(step.resource):
                    step.depends_on = upstream
        by_unit[unit.prefix] = own
        steps.extend(own)
    if action == "backup" and not steps:
        app = units[-1].plan.app
        raise UsageError(
            f"{app} has nothing drctl backup applies to"
            + (f" among {', '.join(only)}" if only else ""),
            hint="drctl backup takes the snapshots that backup-and-restore "
            "(rds-instance recovery: snapshot) plans restore from",
        )
    return build_graph(steps, deps)


def units_gates(units: Sequence[Unit], kinds: Kinds, only: Sequence[str] = ()) -> list[GateResult]:
    """The RPO gate of each plan of a run, against that plan's own RPO."""
    chosen_by_unit = selection(units, only)
    gates = []
    for unit in units:
        names = [r.name for r in chosen_by_unit[unit.prefix]]
        if not names:
            continue
        gate = rpo_gate(unit.plan, unit.ctx, kinds, names)
        gate.readings = [renamed_reading(unit, r) for r in gate.readings]
        gates.append(gate)
    return gates


def plan_graph(
    loaded: LoadedPlan, settings: RunSettings, kinds: Kinds, action: str, mode: str
) -> StepGraph:
    """The step graph of ``loaded`` and the plans it includes, built offline (``plan show``)."""

    def offline(plan: Plan) -> RunContext:
        return make_context(plan, settings, mode=mode, offline=True)

    return units_graph(units_of(loaded, offline(loaded.plan), offline), kinds, action)


def rpo_gate(
    plan: Plan, ctx: RunContext, kinds: Kinds, only: Sequence[str] | None = None
) -> GateResult:
    """The replication lag of every selected resource whose kind can measure it."""
    sources = []
    for res in selected_resources(plan, only):
        read = kinds.lag_reader(res, ctx)
        if read is not None:
            sources.append(LagSource(res.name, res.kind, read))
    return GateResult(ctx.objectives.rpo_seconds, measure(sources))


def recorded_by_step(record: RunRecord) -> dict[str, dict[str, Any]]:
    """The data each step of a finished run kept (e.g. capacity before scale-up), by step id."""
    return {s.id: dict(s.data) for s in record.steps if s.data}


def plan_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def loaded_digest(loaded: LoadedPlan) -> str:
    """The digest of the plan and of every plan it includes (a changed include is a
    changed plan for ``--resume``)."""
    return plan_digest(loaded.text + "".join(inc.loaded.text for inc in loaded.includes))


def unit_approvals(units: Sequence[Unit], names: Sequence[str], who: str) -> dict[str, str]:
    """``--approve NAME`` values, checked against the manual steps of every plan of the run
    (an included plan's written ``app/name``)."""
    manual = {qualified(u, r.name) for u in units for r in u.plan.resources if r.kind == "manual"}
    unknown = [n for n in names if n not in manual]
    if unknown:
        app = units[-1].plan.app
        raise UsageError(
            f"--approve {', '.join(unknown)}: not a manual step of {app}",
            hint=f"manual steps: {', '.join(sorted(manual)) or 'none'}",
        )
    return dict.fromkeys(names, who)


def check_resumable(loaded: LoadedPlan, record: RunRecord, action: str) -> None:
    """Refuse to resume a run of another app or action, a finished run, or a changed plan.

    Resuming with an edited plan could run steps the first attempt never planned; the plan's
    digest, journaled at the start, must still match.
    """
    if record.app != loaded.plan.app or record.action != action:
        raise UsageError(
            f"run {record.run_id} is a {record.action} of {record.app}, "
            f"not a {action} of {loaded.plan.app}"
        )
    if not record.resumable:
        raise UsageError(
            f"run {record.run_id} is {record.status}; only a waiting, interrupted, aborted "
            "or failed run can be resumed",
            hint=f"start a new run: drctl {action} --plan {loaded.path}",
        )
    journaled = record.meta.get("plan_sha256")
    if journaled and journaled != loaded_digest(loaded):
        raise UsageError(
            f"{loaded.path} changed since run {record.run_id} started",
            hint="resume with the plan as it was, or start a new run",
        )


class Run:
    """One failover, failback or backup of a plan: prepared on construction, then either
    shown (:meth:`dry_run`) or carried out (:meth:`execute`)."""

    def __init__(
        self, loaded: LoadedPlan, settings: RunSettings, kinds: Kinds, request: RunRequest
    ) -> None:
        if request.action not in ACTIONS:
            raise ValueError(f"unknown run action {request.action!r}")
        self.loaded = loaded
        self.plan = loaded.plan
        self.settings = settings
        self.request = request
        self.action = request.action
        self.previous: RunRecord | None = None
        self.undone: RunRecord | None = None  # failback: the failover it undoes
        self.mode, self.only = request.mode, list(request.only)
        if request.resume:
            self.previous = self._load_for_resume(request.resume)
            check_resumable(loaded, self.previous, self.action)
            self.mode = self.previous.mode
            self.only = list(self.previous.meta.get("only") or [])
            self.run_id = self.previous.run_id
        else:
            self.run_id = new_run_id(settings.clock.now(), self.plan.app, self.action)

        def context(plan: Plan) -> RunContext:
            return make_context(
                plan, settings, mode=self.mode, run_id=self.run_id, require_credentials=True
            )

        self.ctx = context(self.plan)
        # The plan and the plans it includes: one context, lock and stage each.
        self.units = units_of(loaded, self.ctx, context)
        self.new_approvals = unit_approvals(self.units, request.approve, operator())
        approvals = {a["step"]: a["by"] for a in self.previous.approvals} if self.previous else {}
        approvals.update(self.new_approvals)
        recorded = self._recorded_by_failover(request.from_run) if self.action == "failback" else {}
        for unit in self.units:
            unit.ctx.approvals = split(unit, approvals)
            unit.ctx.recorded = split(unit, recorded)
        self.graph = units_graph(self.units, kinds, self.action, self.only)
        self.gates = units_gates(self.units, kinds, self.only) if self.action != "backup" else []
        self.gate = GateResult(
            self.ctx.objectives.rpo_seconds, [r for g in self.gates for r in g.readings]
        )

    # ------------------------------------------------------------------ what it would do

    @property
    def remaining(self) -> list[str]:
        """Ids of the steps this run still has to do (a resume keeps finished ones)."""
        done = {p.id for p in (self.previous.steps if self.previous else []) if p.status in _DONE}
        return [s.id for s in self.graph.steps if s.id not in done]

    def question(self) -> str:
        """What to confirm with the operator before anything changes."""
        plan = self.plan
        where = (
            f"from {plan.regions.dr} back to {plan.regions.primary}"
            if self.action == "failback"
            else f"from {plan.regions.primary} to {plan.regions.dr}"
            if self.action == "failover"
            else f"copying to {plan.regions.dr}"
        )
        verb = (
            f"Resume {self.action} run {self.run_id} of"
            if self.previous
            else self.action.capitalize()
        )
        remaining = self.remaining
        return (
            f"{verb} {plan.app} {where} ({self.mode})? "
            f"This runs {len(remaining)} steps: {', '.join(remaining)}"
        )

    def dry_run(self, on_step: Callable[..., None] | None = None) -> RunRecord:
        """What the run would do: every step prechecked, nothing changed, nothing journaled."""
        objectives = self.plan.effective_objectives()
        clock = self.settings.clock
        started = iso(clock.now())
        records = dry_run(self.graph, on_step)
        return RunRecord(
            run_id=new_run_id(clock.now(), self.plan.app, self.action) + "-dry",
            app=self.plan.app,
            action=self.action,
            mode=self.mode,
            status="dry-run",
            started_at=started,
            finished_at=iso(clock.now()),
            rto_seconds=None,
            objective_rto_seconds=objectives.rto_seconds,
            objective_rpo_seconds=objectives.rpo_seconds,
            plan=self.loaded.path,
            steps=records,
        )

    # ------------------------------------------------------------------ doing it

    def execute(
        self,
        *,
        confirm: Callable[[str], None],
        observer: RunObserver | None = None,
        before_step: Callable[[Step], bool] | None = None,
        warn: Callable[[str], None] | None = None,
    ) -> RunRecord:
        """Gate, lock, confirm, run, journal. ``confirm`` raises to refuse; ``warn`` shows
        the operator what went wrong without failing the run (a notification not sent).

        The lock is taken before asking, so a second operator learns at once who holds it. A
        paused or interrupted run keeps the lock (it is not over; ``--resume`` takes it over);
        anything else -- done, failed, refused -- lets go.
        """
        for gate in self.gates:
            enforce(gate, mode=self.mode, accept_data_loss=self.request.accept_data_loss)
        locks = self._lock_all()
        record: RunRecord | None = None
        try:
            confirm(self.question())
            record = self._execute(observer, before_step, warn)
        finally:
            if record is None or record.status not in UNFINISHED:
                for lock in reversed(locks):
                    lock.release()
        return record

    @property
    def contexts(self) -> list[RunContext]:
        """The context of every plan of the run (the plan's own last)."""
        return [unit.ctx for unit in self.units]

    def _lock_all(self) -> list[RunLock]:
        """One lock per plan of the run, all taken before anything starts; when one is held
        the ones already taken are let go and the error names the held one (exit 4)."""
        taken: list[RunLock] = []
        try:
            for unit in self.units:
                lock = run_lock(
                    unit.plan,
                    self.settings,
                    run_id=self.run_id,
                    action=self.action,
                    takeover=self.run_id if self.previous else None,
                    plan_path=unit.path,
                )
                lock.acquire()
                taken.append(lock)
        except BaseException:
            for lock in reversed(taken):
                lock.release()
            raise
        return taken

    def _execute(
        self,
        observer: RunObserver | None,
        before_step: Callable[[Step], bool] | None,
        warn: Callable[[str], None] | None,
    ) -> RunRecord:
        plan, settings = self.plan, self.settings
        objectives = plan.effective_objectives()
        loaded = self.loaded
        meta = RunMeta(
            run_id=self.run_id,
            app=plan.app,
            action=self.action,
            mode=self.mode,
            objective_rto_seconds=objectives.rto_seconds,
            objective_rpo_seconds=objectives.rpo_seconds,
            plan=str(Path(loaded.path).resolve()) if loaded.path != "<plan>" else loaded.path,
            extra={
                "plan_sha256": loaded_digest(loaded),
                "host": socket.gethostname(),
                "user": user(),
                "pid": os.getpid(),
                "only": list(self.only),
                **({"rpo_gate": self.gate.as_dict()} if self.action != "backup" else {}),
            },
        )
        path = runs_dir(settings.state_dir) / f"{self.run_id}.jsonl"
        at = iso(settings.clock.now())
        approved = [events.approval(at, name, who) for name, who in self.new_approvals.items()]
        with Journal(path, mirror=journal_mirror(plan, settings, self.run_id)) as journal:
            notifier = notifier_for(plan, settings, meta, journal, observer, warn)
            executor = Executor(
                self.graph,
                meta,
                clock=settings.clock,
                journal=journal,
                observer=notifier or observer,
                max_workers=settings.max_workers,
                default_timeout_seconds=float(objectives.rto_seconds),
                previous={s.id: s for s in self.previous.steps} if self.previous else None,
                preamble=approved,
                before_step=before_step,
            )
            finished = executor.run()
            if notifier is not None:
                notifier.run_finished(finished)
        # The journal is the truth; the record returned is the one `runs show` rebuilds.
        return record_from_events(read_journal(path))

    # ------------------------------------------------------------------ resolving

    def _load_for_resume(self, run_id: str) -> RunRecord:
        try:
            return load_run(self.settings.state_dir, run_id)
        except UsageError:
            if not fetch_remote_journal(self.plan, self.settings, run_id):
                raise
        return load_run(self.settings.state_dir, run_id)

    def _recorded_by_failover(self, from_run: str | None) -> dict[str, dict[str, Any]]:
        """What the failover being undone recorded: ``--from-run``, else the newest
        succeeded failover of this app (none: kinds that need a record refuse to guess)."""
        self.undone = undone_failover(self.settings.state_dir, self.plan.app, from_run)
        return recorded_by_step(self.undone) if self.undone is not None else {}


def undone_failover(state_dir: Path, app: str, from_run: str | None) -> RunRecord | None:
    """The failover a failback undoes: ``from_run``, else the newest succeeded failover of
    ``app`` (None when there is none)."""
    if from_run:
        return load_run(state_dir, from_run)
    for record in list_runs(state_dir):  # newest first
        if record.app == app and record.action == "failover" and record.status == "succeeded":
            return record
    return None


_DONE = ("succeeded", "skipped")
