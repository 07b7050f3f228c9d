"""Run readiness checks in parallel; one check's crash is its own ``error``, not the run's."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from drctl.engine.step import Check, CheckResult, CheckStatus
from drctl.errors import DrctlError


def run_check(check: Check) -> CheckResult:
    """Run one check, timed; a crash is the check's own ``error``."""
    started = time.perf_counter()
    try:
        result = check.run()
    except DrctlError as exc:
        result = CheckResult(CheckStatus.ERROR, exc.message)
    except Exception as exc:
        result = CheckResult(CheckStatus.ERROR, f"{type(exc).__name__}: {exc}")
    return replace(result, seconds=round(time.perf_counter() - started, 3))


def run_checks(
    checks: Sequence[Check],
    *,
    max_workers: int = 16,
    on_result: Callable[[Check, CheckResult], None] | None = None,
) -> list[tuple[Check, CheckResult]]:
    """Results in the order the checks were given, whatever order they finished in."""
    if not checks:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(max_workers, len(checks)))) as pool:
        futures = [pool.submit(run_check, c) for c in checks]
        results = []
        for check, future in zip(checks, futures, strict=True):
            result = future.result()
            if on_result:
                on_result(check, result)
            results.append((check, result))
    return results


def summarize(results: Sequence[tuple[Check, CheckResult]]) -> dict[str, int]:
    summary = {status.value: 0 for status in CheckStatus}
    for _, result in results:
        summary[result.status.value] += 1
    return summary
