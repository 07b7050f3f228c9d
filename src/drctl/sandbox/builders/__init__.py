"""Build a plan's resources in a mock AWS, wired as a healthy deployment would be.

Replicas replicate from their primaries, buckets replicate to their DR twins,
failover records have health checks -- so ``drctl check`` passes on a freshly
built sandbox and a failover has something real to move. Addresses come from
the documentation ranges (RFC 5737) and accounts are moto's default: nothing
here names a real host or account.

One module per kind (``drctl.sandbox.builders.<kind>``) exposes
``build(builder, resource)``; :class:`SandboxBuilder` finds it by name.
Only ever pointed at moto: :func:`assert_local_endpoint` refuses anything else.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

from botocore.exceptions import BotoCoreError, ClientError

from drctl.aws.session import AwsSessions
from drctl.engine.clock import Clock, SystemClock
from drctl.errors import SandboxError
from drctl.plan.models import Plan, ResourceBase

SANDBOX_ACCOUNT = "123456789012"  # moto's default account
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def builder_module(kind: str) -> str:
    return f"drctl.sandbox.builders.{kind.replace('-', '_')}"


def can_build(kind: str) -> bool:
    return importlib.util.find_spec(builder_module(kind)) is not None


class SandboxBuilder:
    """Creates resources through ``sessions`` (pointed at moto) for one plan."""

    def __init__(self, plan: Plan, sessions: AwsSessions, clock: Clock | None = None) -> None:
        self.plan = plan
        self.sessions = sessions
        self.clock = clock or SystemClock()
        self.built: list[str] = []

    def region(self, side: str) -> str:
        return self.plan.regions.primary if side == "primary" else self.plan.regions.dr

    def client(self, service: str, side: str) -> Any:
        region = "us-east-1" if side == "global" else self.region(side)
        return self.sessions.client(service, region, side)

    def build(self) -> list[str]:
        """Create every resource whose kind has a builder; returns the names built."""
        assert_local_endpoint(self.sessions.endpoint_url)
        for res in self.plan.resources:
            if not can_build(res.kind):
                continue
            build: Callable[[SandboxBuilder, Any], None] = importlib.import_module(
                builder_module(res.kind)
            ).build
            try:
                build(self, res)
            except (ClientError, BotoCoreError) as exc:
                raise SandboxError(
                    f"sandbox: building {res.name} ({res.kind}) failed: {exc}"
                ) from None
            self.built.append(res.name)
        return self.built


def ignore_codes(call: Callable[..., Any], *codes: str, **kwargs: Any) -> Any:
    """Call ``call(**kwargs)``; an error with one of ``codes`` (already exists) is fine."""
    try:
        return call(**kwargs)
    except ClientError as exc:
        if exc.response["Error"]["Code"] not in codes:
            raise
        return None


def assert_local_endpoint(endpoint_url: str | None) -> None:
    """The builder creates resources: never against anything but a local mock."""
    if endpoint_url is None:
        return  # in-process moto (mock_aws) intercepts every call
    host = urlparse(endpoint_url).hostname or ""
    if host not in LOCAL_HOSTS:
        raise SandboxError(f"refusing to build sandbox resources at {endpoint_url}: not local")


def unbuilt(plan: Plan) -> list[ResourceBase]:
    """Resources whose kinds the sandbox cannot build."""
    return [r for r in plan.resources if not can_build(r.kind)]
