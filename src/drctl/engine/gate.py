"""The RPO gate: before a planned failover, how much data would be lost right now?

Every replicated resource whose kind can measure its replication lag reports a
:class:`LagReading`. In planned mode a lag above the plan's RPO refuses the run
(exit 3) with a table of what lags by how much: waiting a minute for a replica
to catch up is cheaper than losing the orders it has not seen yet. In unplanned
mode, or with ``--accept-data-loss``, the run proceeds and the measured window
(the largest lag) is journaled as the data lost.

A lag that cannot be measured where the kind says it must be (``fail_closed``:
an RDS ReplicaLag of -1, no datapoint, a stale one) refuses a planned run like a
lag above the RPO, and the message says which: unknown is not zero. An unplanned
run (the outage that stopped the metrics) or ``--accept-data-loss`` goes on.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

from drctl.errors import DrctlError, EndpointUnreachable, GateRefused
from drctl.plan.durations import format_seconds, human_seconds


@dataclass(frozen=True)
class LagReading:
    resource: str
    kind: str
    seconds: float | None  # None: not measurable now
    source: str  # e.g. "CloudWatch AWS/RDS ReplicaLag of shop-orders-dr"
    detail: str = ""
    fail_closed: bool = False  # unknown (seconds None) refuses a planned run
    # The resource's own objective when the plan gives it one (backup copies kept as a
    # second line beside replicas); None: the plan's RPO.
    rpo_seconds: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class GateResult:
    rpo_seconds: int
    readings: list[LagReading] = field(default_factory=list)

    @property
    def over(self) -> list[LagReading]:
        return [r for r in self.readings if r.seconds is not None and r.seconds > self.objective(r)]

    def objective(self, reading: LagReading) -> int:
        """The RPO ``reading`` is held to: its resource's own, else the plan's."""
        return reading.rpo_seconds if reading.rpo_seconds is not None else self.rpo_seconds

    @property
    def unknown(self) -> list[LagReading]:
        return [r for r in self.readings if r.seconds is None and r.fail_closed]

    @property
    def data_loss_window_seconds(self) -> float | None:
        known = [r.seconds for r in self.readings if r.seconds is not None]
        return max(known) if known else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "rpo_seconds": self.rpo_seconds,
            "data_loss_window_seconds": self.data_loss_window_seconds,
            "readings": [r.as_dict() for r in self.readings],
        }


LagRead = Callable[[], LagReading | None]
UNREACHABLE = "unreachable"  # a reading's source when AWS did not answer at all


@dataclass(frozen=True)
class LagSource:
    """One resource whose kind can measure its replication lag, and how to read it."""

    resource: str
    kind: str
    read: LagRead


def measure(sources: list[LagSource], max_workers: int = 8) -> list[LagReading]:
    """Read every source in parallel; an error or "not replicated" is a reading too."""

    def safe(source: LagSource) -> LagReading:
        try:
            reading = source.read()
        except EndpointUnreachable as exc:
            return LagReading(
                source.resource, source.kind, None, UNREACHABLE, exc.message, fail_closed=True
            )
        except DrctlError as exc:
            return LagReading(
                source.resource, source.kind, None, "error", exc.message, fail_closed=True
            )
        except Exception as exc:  # an unreadable lag is unknown, not a crashed run
            return LagReading(
                source.resource,
                source.kind,
                None,
                "error",
                f"{type(exc).__name__}: {exc}",
                fail_closed=True,
            )
        return reading or LagReading(source.resource, source.kind, None, "not replicated")

    if not sources:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(max_workers, len(sources)))) as pool:
        return list(pool.map(safe, sources))


def enforce(result: GateResult, *, mode: str, accept_data_loss: bool) -> None:
    """Refuse (exit 3) a planned run whose lag exceeds the RPO or cannot be known."""
    if mode != "planned" or accept_data_loss or not (result.over or result.unknown):
        return
    lines = [
        f"  {r.resource} ({r.kind}): lag {human_seconds(r.seconds or 0)} > RPO "
        f"{format_seconds(result.objective(r))}  [{r.source}]"
        for r in result.over
    ] + [
        f"  {r.resource} ({r.kind}): lag unknown ({r.detail or 'no reading'})  [{r.source}]"
        for r in result.unknown
    ]
    what = []
    if result.over:
        what.append("replication lag is above the RPO")
    if result.unknown:
        what.append("replication lag cannot be measured (unknown is not zero)")
    if any(r.source == UNREACHABLE for r in result.unknown):
        # Not a lagging replica: AWS did not answer. Waiting for a catch-up would not help.
        hint = (
            "AWS did not answer: check the network, proxy and AWS_ENDPOINT_URL, and retry; if "
            "the primary region is down, fail over with --mode unplanned (or --accept-data-loss)"
        )
    else:
        hint = (
            "wait for the replicas to catch up and retry; or, to fail over anyway and "
            "record the data loss: --accept-data-loss (or --mode unplanned)"
        )
    raise GateRefused(
        "; ".join(what) + "; a planned failover now could lose data:\n" + "\n".join(lines),
        hint=hint,
    )
