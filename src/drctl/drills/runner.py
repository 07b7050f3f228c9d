"""Run a plan's drills in order, each journaled as a run, and report.

A drill is kept as a run (action ``drill``, mode = its type) so that
``drctl runs list --type drill`` shows measured RTO/RPO over time: the journal
gets ``run-start``, a ``case`` event per test case, and ``run-end`` with the
measurements. A drill that raises becomes an ``error`` result; the others still
run (a broken restore drill must not hide a failing replication drill).
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from drctl.drills.env import DrillEnv
from drctl.drills.result import DrillResult
from drctl.engine import events
from drctl.engine.clock import iso
from drctl.engine.events import RunMeta
from drctl.engine.journal import Journal
from drctl.engine.runs import RunRecord, new_run_id, runs_dir
from drctl.errors import DrctlError, GateRefused, UsageError
from drctl.plan.models import Drill


@dataclass
class TestReport:
    app: str
    drills: list[DrillResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(d.status in ("pass", "skipped") for d in self.drills)

    @property
    def refused_only(self) -> bool:
        """Nothing failed, but a safety gate refused a drill (exit 3, like any refusal)."""
        statuses = {d.status for d in self.drills}
        return "refused" in statuses and not statuses & {"fail", "error"}

    def as_dict(self) -> dict[str, Any]:
        """The ``test`` shape of cli.md."""
        return {"app": self.app, "ok": self.ok, "drills": [d.as_dict() for d in self.drills]}


def drill_module(drill_type: str) -> str:
    return f"drctl.drills.{drill_type}"


def select(drills: Sequence[Drill], names: Sequence[str]) -> list[Drill]:
    """The plan's drills in order, or the ones ``--drill`` names (unknown: bad input)."""
    if not names:
        return list(drills)
    known = {d.name for d in drills}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UsageError(
            f"unknown drill {', '.join(repr(n) for n in unknown)}",
            hint=f"the plan's drills: {', '.join(sorted(known)) or 'none'}",
        )
    return [d for d in drills if d.name in set(names)]


def run_drills(
    env: DrillEnv,
    names: Sequence[str] = (),
    on_result: Callable[[DrillResult], None] | None = None,
) -> TestReport:
    plan = env.plan
    report = TestReport(plan.app)
    for drill in select(plan.drills, names):
        result = run_one(drill, env)
        report.drills.append(result)
        if on_result:
            on_result(result)
    return report


def run_one(drill: Drill, env: DrillEnv) -> DrillResult:
    plan = env.plan
    clock = env.settings.clock
    objectives = plan.effective_objectives()
    run_id = new_run_id(clock.now(), plan.app, "drill")
    env.run_id = run_id
    env.events = []
    path = runs_dir(env.settings.state_dir) / f"{run_id}.jsonl"
    started = clock.monotonic()
    began = clock.now()
    with Journal(path) as journal:
        meta = RunMeta(
            run_id=run_id,
            app=plan.app,
            action="drill",
            mode=drill.type.value,
            objective_rto_seconds=objectives.rto_seconds,
            objective_rpo_seconds=objectives.rpo_seconds,
            plan=env.loaded.path,
            extra={"drill": drill.name},
        )
        journal.append(events.run_start(meta, iso(clock.now()), []))
        notifier = _notifier(env, drill, run_id, journal)
        if notifier is not None:
            notifier.run_started(notifier_meta(env, drill, run_id), resumed=False, steps=0)
        try:
            result = _runner(drill)(drill, env)
        except GateRefused as exc:
            detail = exc.message + (f" ({exc.hint})" if exc.hint else "")
            result = DrillResult(drill.name, drill.type.value, "refused", detail=detail)
        except DrctlError as exc:
            detail = exc.message + (f" ({exc.hint})" if exc.hint else "")
            result = DrillResult(drill.name, drill.type.value, "error", detail=detail)
        except Exception as exc:
            result = DrillResult(
                drill.name, drill.type.value, "error", detail=f"{type(exc).__name__}: {exc}"
            )
        result.duration_seconds = round(clock.monotonic() - started, 3)
        result.started_at = began
        result.run_id = run_id
        for event in env.events:
            journal.append(event)
        for case in result.cases:
            journal.append(events.case(iso(clock.now()), case.as_dict()))
        journal.append(
            events.run_end(
                iso(clock.now()),
                _run_status(result.status),
                rto_seconds=result.measured.get("rto_seconds"),
                error=result.detail if result.status in ("fail", "error") else None,
                rpo_seconds=result.measured.get("rpo_seconds"),
                drill_status=result.status,
            )
        )
        if notifier is not None:
            notifier.run_finished(
                RunRecord(
                    run_id=run_id,
                    app=plan.app,
                    action="drill",
                    mode=drill.type.value,
                    status=_run_status(result.status),
                    started_at="",
                    finished_at=None,
                    rto_seconds=result.measured.get("rto_seconds"),
                    objective_rto_seconds=objectives.rto_seconds,
                    error=result.detail or None,
                )
            )
    return result


def notifier_meta(env: DrillEnv, drill: Drill, run_id: str) -> Any:
    objectives = env.plan.effective_objectives()
    return RunMeta(
        run_id=run_id,
        app=env.plan.app,
        action=f"drill {drill.name}",
        mode=drill.type.value,
        objective_rto_seconds=objectives.rto_seconds,
    )


def _notifier(env: DrillEnv, drill: Drill, run_id: str, journal: Journal) -> Any:
    """Drills are announced like failovers: start and end on the plan's SNS topic."""
    from drctl.engine.notify import notifier_for

    meta = notifier_meta(env, drill, run_id)
    return notifier_for(env.plan, env.settings, meta, journal, None, warn=env.warn)


def _run_status(drill_status: str) -> str:
    return {"pass": "succeeded", "skipped": "skipped", "refused": "refused"}.get(
        drill_status, "failed"
    )


def _runner(drill: Drill) -> Callable[[Drill, DrillEnv], DrillResult]:
    module = drill_module(drill.type.value)
    if importlib.util.find_spec(module) is None:
        raise UsageError(f"drill type {drill.type.value} is not supported by this drctl")
    run: Callable[[Drill, DrillEnv], DrillResult] = importlib.import_module(module).run
    return run
