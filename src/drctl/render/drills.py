"""Drill results for people: a line per drill as it ends, its cases, then a summary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from drctl.plan.durations import human_seconds
from drctl.render.console import out, styled


def print_drill(result: Any) -> None:
    console = out()
    measured = ", ".join(
        f"{k.removesuffix('_seconds').upper()} {human_seconds(v)}"
        for k, v in sorted(result.measured.items())
    )
    console.print(
        f"{styled(result.status)} [bold]{result.name}[/] ({result.type}, "
        f"{human_seconds(result.duration_seconds)})" + (f": {measured}" if measured else "")
    )
    if result.detail and result.status != "pass":
        console.print(f"    {result.detail}")
    for case in result.cases:
        if case.status != "pass":
            console.print(f"    {styled(case.status)} {case.name}: {case.detail}")


def print_summary(report: Any, junit_file: Path | None) -> None:
    counts: dict[str, int] = {}
    for drill in report.drills:
        counts[drill.status] = counts.get(drill.status, 0) + 1
    parts = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    verdict = styled("pass") if report.ok else styled("fail")
    out().print(f"\n{verdict} drills of {report.app}: {parts}")
    if junit_file:
        out().print(f"  JUnit: {junit_file}")
