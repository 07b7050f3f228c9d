"""Fixtures for the sandbox extension tests: fake credentials, moto, a guarded boto3 session.

Every AWS call in these tests must be answered by moto, in-process or through a local
``ThreadedMotoServer``. Credentials are fake, and the boto3 session refuses to send any request
that neither moto's in-process stub nor a loopback server would take, so a gap in mocking fails
the test instead of reaching AWS.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
import requests
from moto import mock_aws
from moto.core.models import botocore_stubber
from moto.server import ThreadedMotoServer

from drctl.sandbox import extensions

PRIMARY_REGION = "us-east-1"
DR_REGION = "us-west-2"
_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}

ClientFactory = Callable[..., Any]


@pytest.fixture(autouse=True)
def fake_aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Fake credentials and no profile, config file, endpoint override or proxy."""
    empty = tmp_path_factory.getbasetemp() / "no-aws-config"
    for name in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_ENDPOINT_URL",
        "AWS_ROLE_ARN",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "http_proxy",
        "https_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", PRIMARY_REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


def _refuse_unmocked(request: Any, **_: Any) -> None:
    """botocore ``before-send`` hook: only moto or a loopback server may receive a request."""
    host = urlsplit(request.url).hostname or ""
    if host in _LOOPBACK_HOSTS or botocore_stubber.enabled:
        return
    raise RuntimeError(f"blocked an AWS call that would leave the machine: {request.url}")


@pytest.fixture(scope="session")
def boto_session() -> boto3.session.Session:
    """One guarded session for the whole run: building clients from it is cheap."""
    session = boto3.session.Session(
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        aws_session_token="testing",
        region_name=PRIMARY_REGION,
    )
    session.events.register("before-send", _refuse_unmocked)
    return session


def _client(session: Any, service: str, region: str, endpoint: str | None = None) -> Any:
    # Any: boto3's typed overloads accept only literal service names.
    return session.client(service, region_name=region, endpoint_url=endpoint)


@pytest.fixture
def installed() -> Iterator[None]:
    """The extensions for one test; left installed if something else had installed them."""
    was_installed = extensions.is_installed()
    extensions.install()
    yield
    if not was_installed:
        extensions.uninstall()


@pytest.fixture
def aws(installed: None, boto_session: boto3.session.Session) -> Iterator[ClientFactory]:
    """In-process moto with the extensions; returns ``client(service, region=...)``."""
    with mock_aws(config={"core": {"reset_boto3_session": False}}):

        def client(service: str, region: str = PRIMARY_REGION) -> Any:
            return _client(boto_session, service, region)

        yield client


@pytest.fixture
def server(installed: None, boto_session: boto3.session.Session) -> Iterator[ClientFactory]:
    """A loopback ``ThreadedMotoServer`` with the extensions; returns a client factory."""
    moto_server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto_server.start()
    host, port = moto_server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    try:

        def client(service: str, region: str = PRIMARY_REGION) -> Any:
            return _client(boto_session, service, region, endpoint)

        yield client
    finally:
        requests.post(f"{endpoint}/moto-api/reset", timeout=5)
        moto_server.stop()


@pytest.fixture
def aws_clock() -> Iterator[Any]:
    """A fake clock the sandbox's AWS time follows: ``aws_clock.advance(60)`` is one AWS
    minute for every extension that models time (and nothing else moves it)."""
    from drctl.engine.clock import FakeClock
    from drctl.kinds.sandboxing import aws_time

    clock = FakeClock()
    aws_time.follow(clock.now)
    try:
        yield clock
    finally:
        aws_time.reset()
