"""An endpoint nobody answers on is an AWS error naming the endpoint and the region, exit 1,
within seconds -- not an internal error, not a minute of retries.

Three ways an endpoint is dead: nothing listens (connection refused at once), its name does not
resolve (DNS failure), and nothing answers (a firewall or a dead proxy drops the packets: the
connect times out, the slow one). Each is tried through ``check`` and ``drctl test``, which read
many things through the one endpoint: after the first call spent its connection retries, the
others fail at once instead of each waiting out the timeout again.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from drctl.aws.session import DEAD_ENDPOINT_SECONDS, AwsOptions, DeadEndpoints
from drctl.errors import UsageError
from drctl.sandbox.server import free_port
from tests.conftest import DEMO_PLAN
from tests.support import invoke


@pytest.fixture
def dead_endpoint(monkeypatch: pytest.MonkeyPatch) -> str:
    """A loopback port with nothing listening: connections are refused at once."""
    endpoint = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    return endpoint


DNS_DEAD = "drctl-dead.example.invalid"


@pytest.fixture
def unresolvable(monkeypatch: pytest.MonkeyPatch) -> str:
    """A host name the resolver does not know, failing as getaddrinfo fails (the network
    guard refuses every lookup; this one fails like a real NXDOMAIN instead)."""
    guarded = socket.getaddrinfo

    def getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        if host == DNS_DEAD:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return guarded(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    endpoint = f"http://{DNS_DEAD}:5000"
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    return endpoint


@pytest.fixture
def silent(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A loopback port whose listen backlog is full: a new connection gets no answer at all,
    so it times out, as towards a host behind a firewall that drops packets."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    fillers = []
    for _ in range(8):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
        fillers.append(filler)
    probe = socket.socket()
    probe.settimeout(0.3)
    with pytest.raises(TimeoutError):  # the premise: connecting now times out
        probe.connect(("127.0.0.1", port))
    probe.close()
    endpoint = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    # 0.3 s instead of 2 s per attempt keeps the test short; the budget below scales with it.
    monkeypatch.setenv("DRCTL_CONNECT_TIMEOUT", "0.3")
    yield endpoint
    for sock in (*fillers, server):
        sock.close()


DRILLS = """
drills:
  - name: readiness
    type: checks
  - name: orders-restore
    type: restore
    resource: orders-db
"""


@pytest.mark.parametrize("dead", ["dead_endpoint", "unresolvable", "silent"])
@pytest.mark.parametrize("command", ["check", "test"])
def test_each_kind_of_dead_endpoint_fails_the_command_within_seconds(
    dead: str, command: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    endpoint = request.getfixturevalue(dead)
    plan = tmp_path / "shop.yaml"
    plan.write_text(DEMO_PLAN.read_text() + DRILLS)
    started = time.monotonic()
    result = invoke("--state-dir", str(tmp_path), command, "--plan", str(plan))
    took = time.monotonic() - started
    assert result.exit_code == 1, result.output
    why = {"silent": "ConnectTimeoutError"}.get(dead, "EndpointConnectionError")
    assert f"cannot reach s3 in us-east-1 at {endpoint}: {why} (3 attempts)" in result.output
    assert "cannot reach rds in us-west-2" in result.output
    assert "internal error" not in result.output and "Traceback" not in result.output
    # One endpoint's budget (3 attempts), not one per call: ``check`` alone makes a dozen
    # calls (silent, each waiting 3 x 0.3 s: over 10 s). Silent: 3 x 0.3 s, plus 2 x 1 s
    # asking a loopback endpoint whether it is a sandbox with its own clock.
    budget = 5.0 if dead == "silent" else 3.0
    assert took < budget, f"took {took:.1f} s"
    assert "not tried again" in result.output


def test_the_default_budget_for_a_dead_endpoint_is_under_10_seconds() -> None:
    options = AwsOptions()
    # botocore's standard retry mode waits at most 1 s, 2 s between attempts.
    backoff = sum(min(2**n, 20) for n in range(options.connection_retries))
    per_endpoint = options.connect_timeout * (options.connection_retries + 1) + backoff
    assert per_endpoint < 10


def test_a_dead_endpoint_is_tried_again_after_a_while(monkeypatch: pytest.MonkeyPatch) -> None:
    dead = DeadEndpoints()
    dead.mark("http://127.0.0.1:9", "EndpointConnectionError (3 attempts)")
    found = dead.recent("http://127.0.0.1:9")
    assert found is not None and found[1] == "EndpointConnectionError (3 attempts)"
    assert dead.recent("http://127.0.0.1:10") is None  # other endpoints are not affected
    later = time.monotonic() + DEAD_ENDPOINT_SECONDS + 1
    monkeypatch.setattr(time, "monotonic", lambda: later)
    assert dead.recent("http://127.0.0.1:9") is None
    dead.mark("http://127.0.0.1:9", "again")
    dead.clear("http://127.0.0.1:9")  # it answered
    assert dead.recent("http://127.0.0.1:9") is None


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "--plan", str(DEMO_PLAN)],
        ["failover", "--plan", str(DEMO_PLAN), "--yes", "--accept-data-loss"],
    ],
    ids=["check", "failover"],
)
def test_a_dead_endpoint_fails_fast_naming_it(
    dead_endpoint: str, argv: list[str], tmp_path: Path
) -> None:
    started = time.monotonic()
    result = invoke("--state-dir", str(tmp_path), *argv)
    took = time.monotonic() - started
    assert result.exit_code == 1, result.output
    assert f"cannot reach rds in us-east-1 at {dead_endpoint}" in result.output
    assert "internal error" not in result.output
    assert took < 10, f"took {took:.1f} s"


def test_the_rpo_gate_fails_closed_on_a_dead_endpoint_and_names_it(
    dead_endpoint: str, tmp_path: Path
) -> None:
    """Lag that cannot be read is not zero: a planned failover is refused (exit 3), saying
    which endpoint could not be reached, and nothing was changed."""
    result = invoke("--state-dir", str(tmp_path), "failover", "--plan", str(DEMO_PLAN), "--yes")
    assert result.exit_code == 3, result.output
    assert "replication lag cannot be measured" in result.output
    assert f"cannot reach rds in us-west-2 at {dead_endpoint}" in result.output
    assert "--accept-data-loss" in result.output
    # The hint names the cause: nothing to wait for, AWS did not answer.
    assert "AWS did not answer: check the network" in result.output
    assert "wait for the replicas" not in result.output
    assert "running" not in result.output


def test_connection_retries_and_timeout_are_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRCTL_CONNECT_TIMEOUT", "0.5")
    monkeypatch.setenv("DRCTL_CONNECTION_RETRIES", "0")
    options = AwsOptions.from_env(profile=None)
    assert (options.connect_timeout, options.connection_retries) == (0.5, 0)
    monkeypatch.setenv("DRCTL_CONNECTION_RETRIES", "many")
    with pytest.raises(UsageError, match="DRCTL_CONNECTION_RETRIES"):
        AwsOptions.from_env()


def test_no_retry_of_a_dead_endpoint_when_told_so(
    dead_endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DRCTL_CONNECTION_RETRIES", "0")
    result = invoke("--state-dir", str(tmp_path), "check", "--plan", str(DEMO_PLAN))
    assert result.exit_code == 1 and "(1 attempt)" in result.output


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("notaurl", "is not a URL"),
        ("http://[::1", "is not a URL: Invalid IPv6 URL"),
        ("http://127.0.0.1:port", "is not a URL: Port could not be cast"),
        ("ftp://example.invalid", "is not a URL"),
    ],
)
def test_a_malformed_endpoint_url_is_bad_input_said_once(
    url: str, why: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    result = invoke("--state-dir", str(tmp_path), "check", "--plan", str(DEMO_PLAN))
    assert result.exit_code == 2, result.output
    assert f"endpoint URL {url!r} {why}" in result.stderr
    assert "internal error" not in result.output and result.stdout == ""
    offline = invoke("plan", "validate", str(DEMO_PLAN))  # no AWS: not its business
    assert offline.exit_code == 0, offline.output


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "0"])
def test_a_connect_timeout_that_is_not_a_positive_number_is_refused(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRCTL_CONNECT_TIMEOUT", value)
    with pytest.raises(UsageError, match="must be a positive number"):
        AwsOptions.from_env()
