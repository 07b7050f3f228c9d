"""A failover run on Step Functions, started and followed from the terminal, journaled as a run.

``drctl failover --engine stepfunctions`` decides what a local run decides -- the run id, the
RPO gate, the lock, the confirmation -- then, instead of running the steps, starts an
execution of the deployed state machine named from the run id (AWS refuses a second start of
the same run) and follows its history, journaling each step as its states are entered, so
``runs list`` / ``runs show`` show it like a local run. The deployed definition must be the
one the plan generates now: a machine deployed from an older plan is refused, not run.
Ctrl-C stops following, not the execution: the run is journaled ``interrupted`` and keeps its
lock, and the operator is told how to follow or stop the execution.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drctl.aws.errors import aws_errors
from drctl.aws.stepfunctions import (
    describe_execution,
    history,
    proxy_name,
    proxy_state,
    start_execution,
    state_machine_arn,
)
from drctl.aws.stepfunctions import machine_tags as read_tags
from drctl.engine import events
from drctl.engine.clock import iso
from drctl.engine.events import RunMeta
from drctl.engine.gate import enforce
from drctl.engine.journal import Journal, read_journal
from drctl.engine.run import Run, plan_digest
from drctl.engine.runs import RunRecord, record_from_events, runs_dir
from drctl.engine.settings import user
from drctl.engine.state import run_lock
from drctl.engine.step import Step
from drctl.errors import UsageError
from drctl.export.iam import uses_proxy
from drctl.export.stepfunctions import Target, roles_of, state_name

FINISHED = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")
PLAN_TAG = "drctl:plan-sha256"  # the plan text the machine was generated from
ONLY_TAG = "drctl:only"  # the resources it runs (--only), comma-separated; "" for all
FROM_RUN_TAG = "drctl:from-run"  # failback: the failover whose record it restores
POLL_SECONDS = 2.0  # how often the history is read: ~1 GetExecutionHistory call per poll


def machine_name(app: str, action: str, mode: str) -> str:
    """``drctl-<app>-<action>-<mode>``: one state machine per run the plan can start."""
    return f"drctl-{app}-{action}-{mode}"[:80]


def machine_tags(plan_text: str, only: list[str], from_run: str = "") -> dict[str, str]:
    """What ``deploy`` tags the machine with, and ``failover``/``failback`` check before
    starting it (a definition also depends on AWS ids read when it is generated, so it cannot
    be compared itself). A failback's definition restores what one failover recorded: the
    tag names that run, and a failback undoing another one is refused."""
    return {
        PLAN_TAG: plan_digest(plan_text),
        ONLY_TAG: ",".join(sorted(only)),
        FROM_RUN_TAG: from_run,
    }


@dataclass
class _Progress:
    """What the history says of one step so far."""

    step: Step
    started_at: str | None = None
    entered: list[str] = field(default_factory=list)


class StepFunctionsRun:
    """One run of ``run``'s plan on its deployed state machine."""

    def __init__(
        self, run: Run, sfn: Any, *, lam: Any = None, poll_seconds: float | None = None
    ) -> None:
        self.run = run
        self.sfn = sfn
        self.lam = lam  # Lambda in the DR Region: the Region proxy's health
        self.poll_seconds = POLL_SECONDS if poll_seconds is None else poll_seconds
        plan = run.plan
        self.name = machine_name(plan.app, run.action, run.mode)
        self.target = Target(
            app=plan.app,
            action=run.action,
            mode=run.mode,
            region=plan.regions.dr,
            default_timeout_seconds=float(plan.effective_objectives().rto_seconds),
            topic_arn=plan.notifications.sns_topic_arn if plan.notifications else None,
            roles=roles_of(plan),
        )
        self.execution_arn: str | None = None

    def question(self) -> str:
        return f"{self.run.question()} -- on Step Functions ({self.name} in {self.target.region})"

    def execute(
        self,
        *,
        confirm: Callable[[str], None],
        on_step: Callable[[str, str, str], None] | None = None,
    ) -> RunRecord:
        """Gate, check the deployed machine, lock, confirm, start, follow, journal."""
        run = self.run
        enforce(run.gate, mode=run.mode, accept_data_loss=run.request.accept_data_loss)
        arn = self._deployed_machine()
        lock = run_lock(
            run.plan, run.settings, run_id=run.run_id, action=run.action, takeover=None,
            plan_path=run.loaded.path,
        )  # fmt: skip
        lock.acquire()
        record: RunRecord | None = None
        try:
            confirm(self.question())
            record = self._start_and_follow(arn, on_step)
        finally:
            if record is None or record.status != "interrupted":
                lock.release()
        return record

    # ------------------------------------------------------------------ the machine

    def _deployed_machine(self) -> str:
        region = self.target.region
        with aws_errors(f"Step Functions ({region})"):
            arn = state_machine_arn(self.sfn, self.name)
            tags = read_tags(self.sfn, arn) if arn else None
        undone = self.run.undone.run_id if self.run.undone is not None else ""
        deploy = (
            f"drctl deploy stepfunctions --plan {self.run.loaded.path} --action "
            f"{self.run.action} --mode {self.run.mode}"
            + (f" --from-run {undone}" if undone else "")
        )
        if arn is None or tags is None:
            raise UsageError(
                f"no state machine {self.name} in {region}", hint=f"deploy it: {deploy}"
            )
        wanted = machine_tags(self.run.loaded.text, list(self.run.only), undone)
        if {k: tags.get(k, "") for k in wanted} != wanted:
            raise UsageError(
                f"state machine {self.name} in {region} does not run this plan as it is now "
                "(deployed from another version of it, for other resources"
                + (", or to undo another failover than " + undone if undone else "")
                + ")",
                hint=f"redeploy it: {deploy}",
            )
        self._check_proxy(arn, deploy)
        return arn

    def _check_proxy(self, arn: str, deploy: str) -> None:
        """A machine whose tasks call another Region needs the Region proxy as this drctl
        deploys it: without it those tasks would fail mid-run, after the first steps acted."""
        if self.lam is None:
            return
        region = self.target.region
        with aws_errors(f"Step Functions ({region})"):
            described = self.sfn.describe_state_machine(stateMachineArn=arn)
        document = json.loads(described["definition"])
        if not uses_proxy(document):
            return
        with aws_errors(f"Lambda ({region})"):
            problem = proxy_state(self.lam, proxy_name(self.run.plan.app))
        if problem is not None:
            raise UsageError(
                f"state machine {self.name} in {region} calls other Regions through "
                f"drctl's Region proxy, and {problem}",
                hint=f"redeploy it: {deploy}",
            )

    # ------------------------------------------------------------------ the run

    def _meta(self) -> RunMeta:
        run = self.run
        objectives = run.plan.effective_objectives()
        loaded = run.loaded
        return RunMeta(
            run_id=run.run_id,
            app=run.plan.app,
            action=run.action,
            mode=run.mode,
            objective_rto_seconds=objectives.rto_seconds,
            objective_rpo_seconds=objectives.rpo_seconds,
            plan=str(Path(loaded.path).resolve()) if loaded.path != "<plan>" else loaded.path,
            extra={
                "plan_sha256": plan_digest(loaded.text),
                "host": socket.gethostname(),
                "user": user(),
                "pid": os.getpid(),
                "only": list(run.only),
                "engine": "stepfunctions",
                "state_machine": self.name,
                "rpo_gate": run.gate.as_dict(),
            },
        )

    def _start_and_follow(
        self, arn: str, on_step: Callable[[str, str, str], None] | None
    ) -> RunRecord:
        run = self.run
        clock = run.settings.clock
        path = runs_dir(run.settings.state_dir) / f"{run.run_id}.jsonl"
        steps = [
            {**s.summary(), "depends_on": sorted(run.graph.deps[s.id])} for s in run.graph.steps
        ]
        payload = {
            # The gate was enforced above: a planned run gets here within the RPO or with
            # the loss accepted; the machine's first state reads this verdict.
            "rpo_gate": {"ok": not (run.gate.over or run.gate.unknown), **run.gate.as_dict()},
            "accept_data_loss": bool(run.request.accept_data_loss),
            "run_id": run.run_id,
        }
        with Journal(path) as journal:
            journal.append(events.run_start(self._meta(), iso(clock.now()), steps))
            with aws_errors(f"Step Functions ({self.target.region})"):
                self.execution_arn = start_execution(self.sfn, arn, run.run_id, payload)
            journal.append(
                {"event": "execution", "at": iso(clock.now()), "arn": self.execution_arn}
            )
            try:
                self._follow(journal, on_step)
            except KeyboardInterrupt:
                journal.append(
                    events.run_end(
                        iso(clock.now()),
                        "interrupted",
                        rto_seconds=None,
                        error=f"stopped following; execution {self.execution_arn} keeps running",
                    )
                )
        return record_from_events(read_journal(path))

    def _follow(self, journal: Journal, on_step: Callable[[str, str, str], None] | None) -> None:
        by_name = self._states_by_name()
        progress = {s.id: _Progress(s) for s in self.run.graph.steps}
        seen = 0
        while True:
            with aws_errors(f"Step Functions ({self.target.region})"):
                described = describe_execution(self.sfn, str(self.execution_arn))
                found = history(self.sfn, str(self.execution_arn))
            for event in found[seen:]:
                self._on_event(event, by_name, progress, journal, on_step)
            seen = len(found)
            status = str(described["status"])
            if status in FINISHED:
                self._finish(described, progress, journal)
                return
            time.sleep(self.poll_seconds)

    def _states_by_name(self) -> dict[str, tuple[str, str]]:
        """State name -> (step id, suffix), for every state a step's part of the machine."""
        suffixes = (
            "precheck", "done already?", "start verify", "verify", "verified?", "wait", "count",
            "nudge", "timed out", "failed", "done", "unreachable", "wait for approval",
            "list", "any?", "none", "start pick", "more?", "next", "newer?", "take", "count pick",
        )  # fmt: skip
        found: dict[str, tuple[str, str]] = {}
        for step in self.run.graph.steps:
            for suffix in (*suffixes, *(f"call {i}" for i in range(1, 20)),
                           *(f"after {i}" for i in range(1, 20))):  # fmt: skip
                found[state_name(step, suffix)] = (step.id, suffix)
        return found

    def _on_event(
        self,
        event: dict[str, Any],
        by_name: dict[str, tuple[str, str]],
        progress: dict[str, _Progress],
        journal: Journal,
        on_step: Callable[[str, str, str], None] | None,
    ) -> None:
        if not str(event.get("type", "")).endswith("StateEntered"):
            return
        name = event.get("stateEnteredEventDetails", {}).get("name", "")
        if name not in by_name:
            return
        sid, suffix = by_name[name]
        mine = progress[sid]
        at = iso(event["timestamp"])
        if mine.started_at is None:
            mine.started_at = at
            journal.append(events.step_start(at, sid, 1))
            if on_step:
                on_step(sid, "running", "")
        mine.entered.append(suffix)
        ended = {
            "done": None, "unreachable": "skipped", "timed out": "failed", "failed": "failed",
            "none": "failed",
        }  # fmt: skip
        if suffix not in ended:
            return
        acted = any(s.startswith("call ") or s in ("wait for approval", "start verify")
                    for s in mine.entered)  # fmt: skip
        status = ended[suffix] or ("succeeded" if acted else "skipped")
        polls = mine.entered.count("wait")
        calls = sum(1 for s in mine.entered if s.startswith("call "))
        detail = {
            "skipped": "already done (precheck)"
            if suffix == "done"
            else f"{mine.step.id}: its Region did not answer; not done",
            "failed": f"not verified within its timeout ({polls} polls)"
            if suffix == "timed out"
            else "nothing to start from"
            if suffix == "none"
            else "its wait loop saw it fail",
            "succeeded": f"on Step Functions: {calls} call(s), {polls} poll(s)",
        }[status]
        journal.append(
            events.step_end(
                at=at, started_at=mine.started_at, step=sid, status=status, detail=detail,
                calls=[], data={"execution": self.execution_arn},
                duration_seconds=_seconds(mine.started_at, at),
            )
        )  # fmt: skip
        if on_step:
            on_step(sid, status, detail)

    def _finish(
        self, described: dict[str, Any], progress: dict[str, _Progress], journal: Journal
    ) -> None:
        status = str(described["status"])
        start, stop = described.get("startDate"), described.get("stopDate")
        rto = (stop - start).total_seconds() if start and stop else None
        error = (
            None if status == "SUCCEEDED" else f"{described.get('error')}: {described.get('cause')}"
        )
        for mine in progress.values():
            if mine.started_at is not None and not _ended(mine):
                at = iso(stop) if stop else mine.started_at
                journal.append(
                    events.step_end(
                        at=at, started_at=mine.started_at, step=mine.step.id, status="failed",
                        detail=error or "", calls=[], data={"execution": self.execution_arn},
                        duration_seconds=_seconds(mine.started_at, at),
                    )
                )  # fmt: skip
        journal.append(
            events.run_end(
                iso(stop) if stop else iso(self.run.settings.clock.now()),
                "succeeded" if status == "SUCCEEDED" else "failed",
                rto_seconds=rto if status == "SUCCEEDED" else None,
                error=error,
            )
        )


def _ended(mine: _Progress) -> bool:
    return any(s in ("done", "unreachable", "timed out", "failed", "none") for s in mine.entered)


def _seconds(start: str, end: str) -> float:
    from datetime import datetime

    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
