"""The executor with fake steps and the fake clock: no AWS, no real sleeps.

Overlap is proven with barriers and events, never with timing. Where a test must
know that the scheduler has looked at its queue again, it counts the scheduler's
rounds (each round ends in one ``wait`` for running steps; the ``rounds`` fixture
wraps that call and shortens its poll interval).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import wait as real_wait
from pathlib import Path
from typing import Any

import pytest

from drctl.engine import executor as executor_module
from drctl.engine.clock import FakeClock
from drctl.engine.executor import (
    Executor,
    RunMeta,
    RunObserver,
    StoppedAtOnce,
    dry_run,
)
from drctl.engine.graph import build_graph
from drctl.engine.journal import Journal, read_journal
from drctl.engine.runs import RunRecord, StepRecord, record_from_events
from drctl.engine.step import (
    Phase,
    Precheck,
    Step,
    StepOutcome,
    StepWaiting,
    Verification,
)
from drctl.errors import AwsError, ExitCode, PlanError

F, D, C, T, N = Phase.FENCE, Phase.DATA, Phase.COMPUTE, Phase.TRAFFIC, Phase.NOTIFY
T0 = "2026-01-01T00:00:00.000Z"


# --------------------------------------------------------------------------- helpers


class Calls:
    """What the fake steps were asked to do, in order, from any thread."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self._lock = threading.Lock()

    def add(self, item: str) -> None:
        with self._lock:
            self.items.append(item)

    def of(self, prefix: str) -> list[str]:
        return [i for i in self.items if i.startswith(prefix)]


def not_done() -> Precheck:
    return Precheck(False, "replica", "primary")


def ok_outcome() -> StepOutcome:
    return StepOutcome("done")


def mk(
    sid: str,
    phase: Phase = D,
    *,
    calls: Calls | None = None,
    run: Callable[[], StepOutcome] = ok_outcome,
    precheck: Callable[[], Precheck] = not_done,
    verify: Callable[[], Verification] | None = None,
    depends_on: list[str] | None = None,
    timeout: float | None = None,
    poll: float = 5.0,
    preparation: bool = False,
) -> Step:
    resource, action = sid.split(".")
    log = calls or Calls()

    def _precheck() -> Precheck:
        log.add(f"precheck {sid}")
        return precheck()

    def _run() -> StepOutcome:
        log.add(f"run {sid}")
        return run()

    extra: dict[str, Any] = {}
    if verify is not None:

        def _verify() -> Verification:
            log.add(f"verify {sid}")
            return verify()

        extra["verify"] = _verify
    return Step(
        id=sid,
        resource=resource,
        kind="fake",
        action=action,
        phase=phase,
        description=f"{action} {resource}",
        cli=["aws", "fake", action],
        precheck=_precheck,
        run=_run,
        depends_on=list(depends_on or []),
        timeout_seconds=timeout,
        poll_seconds=poll,
        preparation=preparation,
        **extra,
    )


class Recorder(RunObserver):
    """Observer calls, in the order the scheduler made them."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []
        self.on_finished: dict[str, Callable[[], None]] = {}
        self.on_started: dict[str, Callable[[], None]] = {}
        self.stopped: list[list[str]] = []

    def run_started(self, meta: RunMeta, *, resumed: bool, steps: int) -> None:
        self.events.append(("run", f"{meta.run_id} resumed={resumed} steps={steps}"))

    def step_started(self, step: Step, record: StepRecord) -> None:
        self.events.append(("start", step.id))
        if step.id in self.on_started:
            self.on_started[step.id]()

    def step_finished(self, step: Step, record: StepRecord) -> None:
        self.events.append(("end", step.id))
        if step.id in self.on_finished:
            self.on_finished[step.id]()

    def stopping(self, in_flight: list[str]) -> None:
        self.stopped.append(in_flight)


class Rounds:
    """Counts the scheduler's rounds; wraps its ``wait`` with a short poll interval."""

    def __init__(self) -> None:
        self.count = 0
        self._cond = threading.Condition()

    def wait(self, fs: Any, timeout: float | None = None, return_when: str = "") -> Any:
        result = real_wait(fs, timeout=0.005, return_when=return_when)
        with self._cond:
            self.count += 1
            self._cond.notify_all()
        return result

    def until(self, count: int) -> None:
        with self._cond:
            assert self._cond.wait_for(lambda: self.count >= count, timeout=5)


@pytest.fixture
def rounds(monkeypatch: pytest.MonkeyPatch) -> Rounds:
    counter = Rounds()
    monkeypatch.setattr(executor_module, "wait", counter.wait)
    return counter


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    with Journal(tmp_path / "runs" / "r1.jsonl") as j:
        yield j


META = RunMeta(
    run_id="r1",
    app="shop",
    action="failover",
    mode="planned",
    objective_rto_seconds=900,
    objective_rpo_seconds=300,
    plan="/plans/shop.yaml",
    extra={"host": "ops-1"},
)


def make(
    steps: list[Step],
    *,
    clock: FakeClock | None = None,
    journal: Journal | None = None,
    observer: RunObserver | None = None,
    resource_deps: dict[str, list[str]] | None = None,
    max_workers: int = 8,
    default_timeout: float = 900.0,
    previous: dict[str, StepRecord] | None = None,
) -> Executor:
    return Executor(
        build_graph(steps, resource_deps or {}),
        META,
        clock=clock or FakeClock(),
        journal=journal,
        observer=observer,
        max_workers=max_workers,
        default_timeout_seconds=default_timeout,
        previous=previous,
    )


def statuses(record: RunRecord) -> dict[str, str]:
    return {s.id: s.status for s in record.steps}


def events_of(journal: Journal) -> list[dict[str, Any]]:
    return read_journal(journal.path)


def slim(events: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(event, step or status) pairs: the journal's story without the payloads."""
    return [(e["event"], e.get("step") or e.get("status") or "") for e in events]


# --------------------------------------------------------------------------- parallelism


def test_independent_steps_run_in_parallel() -> None:
    barrier = threading.Barrier(3)

    def meet() -> StepOutcome:
        barrier.wait(timeout=5)  # breaks unless all three are running at once
        return StepOutcome("met")

    record = make([mk(f"r{i}.go", run=meet) for i in range(3)]).run()
    assert record.status == "succeeded"
    assert statuses(record) == {"r0.go": "succeeded", "r1.go": "succeeded", "r2.go": "succeeded"}
    assert [s.detail for s in record.steps] == ["met", "met", "met"]


def test_data_and_compute_overlap() -> None:
    barrier = threading.Barrier(2)

    def meet() -> StepOutcome:
        barrier.wait(timeout=5)
        return StepOutcome("")

    record = make([mk("db.promote", D, run=meet), mk("web.scale", C, run=meet)]).run()
    assert record.status == "succeeded"


def test_dependencies_are_waited_for() -> None:
    calls = Calls()
    released = threading.Event()

    def slow() -> StepOutcome:
        assert released.wait(5)
        return StepOutcome("")

    recorder = Recorder()
    # web waits for db (plan depends_on); other runs meanwhile
    recorder.on_started["other.go"] = released.set
    steps = [
        mk("db.promote", run=slow, calls=calls),
        mk("web.scale", C, calls=calls),
        mk("other.go", calls=calls),
    ]
    record = make(steps, observer=recorder, resource_deps={"web": ["db"]}).run()
    assert record.status == "succeeded"
    assert recorder.events.index(("start", "web.scale")) > recorder.events.index(
        ("end", "db.promote")
    )


def test_a_higher_phase_waits_for_every_lower_step(rounds: Rounds, journal: Journal) -> None:
    """The traffic step does not start while any data step still runs, even one it does
    not depend on, however many times the scheduler looks at its queue."""
    fast_handled = threading.Event()
    mark: list[int] = []

    def on_fast_finished() -> None:
        mark.append(rounds.count)
        fast_handled.set()

    def slow() -> StepOutcome:
        assert fast_handled.wait(5)
        rounds.until(mark[0] + 3)  # the scheduler looked again, thrice, with fast done
        return StepOutcome("slow done")

    recorder = Recorder()
    recorder.on_finished["fast.go"] = on_fast_finished
    steps = [mk("fast.go"), mk("slow.go", run=slow), mk("dns.shift", T), mk("sns.notify", N)]
    record = make(steps, journal=journal, observer=recorder).run()
    assert record.status == "succeeded"
    story = slim(events_of(journal))
    assert story.index(("step-start", "dns.shift")) > story.index(("step-end", "slow.go"))
    assert story.index(("step-start", "sns.notify")) > story.index(("step-end", "dns.shift"))


def test_fence_runs_before_everything() -> None:
    calls = Calls()
    steps = [
        mk("dns.shift", T, calls=calls),
        mk("web.scale", C, calls=calls),
        mk("db.fence", F, calls=calls),
    ]
    make(steps, max_workers=1).run()
    assert calls.of("run") == ["run db.fence", "run web.scale", "run dns.shift"]


# --------------------------------------------------------------------------- fail-fast


def test_the_first_failure_stops_new_steps(journal: Journal) -> None:
    calls = Calls()

    def boom() -> StepOutcome:
        raise RuntimeError("promotion refused")

    steps = [
        mk("db.promote", run=boom, calls=calls),
        mk("db.wait", calls=calls),
        mk("cache.go", calls=calls),
        mk("dns.shift", T, calls=calls),
    ]
    record = make(steps, journal=journal, max_workers=1).run()
    assert record.status == "failed"
    assert record.error == "step db.promote failed: RuntimeError: promotion refused"
    assert record.rto_seconds is None
    assert statuses(record) == {
        "db.promote": "failed",
        "db.wait": "pending",
        "cache.go": "pending",
        "dns.shift": "pending",
    }
    assert calls.of("run") == ["run db.promote"]
    assert slim(events_of(journal)) == [
        ("run-start", ""),
        ("step-start", "db.promote"),
        ("step-end", "db.promote"),
        ("run-end", "failed"),
    ]
    assert events_of(journal)[-1]["error"] == record.error


def test_steps_in_flight_at_a_failure_finish_and_are_journaled(
    rounds: Rounds, journal: Journal
) -> None:
    calls = Calls()
    failure_handled = threading.Event()
    mark: list[int] = []

    def boom() -> StepOutcome:
        raise AwsError("rds PromoteReadReplica failed in us-west-2: InvalidDBInstanceState")

    def slow() -> StepOutcome:
        assert failure_handled.wait(5)
        rounds.until(mark[0] + 2)
        return StepOutcome("scaled")

    def on_failed() -> None:
        mark.append(rounds.count)
        failure_handled.set()

    recorder = Recorder()
    recorder.on_finished["db.promote"] = on_failed
    steps = [
        mk("db.promote", run=boom, calls=calls),
        mk("web.scale", C, run=slow, calls=calls),
        mk("web.wait", C, calls=calls),  # chained after web.scale: never started
        mk("dns.shift", T, calls=calls),
    ]
    record = make(steps, journal=journal, observer=recorder).run()
    assert record.status == "failed"
    assert record.error == (
        "step db.promote failed: rds PromoteReadReplica failed in us-west-2: InvalidDBInstanceState"
    )
    assert statuses(record) == {
        "db.promote": "failed",
        "web.scale": "succeeded",
        "web.wait": "pending",
        "dns.shift": "pending",
    }
    assert sorted(calls.of("run")) == ["run db.promote", "run web.scale"]
    ends = {e["step"]: e for e in events_of(journal) if e["event"] == "step-end"}
    assert set(ends) == {"db.promote", "web.scale"}
    assert ends["web.scale"]["detail"] == "scaled"


# --------------------------------------------------------------------------- precheck, verify


def test_a_step_already_done_is_skipped_without_running() -> None:
    calls = Calls()
    steps = [
        mk(
            "db.promote",
            calls=calls,
            precheck=lambda: Precheck(True, "already primary", "primary"),
            verify=lambda: Verification(True),
        ),
        mk("dns.shift", T, calls=calls),
    ]
    record = make(steps).run()
    assert record.status == "succeeded"
    assert statuses(record) == {"db.promote": "skipped", "dns.shift": "succeeded"}
    assert record.steps[0].detail == "already done: already primary"
    assert calls.items == [
        "precheck db.promote",
        "precheck dns.shift",
        "run dns.shift",
    ]  # neither run nor verify of the step already done


def test_verify_is_polled_on_the_clock_until_it_passes() -> None:
    clock = FakeClock()
    answers = iter([False, False, False, True])
    seen: list[float] = []

    def verify() -> Verification:
        seen.append(clock.monotonic())
        ok = next(answers)
        return Verification(ok, "in sync" if ok else "catching up")

    step = mk("db.promote", verify=verify, poll=5.0, run=lambda: StepOutcome("promoted"))
    record = make([step], clock=clock).run()
    assert record.status == "succeeded"
    assert seen == [0.0, 5.0, 10.0, 15.0]
    assert clock.monotonic() == 15.0
    assert record.steps[0].detail == "promoted; in sync"
    assert record.steps[0].duration_seconds == 15.0


def test_verify_timeout_fails_the_step_with_the_last_detail() -> None:
    clock = FakeClock()
    polls = Calls()

    def verify() -> Verification:
        polls.add("poll")
        return Verification(False, "replica lag 40s")

    step = mk("db.promote", verify=verify, timeout=12, poll=5.0)
    record = make([step, mk("dns.shift", T)], clock=clock).run()
    assert record.status == "failed"
    assert record.steps[0].detail == "not verified after 12s: replica lag 40s"
    assert record.error == "step db.promote failed: not verified after 12s: replica lag 40s"
    assert len(polls.items) == 4  # at 0, 5, 10 and 15 s
    assert clock.monotonic() == 15.0
    assert statuses(record)["dns.shift"] == "pending"


def test_verify_timeout_defaults_to_the_executor_timeout() -> None:
    clock = FakeClock()
    step = mk("web.scale", verify=lambda: Verification(False), poll=10.0)
    record = make([step], clock=clock, default_timeout=30).run()
    assert record.steps[0].detail == "not verified after 30s: no detail"
    assert clock.monotonic() == 30.0


@pytest.mark.parametrize(
    ("where", "error", "detail"),
    [
        ("run", ValueError("bad input"), "ValueError: bad input"),
        (
            "run",
            AwsError("route53 ChangeResourceRecordSets failed"),
            "route53 ChangeResourceRecordSets failed",
        ),
        ("precheck", KeyError("DBInstances"), "KeyError: 'DBInstances'"),
        ("verify", TimeoutError("socket"), "TimeoutError: socket"),
    ],
)
def test_an_exception_fails_the_step_with_its_message(
    where: str, error: Exception, detail: str
) -> None:
    def raise_it(*_: object) -> Any:
        raise error

    kwargs: dict[str, Any] = {where: raise_it}
    record = make([mk("db.promote", **kwargs)]).run()
    assert record.status == "failed"
    assert record.steps[0].status == "failed"
    assert record.steps[0].detail == detail
    assert record.error == f"step db.promote failed: {detail}"


def test_a_waiting_step_pauses_the_run_and_holds_higher_phases() -> None:
    calls = Calls()

    def ask() -> StepOutcome:
        raise StepWaiting("call the payments partner, then --resume r1 --approve call")

    steps = [
        mk("call.partner", run=ask, calls=calls),
        mk("db.promote", calls=calls),
        mk("dns.shift", T, calls=calls),
    ]
    record = make(steps).run()
    assert record.status == "waiting"
    assert record.error == "call the payments partner, then --resume r1 --approve call"
    assert statuses(record) == {
        "call.partner": "waiting",
        "db.promote": "succeeded",
        "dns.shift": "pending",
    }
    assert "run dns.shift" not in calls.items


# --------------------------------------------------------------------------- RTO


def timed(clock: FakeClock, seconds: float, detail: str = "") -> Callable[[], StepOutcome]:
    def run() -> StepOutcome:
        clock.advance(seconds)
        return StepOutcome(detail)

    return run


def test_rto_runs_from_the_first_start_to_the_last_traffic_step(journal: Journal) -> None:
    clock = FakeClock()
    clock.advance(100)  # the clock's zero is not the run's
    steps = [
        mk("db.fence", F, run=timed(clock, 2)),
        mk("db.promote", D, run=timed(clock, 10)),
        mk("dns.shift", T, run=timed(clock, 3)),
        mk("sns.notify", N, run=timed(clock, 5)),  # after traffic moved: not in the RTO
    ]
    record = make(steps, clock=clock, journal=journal).run()
    assert record.status == "succeeded"
    assert record.rto_seconds == 15.0
    assert record.as_dict()["rto_met"] is True
    assert [s.duration_seconds for s in record.steps] == [2.0, 10.0, 3.0, 5.0]
    assert record.started_at == "2026-01-01T00:01:40.000Z"
    assert record.finished_at == "2026-01-01T00:02:00.000Z"
    assert events_of(journal)[-1]["rto_seconds"] == 15.0


def test_rto_without_traffic_steps_runs_to_the_last_step() -> None:
    clock = FakeClock()
    steps = [mk("db.promote", run=timed(clock, 7)), mk("db.wait", run=timed(clock, 4))]
    assert make(steps, clock=clock).run().rto_seconds == 11.0


def test_rto_counts_a_skipped_traffic_step() -> None:
    clock = FakeClock()
    steps = [
        mk("db.promote", run=timed(clock, 30)),
        mk("dns.shift", T, precheck=lambda: Precheck(True, "already on dr", "dr")),
    ]
    assert make(steps, clock=clock).run().rto_seconds == 30.0


def test_rto_with_parallel_traffic_steps_takes_the_last_one() -> None:
    clock = FakeClock()
    first_done = threading.Event()

    def first() -> StepOutcome:
        clock.advance(4)
        first_done.set()
        return StepOutcome("")

    def second() -> StepOutcome:
        assert first_done.wait(5)
        clock.advance(6)  # ends at 10
        return StepOutcome("")

    steps = [mk("a.shift", T, run=first), mk("b.shift", T, run=second)]
    assert make(steps, clock=clock).run().rto_seconds == 10.0


def test_no_rto_for_an_empty_run() -> None:
    record = make([]).run()
    assert (record.status, record.rto_seconds, record.steps) == ("succeeded", None, [])


# --------------------------------------------------------------------------- preparation


def failback_like(clock: FakeClock, calls: Calls) -> list[Step]:
    """A failback's shape on the fake clock: 10 min of re-protecting (a replica created, a
    bucket synced) while the app serves, 2 min of switching, 9 min of follow-up."""
    return [
        mk("db.retire", calls=calls, run=timed(clock, 20), preparation=True),
        mk("db.reprotect", calls=calls, run=timed(clock, 580), preparation=True),
        mk("assets.sync-home", calls=calls, run=timed(clock, 90), preparation=True),
        mk("web.scale", C, calls=calls, run=timed(clock, 15)),
        mk("db.fence", calls=calls, run=timed(clock, 30)),
        mk("db.promote", calls=calls, run=timed(clock, 60)),
        mk("dns.home", T, calls=calls, run=timed(clock, 30)),
        mk("db.reprotect-dr", N, calls=calls, run=timed(clock, 540)),
    ]


def test_preparation_finishes_before_the_switch_and_is_not_in_the_rto(journal: Journal) -> None:
    clock = FakeClock()
    calls = Calls()
    # One worker: the fake clock then adds up step times exactly as they ran.
    record = make(failback_like(clock, calls), clock=clock, journal=journal, max_workers=1).run()
    ran = [c.removeprefix("run ") for c in calls.of("run")]
    assert set(ran[:3]) == {"db.retire", "db.reprotect", "assets.sync-home"}
    assert set(ran[3:6]) == {"web.scale", "db.fence", "db.promote"}
    assert ran[6:] == ["dns.home", "db.reprotect-dr"]
    # The downtime: from the first step after preparation to traffic home.
    assert record.rto_seconds == 15 + 30 + 60 + 30
    assert record.preparation_seconds == 20 + 580 + 90
    assert record.post_recovery_seconds == 540
    assert {s.id: s.stage for s in record.steps} == {
        "db.retire": "preparation",
        "db.reprotect": "preparation",
        "assets.sync-home": "preparation",
        "web.scale": "recovery",
        "db.fence": "recovery",
        "db.promote": "recovery",
        "dns.home": "recovery",
        "db.reprotect-dr": "post-recovery",
    }
    document = record.as_dict()
    assert (document["rto_seconds"], document["rto_met"]) == (135.0, True)
    assert (document["preparation_seconds"], document["post_recovery_seconds"]) == (690.0, 540.0)
    # The journal keeps the stages and the figures: runs show tells the same story.
    replay = record_from_events(events_of(journal))
    assert replay.as_dict() == document


def test_without_stages_the_same_run_would_be_over_its_objective() -> None:
    """The figure the stages correct: counted from the first step, the failback above would
    report 22m 40s against a 15m objective although the app was down 2m 15s."""
    clock = FakeClock()
    steps = failback_like(clock, Calls())
    for step in steps:
        step.preparation = False
    record = make(steps, clock=clock, max_workers=1).run()
    assert record.rto_seconds == 20 + 580 + 90 + 15 + 30 + 60 + 30
    assert record.preparation_seconds is None


def test_a_resumed_run_measures_from_the_first_recovery_step(journal: Journal) -> None:
    """Across processes the RTO comes from journaled times; preparation done by the first
    attempt is still left out."""
    clock = FakeClock()
    clock.advance(900)  # the resume starts 15 min after the first attempt did
    previous = {
        "db.reprotect": StepRecord(
            id="db.reprotect", resource="db", action="reprotect", phase="data",
            stage="preparation", status="succeeded", started_at=T0,
            finished_at="2026-01-01T00:10:00.000Z", attempts=1,
        ),
        "db.promote": StepRecord(
            id="db.promote", resource="db", action="promote", phase="data",
            status="succeeded", started_at="2026-01-01T00:11:00.000Z",
            finished_at="2026-01-01T00:12:00.000Z", attempts=1,
        ),
    }  # fmt: skip
    steps = [
        mk("db.reprotect", preparation=True),
        mk("db.promote"),
        mk("dns.home", T, run=timed(clock, 30)),
        mk("db.reprotect-dr", N, run=timed(clock, 600)),
    ]
    record = make(steps, clock=clock, journal=journal, previous=previous).run()
    assert record.status == "succeeded"
    # 00:11:00 (promote) -> 00:15:30 (traffic home, on the resume)
    assert record.rto_seconds == 270.0
    assert record.preparation_seconds == 600.0
    assert record.post_recovery_seconds == 600.0


def test_a_run_of_preparation_only_has_no_downtime() -> None:
    clock = FakeClock()
    steps = [mk("assets.reprotect", run=timed(clock, 60), preparation=True)]
    record = make(steps, clock=clock).run()
    assert (record.rto_seconds, record.preparation_seconds) == (0.0, 60.0)


def test_preparation_waits_only_for_the_preparation_of_what_it_depends_on() -> None:
    """``assets`` depends on ``web`` (compute only) and ``db``: its preparation waits for
    db's preparation, not for web's scale-up, which comes after every preparation step."""
    steps = [
        mk("web.scale", C),
        mk("db.reprotect", preparation=True),
        mk("db.promote"),
        mk("assets.sync-home", preparation=True),
        mk("assets.check"),
    ]
    graph = build_graph(steps, {"assets": ["web", "db"]})
    assert graph.deps["assets.sync-home"] == {"db.reprotect"}
    assert graph.deps["assets.check"] == {"assets.sync-home", "web.scale", "db.reprotect",
                                          "db.promote"}  # fmt: skip
    assert [s.id for s in graph.steps][:2] == ["db.reprotect", "assets.sync-home"]


def test_a_preparation_step_cannot_wait_for_the_switch() -> None:
    steps = [mk("db.fence", F), mk("db.reprotect", preparation=True, depends_on=["db.fence"])]
    with pytest.raises(PlanError, match=r"db.reprotect \(preparation\) cannot wait for db.fence"):
        build_graph(steps, {})


# --------------------------------------------------------------------------- the journal


def test_the_journal_tells_the_whole_run(journal: Journal) -> None:
    clock = FakeClock()

    def promote() -> StepOutcome:
        clock.advance(20)
        return StepOutcome(
            "promoted",
            calls=[{"service": "rds", "api": "PromoteReadReplica", "region": "us-west-2"}],
            data={"endpoint": "orders-dr.example"},
        )

    steps = [mk("db.promote", run=promote), mk("dns.shift", T, run=timed(clock, 1, "shifted"))]
    record = make(steps, clock=clock, journal=journal).run()
    events = events_of(journal)
    assert [e["event"] for e in events] == [
        "run-start",
        "step-start",
        "step-end",
        "step-start",
        "step-end",
        "run-end",
    ]
    run_start = events[0]
    assert run_start == {
        "event": "run-start",
        "at": T0,
        "run_id": "r1",
        "app": "shop",
        "action": "failover",
        "mode": "planned",
        "plan": "/plans/shop.yaml",
        "objective_rto_seconds": 900,
        "objective_rpo_seconds": 300,
        "host": "ops-1",
        "steps": [
            {
                "id": "db.promote",
                "resource": "db",
                "kind": "fake",
                "action": "promote",
                "phase": "data",
                "description": "promote db",
                "depends_on": [],
                "cli": ["aws", "fake", "promote"],
                "stage": "recovery",
            },
            {
                "id": "dns.shift",
                "resource": "dns",
                "kind": "fake",
                "action": "shift",
                "phase": "traffic",
                "description": "shift dns",
                "depends_on": [],
                "cli": ["aws", "fake", "shift"],
                "stage": "recovery",
            },
        ],
    }
    assert events[1] == {"event": "step-start", "at": T0, "step": "db.promote", "attempt": 1}
    assert events[2] == {
        "event": "step-end",
        "at": "2026-01-01T00:00:20.000Z",
        "started_at": T0,
        "step": "db.promote",
        "status": "succeeded",
        "detail": "promoted",
        "calls": [{"api": "PromoteReadReplica", "region": "us-west-2", "service": "rds"}],
        "data": {"endpoint": "orders-dr.example"},
        "duration_seconds": 20.0,
    }
    assert events[-1] == {
        "event": "run-end",
        "at": "2026-01-01T00:00:21.000Z",
        "status": "succeeded",
        "rto_seconds": 21.0,
        "error": None,
        "automation_seconds": 21.0,  # no manual step: all of it automated
        "preparation_seconds": None,
        "post_recovery_seconds": None,
    }
    # the journal is the source of truth: replaying it gives the record the run returned
    replay = record_from_events(events)
    assert replay.as_dict() == record.as_dict()
    assert replay.steps[0].data == {"endpoint": "orders-dr.example"}


def test_run_start_lists_each_steps_dependencies(journal: Journal) -> None:
    steps = [mk("db.promote"), mk("db.wait"), mk("dns.shift", T)]
    make(steps, journal=journal, resource_deps={"dns": ["db"]}).run()
    listed = {s["id"]: s["depends_on"] for s in events_of(journal)[0]["steps"]}
    assert listed == {
        "db.promote": [],
        "db.wait": ["db.promote"],
        "dns.shift": ["db.promote", "db.wait"],
    }


def test_runs_without_a_journal() -> None:
    assert make([mk("a.b")], journal=None).run().status == "succeeded"


def test_observer_sees_the_run_in_order() -> None:
    recorder = Recorder()
    make([mk("db.promote"), mk("dns.shift", T)], observer=recorder).run()
    assert recorder.events == [
        ("run", "r1 resumed=False steps=2"),
        ("start", "db.promote"),
        ("end", "db.promote"),
        ("start", "dns.shift"),
        ("end", "dns.shift"),
    ]


# --------------------------------------------------------------------------- stopping


def test_a_stop_request_lets_steps_in_flight_finish_and_aborts(journal: Journal) -> None:
    calls = Calls()
    holder: list[Executor] = []

    def promote() -> StepOutcome:
        holder[0].stop_requested.set()  # what the first Ctrl-C does
        return StepOutcome("promoted anyway")

    recorder = Recorder()
    steps = [
        mk("db.promote", run=promote, calls=calls),
        mk("db.wait", calls=calls),
        mk("dns.shift", T, calls=calls),
    ]
    executor = make(steps, journal=journal, observer=recorder)
    holder.append(executor)
    record = executor.run()
    assert record.status == "aborted"
    assert record.error == "interrupted by the operator; the run can be resumed"
    assert record.rto_seconds is None
    assert statuses(record) == {
        "db.promote": "succeeded",
        "db.wait": "pending",
        "dns.shift": "pending",
    }
    assert calls.of("run") == ["run db.promote"]
    assert recorder.stopped == [["db.promote"]]
    assert slim(events_of(journal))[-1] == ("run-end", "aborted")
    assert record_from_events(events_of(journal)).resumable


def test_keyboard_interrupt_in_the_scheduler_stops_at_once(journal: Journal) -> None:
    def interrupt() -> None:
        raise KeyboardInterrupt

    recorder = Recorder()
    recorder.on_started["dns.shift"] = interrupt
    calls = Calls()
    steps = [mk("db.promote", calls=calls), mk("dns.shift", T, calls=calls)]
    with pytest.raises(StoppedAtOnce) as stopped:
        make(steps, journal=journal, observer=recorder).run()
    assert stopped.value.exit_code is ExitCode.INTERRUPTED
    assert int(stopped.value.exit_code) == 130
    assert str(stopped.value) == (
        "stopped at once by a second Ctrl-C; in flight: dns.shift (re-checked on --resume)"
    )
    events = events_of(journal)
    assert events[-1] == {
        "event": "run-end",
        "at": T0,
        "status": "interrupted",
        "rto_seconds": None,
        "error": str(stopped.value),
    }
    assert "run dns.shift" not in calls.items
    replay = record_from_events(events)
    assert replay.status == "interrupted" and replay.resumable
    assert statuses(replay) == {"db.promote": "succeeded", "dns.shift": "running"}


# --------------------------------------------------------------------------- resume


def test_a_resume_runs_only_what_is_not_done(journal: Journal) -> None:
    clock = FakeClock()
    clock.advance(600)
    calls = Calls()
    previous = {
        "db.promote": StepRecord(
            id="db.promote",
            resource="db",
            action="promote",
            phase="data",
            status="succeeded",
            started_at=T0,
            finished_at="2026-01-01T00:01:00.000Z",
            attempts=1,
        ),
        "dns.shift": StepRecord(
            id="dns.shift",
            resource="dns",
            action="shift",
            phase="traffic",
            status="failed",
            started_at="2026-01-01T00:01:00.000Z",
            finished_at="2026-01-01T00:01:05.000Z",
            attempts=1,
            detail="throttled",
        ),
    }
    steps = [mk("db.promote", calls=calls), mk("dns.shift", T, calls=calls, run=timed(clock, 5))]
    record = make(steps, clock=clock, journal=journal, previous=previous).run()
    assert record.status == "succeeded"
    assert calls.of("run") == ["run dns.shift"]
    assert {s.id: (s.status, s.attempts) for s in record.steps} == {
        "db.promote": ("succeeded", 1),
        "dns.shift": ("succeeded", 2),
    }
    assert record.started_at == T0  # the first attempt's start
    # measured on wall-clock times across both attempts: 00:00:00 -> 00:10:05
    assert record.rto_seconds == 605.0
    first = events_of(journal)[0]
    assert first["event"] == "run-resume"
    assert first["done"] == ["db.promote"]
    assert first["at"] == "2026-01-01T00:10:00.000Z"


# --------------------------------------------------------------------------- dry run


def test_dry_run_only_prechecks() -> None:
    calls = Calls()

    def unknown() -> Precheck:
        raise AwsError("AccessDenied on rds DescribeDBInstances")

    def broken() -> Precheck:
        raise RuntimeError("oops")

    steps = [
        mk("db.fence", F, calls=calls, precheck=lambda: Precheck(True, "fenced", "fenced")),
        mk("db.promote", calls=calls, verify=lambda: Verification(True)),
        mk("web.scale", C, calls=calls, precheck=unknown),
        mk("dns.shift", T, calls=calls, precheck=broken),
    ]
    seen: list[str] = []
    records = dry_run(build_graph(steps, {}), on_step=lambda step, rec: seen.append(step.id))
    assert [(r.id, r.status, r.detail) for r in records] == [
        ("db.fence", "skipped", "already done: fenced"),
        ("web.scale", "pending", "current state unknown: AccessDenied on rds DescribeDBInstances"),
        ("db.promote", "pending", "replica -> primary"),
        ("dns.shift", "pending", "current state unknown: RuntimeError: oops"),
    ]
    assert seen == ["db.fence", "web.scale", "db.promote", "dns.shift"]
    assert sorted(calls.items) == [
        "precheck db.fence",
        "precheck db.promote",
        "precheck dns.shift",
        "precheck web.scale",
    ]
    assert [r.attempts for r in records] == [0, 0, 0, 0]


# --------------------------------------------------------------------------- the worker limit


def test_no_more_steps_are_running_than_workers(rounds: Rounds, journal: Journal) -> None:
    def busy() -> StepOutcome:
        rounds.until(rounds.count + 3)  # the scheduler looks at its queue three more times
        return StepOutcome("")

    steps = [mk("a.go", run=busy), mk("b.go", run=busy), mk("c.go", run=busy)]
    record = make(steps, journal=journal, max_workers=1).run()
    assert record.status == "succeeded"
    running, peak = 0, 0
    for event in events_of(journal):
        running += {"step-start": 1, "step-end": -1}.get(event["event"], 0)
        peak = max(peak, running)
    assert peak == 1


def test_a_queued_step_does_not_run_after_a_failure(rounds: Rounds) -> None:
    calls = Calls()

    def fail_later() -> StepOutcome:
        rounds.until(rounds.count + 3)
        raise RuntimeError("promotion refused")

    steps = [mk("db.promote", run=fail_later, calls=calls), mk("web.scale", C, calls=calls)]
    record = make(steps, max_workers=1).run()
    assert record.status == "failed"
    assert calls.of("run") == ["run db.promote"]
    assert statuses(record)["web.scale"] == "pending"
