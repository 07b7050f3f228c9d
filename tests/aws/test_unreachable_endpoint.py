"""An endpoint nobody answers on is an AWS error naming the endpoint and the region, exit 1,
within seconds -- not an internal error, not a minute of retries."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from drctl.aws.session import AwsOptions
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
