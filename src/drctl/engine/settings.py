"""How a run reaches AWS and where it keeps its state: settings, sessions, the run context."""

from __future__ import annotations

import getpass
import socket
from dataclasses import dataclass
from pathlib import Path

from drctl.aws.session import AwsOptions, AwsSessions, RoleSpec, role_session_name
from drctl.engine.clock import Clock, default_clock
from drctl.engine.context import RunContext
from drctl.plan.models import Plan


@dataclass
class RunSettings:
    aws: AwsOptions
    state_dir: Path
    clock: Clock
    max_workers: int = 8


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
        aws=AwsOptions.from_env(profile=profile, endpoint_url=endpoint_url, dry_run=dry_run),
        state_dir=state_dir or resolve_state_dir(),
        clock=clock or _sandbox_clock(endpoint_url) or default_clock(),
    )


def _sandbox_clock(endpoint_url: str | None) -> Clock | None:
    """The clock of the local drctl sandbox this process talks to, if it is one.

    The sandbox server runs AWS time faster than the wall (``sandbox up --time-scale``): its
    metrics are stamped, and its promotions finish, on that time. A CLI that polled and queried
    CloudWatch on the wall clock would look for datapoints hours in the past. So against a
    loopback endpoint that answers ``/drctl-api/clock``, runs share the server's clock; any
    other endpoint (real AWS, LocalStack) keeps the system clock.
    """
    import json
    import os
    import urllib.request
    from datetime import datetime
    from urllib.parse import urlparse

    from drctl.engine.clock import ScaledClock

    endpoint = endpoint_url or os.environ.get("AWS_ENDPOINT_URL")
    try:
        host = urlparse(endpoint).hostname if endpoint else None
    except ValueError:  # malformed: the AWS session says so, once, when it is used
        return None
    if endpoint is None or host not in ("127.0.0.1", "localhost", "::1"):
        return None
    try:
        with urllib.request.urlopen(endpoint.rstrip("/") + "/drctl-api/clock", timeout=1) as r:
            data = json.loads(r.read())
        return ScaledClock(float(data["scale"]), start=datetime.fromisoformat(data["now"]))
    except Exception:
        return None  # not a drctl sandbox (or an old one): the system clock


def sessions_for(
    plan: Plan, settings: RunSettings, run_id: str | None = None, mode: str = "planned"
) -> AwsSessions:
    """Clients for the plan's sides: assumed roles where ``accounts`` names them.

    An unplanned failover is run because the primary region may be down: its side is read with
    one short, bounded attempt, and not again once it failed to answer (``may_be_down``). So are
    the global control planes (Route 53 lives in us-east-1): in the event that calls for an
    unplanned failover they may be down too, and a retry budget spent on them is RTO lost."""
    roles = {}
    if plan.accounts is not None:
        for side, spec in (("primary", plan.accounts.primary), ("dr", plan.accounts.dr)):
            if spec is not None:
                roles[side] = RoleSpec(spec.role_arn, spec.external_id)
    return AwsSessions(
        settings.aws,
        roles=roles,
        session_name=role_session_name(run_id),
        may_be_down=frozenset({"primary", "global"}) if mode == "unplanned" else frozenset(),
    )


def make_context(
    plan: Plan,
    settings: RunSettings,
    *,
    mode: str = "planned",
    run_id: str | None = None,
    require_credentials: bool = False,
    offline: bool = False,
) -> RunContext:
    """The context kinds work in; ``require_credentials`` fails early without them.

    ``offline`` (``plan show``): steps are built without reading AWS, so no role is assumed
    (that would need credentials and STS) and no credentials are needed at all.
    """
    sessions = (
        AwsSessions(settings.aws, session_name=role_session_name(run_id))
        if offline
        else sessions_for(plan, settings, run_id, mode)
    )
    if require_credentials:
        sessions.require_credentials()
    return RunContext(
        plan=plan,
        sessions=sessions,
        clock=settings.clock,
        mode=mode,
        run_id=run_id,
        offline=offline,
        state_dir=settings.state_dir,
    )


def user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


def operator() -> str:
    """Who is running drctl, as journaled: user@host."""
    return f"{user()}@{socket.gethostname()}"
