"""The autouse network guard: nothing a test does may leave this machine."""

from __future__ import annotations

import socket

import boto3
import pytest


def test_connecting_to_a_public_address_fails() -> None:
    with (
        socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock,
        pytest.raises(RuntimeError, match="test tried to"),
    ):
        sock.connect(("192.0.2.10", 443))


def test_resolving_a_public_name_fails() -> None:
    with pytest.raises(RuntimeError, match="test tried to"):
        socket.getaddrinfo("example.com", 443)


def test_loopback_is_allowed() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=2):
            pass


def test_a_service_moto_does_not_mock_cannot_reach_aws(aws: None) -> None:
    """arc-region-switch is not mocked by moto: its call would go to AWS, and must not."""
    client = boto3.client(
        "arc-region-switch",
        region_name="us-east-1",
        config=boto3.session.Config(retries={"max_attempts": 1}),
    )
    with pytest.raises(Exception) as info:
        client.list_plans()
    # botocore wraps the guard's error; its message names the host it refused.
    assert "test tried to resolve" in str(info.value)
    assert "arc-region-switch" in str(info.value)
