"""What a drill works with: the plan, AWS, a clock, and the operator's permissions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from drctl.engine.operations import RunSettings
    from drctl.kinds.base import KindContext
    from drctl.plan.loader import LoadedPlan


@dataclass
class DrillEnv:
    loaded: LoadedPlan
    settings: RunSettings
    allow_disruptive: bool = False
    run_id: str | None = None
    # Events a drill wants in its journal (e.g. the throw-away instance it created).
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def plan(self) -> Any:
        return self.loaded.plan

    def context(self, *, mode: str = "planned") -> KindContext:
        from drctl.engine.operations import make_context

        return make_context(self.plan, self.settings, mode=mode, run_id=self.run_id)

    def resource(self, name: str | None, kinds: tuple[str, ...]) -> Any:
        """The plan resource a drill names; validation already proved it exists."""
        from drctl.errors import UsageError

        res = next((r for r in self.plan.resources if r.name == name), None)
        if res is None or res.kind not in kinds:
            raise UsageError(
                f"drill needs a resource of kind {' or '.join(kinds)}, got {name!r}"
                + (f" ({res.kind})" if res is not None else "")
            )
        return res
