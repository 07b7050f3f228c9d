"""How ``drctl demo`` looks in a terminal: rules between stages, check tables, live runs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from drctl.sandbox.demo import DemoShow

if TYPE_CHECKING:
    from drctl.engine.executor import RunObserver
    from drctl.engine.run import Run
    from drctl.engine.runs import RunRecord
    from drctl.engine.step import Check, CheckResult
    from drctl.plan.loader import LoadedPlan
    from drctl.plan.models import Plan


class RichDemoShow(DemoShow):
    def stage(self, title: str) -> None:
        from drctl.render.console import heading

        heading(title)

    def overview(self, loaded: LoadedPlan) -> None:
        from drctl.render import tables

        tables.plan_overview(loaded.plan, loaded.path)

    def built(self, plan: Plan, names: list[str]) -> None:
        from drctl.render.console import out

        out().print(f"built {', '.join(names)} in {plan.regions.primary} and {plan.regions.dr}")

    def checks(self, plan: Plan, results: list[tuple[Check, CheckResult]]) -> None:
        from drctl.engine.checks import summarize
        from drctl.render import tables

        tables.checks_table(plan.app, results, summarize(results))

    def note(self, text: str) -> None:
        from drctl.render.console import out

        out().print(text)

    @contextmanager
    def live(self, run: Run) -> Iterator[RunObserver | None]:
        from drctl.render.live import LiveStepView

        with LiveStepView(run.graph.steps, f"{run.action.capitalize()} run {run.run_id}") as view:
            yield view

    def finished(self, record: RunRecord) -> None:
        from drctl.render import tables
        from drctl.render.console import out

        out().print(tables.rto_line(record))
