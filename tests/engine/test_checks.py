"""Readiness checks run in parallel, come back in the order given, and never crash the run."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from drctl.engine.checks import run_check, run_checks, summarize
from drctl.engine.step import Check, CheckResult, CheckStatus, failed, passed, warned
from drctl.errors import AwsError


def check(name: str, run: Callable[[], CheckResult], resource: str = "db") -> Check:
    return Check(resource=resource, kind="fake", name=name, description=name, run=run)


def test_checks_run_in_parallel() -> None:
    barrier = threading.Barrier(4)

    def meet() -> CheckResult:
        barrier.wait(timeout=5)  # only passes when all four run at the same time
        return passed("met")

    results = run_checks([check(f"c{i}", meet) for i in range(4)])
    assert [(c.name, r.status) for c, r in results] == [
        ("c0", CheckStatus.PASS),
        ("c1", CheckStatus.PASS),
        ("c2", CheckStatus.PASS),
        ("c3", CheckStatus.PASS),
    ]


def test_results_keep_the_given_order_whatever_order_they_finish_in() -> None:
    count = 5
    done = [threading.Event() for _ in range(count)]
    finished: list[int] = []
    lock = threading.Lock()

    def make(i: int) -> Callable[[], CheckResult]:
        def run() -> CheckResult:
            if i + 1 < count:  # each waits for the one after it: the last finishes first
                assert done[i + 1].wait(5)
            with lock:
                finished.append(i)
            done[i].set()
            return passed(f"check {i}", observed=i)

        return run

    seen: list[str] = []
    results = run_checks(
        [check(f"c{i}", make(i)) for i in range(count)],
        on_result=lambda c, r: seen.append(c.name),
    )
    assert finished == [4, 3, 2, 1, 0]
    assert [c.name for c, _ in results] == ["c0", "c1", "c2", "c3", "c4"]
    assert [r.observed for _, r in results] == [0, 1, 2, 3, 4]
    assert seen == ["c0", "c1", "c2", "c3", "c4"]


def test_max_workers_bounds_the_parallelism() -> None:
    running = 0
    peak = 0
    lock = threading.Lock()
    pairs = threading.Barrier(2)

    def run() -> CheckResult:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        pairs.wait(timeout=5)  # two at a time meet here
        with lock:
            running -= 1
        return passed("")

    assert len(run_checks([check(f"c{i}", run) for i in range(6)], max_workers=2)) == 6
    assert peak == 2
    pairs = threading.Barrier(1)
    peak = 0
    assert len(run_checks([check(f"c{i}", run) for i in range(3)], max_workers=0)) == 3
    assert peak == 1  # max_workers below one still runs, one at a time


def test_a_check_that_raises_becomes_an_error_result() -> None:
    def boom() -> CheckResult:
        raise ValueError("no such replica")

    def aws() -> CheckResult:
        raise AwsError("rds DescribeDBInstances failed in us-west-2: AccessDenied")

    results = run_checks(
        [check("ok", lambda: passed("fine")), check("boom", boom), check("aws", aws)]
    )
    assert [(c.name, r.status, r.detail) for c, r in results] == [
        ("ok", CheckStatus.PASS, "fine"),
        ("boom", CheckStatus.ERROR, "ValueError: no such replica"),
        ("aws", CheckStatus.ERROR, "rds DescribeDBInstances failed in us-west-2: AccessDenied"),
    ]
    assert run_check(check("boom", boom)) == CheckResult(
        CheckStatus.ERROR, "ValueError: no such replica"
    )


def test_no_checks() -> None:
    assert run_checks([]) == []
    assert summarize([]) == {"pass": 0, "warn": 0, "fail": 0, "error": 0}


def test_summarize_counts_each_status() -> None:
    results = run_checks(
        [
            check("a", lambda: passed("ok", observed=1, threshold=300)),
            check("b", lambda: passed("ok")),
            check("c", lambda: warned("lag rising", observed=200, threshold=300)),
            check("d", lambda: failed("no replica")),
            check("e", lambda: failed("lag", observed=900, threshold=300)),
            check("f", lambda: failed("x")),
        ]
    )
    assert summarize(results) == {"pass": 2, "warn": 1, "fail": 3, "error": 0}
    assert list(summarize(results)) == ["pass", "warn", "fail", "error"]


@pytest.mark.parametrize(
    ("make", "status"),
    [(passed, CheckStatus.PASS), (warned, CheckStatus.WARN), (failed, CheckStatus.FAIL)],
)
def test_result_helpers(make: Callable[..., CheckResult], status: CheckStatus) -> None:
    assert make("detail", 42, 300) == CheckResult(status, "detail", 42, 300)
    assert make("detail") == CheckResult(status, "detail", None, None)
