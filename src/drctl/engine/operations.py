"""The operations the CLI offers, as functions: collect checks, build a failover graph, run it.

This is where a plan meets the kinds: each resource's kind contributes checks
or steps, and the engine orders and executes them. Nothing here knows any AWS
service; the kinds do.
"""

from __future__ import annotations

import getpass
import hashlib
import os
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drctl.aws.session import AwsOptions, AwsSessions, RoleSpec, role_session_name
from drctl.engine.checks import run_checks
from drctl.engine.clock import Clock, SystemClock, iso
from drctl.engine.executor import Executor, RunMeta, RunObserver, dry_run
from drctl.engine.gate import GateResult, LagReading, measure
from drctl.engine.graph import StepGraph, build_graph
from drctl.engine.journal import Journal, read_journal
from drctl.engine.lock import FileLockStore, LockInfo, LockStore, RunLock, new_lock_id
from drctl.engine.notify import RunNotifier
from drctl.engine.runs import RunRecord, new_run_id, record_from_events, runs_dir
from drctl.engine.step import Check, CheckResult, CheckStatus, Step
from drctl.errors import UsageError
from drctl.kinds.base import KindContext
from drctl.kinds.registry import behaviour, supported
from drctl.plan.loader import LoadedPlan
from drctl.plan.models import Plan, ResourceBase


@dataclass
class RunSettings:
    aws: AwsOptions
    state_dir: Path
    clock: Clock
    max_workers: int = 8


def selected_resources(plan: Plan, only: Sequence[str] | None) -> list[ResourceBase]:
    """The plan's resources, or the ones named by ``--only`` (unknown names are bad input)."""
    if not only:
        return list(plan.resources)
    names = {r.name for r in plan.resources}
    unknown = [n for n in only if n not in names]
    if unknown:
        raise UsageError(
            f"unknown resource {', '.join(repr(n) for n in unknown)} in --only",
            hint=f"the plan has: {', '.join(sorted(names))}",
        )
    return [r for r in plan.resources if r.name in set(only)]


def make_context(
    plan: Plan,
    settings: RunSettings,
    *,
    mode: str = "planned",
    run_id: str | None = None,
    require_credentials: bool = False,
) -> KindContext:
    """The context kinds work in; ``require_credentials`` fails early without them."""
    sessions = sessions_for(plan, settings, run_id)
    if require_credentials:
        sessions.require_credentials()
    return KindContext(
        plan=plan,
        sessions=sessions,
        clock=settings.clock,
        mode=mode,
        run_id=run_id,
    )


def sessions_for(plan: Plan, settings: RunSettings, run_id: str | None = None) -> AwsSessions:
    """Clients for the plan's sides: assumed roles where ``accounts`` names them."""
    roles = {}
    if plan.accounts is not None:
        for side in ("primary", "dr"):
            spec = getattr(plan.accounts, side)
            if spec is not None:
                roles[side] = RoleSpec(spec.role_arn, spec.external_id)
    return AwsSessions(settings.aws, roles=roles, session_name=role_session_name(run_id))


def collect_checks(plan: Plan, ctx: KindContext, only: Sequence[str] | None = None) -> list[Check]:
    checks: list[Check] = []
    for res in selected_resources(plan, only):
        if supported(res.kind):
            checks.extend(behaviour(res.kind).checks(res, ctx))
        else:
            checks.append(_unsupported_check(res))
    return checks


def _unsupported_check(res: ResourceBase) -> Check:
    kind = res.kind

    def run() -> CheckResult:
        return CheckResult(
            CheckStatus.WARN, f"drctl cannot check {kind} resources yet; check {res.name} by hand"
        )

    return Check(
        resource=res.name, kind=kind, name="supported", description="kind supported", run=run
    )


def run_readiness(
    plan: Plan, ctx: KindContext, only: Sequence[str] | None = None, on_result: object = None
) -> list[tuple[Check, CheckResult]]:
    return run_checks(collect_checks(plan, ctx, only), on_result=on_result)  # type: ignore[arg-type]


def failover_graph(plan: Plan, ctx: KindContext, only: Sequence[str] | None = None) -> StepGraph:
    """Every selected resource's failover steps, ordered."""
    resources = selected_resources(plan, only)
    steps = []
    for res in resources:
        steps.extend(behaviour(res.kind).failover(res, ctx))
    chosen = {r.name for r in resources}
    deps = {r.name: [d for d in r.depends_on if d in chosen] for r in resources}
    return build_graph(steps, deps)


def failback_graph(plan: Plan, ctx: KindContext, only: Sequence[str] | None = None) -> StepGraph:
    """Every selected resource's failback steps, ordered like a failover.

    Kinds read what the failover recorded (``ctx.recorded``, see
    :func:`recorded_by_step`) to restore the state from before it.
    """
    resources = selected_resources(plan, only)
    steps = []
    for res in resources:
        kind = behaviour(res.kind)
        if not hasattr(kind, "failback"):
            raise UsageError(
                f"resource kind '{res.kind}' ({res.name}) cannot be failed back by this "
                "version of drctl",
                hint="use --only to leave it out and bring it home by hand",
            )
        steps.extend(kind.failback(res, ctx))
    chosen = {r.name for r in resources}
    deps = {r.name: [d for d in r.depends_on if d in chosen] for r in resources}
    return build_graph(steps, deps)


def recorded_by_step(record: RunRecord) -> dict[str, dict[str, Any]]:
    """The data each step of a finished run kept (e.g. capacity before scale-up), by step id."""
    return {s.id: dict(s.data) for s in record.steps if s.data}


def rpo_gate(plan: Plan, ctx: KindContext, only: Sequence[str] | None = None) -> GateResult:
    """Measure the replication lag of every selected resource whose kind can."""
    readers = []
    for res in selected_resources(plan, only):
        if not supported(res.kind):
            continue
        lag = getattr(behaviour(res.kind), "lag", None)
        if lag is not None:
            readers.append(_lag_reader(lag, res, ctx))
    return GateResult(ctx.objectives.rpo_seconds, measure(readers))


def _lag_reader(lag: Callable[..., LagReading | None], res: ResourceBase, ctx: KindContext) -> Any:
    def read() -> LagReading:
        reading = lag(res, ctx)
        return reading or LagReading(res.name, res.kind, None, "not replicated")

    read.resource = res.name  # type: ignore[attr-defined]
    read.kind = res.kind  # type: ignore[attr-defined]
    return read


def plan_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def execute(
    loaded: LoadedPlan,
    graph: StepGraph,
    settings: RunSettings,
    *,
    action: str,
    mode: str,
    run_id: str,
    observer: RunObserver | None = None,
    only: Sequence[str] | None = None,
    previous: RunRecord | None = None,
    approvals: dict[str, str] | None = None,
    gate: GateResult | None = None,
    before_step: Callable[[Step], bool] | None = None,
) -> RunRecord:
    """Run ``graph`` for real, journaling to ``<state>/runs/<run_id>.jsonl``.

    With ``previous`` (see :func:`check_resumable`) the run continues that
    journal: finished steps are not repeated. ``approvals`` (manual step name
    -> who approved) are journaled before any step runs.
    """
    plan = loaded.plan
    objectives = plan.effective_objectives()
    meta = RunMeta(
        run_id=run_id,
        app=plan.app,
        action=action,
        mode=mode,
        objective_rto_seconds=objectives.rto_seconds,
        objective_rpo_seconds=objectives.rpo_seconds,
        plan=str(Path(loaded.path).resolve()) if loaded.path != "<plan>" else loaded.path,
        extra={
            "plan_sha256": plan_digest(loaded.text),
            "host": socket.gethostname(),
            "user": _user(),
            "pid": os.getpid(),
            "only": list(only or []),
            **({"rpo_gate": gate.as_dict()} if gate is not None else {}),
        },
    )
    path = runs_dir(settings.state_dir) / f"{run_id}.jsonl"
    mirror = journal_mirror(plan, settings, run_id)
    at = iso(settings.clock.now())
    approved = [
        {"event": "approval", "at": at, "step": name, "by": who}
        for name, who in (approvals or {}).items()
    ]
    with Journal(path, mirror=mirror) as journal:
        notifier = notifier_for(plan, settings, meta, journal, observer)
        if notifier is not None:
            observer = notifier
        executor = Executor(
            graph,
            meta,
            clock=settings.clock,
            journal=journal,
            observer=observer,
            max_workers=settings.max_workers,
            default_timeout_seconds=float(objectives.rto_seconds),
            previous={s.id: s for s in previous.steps} if previous else None,
            preamble=approved,
            before_step=before_step,
        )
        finished = executor.run()
        if notifier is not None:
            notifier.run_finished(finished)
    # The journal is the truth; the record shown is the one `runs show` rebuilds.
    return record_from_events(read_journal(path))


def notifier_for(
    plan: Plan,
    settings: RunSettings,
    meta: RunMeta,
    journal: Journal,
    inner: RunObserver | None,
) -> RunNotifier | None:
    """A notifier publishing to the plan's SNS topic, or None when it names none."""
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
        journal.append(
            {"event": "notify-failed", "at": iso(settings.clock.now()), "detail": message}
        )

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


def lock_store(plan: Plan, settings: RunSettings) -> LockStore:
    """Where this plan's run lock lives (``state:`` in the plan)."""
    if plan.state is None or plan.state.backend.value == "local":
        return FileLockStore(settings.state_dir, plan.app)
    from drctl.aws import state_store

    bucket = plan.state.bucket or ""
    sessions = AwsSessions(settings.aws)
    region = _state_region(sessions, bucket)
    if plan.state.lock_table:
        return state_store.DynamoDbLockStore(
            sessions.client("dynamodb", region), plan.state.lock_table, plan.app
        )
    return state_store.S3LockStore(sessions.client("s3", region), bucket, plan.app)


def journal_mirror(
    plan: Plan, settings: RunSettings, run_id: str
) -> Callable[[bytes], None] | None:
    """With ``state.backend: s3``, a function that copies the journal to the bucket."""
    if plan.state is None or plan.state.backend.value == "local":
        return None
    from drctl.aws import state_store

    bucket = plan.state.bucket or ""
    sessions = AwsSessions(settings.aws)
    mirror = state_store.S3JournalMirror(
        sessions.client("s3", _state_region(sessions, bucket)), bucket, plan.app
    )
    return lambda body: mirror.upload(run_id, body)


def fetch_remote_journal(plan: Plan, settings: RunSettings, run_id: str) -> bool:
    """Copy a run's journal from the state bucket into the local state dir (resume
    on another machine). False when the plan keeps state locally or the run is not there."""
    if plan.state is None or plan.state.backend.value == "local":
        return False
    from drctl.aws import state_store

    bucket = plan.state.bucket or ""
    sessions = AwsSessions(settings.aws)
    mirror = state_store.S3JournalMirror(
        sessions.client("s3", _state_region(sessions, bucket)), bucket, plan.app
    )
    matches = [r for r in mirror.run_ids() if r.startswith(run_id)]
    if len(matches) != 1:
        return False
    body = mirror.download(matches[0])
    if body is None:
        return False
    target = runs_dir(settings.state_dir) / f"{matches[0]}.jsonl"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(body)
    return True


def _state_region(sessions: AwsSessions, bucket: str) -> str:
    from drctl.aws import state_store
    from drctl.aws.errors import aws_errors

    with aws_errors(f"state bucket {bucket}"):
        return state_store.bucket_region(sessions.client("s3", "us-east-1"), bucket)


def run_lock(
    plan: Plan, settings: RunSettings, *, run_id: str, action: str, takeover: str | None
) -> RunLock:
    info = LockInfo(
        lock_id=new_lock_id(),
        app=plan.app,
        run_id=run_id,
        action=action,
        host=socket.gethostname(),
        user=_user(),
        pid=os.getpid(),
        acquired_at=iso(settings.clock.now()),
    )
    return RunLock(lock_store(plan, settings), info, takeover=takeover)


def check_resumable(loaded: LoadedPlan, record: RunRecord, action: str) -> None:
    """Refuse to resume a run of another app or action, a finished run, or a changed plan.

    Resuming with an edited plan could run steps the first attempt never
    planned; the plan's digest, journaled at the start, must still match.
    """
    if record.app != loaded.plan.app or record.action != action:
        raise UsageError(
            f"run {record.run_id} is a {record.action} of {record.app}, "
            f"not a {action} of {loaded.plan.app}"
        )
    if not record.resumable:
        raise UsageError(
            f"run {record.run_id} is {record.status}; only a waiting, interrupted, aborted "
            "or failed run can be resumed",
            hint=f"start a new run: drctl {action} --plan {loaded.path}",
        )
    journaled = record.meta.get("plan_sha256")
    if journaled and journaled != plan_digest(loaded.text):
        raise UsageError(
            f"{loaded.path} changed since run {record.run_id} started",
            hint="resume with the plan as it was, or start a new run",
        )


def manual_approvals(plan: Plan, names: Sequence[str], who: str) -> dict[str, str]:
    """``--approve NAME`` values, checked against the plan's manual steps."""
    manual = {r.name for r in plan.resources if r.kind == "manual"}
    unknown = [n for n in names if n not in manual]
    if unknown:
        raise UsageError(
            f"--approve {', '.join(unknown)}: not a manual step of {plan.app}",
            hint=f"manual steps: {', '.join(sorted(manual)) or 'none'}",
        )
    return dict.fromkeys(names, who)


def operator() -> str:
    """Who is running drctl, as journaled: user@host."""
    return f"{_user()}@{socket.gethostname()}"


def dry_run_record(
    loaded: LoadedPlan,
    graph: StepGraph,
    settings: RunSettings,
    *,
    action: str,
    mode: str,
    on_step: object = None,
) -> RunRecord:
    """What a run would do: every step prechecked, nothing changed, nothing journaled."""
    plan = loaded.plan
    objectives = plan.effective_objectives()
    started = iso(settings.clock.now())
    records = dry_run(graph, on_step)  # type: ignore[arg-type]
    return RunRecord(
        run_id=new_run_id(settings.clock.now(), plan.app, action) + "-dry",
        app=plan.app,
        action=action,
        mode=mode,
        status="dry-run",
        started_at=started,
        finished_at=iso(settings.clock.now()),
        rto_seconds=None,
        objective_rto_seconds=objectives.rto_seconds,
        objective_rpo_seconds=objectives.rpo_seconds,
        plan=loaded.path,
        steps=records,
    )


def default_settings(
    *,
    profile: str | None = None,
    endpoint_url: str | None = None,
    dry_run: bool = False,
    state_dir: Path | None = None,
    clock: Clock | None = None,
) -> RunSettings:
    from drctl.engine.runs import state_dir as resolve_state_dir

    return RunSettings(
        aws=AwsOptions(profile=profile, endpoint_url=endpoint_url, dry_run=dry_run),
        state_dir=state_dir or resolve_state_dir(),
        clock=clock or SystemClock(),
    )


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"
