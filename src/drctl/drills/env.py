"""What a drill works with: the plan, AWS, a clock, and the operator's permissions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from drctl.engine.context import RunContext
    from drctl.engine.settings import RunSettings
    from drctl.plan.loader import LoadedPlan
    from drctl.plan.models import Capability


@dataclass
class DrillEnv:
    loaded: LoadedPlan
    settings: RunSettings
    allow_disruptive: bool = False
    run_id: str | None = None
    # Events a drill wants in its journal (e.g. the throw-away instance it created).
    events: list[dict[str, Any]] = field(default_factory=list)
    # Shows the operator what went wrong without failing the drill (a notification of its
    # start or end that could not be published): the CLI prints it on stderr.
    warn: Callable[[str], None] | None = None

    @property
    def plan(self) -> Any:
        return self.loaded.plan

    def context(self, *, mode: str = "planned") -> RunContext:
        from drctl.engine.settings import make_context

        return make_context(self.plan, self.settings, mode=mode, run_id=self.run_id)

    def resource(self, name: str | None, capability: Capability) -> Any:
        """The plan resource a drill names, whose kind must offer ``capability``
        (validation already proved it, so this only guards against a plan built in code)."""
        from drctl.errors import UsageError
        from drctl.plan.models import kinds_offering

        wanted = kinds_offering(capability)
        res = next((r for r in self.plan.resources if r.name == name), None)
        if res is None or res.kind not in wanted:
            raise UsageError(
                f"drill needs a resource of kind {' or '.join(wanted)}, got {name!r}"
                + (f" ({res.kind})" if res is not None else "")
            )
        return res
