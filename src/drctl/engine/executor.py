"""Run a step graph: every ready step in parallel, each journaled, the RTO measured.

Scheduling rules, in the order they matter during an incident:

* A step starts only when the steps it depends on succeeded or were skipped and
  every step of a lower phase rank has finished (see :class:`~drctl.engine.step.Phase`;
  with included plans, every step of an earlier plan stage too: :attr:`Step.order`);
  preparation steps (:attr:`~drctl.engine.step.Step.preparation`) all finish first.
* The first failure stops new steps from starting: moving traffic after a failed
  promotion is how a disaster becomes a worse one. Steps already running finish and
  are journaled; steps never started stay ``pending``.
* Each step runs ``precheck`` first. If its effect is already present it is
  ``skipped``: this is what makes re-running a finished failover safe.
* After ``run`` the step's ``verify`` is polled (on the injected clock) until it
  passes or the step's timeout expires.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from drctl.engine import events
from drctl.engine.clock import Clock, iso, parse_iso
from drctl.engine.events import RunMeta
from drctl.engine.graph import StepGraph
from drctl.engine.journal import Journal
from drctl.engine.runs import RunRecord, StepRecord
from drctl.engine.step import Phase, Stage, Step, StepStatus, StepWaiting
from drctl.errors import DrctlError, ExitCode


class RunObserver:
    """Receives progress; the live view implements it. Called from the scheduler thread."""

    def run_started(self, meta: RunMeta, *, resumed: bool, steps: int) -> None:
        """The run (or its resume) is journaled and about to start steps."""

    def step_started(self, step: Step, record: StepRecord) -> None:
        """A step began."""

    def step_finished(self, step: Step, record: StepRecord) -> None:
        """A step ended (succeeded, failed or skipped)."""

    def stopping(self, in_flight: list[str]) -> None:
        """First Ctrl-C: no new step starts; ``in_flight`` steps are let finish."""


class StoppedAtOnce(DrctlError):
    """A second Ctrl-C: the run stopped without waiting for the steps in flight.

    The journal got its ``run-end`` (status ``interrupted``) first, so it stays
    consistent; the steps that were in flight are re-checked by ``--resume``.
    """

    exit_code = ExitCode.INTERRUPTED


@dataclass
class _Result:
    status: StepStatus
    detail: str
    calls: list[dict[str, Any]]
    data: dict[str, Any]
    started: float
    finished: float
    started_at: str
    finished_at: str
    earlier: bool = False  # done by an earlier attempt of this run (before a resume)


_DONE = {StepStatus.SUCCEEDED, StepStatus.SKIPPED}
_DONE_VALUES = {s.value for s in _DONE}


class Executor:
    def __init__(
        self,
        graph: StepGraph,
        meta: RunMeta,
        *,
        clock: Clock,
        journal: Journal | None,
        observer: RunObserver | None = None,
        max_workers: int = 8,
        default_timeout_seconds: float = 900.0,
        previous: Mapping[str, StepRecord] | None = None,
        preamble: list[dict[str, Any]] | None = None,
        before_step: Callable[[Step], bool] | None = None,
    ) -> None:
        """``previous``: the step records of an earlier attempt of the same run.

        Given, the run is a resume: steps that attempt finished (succeeded or
        skipped) are not run again, the journal gets a ``run-resume`` event
        instead of ``run-start``, and the RTO is measured from the first attempt.
        ``preamble``: events journaled right after that first event (approvals).
        ``before_step`` (``--step``): asked before each step starts; False stops the
        run there, resumable, as a first Ctrl-C would.
        """
        self.before_step = before_step
        self.preamble = list(preamble or [])
        self.graph = graph
        self.meta = meta
        self.clock = clock
        self.journal = journal
        self.observer = observer or RunObserver()
        self.max_workers = max(1, max_workers)
        self.default_timeout = default_timeout_seconds
        self.stop_requested = threading.Event()
        self.previous = dict(previous or {})
        self.records = {
            s.id: StepRecord(
                id=s.id,
                resource=s.resource,
                action=s.action,
                phase=s.phase.label,
                stage=s.stage.value,
            )
            for s in graph.steps
        }
        for sid, earlier in self.previous.items():
            if sid in self.records:
                self.records[sid] = earlier

    # ------------------------------------------------------------------ journal

    def _log(self, event: dict[str, Any]) -> None:
        if self.journal is not None:
            self.journal.append(event)

    # ------------------------------------------------------------------ the run

    def run(self) -> RunRecord:
        started_at = iso(self.clock.now())
        if self.previous:
            done = [sid for sid, r in self.previous.items() if r.status in _DONE_VALUES]
            self._log(events.run_resume(self.meta, started_at, done))
        else:
            steps = [
                {
                    **s.summary(),
                    "depends_on": sorted(self.graph.deps[s.id]),
                    "stage": s.stage.value,
                }
                for s in self.graph.steps
            ]
            self._log(events.run_start(self.meta, started_at, steps))
        for event in self.preamble:
            self._log(event)
        self.observer.run_started(self.meta, resumed=bool(self.previous), steps=len(self.records))
        results: dict[str, _Result] = self._earlier_results()
        try:
            with self._first_ctrl_c_stops_new_steps():
                status, error = self._schedule(results)
        except KeyboardInterrupt:
            in_flight = sorted(
                sid for sid, r in self.records.items() if r.status == StepStatus.RUNNING.value
            )
            message = "stopped at once by a second Ctrl-C" + (
                f"; in flight: {', '.join(in_flight)} (re-checked on --resume)" if in_flight else ""
            )
            self._log(
                events.run_end(
                    iso(self.clock.now()), "interrupted", rto_seconds=None, error=message
                )
            )
            raise StoppedAtOnce(message) from None
        recovered = status == "succeeded" or (status == "waiting" and self._recovered(results))
        rto = self._measured_rto(results) if recovered else None
        automation = self._automation_seconds(results)
        preparation = self._stage_seconds(results, Stage.PREPARATION)
        post_recovery = self._stage_seconds(results, Stage.POST_RECOVERY)
        finished_at = iso(self.clock.now())
        self._log(
            events.run_end(
                finished_at,
                status,
                rto_seconds=rto,
                error=error,
                automation_seconds=automation,
                preparation_seconds=preparation,
                post_recovery_seconds=post_recovery,
            )
        )
        first = min((r.started_at for r in self.previous.values() if r.started_at), default=None)
        return RunRecord(
            run_id=self.meta.run_id,
            app=self.meta.app,
            action=self.meta.action,
            mode=self.meta.mode,
            status=status,
            started_at=first or started_at,
            finished_at=finished_at,
            rto_seconds=rto,
            objective_rto_seconds=self.meta.objective_rto_seconds,
            objective_rpo_seconds=self.meta.objective_rpo_seconds,
            plan=self.meta.plan,
            error=error,
            steps=[self.records[s.id] for s in self.graph.steps],
            automation_seconds=automation,
            preparation_seconds=preparation,
            post_recovery_seconds=post_recovery,
        )

    @contextmanager
    def _first_ctrl_c_stops_new_steps(self) -> Iterator[None]:
        """SIGINT handler for the run: the first sets ``stop_requested`` (no new steps
        start, the ones in flight finish); the second raises KeyboardInterrupt.

        A handler rather than catching KeyboardInterrupt, because the signal can land
        anywhere in the scheduler -- mid-journal-write included -- and the first one
        must not tear anything. Only the main thread may install it; elsewhere the
        run relies on ``stop_requested`` alone.
        """
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def on_sigint(signum: int, frame: object) -> None:
            if self.stop_requested.is_set():
                raise KeyboardInterrupt
            self.stop_requested.set()

        previous = signal.signal(signal.SIGINT, on_sigint)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)

    def _schedule(self, results: dict[str, _Result]) -> tuple[str, str | None]:
        steps = self.graph.by_id()
        waiting = [s.id for s in self.graph.steps if s.id not in results]
        running: dict[Future[_Result], str] = {}
        failed: list[str] = []
        interrupted = False
        pool = ThreadPoolExecutor(max_workers=self.max_workers, thread_name_prefix="step")
        at_once = False
        try:
            while waiting or running:
                if not failed and not interrupted:
                    for sid in self._ready(waiting, results, len(running)):
                        if self.before_step is not None and not self.before_step(steps[sid]):
                            self.stop_requested.set()
                            break
                        waiting.remove(sid)
                        record = self.records[sid]
                        record.status = StepStatus.RUNNING.value
                        record.started_at = iso(self.clock.now())
                        record.attempts += 1
                        self._log(events.step_start(record.started_at, sid, record.attempts))
                        self.observer.step_started(steps[sid], record)
                        running[pool.submit(self._execute, steps[sid])] = sid
                if not running:
                    break
                done, _ = wait(list(running), timeout=0.25, return_when=FIRST_COMPLETED)
                if self.stop_requested.is_set() and not interrupted:
                    interrupted = True
                    self.observer.stopping(sorted(running.values()))
                for future in done:
                    sid = running.pop(future)
                    result = future.result()
                    results[sid] = result
                    self._finish(steps[sid], result)
                    if result.status is StepStatus.FAILED:
                        failed.append(sid)
        except KeyboardInterrupt:
            at_once = True
            raise
        finally:
            # A second Ctrl-C must not wait for the steps in flight.
            pool.shutdown(wait=not at_once, cancel_futures=True)
        if failed:
            first = self.records[failed[0]]
            return "failed", f"step {first.id} failed: {first.detail}"
        paused = [sid for sid, r in results.items() if r.status is StepStatus.WAITING]
        if paused:
            return "waiting", "; ".join(self.records[sid].detail for sid in paused)
        if interrupted or waiting:
            return "aborted", "interrupted by the operator; the run can be resumed"
        return "succeeded", None

    def _ready(self, waiting: list[str], results: dict[str, _Result], busy: int) -> list[str]:
        """Steps whose dependencies are done and whose lower phases have all finished."""
        if busy >= self.max_workers:
            return []  # a full pool: nothing more may look "running" while it only queues
        ok = _DONE
        steps = self.graph.by_id()
        # A step waiting for a person holds back every higher phase, like a running one.
        unfinished = {
            steps[sid].order
            for sid in steps
            if sid not in results or results[sid].status is StepStatus.WAITING
        }
        lowest_open = min(unfinished, default=(99, 99))
        ready = []
        for sid in waiting:
            step = steps[sid]
            if step.order > lowest_open:
                continue
            if all(d in results and results[d].status in ok for d in self.graph.deps[sid]):
                ready.append(sid)
            if len(ready) + busy >= self.max_workers:
                break
        return ready

    def _finish(self, step: Step, result: _Result) -> None:
        record = self.records[step.id]
        record.status = result.status.value
        record.finished_at = result.finished_at
        record.started_at = result.started_at
        record.duration_seconds = round(result.finished - result.started, 3)
        record.detail = result.detail
        record.calls = result.calls
        record.data = result.data
        self._log(
            events.step_end(
                at=result.finished_at,
                started_at=result.started_at,
                step=step.id,
                status=result.status.value,
                detail=result.detail,
                calls=result.calls,
                data=result.data,
                duration_seconds=record.duration_seconds,
            )
        )
        self.observer.step_finished(step, record)

    # ------------------------------------------------------------------ one step

    def _execute(self, step: Step) -> _Result:
        started = self.clock.monotonic()
        started_at = iso(self.clock.now())

        def result(
            status: StepStatus,
            detail: str,
            outcome_calls: list[dict[str, Any]],
            data: dict[str, Any],
        ) -> _Result:
            return _Result(
                status,
                detail,
                outcome_calls,
                data,
                started,
                self.clock.monotonic(),
                started_at,
                iso(self.clock.now()),
            )

        calls: list[dict[str, Any]] = []
        data: dict[str, Any] = {}
        try:
            pre = step.precheck()
            if pre.done:
                return result(StepStatus.SKIPPED, f"already done: {pre.current}", calls, data)
            outcome = step.run()
            calls, data = outcome.calls, outcome.data
            detail = self._await_verified(step, outcome.detail)
            return result(StepStatus.SUCCEEDED, detail, calls, data)
        except StepWaiting as exc:
            return result(StepStatus.WAITING, exc.message, calls, data)
        except DrctlError as exc:
            # The hint is what the operator can do about it: keep it with the step.
            detail = f"{exc.message} (hint: {exc.hint})" if exc.hint else exc.message
            return result(StepStatus.FAILED, detail, calls, data)
        except Exception as exc:
            return result(StepStatus.FAILED, f"{type(exc).__name__}: {exc}", calls, data)

    def _await_verified(self, step: Step, detail: str) -> str:
        timeout = step.timeout_seconds if step.timeout_seconds is not None else self.default_timeout
        deadline = self.clock.monotonic() + timeout
        while True:
            check = step.verify()
            if check.ok:
                return "; ".join(p for p in (detail, check.detail) if p)
            if self.clock.monotonic() >= deadline:
                raise DrctlError(
                    f"not verified after {timeout:.0f}s: {check.detail or 'no detail'}"
                )
            self.clock.sleep(step.poll_seconds)

    # ------------------------------------------------------------------ RTO

    def _earlier_results(self) -> dict[str, _Result]:
        """Steps an earlier attempt finished count as done, at the times it journaled."""
        results = {}
        for sid, rec in self.previous.items():
            if sid in self.records and rec.status in _DONE_VALUES:
                results[sid] = _Result(
                    StepStatus(rec.status),
                    rec.detail,
                    rec.calls,
                    rec.data,
                    0.0,
                    0.0,
                    rec.started_at or "",
                    rec.finished_at or "",
                    earlier=True,
                )
        return results

    def _recovered(self, results: dict[str, _Result]) -> bool:
        """Whether every step up to moving traffic is done, so only follow-ups wait.

        An unplanned failover serves from DR once traffic moved; fencing the old primary waits
        for its region to come back. The recovery -- and so the RTO -- is complete before that.
        """
        for step in self.graph.steps:
            if step.phase.rank <= Phase.TRAFFIC.rank:
                result = results.get(step.id)
                if result is None or result.status not in _DONE:
                    return False
        return True

    def _measured_rto(self, results: dict[str, _Result]) -> float | None:
        """The downtime: first recovery step start -> last traffic step verified (or the last
        recovery step, with no traffic step).

        Preparation (before the switch, the application still serving) and post-recovery
        (after traffic moved) are not downtime and not counted: a failback that spends ten
        minutes creating the replica it will promote is down only from the fence on.
        Within one process the monotonic clock measures it; a resumed run spans
        processes, so it is measured on the journaled wall-clock times instead.
        """
        steps = self.graph.by_id()
        done = {sid: r for sid, r in results.items() if r.status in _DONE}
        counted = {sid: r for sid, r in done.items() if steps[sid].stage is Stage.RECOVERY}
        if not counted:
            return 0.0 if done else None  # only preparation ran: the application never stopped
        traffic = [sid for sid in counted if steps[sid].phase is Phase.TRAFFIC]
        ends = traffic or list(counted)
        if not any(r.earlier for r in done.values()):
            first = min(r.started for r in counted.values())
            end = max(counted[sid].finished for sid in ends)
            return round(end - first, 3)
        starts = [parse_iso(r.started_at) for r in counted.values() if r.started_at]
        finishes = [parse_iso(counted[sid].finished_at) for sid in ends if counted[sid].finished_at]
        if not starts or not finishes:
            return None
        return round((max(finishes) - min(starts)).total_seconds(), 3)

    def _stage_seconds(self, results: dict[str, _Result], stage: Stage) -> float | None:
        """Wall time of the steps of ``stage`` (their first start to their last finish), on the
        journaled times: how long re-protecting took before the switch, or how long the
        follow-ups after traffic took. None when the run had no such step done."""
        steps = self.graph.by_id()
        spans = [
            (parse_iso(r.started_at), parse_iso(r.finished_at))
            for sid, r in results.items()
            if steps[sid].stage is stage and r.status in _DONE and r.started_at and r.finished_at
        ]
        if not spans:
            return None
        return round((max(e for _, e in spans) - min(b for b, _ in spans)).total_seconds(), 3)

    def _automation_seconds(self, results: dict[str, _Result]) -> float | None:
        """Wall time drctl itself was working: the union of the intervals in which a step
        other than a manual one ran. The RTO counts the whole incident -- a pause for a
        person's approval included -- this says how much of it was automation."""
        steps = self.graph.by_id()
        spans = sorted(
            (parse_iso(r.started_at), parse_iso(r.finished_at))
            for sid, r in results.items()
            if r.started_at and r.finished_at and steps[sid].kind != "manual"
        )
        if not spans:
            return None
        total, (start, end) = 0.0, spans[0]
        for begin, finish in spans[1:]:
            if begin > end:
                total += (end - start).total_seconds()
                start, end = begin, finish
            else:
                end = max(end, finish)
        total += (end - start).total_seconds()
        return round(total, 3)


def dry_run(
    graph: StepGraph, on_step: Callable[[Step, StepRecord], None] | None = None
) -> list[StepRecord]:
    """Precheck every step (reads only) and report what would change; runs nothing."""
    records = []
    for step in graph.steps:
        record = StepRecord(
            id=step.id,
            resource=step.resource,
            action=step.action,
            phase=step.phase.label,
            stage=step.stage.value,
        )
        try:
            pre = step.precheck()
            record.status = StepStatus.SKIPPED.value if pre.done else StepStatus.PENDING.value
            record.detail = (
                f"already done: {pre.current}" if pre.done else f"{pre.current} -> {pre.target}"
            )
        except DrctlError as exc:
            record.status = StepStatus.PENDING.value
            record.detail = f"current state unknown: {exc.message}"
        except Exception as exc:
            record.status = StepStatus.PENDING.value
            record.detail = f"current state unknown: {type(exc).__name__}: {exc}"
        if on_step:
            on_step(step, record)
        records.append(record)
    return records
