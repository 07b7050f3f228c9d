"""Every journal event a run writes, built in one place.

A run's journal (fsync'd JSONL, see :mod:`drctl.engine.journal`) is its truth: ``runs show``,
``--resume`` and the run record are all rebuilt from it (:func:`drctl.engine.runs.
record_from_events`). So the shape of each event is defined once, here, and the executor, the
Run and the drills only say *which* event happened.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class RunMeta:
    """What every run journals first: who runs what, against which objectives."""

    run_id: str
    app: str
    action: str
    mode: str
    objective_rto_seconds: int | None
    objective_rpo_seconds: int | None = None
    plan: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def run_start(meta: RunMeta, at: str, steps: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    return {
        "event": "run-start",
        "at": at,
        "run_id": meta.run_id,
        "app": meta.app,
        "action": meta.action,
        "mode": meta.mode,
        "plan": meta.plan,
        "objective_rto_seconds": meta.objective_rto_seconds,
        "objective_rpo_seconds": meta.objective_rpo_seconds,
        "steps": [dict(s) for s in steps],
        **meta.extra,
    }


def run_resume(meta: RunMeta, at: str, done: Iterable[str]) -> dict[str, Any]:
    return {
        "event": "run-resume",
        "at": at,
        "run_id": meta.run_id,
        "done": sorted(done),
        **meta.extra,
    }


def run_end(
    at: str,
    status: str,
    *,
    rto_seconds: float | None,
    error: str | None,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "event": "run-end",
        "at": at,
        "status": status,
        "rto_seconds": rto_seconds,
        "error": error,
        **extra,
    }


def approval(at: str, step: str, by: str) -> dict[str, Any]:
    return {"event": "approval", "at": at, "step": step, "by": by}


def step_start(at: str, step: str, attempt: int) -> dict[str, Any]:
    return {"event": "step-start", "at": at, "step": step, "attempt": attempt}


def step_end(
    *,
    at: str,
    started_at: str,
    step: str,
    status: str,
    detail: str,
    calls: list[dict[str, Any]],
    data: dict[str, Any],
    duration_seconds: float,
) -> dict[str, Any]:
    return {
        "event": "step-end",
        "at": at,
        "started_at": started_at,
        "step": step,
        "status": status,
        "detail": detail,
        "calls": calls,
        "data": data,
        "duration_seconds": duration_seconds,
    }


def case(at: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """One test case of a drill."""
    return {"event": "case", "at": at, **fields}


def notify_failed(at: str, detail: str) -> dict[str, Any]:
    return {"event": "notify-failed", "at": at, "detail": detail}
