"""Run records: what a failover, failback or drill did, rebuilt from its journal."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from drctl.engine.journal import read_journal
from drctl.errors import UsageError

DEFAULT_STATE_DIR = ".drctl"


def state_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Where journals live: --state-dir, else $DRCTL_STATE_DIR, else ./.drctl."""
    return Path(explicit or os.environ.get("DRCTL_STATE_DIR") or DEFAULT_STATE_DIR)


def runs_dir(base: Path) -> Path:
    return base / "runs"


def new_run_id(now: datetime, app: str, action: str) -> str:
    """Sortable, unique and readable: ``20261124T112700Z-shop-failover-3f9a``."""
    return f"{now:%Y%m%dT%H%M%SZ}-{app}-{action}-{secrets.token_hex(2)}"


@dataclass
class StepRecord:
    id: str
    resource: str
    action: str
    phase: str
    # preparation (before the switch), recovery (the downtime the RTO measures) or
    # post-recovery (after traffic moved): see drctl.engine.step.Stage.
    stage: str = "recovery"
    status: str = "pending"
    started_at: str | None = None
    finished_at: str | None = None
    duration_seconds: float | None = None
    attempts: int = 0
    detail: str = ""
    calls: list[dict[str, Any]] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "resource": self.resource,
            "action": self.action,
            "phase": self.phase,
            "stage": self.stage,
            "status": self.status,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "duration_seconds": self.duration_seconds,
            "attempts": self.attempts,
            "detail": self.detail,
            "calls": self.calls,
        }


@dataclass
class RunRecord:
    run_id: str
    app: str
    action: str
    mode: str
    status: str
    started_at: str
    finished_at: str | None
    rto_seconds: float | None
    objective_rto_seconds: int | None
    objective_rpo_seconds: int | None = None
    plan: str | None = None
    error: str | None = None
    steps: list[StepRecord] = field(default_factory=list)
    # Who approved which manual step, and when (``--approve`` or the prompt).
    approvals: list[dict[str, Any]] = field(default_factory=list)
    resumes: int = 0
    meta: dict[str, Any] = field(default_factory=dict)  # run-start's extra fields
    rpo_seconds: float | None = None  # measured (replication drills)
    # Of the RTO, the time drctl's automated steps ran (a manual step's wait excluded).
    automation_seconds: float | None = None
    # Not in the RTO: re-protecting before the switch, follow-ups after traffic moved.
    preparation_seconds: float | None = None
    post_recovery_seconds: float | None = None
    cases: list[dict[str, Any]] = field(default_factory=list)  # drill test cases

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of cli.md for failover/failback."""
        return {
            "run_id": self.run_id,
            "app": self.app,
            "action": self.action,
            "mode": self.mode,
            "status": self.status,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "rto_seconds": self.rto_seconds,
            "objective_rto_seconds": self.objective_rto_seconds,
            "rto_met": (
                None
                if self.rto_seconds is None or self.objective_rto_seconds is None
                else self.rto_seconds <= self.objective_rto_seconds
            ),
            "plan": self.plan,
            "error": self.error,
            "steps": [s.as_dict() for s in self.steps],
            "approvals": self.approvals,
            "resumes": self.resumes,
            "data_loss_window_seconds": (self.meta.get("rpo_gate") or {}).get(
                "data_loss_window_seconds"
            ),
            "rpo_seconds": self.rpo_seconds,
            "automation_seconds": self.automation_seconds,
            "preparation_seconds": self.preparation_seconds,
            "post_recovery_seconds": self.post_recovery_seconds,
            "objective_rpo_seconds": self.objective_rpo_seconds,
            **({"drill": self.meta["drill"], "cases": self.cases} if "drill" in self.meta else {}),
        }

    @property
    def resumable(self) -> bool:
        return self.status in ("waiting", "interrupted", "aborted", "failed")


_START_FIELDS = {
    "event",
    "at",
    "run_id",
    "app",
    "action",
    "mode",
    "plan",
    "objective_rto_seconds",
    "objective_rpo_seconds",
    "steps",
}


def record_from_events(events: list[dict[str, Any]]) -> RunRecord:
    """Replay a journal. A run with no end event was killed: it is 'interrupted'."""
    if not events or events[0].get("event") != "run-start":
        raise UsageError("not a drctl run journal (no run-start event)")
    start = events[0]
    steps = {
        s["id"]: StepRecord(
            id=s["id"],
            resource=s["resource"],
            action=s["action"],
            phase=s["phase"],
            stage=s.get("stage", "recovery"),  # journals before stages: all counted
        )
        for s in start.get("steps", [])
    }
    record = RunRecord(
        run_id=start["run_id"],
        app=start["app"],
        action=start["action"],
        mode=start.get("mode", "planned"),
        status="interrupted",
        started_at=start["at"],
        finished_at=None,
        rto_seconds=None,
        objective_rto_seconds=start.get("objective_rto_seconds"),
        objective_rpo_seconds=start.get("objective_rpo_seconds"),
        plan=start.get("plan"),
        steps=list(steps.values()),
        meta={k: v for k, v in start.items() if k not in _START_FIELDS},
    )
    for event in events[1:]:
        kind = event.get("event")
        step = steps.get(event.get("step", ""))
        if kind == "step-start" and step:
            step.status = "running"
            step.started_at = event["at"]
            step.attempts = event.get("attempt", step.attempts + 1)
        elif kind == "step-end" and step:
            step.status = event["status"]
            step.finished_at = event["at"]
            step.started_at = event.get("started_at") or step.started_at or event["at"]
            step.duration_seconds = event.get("duration_seconds")
            step.detail = event.get("detail", "")
            step.calls = event.get("calls", [])
            step.data = event.get("data", {})
        elif kind == "run-resume":
            record.status = "interrupted"
            record.finished_at = None
            record.rto_seconds = None
            record.error = None
            record.resumes += 1
        elif kind == "approval":
            record.approvals.append({k: v for k, v in event.items() if k != "event"})
        elif kind == "case":
            record.cases.append({k: v for k, v in event.items() if k not in ("event", "at")})
        elif kind == "run-end":
            record.status = event["status"]
            record.finished_at = event["at"]
            record.rto_seconds = event.get("rto_seconds")
            record.rpo_seconds = event.get("rpo_seconds")
            record.automation_seconds = event.get("automation_seconds")
            record.preparation_seconds = event.get("preparation_seconds")
            record.post_recovery_seconds = event.get("post_recovery_seconds")
            record.error = event.get("error")
    return record


def load_run(base: Path, run_id: str) -> RunRecord:
    path = runs_dir(base) / f"{run_id}.jsonl"
    if not path.is_file():
        matches = sorted(runs_dir(base).glob(f"{run_id}*.jsonl"))
        if len(matches) != 1:
            raise UsageError(
                f"no run {run_id!r} in {runs_dir(base)}"
                + (" (ambiguous prefix)" if matches else ""),
                hint="drctl runs list shows the runs kept there",
            )
        path = matches[0]
    return record_from_events(read_journal(path))


def list_runs(base: Path) -> list[RunRecord]:
    """Every run kept under ``base``, newest first; unreadable journals are skipped."""
    directory = runs_dir(base)
    if not directory.is_dir():
        return []
    records = []
    for path in sorted(directory.glob("*.jsonl"), reverse=True):
        try:
            records.append(record_from_events(read_journal(path)))
        except Exception:
            continue
    # Ids sort by second only; the millisecond start time orders runs of one second.
    records.sort(key=lambda r: (r.started_at, r.run_id), reverse=True)
    return records
