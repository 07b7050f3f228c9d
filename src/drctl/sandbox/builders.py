"""Build a plan's resources in a mock AWS, wired as a healthy deployment would be.

Replicas replicate from their primaries, buckets replicate to their DR twins, failover
records have health checks -- so ``drctl check`` passes on a freshly built sandbox and a
failover has something real to move. Each kind builds its own resources
(``Kind.build_sandbox``, in the kind's ``sandbox.py``, including what the plan's drills need
of them); :mod:`drctl.sandbox.prerequisites` builds what the plan names outside its resources
(the roles of ``accounts:``, first, so that resources land in their side's account; the
experiments' alarms and FIS roles; the notification topic). This module walks the plan and
refuses to point any of it at anything but a local mock.
"""

from __future__ import annotations

from urllib.parse import urlparse

from botocore.exceptions import BotoCoreError, ClientError

from drctl.aws.session import AwsSessions
from drctl.engine.clock import Clock, SystemClock
from drctl.errors import SandboxError
from drctl.kinds.registry import registry
from drctl.kinds.sandboxing import SANDBOX_ACCOUNT, AwsClock, SandboxBuild, aws_time
from drctl.plan.models import Plan
from drctl.sandbox import prerequisites

__all__ = ["SANDBOX_ACCOUNT", "SandboxBuilder", "assert_local_endpoint"]

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


class SandboxBuilder:
    """Creates every resource of ``plan`` through ``sessions`` (pointed at moto)."""

    def __init__(self, plan: Plan, sessions: AwsSessions, clock: Clock | None = None) -> None:
        self.context = SandboxBuild(plan, sessions, clock)
        self.built: list[str] = []
        if clock is not None and not isinstance(clock, SystemClock | AwsClock):
            # A test's fake clock: the sandbox's AWS time is that clock, so the extensions
            # move AWS state as the engine's polls sleep on it (``aws`` fixtures reset it).
            aws_time.follow(clock.now)
        self.prerequisites: list[str] = []  # roles, alarms, topics: not plan resources

    def build(self) -> list[str]:
        """Create every resource of the plan; returns the names built."""
        assert_local_endpoint(self.context.sessions.endpoint_url)
        kinds = registry()
        try:
            self.prerequisites = prerequisites.build_accounts(self.context)
        except (ClientError, BotoCoreError) as exc:
            raise SandboxError(f"sandbox: creating the roles of accounts: failed: {exc}") from None
        for res in self.context.plan.resources:
            try:
                kinds.get(res.kind).build_sandbox(self.context, res)
            except (ClientError, BotoCoreError) as exc:
                raise SandboxError(
                    f"sandbox: building {res.name} ({res.kind}) failed: {exc}"
                ) from None
            self.built.append(res.name)
        try:
            for exp in self.context.plan.experiments:
                self.prerequisites.extend(prerequisites.build_experiment(self.context, exp))
            notifications = self.context.plan.notifications
            if notifications is not None:
                topic = prerequisites.build_topic(self.context, notifications.sns_topic_arn)
                self.prerequisites.append(topic)
        except (ClientError, BotoCoreError) as exc:
            raise SandboxError(
                f"sandbox: building the plan's prerequisites failed: {exc}"
            ) from None
        return self.built


def assert_local_endpoint(endpoint_url: str | None) -> None:
    """The builder creates resources: never against anything but a local mock."""
    if endpoint_url is None:
        return  # in-process moto (mock_aws) intercepts every call
    host = urlparse(endpoint_url).hostname or ""
    if host not in LOCAL_HOSTS:
        raise SandboxError(f"refusing to build sandbox resources at {endpoint_url}: not local")
