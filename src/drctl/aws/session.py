"""Clients for each side of a plan, built the same way everywhere.

Every client gets: the endpoint override (moto server, LocalStack), botocore's
standard retry mode with enough attempts to ride out throttling, bounded
timeouts, and two event hooks -- one that refuses mutating calls while
``--dry-run`` is on, one that records the request id of each mutating call for
the journal.

A side that may be down (the primary during an unplanned failover: ``may_be_down``) is
reached differently. A dead region does not answer 503; its connections are refused or time
out, and botocore retries those with backoff -- eleven attempts can burn minutes of the RTO on
a region nobody expects to answer. Clients of such a side get a short connect and read timeout
(``AwsOptions.unreachable_timeout``), and the first connection failure of a service in that
region marks it unreachable for the rest of the run: that request and every later one raise
:class:`~drctl.errors.EndpointUnreachable` at once, which steps treat as "primary not readable"
(skip the comparison, fence later). Throttling and 5xx are still retried: the endpoint is up.

Any other side gets a few connection retries per call (``connection_retries``), and an endpoint
that used them all is not tried again for ``DEAD_ENDPOINT_SECONDS``: its next calls fail at once
with the same error. Without that, a command that reads a dozen things through one dead
endpoint (``drctl check`` through a down ``AWS_ENDPOINT_URL``, a proxy that drops packets)
waits out the connect timeout a dozen times over: 45 s instead of 6.
"""

from __future__ import annotations

import math
import os
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from drctl import __version__
from drctl.aws.calls import audit_call, is_mutating, record_call
from drctl.aws.errors import translate
from drctl.errors import DrctlError, EndpointUnreachable

# Services whose API is a control plane hosted in one region: what losing it means for a run.
CONTROL_PLANE_HINT = (
    "move traffic through a data plane instead: kind arc-routing-control (Route 53 ARC "
    "routing controls) or global-accelerator"
)
# Control planes served from one Region, whatever the plan's: (what it means, what to do).
CONTROL_PLANE_NOTES = {
    "route53": (
        "the Route 53 control plane (hosted in us-east-1) does not answer, so traffic moved "
        "by editing Route 53 records or health checks cannot move until it is back",
        CONTROL_PLANE_HINT,
    ),
    "globalaccelerator": (
        "the Global Accelerator API (served from us-west-2 only) does not answer, so the "
        "traffic dials cannot move until it is back",
        "Global Accelerator's data plane still fails over on its own: when a group has no "
        "healthy endpoint with a weight above 0, its health checks send traffic to a healthy "
        "endpoint in another group whatever the dials (keep DR endpoints' weights above 0); "
        "for a switch you control in such an event, move traffic with arc-routing-control",
    ),
}


DEAD_ENDPOINT_SECONDS = 60.0
"""How long an endpoint that used up its connection retries is taken as down: long enough for
one command's reads to fail together, short enough that a poll minutes later tries again."""


class DeadEndpoints:
    """Endpoints that used up their connection retries, and when; shared by every client of
    one command (it travels with its :class:`AwsOptions`: ``drctl test`` makes a context per
    drill), and by nothing else. Thread-safe: checks and steps call from worker threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._down: dict[str, tuple[float, str]] = {}  # endpoint url -> (monotonic, why)

    def mark(self, endpoint: str, why: str) -> None:
        with self._lock:
            self._down[endpoint] = (time.monotonic(), why)

    def clear(self, endpoint: str) -> None:
        with self._lock:
            self._down.pop(endpoint, None)

    def recent(self, endpoint: str) -> tuple[float, str] | None:
        """(seconds since it failed, why) when that was under DEAD_ENDPOINT_SECONDS ago."""
        with self._lock:
            found = self._down.get(endpoint)
        if found is None:
            return None
        since = time.monotonic() - found[0]
        return (since, found[1]) if since < DEAD_ENDPOINT_SECONDS else None


def check_endpoint_url(url: str) -> None:
    """A malformed --endpoint-url / AWS_ENDPOINT_URL is bad input, said once before any call
    (not one error per check, nor an internal error from the URL parser)."""
    from urllib.parse import urlsplit

    from drctl.errors import UsageError

    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError as exc:
        raise UsageError(f"endpoint URL {url!r} is not a URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(
            f"endpoint URL {url!r} is not a URL",
            hint="write it as http://HOST:PORT or https://HOST (--endpoint-url, AWS_ENDPOINT_URL)",
        )


class DryRunViolation(DrctlError):
    """A mutating AWS call was attempted during --dry-run (a bug in a step: refused)."""


@dataclass(frozen=True)
class AwsOptions:
    profile: str | None = None
    endpoint_url: str | None = None
    dry_run: bool = False
    max_attempts: int = 10  # retries after the first attempt (botocore: 11 attempts in all)
    # An endpoint that cannot be reached (refused, DNS failure, connect timeout) is retried
    # this often, not max_attempts times: throttling deserves patience, a dead endpoint does
    # not. With the 2 s connect timeout that fails in under 10 s (DRCTL_CONNECT_TIMEOUT,
    # DRCTL_CONNECTION_RETRIES change both).
    connection_retries: int = 2
    connect_timeout: float = 2.0
    read_timeout: float = 30.0
    # Connect and read timeout towards a side that may be down (one attempt, then no more).
    unreachable_timeout: float = 3.0
    dead_endpoints: DeadEndpoints = field(default_factory=DeadEndpoints, compare=False, repr=False)

    @classmethod
    def from_env(cls, **fields: Any) -> AwsOptions:
        """Options with ``DRCTL_CONNECT_TIMEOUT`` (seconds) and ``DRCTL_CONNECTION_RETRIES``
        applied when set; a value that is not a number is bad input, not a silent default."""
        from drctl.errors import UsageError

        for var, name, kind in (
            ("DRCTL_CONNECT_TIMEOUT", "connect_timeout", float),
            ("DRCTL_CONNECTION_RETRIES", "connection_retries", int),
        ):
            raw = os.environ.get(var)
            if raw is None or raw == "":
                continue
            try:
                value = kind(raw)
            except ValueError:
                raise UsageError(f"{var}={raw!r} is not a number") from None
            if not math.isfinite(value) or value < 0 or (kind is float and value == 0):
                raise UsageError(f"{var}={raw!r} must be a positive number")
            fields[name] = value
        return cls(**fields)


@dataclass(frozen=True)
class RoleSpec:
    """A role to assume for one side of a plan (``accounts.<side>`` in the plan)."""

    role_arn: str
    external_id: str | None = None


SESSION_NAME_OK = re.compile(r"[^\w+=,.@-]")


def role_session_name(run_id: str | None) -> str:
    """``drctl-<run id>``: CloudTrail in the assumed account then names the run."""
    name = SESSION_NAME_OK.sub("-", f"drctl-{run_id}" if run_id else "drctl")
    return name[:64]


class AwsSessions:
    """Creates and caches boto3 clients per (service, region, side); thread-safe.

    A side with a role (``roles["dr"]``) gets clients whose credentials come from
    ``sts:AssumeRole`` (with the external id), refreshed before they expire, so a
    multi-hour restore keeps working. ``"global"`` services (Route 53) use the
    primary side's role, where the hosted zone lives.
    """

    def __init__(
        self,
        options: AwsOptions | None = None,
        *,
        roles: dict[str, RoleSpec] | None = None,
        session_name: str = "drctl",
        may_be_down: frozenset[str] = frozenset(),
    ) -> None:
        """``may_be_down``: sides ("primary") whose region may be out; see the module doc."""
        self.options = options or AwsOptions()
        self.roles = dict(roles or {})
        self.session_name = session_name
        self.may_be_down = may_be_down
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, str, str | None, bool], Any] = {}
        self._unreachable: dict[tuple[str, str], str] = {}
        self._session: Any = None
        self._role_sessions: dict[str, Any] = {}

    @property
    def endpoint_url(self) -> str | None:
        return self.options.endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None

    def _boto_session(self) -> Any:
        import boto3

        if self._session is None:
            try:
                self._session = boto3.session.Session(
                    botocore_session=_botocore_session(), profile_name=self.options.profile
                )
            except Exception as exc:
                raise translate(exc, "creating the AWS session") from None
        return self._session

    def require_credentials(self) -> None:
        """Fail once, up front, when no credentials resolve (instead of in every check).

        Resolving the chain is local (environment, files, SSO cache); the
        instance-metadata lookup at its end is bounded by botocore's own timeouts.
        """
        from drctl.aws.errors import CREDENTIALS_HINT
        from drctl.errors import CredentialsError

        if self.endpoint_url:
            check_endpoint_url(self.endpoint_url)

        try:
            creds = self._boto_session().get_credentials()
        except Exception as exc:
            raise translate(exc, "resolving AWS credentials") from None
        if creds is None:
            where = (
                f"profile {self.options.profile}" if self.options.profile else "the default chain"
            )
            raise CredentialsError(f"no AWS credentials found ({where})", hint=CREDENTIALS_HINT)

    def client(self, service: str, region: str, side: str | None = None) -> Any:
        role = self.roles.get("primary" if side == "global" else side or "")
        fragile = side in self.may_be_down
        key = (service, region, role.role_arn if role else None, fragile)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                session = self._assumed_session(role, region) if role else self._boto_session()
                client = self._make_client(service, region, session, fragile=fragile, side=side)
                self._clients[key] = client
        return client

    def endpoint_client(self, service: str, region: str, endpoint_url: str) -> Any:
        """A client for one endpoint of a data plane that has several (an ARC cluster's five
        regional endpoints): one attempt with a short timeout, because the caller moves on to
        the next endpoint instead of spending a retry budget on this one."""
        key = (service, region, endpoint_url, True)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = self._make_client(
                    service, region, self._boto_session(), fragile=False, endpoint_url=endpoint_url
                )
                self._clients[key] = client
        return client

    def unreachable(self) -> dict[str, str]:
        """``service@region`` -> why, for every endpoint this run found down."""
        with self._lock:
            return {f"{svc}@{region}": why for (svc, region), why in self._unreachable.items()}

    def _known_down(self, service: str, region: str) -> str | None:
        with self._lock:
            return self._unreachable.get((service, region))

    def _mark_down(self, service: str, region: str, why: str) -> None:
        with self._lock:
            self._unreachable.setdefault((service, region), why)

    def _fail_fast(self, client: Any, region: str) -> None:
        """Hooks of a client whose side may be down: one bounded attempt, then no more."""
        events = client.meta.events
        service = client.meta.service_model.service_name

        def gone(why: str) -> EndpointUnreachable:
            if service in CONTROL_PLANE_NOTES:
                note, hint = CONTROL_PLANE_NOTES[service]
                where = "" if service == "route53" else f" in {region}"
                return EndpointUnreachable(
                    f"{service}{where} unreachable ({why}): {note}; not retried", hint=hint
                )
            return EndpointUnreachable(
                f"{service} in {region} unreachable ({why}); not retried: the region may be down",
                hint="the run goes on without it; resume or re-check once the region is back",
            )

        def before_send(**_: Any) -> None:
            why = self._known_down(service, region)
            if why is not None:
                raise gone(why)

        def needs_retry(caught_exception: BaseException | None = None, **_: Any) -> None:
            from botocore.exceptions import ConnectionError as BotoConnectionError
            from botocore.exceptions import HTTPClientError

            if isinstance(caught_exception, (BotoConnectionError, HTTPClientError)):
                why = type(caught_exception).__name__
                self._mark_down(service, region, why)
                raise gone(why) from caught_exception

        events.register_first("before-send.*.*", before_send)
        events.register_first("needs-retry.*.*", needs_retry)

    def _assumed_session(self, role: RoleSpec, region: str) -> Any:
        """A boto3 session whose credentials are the role's, refreshed on expiry.

        STS is called in the side's own region (regional endpoint), so assuming
        the DR role does not depend on the failed region. Called with the lock held.
        """
        import boto3
        from botocore.credentials import (
            AssumeRoleCredentialFetcher,
            DeferredRefreshableCredentials,
        )

        cached = self._role_sessions.get(role.role_arn)
        if cached is not None:
            return cached
        base = self._boto_session()
        source = base.get_credentials()
        if source is None:
            self.require_credentials()
        extra: dict[str, Any] = {"RoleSessionName": self.session_name}
        if role.external_id:
            extra["ExternalId"] = role.external_id

        def sts_client(service: str, **kwargs: Any) -> Any:
            kwargs.setdefault("region_name", region)
            kwargs.setdefault("endpoint_url", self.endpoint_url)
            return base.client(service, **kwargs)

        fetcher = AssumeRoleCredentialFetcher(
            client_creator=sts_client,
            source_credentials=source,
            role_arn=role.role_arn,
            extra_args=extra,
        )
        core = _botocore_session()
        # botocore has no public setter for a session's credential object; this is
        # the documented-by-use way to hand it refreshable credentials.
        creds = DeferredRefreshableCredentials(
            method="assume-role", refresh_using=fetcher.fetch_credentials
        )
        core._credentials = creds  # type: ignore[attr-defined,unused-ignore]
        session = boto3.session.Session(botocore_session=core)
        self._role_sessions[role.role_arn] = session
        return session

    def _make_client(
        self,
        service: str,
        region: str,
        session: Any,
        fragile: bool = False,
        endpoint_url: str | None = None,
        side: str | None = None,
    ) -> Any:
        from botocore.config import Config

        short = self.options.unreachable_timeout
        single = endpoint_url is not None  # one endpoint of several: one attempt, then the next
        config = Config(
            retries={
                "mode": "standard",
                "total_max_attempts" if single else "max_attempts": (
                    1 if single else self.options.max_attempts
                ),
            },
            connect_timeout=short if fragile or single else self.options.connect_timeout,
            read_timeout=short if fragile or single else self.options.read_timeout,
            user_agent_extra=f"drctl/{__version__}",
        )
        try:
            client = session.client(
                service,
                region_name=region,
                endpoint_url=endpoint_url or self.endpoint_url,
                config=config,
            )
        except DrctlError:
            raise
        except Exception as exc:
            raise translate(exc, f"creating the {service} client in {region}") from None
        events = client.meta.events
        if self.options.dry_run:
            events.register("before-call.*.*", _refuse_mutation)

        def record(http_response: Any, parsed: Any, model: Any, **_: Any) -> None:
            _record_request_id(parsed, model, region)

        events.register("after-call.*.*", record)

        def keep_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
            context["drctl_params"] = params  # the API's own names (before-call has the wire's)

        def audit(model: Any, context: dict[str, Any], **_: Any) -> None:
            params = context.get("drctl_params") or {}
            audit_call(model.service_model.service_name, model.name, region, side, params)

        events.register("before-parameter-build.*.*", keep_params)
        events.register("before-call.*.*", audit)
        if fragile:
            self._fail_fast(client, region)
        else:
            self._bound_connection_retries(client, region, remember=not single)
        return client

    def _bound_connection_retries(self, client: Any, region: str, *, remember: bool) -> None:
        """After ``connection_retries`` retries of a connection error, fail the call with an
        error naming the endpoint and region instead of spending the whole retry budget; with
        ``remember``, calls to that endpoint in the next ``DEAD_ENDPOINT_SECONDS`` fail at once
        (a client given one endpoint of several moves on to the next one itself)."""
        service = client.meta.service_model.service_name
        endpoint = client.meta.endpoint_url
        allowed = self.options.connection_retries

        def unreachable(why: str) -> EndpointUnreachable:
            return EndpointUnreachable(
                f"cannot reach {service} in {region} at {endpoint}: {why}",
                hint="check the network, proxy and AWS_ENDPOINT_URL; the region or service "
                "may be down (DRCTL_CONNECT_TIMEOUT / DRCTL_CONNECTION_RETRIES tune this)",
            )

        dead_endpoints = self.options.dead_endpoints

        def before_send(**_: Any) -> None:
            dead = dead_endpoints.recent(endpoint)
            if dead is not None:
                raise unreachable(f"{dead[1]}; not tried again: no answer {dead[0]:.0f} s ago")

        def answered(**_: Any) -> None:  # any HTTP response: the endpoint is up again
            dead_endpoints.clear(endpoint)

        def needs_retry(
            caught_exception: BaseException | None = None, attempts: int = 1, **_: Any
        ) -> None:
            from botocore.exceptions import ConnectionError as BotoConnectionError
            from botocore.exceptions import HTTPClientError

            if isinstance(caught_exception, (BotoConnectionError, HTTPClientError)) and (
                attempts > allowed
            ):
                why = (
                    f"{type(caught_exception).__name__} "
                    f"({attempts} attempt{'' if attempts == 1 else 's'})"
                )
                if remember:
                    dead_endpoints.mark(endpoint, why)
                raise unreachable(why) from caught_exception

        if remember:
            client.meta.events.register_first("before-send.*.*", before_send)
            client.meta.events.register("after-call.*.*", answered)
        client.meta.events.register_first("needs-retry.*.*", needs_retry)


_loader_lock = threading.Lock()
_loader: Any = None


def _botocore_session() -> Any:
    """A botocore session sharing one model loader with every other session of the process.

    Each new botocore session otherwise parses the service models and endpoints.json again
    (about half a second); a run makes several sessions (the run, notifications, the state
    store, assumed roles), and the loader only ever reads botocore's own data files.
    """
    import botocore.loaders
    import botocore.session

    global _loader
    with _loader_lock:
        if _loader is None:
            _loader = botocore.loaders.create_loader()
    core = botocore.session.Session()
    core.register_component("data_loader", _loader)
    return core


def _refuse_mutation(model: Any, **_: Any) -> None:
    if is_mutating(model.name):
        raise DryRunViolation(
            f"refused {model.service_model.service_name}:{model.name} during --dry-run"
        )


def _record_request_id(parsed: Any, model: Any, region: str) -> None:
    if not is_mutating(model.name):
        return
    request_id = None
    if isinstance(parsed, dict):
        request_id = parsed.get("ResponseMetadata", {}).get("RequestId")
    record_call(model.service_model.service_name, model.name, region, request_id)
