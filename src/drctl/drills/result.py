"""What a drill found: test cases (one per check or measurement) and its measurements.

The shapes follow what CI reporters need: a JUnit testcase has a name, a class
(the drill), a time, and on failure a message that says observed vs expected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class Case:
    name: str
    status: str  # pass | warn | fail | error | skipped
    detail: str = ""
    seconds: float = 0.0
    observed: Any = None
    expected: Any = None

    @property
    def failed(self) -> bool:
        return self.status in ("fail", "error")

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "detail": self.detail,
            "seconds": self.seconds,
            "observed": self.observed,
            "expected": self.expected,
        }


@dataclass
class DrillResult:
    name: str
    type: str
    status: str = "pass"  # pass | fail | error | skipped | refused
    duration_seconds: float = 0.0
    cases: list[Case] = field(default_factory=list)
    measured: dict[str, float] = field(default_factory=dict)  # rto_seconds, rpo_seconds
    detail: str = ""
    run_id: str | None = None
    started_at: datetime | None = None  # when the drill began (its JUnit testsuite timestamp)

    def settle(self) -> DrillResult:
        """Status from the cases, unless the drill already ended as error/skipped."""
        if self.status in ("error", "skipped", "refused"):
            return self
        self.status = "fail" if any(c.failed for c in self.cases) else "pass"
        return self

    def as_dict(self) -> dict[str, Any]:
        """The ``test`` drill shape of cli.md."""
        return {
            "name": self.name,
            "type": self.type,
            "status": self.status,
            "duration_seconds": self.duration_seconds,
            "checks": [c.as_dict() for c in self.cases],
            "measured": dict(self.measured),
            "detail": self.detail,
            "run_id": self.run_id,
        }
