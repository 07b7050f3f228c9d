"""Clients for each side of a plan, built the same way everywhere.

Every client gets: the endpoint override (moto server, LocalStack), botocore's
standard retry mode with enough attempts to ride out throttling, bounded
timeouts, and two event hooks -- one that refuses mutating calls while
``--dry-run`` is on, one that records the request id of each mutating call for
the journal.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Any

from drctl import __version__
from drctl.aws.calls import is_mutating, record_call
from drctl.aws.errors import translate
from drctl.errors import DrctlError


class DryRunViolation(DrctlError):
    """A mutating AWS call was attempted during --dry-run (a bug in a step: refused)."""


@dataclass(frozen=True)
class AwsOptions:
    profile: str | None = None
    endpoint_url: str | None = None
    dry_run: bool = False
    max_attempts: int = 10
    connect_timeout: float = 5.0
    read_timeout: float = 30.0


class AwsSessions:
    """Creates and caches boto3 clients per (service, region); thread-safe."""

    def __init__(self, options: AwsOptions | None = None) -> None:
        self.options = options or AwsOptions()
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, str], Any] = {}
        self._session: Any = None

    @property
    def endpoint_url(self) -> str | None:
        return self.options.endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None

    def _boto_session(self) -> Any:
        import boto3

        if self._session is None:
            try:
                self._session = boto3.session.Session(profile_name=self.options.profile)
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

        try:
            creds = self._boto_session().get_credentials()
        except Exception as exc:
            raise translate(exc, "resolving AWS credentials") from None
        if creds is None:
            where = (
                f"profile {self.options.profile}" if self.options.profile else "the default chain"
            )
            raise CredentialsError(f"no AWS credentials found ({where})", hint=CREDENTIALS_HINT)

    def client(self, service: str, region: str) -> Any:
        key = (service, region)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = self._make_client(service, region)
                self._clients[key] = client
        return client

    def _make_client(self, service: str, region: str) -> Any:
        from botocore.config import Config

        config = Config(
            retries={"mode": "standard", "max_attempts": self.options.max_attempts},
            connect_timeout=self.options.connect_timeout,
            read_timeout=self.options.read_timeout,
            user_agent_extra=f"drctl/{__version__}",
        )
        try:
            client = self._boto_session().client(
                service, region_name=region, endpoint_url=self.endpoint_url, config=config
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
        return client


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
