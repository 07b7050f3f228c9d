"""Tell people what a run is doing: start, every failed step, and the end.

One message each, on the plan's SNS topic (``notifications.sns_topic_arn``).
A notification that cannot be delivered never fails the run -- during a
regional outage the topic's region may be the one that is down -- it is
journaled as ``notify-failed`` and the run goes on.
"""

from __future__ import annotations

from collections.abc import Callable

from drctl.engine import events
from drctl.engine.clock import iso
from drctl.engine.events import RunMeta
from drctl.engine.executor import RunObserver
from drctl.engine.journal import Journal
from drctl.engine.runs import RunRecord, StepRecord
from drctl.engine.settings import RunSettings, operator, sessions_for
from drctl.engine.step import Step
from drctl.plan.durations import format_seconds, human_seconds
from drctl.plan.models import Plan

Publish = Callable[[str, str, dict[str, str]], None]  # subject, message, attributes


class RunNotifier(RunObserver):
    """Publishes run events; wraps the observer that draws the live view."""

    def __init__(
        self,
        publish: Publish,
        *,
        run_id: str,
        app: str,
        action: str,
        mode: str,
        regions: str,
        operator: str,
        inner: RunObserver | None = None,
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        self.regions = regions
        self.operator = operator
        self.publish = publish
        self.run_id = run_id
        self.app = app
        self.action = action
        self.mode = mode
        self.inner = inner or RunObserver()
        self.on_error = on_error or (lambda message: None)

    def _attributes(self, status: str) -> dict[str, str]:
        return {
            "app": self.app,
            "action": self.action,
            "run_id": self.run_id,
            "status": status,
        }

    def _send(self, subject: str, lines: list[str], status: str) -> None:
        try:
            self.publish(subject, "\n".join(lines), self._attributes(status))
        except Exception as exc:  # any failure to notify is reported, never raised
            message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
            self.on_error(f"notification '{subject}' not sent: {message}")

    def run_started(self, meta: RunMeta, *, resumed: bool, steps: int) -> None:
        self.inner.run_started(meta, resumed=resumed, steps=steps)
        verb = "resumed" if resumed else "started"
        self._send(
            f"drctl {self.action} {verb}: {self.app}",
            [
                f"drctl {self.action} of {self.app} {verb} ({self.mode}).",
                f"run: {self.run_id}",
                f"regions: {self.regions}",
                f"by: {self.operator}",
                f"steps: {steps}",
            ],
            "running",
        )

    def step_started(self, step: Step, record: StepRecord) -> None:
        self.inner.step_started(step, record)

    def step_finished(self, step: Step, record: StepRecord) -> None:
        self.inner.step_finished(step, record)
        if record.status == "failed":
            self._send(
                f"drctl {self.action} step failed: {self.app} {step.id}",
                [
                    f"Step {step.id} of the {self.action} of {self.app} failed.",
                    f"run: {self.run_id}",
                    f"detail: {record.detail}",
                    f"see: drctl runs show {self.run_id}",
                ],
                "failed",
            )

    def stopping(self, in_flight: list[str]) -> None:
        self.inner.stopping(in_flight)

    def run_finished(self, record: RunRecord) -> None:
        self._send(
            f"drctl {self.action} {record.status}: {self.app}{_rto_suffix(record)}",
            [
                f"drctl {self.action} of {self.app} {record.status}.",
                f"run: {record.run_id}",
                f"measured RTO: {_rto_text(record)}",
                *([f"error: {record.error}"] if record.error else []),
                f"see: drctl runs show {record.run_id}",
            ],
            record.status,
        )


def _rto_text(record: RunRecord) -> str:
    if record.rto_seconds is None:
        return "not measured"
    objective = (
        f" (objective {format_seconds(record.objective_rto_seconds)})"
        if record.objective_rto_seconds is not None
        else ""
    )
    return f"{human_seconds(record.rto_seconds)}{objective}"


def _rto_suffix(record: RunRecord) -> str:
    return f" (RTO {human_seconds(record.rto_seconds)})" if record.rto_seconds is not None else ""


def notifier_for(
    plan: Plan,
    settings: RunSettings,
    meta: RunMeta,
    journal: Journal,
    inner: RunObserver | None,
    warn: Callable[[str], None] | None = None,
) -> RunNotifier | None:
    """A notifier publishing to the plan's SNS topic, or None when it names none.

    A message that cannot be published is journaled and handed to ``warn`` (the operator's
    screen): people who expect the page must learn it never went out."""
    if plan.notifications is None:
        return None
    from drctl.aws import sns

    topic = plan.notifications.sns_topic_arn
    region = sns.topic_region(topic)
    side = "dr" if region == plan.regions.dr else "primary"
    sessions = sessions_for(plan, settings, meta.run_id)

    def publish(subject: str, message: str, attributes: dict[str, str]) -> None:
        from drctl.aws.errors import aws_errors

        with aws_errors(f"notifying {topic}"):
            sns.publish(sessions.client("sns", region, side), topic, subject, message, attributes)

    def journal_failure(message: str) -> None:
        journal.append(events.notify_failed(iso(settings.clock.now()), message))
        if warn is not None:
            warn(message)

    regions = (
        f"{plan.regions.dr} -> {plan.regions.primary}"
        if meta.action == "failback"
        else f"{plan.regions.primary} -> {plan.regions.dr}"
    )
    return RunNotifier(
        publish,
        regions=regions,
        operator=operator(),
        run_id=meta.run_id,
        app=meta.app,
        action=meta.action,
        mode=meta.mode,
        inner=inner,
        on_error=journal_failure,
    )
