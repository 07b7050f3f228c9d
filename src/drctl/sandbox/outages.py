"""Region and service outages in the sandbox: requests that never get an answer.

When a region goes down, its endpoints do not answer ``503 ServiceUnavailable``: connections
are refused, reset or time out. A DR tool must be tested against that, because botocore retries
a connection error with backoff and a step that reads the dead side can burn minutes before it
gives up. This module holds which regions and services are out and makes every request to one
of them fail as an unreachable endpoint does:

* in-process (``mock_aws``, the test suite, ``drctl demo``): moto's ``before-send`` stub raises
  botocore's ``EndpointConnectionError`` (what a refused connection raises) instead of
  answering, so botocore's own retry path runs and nothing reaches moto's backends;
* in the sandbox server: a WSGI layer in front of moto drops the TCP connection without a
  response (the client sees "connection closed" / ``ConnectionClosedError``).

The region and service of a request come from its SigV4 credential scope
(``Credential=<key>/<date>/<region>/<service>/aws4_request``), the same place AWS routes by;
the host name is the fallback. Global services (Route 53, IAM, CloudFront, Organizations) sign
for us-east-1 but are not regional endpoints: a region outage leaves them up, name them to take
them down (``--outage route53``). On AWS the Route 53 control plane is hosted in us-east-1 and
AWS advises failing over without it (health checks, the data plane): ``route53`` models that.
Global Accelerator is global too, but its API is served from US West (Oregon) only ("you must
specify the US West (Oregon) Region to create, update, or otherwise work with accelerators",
API reference): it is a regional service of us-west-2 here, down with ``--outage us-west-2``.

Each outage's start and end are kept on the sandbox's AWS clock and handed to the kinds'
extensions (:data:`drctl.kinds.sandboxing.unreachable`): Global Accelerator's health checks
find the endpoints of a Region that is down unhealthy.

Specs: ``REGION`` (``us-east-1``), ``SERVICE`` (``rds``, every region) or ``SERVICE@REGION``.
A running sandbox takes changes at ``/drctl-api/outages`` (GET lists, POST ``{"add": [...]}`` or
``{"clear": [...]}``, ``{"clear": null}`` for all), which ``drctl sandbox outage`` calls.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

from drctl.errors import UsageError
from drctl.kinds.sandboxing import DownPeriods, PatchSet, aws_time, unreachable

API_PATH: Final = "/drctl-api/outages"
# The sandbox's AWS clock (now, scale), so a drctl process talking to this server polls and
# stamps on the same time the server's extensions model (drctl.engine.settings reads it).
CLOCK_PATH: Final = "/drctl-api/clock"
GLOBAL_SERVICES: Final = frozenset(
    {"route53", "iam", "cloudfront", "organizations", "route53domains"}
)
_REGION: Final = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
_SERVICE: Final = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_SCOPE: Final = re.compile(r"Credential=[^/,\s]+/\d{8}/([^/]+)/([^/]+)/aws4_request")


@dataclass(frozen=True, order=True)
class Outage:
    """One outage: a whole region, a service everywhere, or a service in one region."""

    service: str | None = None
    region: str | None = None

    @classmethod
    def parse(cls, spec: str) -> Outage:
        text = spec.strip().lower()
        service, _, region = text.partition("@")
        if not region and _REGION.match(service):
            return cls(region=service)
        if not _SERVICE.match(service) or (region and not _REGION.match(region)):
            raise UsageError(
                f"bad outage {spec!r}",
                hint="REGION (us-east-1), SERVICE (rds) or SERVICE@REGION (rds@us-east-1)",
            )
        return cls(service=service, region=region or None)

    def __str__(self) -> str:
        if self.service and self.region:
            return f"{self.service}@{self.region}"
        return self.service or self.region or "?"

    def covers(self, service: str, region: str | None) -> bool:
        """Whether a request to ``service`` in ``region`` is lost to this outage."""
        if self.service is not None and self.service != service:
            return False
        if self.service is None and service in GLOBAL_SERVICES:
            return False  # a region outage leaves the global endpoints up
        return self.region is None or self.region == region


class Outages:
    """The outages in effect in this process, and how many requests each has refused."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active: set[Outage] = set()
        self._refused: Counter[str] = Counter()
        self._history: list[tuple[Outage, datetime, datetime | None]] = []

    def add(self, *specs: str | Outage) -> list[Outage]:
        parsed = [s if isinstance(s, Outage) else Outage.parse(s) for s in specs]
        now = aws_time.now()
        with self._lock:
            self._history.extend((o, now, None) for o in set(parsed) - self._active)
            self._active.update(parsed)
        return self.active()

    def clear(self, *specs: str | Outage) -> list[Outage]:
        """End the outages named (all of them when none is named)."""
        parsed = [s if isinstance(s, Outage) else Outage.parse(s) for s in specs]
        now = aws_time.now()
        with self._lock:
            if parsed:
                self._active.difference_update(parsed)
                self._history = [
                    (o, start, now if end is None and o in parsed else end)
                    for o, start, end in self._history
                ]
            else:
                self._active.clear()
                self._refused.clear()
                self._history.clear()  # a fresh start: no past outage either
        return self.active()

    def down_periods(self, service: str, region: str) -> DownPeriods:
        """When requests to ``service`` in ``region`` were lost, on the AWS clock (not counted)."""
        with self._lock:
            return [(start, end) for o, start, end in self._history if o.covers(service, region)]

    def active(self) -> list[Outage]:
        with self._lock:
            return sorted(self._active, key=str)

    def blocking(self, service: str, region: str | None) -> Outage | None:
        """The outage a request to ``service`` in ``region`` is lost to (counted), or None."""
        with self._lock:
            if not self._active:
                return None
            for outage in self._active:
                if outage.covers(service, region):
                    self._refused[f"{service}@{region}"] += 1
                    return outage
        return None

    def refused(self) -> dict[str, int]:
        """Requests lost so far, by ``service@region`` (what a test asserts retries on)."""
        with self._lock:
            return dict(self._refused)


outages = Outages()


def request_scope(headers: Any, url: str) -> tuple[str, str | None]:
    """(service, region) of a request: its SigV4 credential scope, else its host name."""
    auth = headers.get("Authorization") or headers.get("authorization") or ""
    if isinstance(auth, bytes):
        auth = auth.decode("latin-1")
    found = _SCOPE.search(str(auth))
    if found is None:  # presigned: the scope is in the query string
        credential = parse_qs(urlsplit(url).query).get("X-Amz-Credential", [""])[0]
        found = _SCOPE.search(f"Credential={credential}")
    if found is not None:
        return found.group(2), found.group(1)
    labels = (urlsplit(url).hostname or "").split(".")
    region = next((label for label in labels if _REGION.match(label)), None)
    return (labels[0] if labels else ""), region


# ---------------------------------------------------------------- in-process (mock_aws)

_patches = PatchSet()


def _stubber_call(original: Callable[..., Any]) -> Callable[..., Any]:
    def call(self: Any, event_name: str, request: Any, **kwargs: Any) -> Any:
        if self.enabled:
            service, region = request_scope(request.headers, str(request.url))
            if outages.blocking(service, region) is not None:
                from botocore.exceptions import EndpointConnectionError

                raise EndpointConnectionError(endpoint_url=str(request.url))
        return original(self, event_name, request, **kwargs)

    return call


# ---------------------------------------------------------------- the server (WSGI)


def _dispatch_call(original: Callable[..., Any]) -> Callable[..., Any]:
    def call(self: Any, environ: dict[str, Any], start_response: Any) -> Any:
        path = str(environ.get("PATH_INFO", ""))
        if path == API_PATH:
            return _api(environ, start_response)
        if path == CLOCK_PATH:
            body = json.dumps({"now": aws_time.now().isoformat(), "scale": aws_time.scale})
            start_response("200 OK", [("Content-Type", "application/json")])
            return [body.encode()]
        if not path.startswith("/moto-api"):
            headers = {"Authorization": environ.get("HTTP_AUTHORIZATION", "")}
            url = f"http://{environ.get('HTTP_HOST', '')}{path}?{environ.get('QUERY_STRING', '')}"
            service, region = request_scope(headers, url)
            if outages.blocking(service, region) is not None:
                return _drop(environ, start_response)
        return original(self, environ, start_response)

    return call


def _drop(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    """Close the connection without a response, as a dead endpoint does."""
    sock = environ.get("werkzeug.socket")
    if sock is not None:
        with contextlib.suppress(OSError):  # already gone is as good
            sock.shutdown(socket.SHUT_RDWR)
    # Werkzeug finds the socket closed when it writes, and drops the request quietly.
    raise ConnectionResetError("sandbox outage: connection dropped")


def _api(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    method = str(environ.get("REQUEST_METHOD", "GET"))
    status = "200 OK"
    try:
        if method == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = json.loads(environ["wsgi.input"].read(length) or b"{}")
            if "add" in body:
                outages.add(*body["add"])
            if "clear" in body:
                outages.clear(*(body["clear"] or []))
        payload: dict[str, Any] = {
            "outages": [str(o) for o in outages.active()],
            "refused": outages.refused(),
        }
    except (UsageError, ValueError, TypeError, KeyError) as exc:
        status, payload = "400 Bad Request", {"error": str(exc)}
    data = json.dumps(payload).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    )
    return [data]


def install() -> None:
    """Patch moto's in-process stub and its server's WSGI app; idempotent."""
    if _patches.active:
        return
    from moto.core.botocore_stubber import BotocoreStubber
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    _patches.replace(BotocoreStubber, "__call__", _stubber_call(BotocoreStubber.__call__))
    _patches.replace(
        DomainDispatcherApplication,
        "__call__",
        _dispatch_call(DomainDispatcherApplication.__call__),
    )
    unreachable.set_source(outages.down_periods)


def uninstall() -> None:
    """Restore moto and end every outage."""
    _patches.restore_all()
    unreachable.set_source(None)
    outages.clear()


def is_installed() -> bool:
    return _patches.active


# ---------------------------------------------------------------- a running sandbox


def remote(endpoint_url: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """Read (``body`` None) or change the outages of the sandbox at ``endpoint_url``."""
    import urllib.error
    import urllib.request

    from drctl.errors import SandboxError

    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        endpoint_url.rstrip("/") + API_PATH,
        data=data,
        method="POST" if data is not None else "GET",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return dict(json.loads(response.read()))
    except urllib.error.HTTPError as exc:
        detail = json.loads(exc.read() or b"{}").get("error", exc.reason)
        raise SandboxError(f"the sandbox refused the outage change: {detail}") from None
    except OSError as exc:
        raise SandboxError(f"cannot reach the sandbox at {endpoint_url}: {exc}") from None
