"""The live view of a failover: one row per step, updated as steps start and finish.

On a terminal it redraws in place (rich.live); in CI logs it prints one line per
event, which reads better in a log than a redrawn table.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from drctl.engine.executor import RunObserver
from drctl.engine.runs import StepRecord
from drctl.engine.step import Step
from drctl.plan.durations import human_seconds
from drctl.render.console import out, styled


class LiveStepView(RunObserver):
    def __init__(self, steps: list[Step], title: str) -> None:
        self.steps = steps
        self.title = title
        self.rows: dict[str, StepRecord] = {}
        self._lock = threading.Lock()
        self._live: Any = None
        self.interactive = out().is_terminal

    def __enter__(self) -> LiveStepView:
        if self.interactive:
            from rich.live import Live

            self._live = Live(self._render(), console=out(), refresh_per_second=8, transient=False)
            self._live.__enter__()
        else:
            out().print(f"[bold]{self.title}[/]")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.update(self._render())
            self._live.__exit__(None, None, None)

    def _render(self) -> Any:
        from rich.table import Table

        table = Table(title=self.title, title_justify="left")
        table.add_column("step", style="bold")
        table.add_column("phase")
        table.add_column("status")
        table.add_column("time", justify="right")
        table.add_column("detail", overflow="fold")
        for step in self.steps:
            rec = self.rows.get(step.id)
            status = rec.status if rec else "pending"
            took = (
                human_seconds(rec.duration_seconds)
                if rec and rec.duration_seconds is not None
                else ""
            )
            table.add_row(
                step.id,
                step.phase.label,
                styled(status),
                took,
                (rec.detail if rec else step.description),
            )
        return table

    def _update(self, step: Step, record: StepRecord, started: bool) -> None:
        with self._lock:
            self.rows[step.id] = record
            if self._live is not None:
                self._live.update(self._render())
            elif started:
                out().print(f"  {styled('running')} {step.id}: {step.description}")
            else:
                took = human_seconds(record.duration_seconds or 0.0)
                out().print(f"  {styled(record.status)} {step.id} ({took}) {record.detail}")

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Stop redrawing while a person answers a prompt, then carry on."""
        with self._lock:
            if self._live is not None:
                self._live.stop()
            try:
                yield
            finally:
                if self._live is not None:
                    self._live.start()

    def stopping(self, in_flight: list[str]) -> None:
        from drctl.render.console import err

        waiting = f"waiting for {', '.join(in_flight)} to finish" if in_flight else "stopping"
        err().print(
            f"[yellow]Ctrl-C: no new step will start; {waiting}. "
            "Press Ctrl-C again to exit at once.[/]"
        )

    def step_started(self, step: Step, record: StepRecord) -> None:
        self._update(step, record, True)

    def step_finished(self, step: Step, record: StepRecord) -> None:
        self._update(step, record, False)
