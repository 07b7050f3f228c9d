"""What a run hands every kind: the plan, AWS clients per side, a clock, and the run's state.

The engine builds one :class:`RunContext` per run and passes it to the kinds it is handed;
a kind reads AWS through :meth:`RunContext.client` and caches reads in :attr:`memo`, so ten
checks of one instance describe it once. Nothing here knows a resource kind.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from drctl.aws.session import AwsSessions
from drctl.engine.clock import Clock
from drctl.plan.models import EffectiveObjectives, Plan

T = TypeVar("T")

GLOBAL_REGION = "us-east-1"  # Route 53, IAM: global services answer here


class Memo:
    """Per-run cache of AWS reads, computed once per key even when threads ask together."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[tuple[Any, ...], Any] = {}
        self._key_locks: dict[tuple[Any, ...], threading.Lock] = {}

    def get(self, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._values:
                return self._values[key]  # type: ignore[no-any-return]
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                if key in self._values:
                    return self._values[key]  # type: ignore[no-any-return]
            value = compute()
            with self._lock:
                self._values[key] = value
            return value

    def forget(self) -> None:
        with self._lock:
            self._values.clear()


@dataclass
class RunContext:
    plan: Plan
    sessions: AwsSessions
    clock: Clock
    mode: str = "planned"  # planned | unplanned
    run_id: str | None = None
    memo: Memo = field(default_factory=Memo)
    # Data the steps of the failover being undone recorded, by step id (e.g. the
    # capacity a group had before it was scaled up); failback steps read it.
    recorded: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Build steps without reading AWS (``plan show``): ids only AWS knows stay
    # placeholders in the step's CLI text.
    offline: bool = False
    # Manual steps: names approved for this run (``--approve``), and how to ask a
    # person right now (None when nobody can answer: the step then waits).
    approvals: dict[str, str] = field(default_factory=dict)
    ask: Callable[[str, str], bool] | None = None
    # The plan's state directory (None: nowhere to keep anything between runs). Kinds keep
    # what a failover must know without a control plane here, read at ``check`` time.
    state_dir: Path | None = None

    @property
    def objectives(self) -> EffectiveObjectives:
        return self.plan.effective_objectives()

    def region(self, side: str) -> str:
        return self.plan.regions.primary if side == "primary" else self.plan.regions.dr

    def client(self, service: str, side: str) -> Any:
        """A client for ``side`` ("primary", "dr" or "global")."""
        region = GLOBAL_REGION if side == "global" else self.region(side)
        return self.sessions.client(service, region, side)
