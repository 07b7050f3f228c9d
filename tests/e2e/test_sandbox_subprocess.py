"""End to end: the real `drctl` executable against a moto server on 127.0.0.1.

`drctl sandbox up` starts the server in the background and builds the demo plan;
then `check`, `failover --dry-run` and `failover --yes` run as subprocesses, the
way an operator or a CI job runs them, and the state they leave is described
back through boto3 pointed at the same server.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from drctl.sandbox.server import free_port
from tests.conftest import DEMO_PLAN
from tests.docs.json_shapes import documented, mismatches
from tests.support import subprocess_env

pytest.importorskip("moto.server", reason="the sandbox extra (moto[server]) is not installed")


def drctl(
    env: dict[str, str], *args: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "drctl", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[tuple[dict[str, str], str]]:
    env = subprocess_env(tmp_path)
    port = free_port()
    up = drctl(env, "-o", "json", "sandbox", "up", "--plan", str(DEMO_PLAN), "--port", str(port))
    assert up.returncode == 0, up.stderr
    endpoint = json.loads(up.stdout)["endpoint_url"]
    assert endpoint == f"http://127.0.0.1:{port}"
    page, shape = documented()["sandbox up"]
    assert mismatches(json.loads(up.stdout), shape) == [], page
    env["AWS_ENDPOINT_URL"] = endpoint
    try:
        yield env, endpoint
    finally:
        down = drctl(env, "-o", "json", "sandbox", "down")
        assert down.returncode == 0, down.stderr
        assert json.loads(down.stdout)["stopped"] is True
        page, shape = documented()["sandbox down"]
        assert mismatches(json.loads(down.stdout), shape) == [], page


def client(endpoint: str, service: str, region: str) -> Any:
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def test_check_and_failover_against_a_moto_server(sandbox: tuple[dict[str, str], str]) -> None:
    env, endpoint = sandbox

    check = drctl(env, "-o", "json", "check", "--plan", str(DEMO_PLAN))
    assert check.returncode == 0, check.stdout + check.stderr
    doc = json.loads(check.stdout)
    assert doc["ok"] is True and doc["summary"]["fail"] == 0

    dry = drctl(env, "-o", "json", "failover", "--plan", str(DEMO_PLAN), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert json.loads(dry.stdout)["status"] == "dry-run"
    rds = client(endpoint, "rds", "us-west-2")
    replica = rds.describe_db_instances(DBInstanceIdentifier="shop-orders-dr")["DBInstances"][0]
    assert replica["ReadReplicaSourceDBInstanceIdentifier"].endswith("shop-orders")

    refused = drctl(env, "failover", "--plan", str(DEMO_PLAN))  # no TTY, no --yes
    assert refused.returncode == 3 and "Traceback" not in refused.stderr

    run = drctl(env, "-o", "json", "failover", "--plan", str(DEMO_PLAN), "--yes")
    assert run.returncode == 0, run.stdout + run.stderr
    record = json.loads(run.stdout)
    assert record["status"] == "succeeded"
    # Measured on the server's scaled AWS clock, where every real second of this machine's
    # work is 600 AWS seconds: whether it meets the objective depends on the machine's load,
    # so only that it was measured is asserted here (tests/engine on fake clocks hold the
    # RTO arithmetic).
    assert record["rto_seconds"] > 0 and isinstance(record["rto_met"], bool)

    promoted = rds.describe_db_instances(DBInstanceIdentifier="shop-orders-dr")["DBInstances"][0]
    assert "ReadReplicaSourceDBInstanceIdentifier" not in promoted
    assert promoted["DBInstanceStatus"] == "available"
    primary = client(endpoint, "rds", "us-east-1").describe_db_instances(
        DBInstanceIdentifier="shop-orders"
    )["DBInstances"][0]
    assert not primary.get("ReadReplicaDBInstanceIdentifiers")

    r53 = client(endpoint, "route53", "us-east-1")
    zone = r53.list_hosted_zones_by_name(DNSName="shop.example.com.")["HostedZones"][0]
    answer = r53.test_dns_answer(
        HostedZoneId=zone["Id"], RecordName="api.shop.example.com.", RecordType="A"
    )
    secondary = next(
        r
        for r in r53.list_resource_record_sets(HostedZoneId=zone["Id"])["ResourceRecordSets"]
        if r.get("Failover") == "SECONDARY"
    )
    assert answer["RecordData"] == [v["Value"] for v in secondary["ResourceRecords"]]

    shown = drctl(env, "-o", "json", "runs", "show", record["run_id"])
    assert shown.returncode == 0 and json.loads(shown.stdout)["run_id"] == record["run_id"]


def test_a_second_sandbox_up_says_where_the_first_runs_and_how_to_stop_it(
    sandbox: tuple[dict[str, str], str], tmp_path: Path
) -> None:
    env, endpoint = sandbox
    port = endpoint.rsplit(":", 1)[1]
    again = drctl(env, "sandbox", "up", "--plan", str(DEMO_PLAN), "--port", str(free_port()))
    assert again.returncode == 1, again.stderr
    assert f"already running at {endpoint}" in again.stderr
    assert "sandbox down" in again.stderr and f"export AWS_ENDPOINT_URL={endpoint}" in again.stderr
    # Another state dir, same port: the port holds a moto server, and drctl says so.
    other = {**env, "DRCTL_STATE_DIR": str(tmp_path / "other")}
    clash = drctl(other, "sandbox", "up", "--plan", str(DEMO_PLAN), "--port", port)
    assert clash.returncode == 1 and "a moto server" in clash.stderr, clash.stderr


def test_the_cli_shares_the_sandbox_servers_clock(sandbox: tuple[dict[str, str], str]) -> None:
    """The server models AWS time faster than the wall; a drctl process talking to it takes
    that clock, so CloudWatch windows and polls line up with what the server stamps."""
    import urllib.request

    from drctl.engine.clock import ScaledClock
    from drctl.engine.settings import default_settings

    _, endpoint = sandbox
    with urllib.request.urlopen(f"{endpoint}/drctl-api/clock", timeout=5) as answer:
        served = json.loads(answer.read())
    assert served["scale"] > 1
    clock = default_settings(endpoint_url=endpoint).clock
    assert isinstance(clock, ScaledClock) and clock.scale == served["scale"]
    assert default_settings(endpoint_url="http://127.0.0.1:9").clock.__class__ is not ScaledClock
