"""Ctrl-C during a run: the first stops new steps and lets the ones in flight finish
(journaled, resumable); the second stops at once with the journal still consistent.

The Ctrl-C is real: ``_thread.interrupt_main`` raises KeyboardInterrupt in the
scheduler's thread exactly as a terminal's SIGINT would.
"""

from __future__ import annotations

import _thread
import threading
from pathlib import Path

import pytest

from drctl.engine.clock import FakeClock
from drctl.engine.events import RunMeta
from drctl.engine.executor import Executor, StoppedAtOnce
from drctl.engine.graph import build_graph
from drctl.engine.journal import Journal, read_journal
from drctl.engine.runs import record_from_events
from drctl.engine.step import Phase, Precheck, Step, StepOutcome


def step(sid: str, run: object, phase: Phase = Phase.DATA) -> Step:
    resource, action = sid.split(".")
    return Step(
        id=sid,
        resource=resource,
        kind="fake",
        action=action,
        phase=phase,
        description=sid,
        cli=[],
        precheck=lambda: Precheck(False, "not yet", "done"),
        run=run,  # type: ignore[arg-type]
    )


def executor(steps: list[Step], journal: Journal) -> Executor:
    graph = build_graph(steps, {})
    meta = RunMeta(run_id="r1", app="shop", action="failover", mode="planned",
                   objective_rto_seconds=900)  # fmt: skip
    return Executor(graph, meta, clock=FakeClock(), journal=journal, max_workers=4)


def test_first_ctrl_c_lets_steps_in_flight_finish_and_starts_nothing_new(tmp_path: Path) -> None:
    ran: list[str] = []

    def promote() -> StepOutcome:
        _thread.interrupt_main()  # the operator presses Ctrl-C while this step runs
        threading.Event().wait(0.5)  # the step keeps going to its end
        ran.append("promote")
        return StepOutcome("promoted")

    def shift() -> StepOutcome:
        ran.append("shift")
        return StepOutcome("shifted")

    path = tmp_path / "r1.jsonl"
    with Journal(path) as journal:
        record = executor(
            [step("db.promote", promote), step("dns.shift", shift, Phase.TRAFFIC)], journal
        ).run()
    assert ran == ["promote"]
    assert record.status == "aborted"
    statuses = {s.id: s.status for s in record.steps}
    assert statuses == {"db.promote": "succeeded", "dns.shift": "pending"}
    replay = record_from_events(read_journal(path))
    assert replay.status == "aborted" and replay.resumable
    assert {s.id: s.status for s in replay.steps} == statuses


def test_second_ctrl_c_stops_at_once_with_a_consistent_journal(tmp_path: Path) -> None:
    release = threading.Event()

    def stuck() -> StepOutcome:
        _thread.interrupt_main()
        threading.Event().wait(0.3)
        _thread.interrupt_main()  # impatient operator
        release.wait(10)
        return StepOutcome("too late")

    path = tmp_path / "r1.jsonl"
    try:
        with Journal(path) as journal, pytest.raises(StoppedAtOnce) as stopped:
            executor([step("db.promote", stuck)], journal).run()
    finally:
        release.set()
    assert stopped.value.exit_code == 130
    assert "in flight: db.promote" in stopped.value.message
    events = read_journal(path)
    assert events[-1]["event"] == "run-end" and events[-1]["status"] == "interrupted"
    replay = record_from_events(events)
    assert replay.resumable and {s.id: s.status for s in replay.steps} == {"db.promote": "running"}
