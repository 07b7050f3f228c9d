"""End to end: `drctl sandbox up --outage us-east-1`, then an unplanned failover of the demo plan
as an operator runs it -- it goes on in DR without waiting on the dead region -- and
`drctl sandbox outage list|clear|add` on the running sandbox."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ConnectionClosedError

from drctl.sandbox.server import free_port
from tests.conftest import DEMO_PLAN
from tests.docs.json_shapes import documented, mismatches
from tests.e2e.test_sandbox_subprocess import drctl
from tests.support import subprocess_env

pytest.importorskip("moto.server", reason="the sandbox extra (moto[server]) is not installed")


@pytest.fixture
def down_sandbox(tmp_path: Path) -> Iterator[tuple[dict[str, str], str]]:
    env = subprocess_env(tmp_path)
    port = free_port()
    up = drctl(
        env, "-o", "json", "sandbox", "up", "--plan", str(DEMO_PLAN), "--port", str(port),
        "--outage", "us-east-1",
    )  # fmt: skip
    assert up.returncode == 0, up.stderr
    state = json.loads(up.stdout)
    assert state["outages"] == ["us-east-1"]
    env["AWS_ENDPOINT_URL"] = state["endpoint_url"]
    try:
        yield env, state["endpoint_url"]
    finally:
        assert drctl(env, "sandbox", "down").returncode == 0


def test_unplanned_failover_with_the_primary_region_out(
    down_sandbox: tuple[dict[str, str], str],
) -> None:
    env, endpoint = down_sandbox
    rds = boto3.client(
        "rds", region_name="us-east-1", endpoint_url=endpoint,
        aws_access_key_id="testing", aws_secret_access_key="testing",
        config=Config(retries={"total_max_attempts": 1}),
    )  # fmt: skip
    with pytest.raises(ConnectionClosedError):  # not a 4xx: the connection is dropped
        rds.describe_db_instances()

    started = time.monotonic()
    run = drctl(
        env, "-o", "json", "failover", "--plan", str(DEMO_PLAN), "--mode", "unplanned", "--yes"
    )
    wall = time.monotonic() - started
    record = json.loads(run.stdout)
    steps = {s["id"]: (s["status"], s["detail"]) for s in record["steps"]}
    assert record["status"] == "waiting", steps  # only the old primary's fencing waits
    assert steps["orders-db.promote"][0] == "succeeded", steps
    assert steps["orders-db.fence-old-primary"][0] == "waiting", steps
    assert "unreachable" in steps["orders-db.fence-old-primary"][1]
    # The RTO is on the sandbox's AWS clock (the CLI shares the server's): the DR work only,
    # the promotion's minutes, well inside the objective; no retry budget burnt on the dead side.
    rto = record["rto_seconds"]
    assert rto is not None and rto < record["objective_rto_seconds"], record
    assert wall < 30, f"{wall:.1f}s"

    listed = drctl(env, "sandbox", "outage", "list", "-o", "json")  # -o after the command
    assert listed.returncode == 0, listed.stderr
    page, shape = documented()["sandbox outage"]
    assert mismatches(json.loads(listed.stdout), shape) == [], page
    refused = json.loads(listed.stdout)["refused"]
    assert all(isinstance(n, int) for n in refused.values()), refused
    # One attempt per service of the dead region (plus the direct probe above), no retries.
    assert refused["rds@us-east-1"] <= 2 and all(n <= 2 for n in refused.values()), refused

    cleared = drctl(env, "-o", "json", "sandbox", "outage", "clear")
    assert cleared.returncode == 0 and json.loads(cleared.stdout)["outages"] == []
    assert mismatches(json.loads(cleared.stdout), shape) == [], page
    assert rds.describe_db_instances()["DBInstances"]  # the region answers again
    added = drctl(env, "sandbox", "outage", "add", "rds@us-west-2", "route53")
    assert added.returncode == 0 and "rds@us-west-2, route53" in added.stdout
    bad = drctl(env, "sandbox", "outage", "add", "rds@nowhere")
    assert bad.returncode == 2 and "bad outage" in bad.stderr
