"""End to end: `drctl sandbox up --plan examples/full.yaml` satisfies that plan.

The server builds through the plan's `accounts:` roles, as drctl reads through them, and
builds what the drills and experiments need: `check` is green and every drill passes, run as
subprocesses against the server the way an operator or a CI job runs them.
"""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from drctl.sandbox.server import free_port
from tests.conftest import EXAMPLES
from tests.e2e.test_sandbox_subprocess import drctl
from tests.support import subprocess_env

pytest.importorskip("moto.server", reason="the sandbox extra (moto[server]) is not installed")

FULL = EXAMPLES / "full.yaml"


def test_full_plan_sandbox_passes_check_and_its_drills(tmp_path: Path) -> None:
    env = subprocess_env(tmp_path)
    port = free_port()
    up = drctl(env, "-o", "json", "sandbox", "up", "--plan", str(FULL), "--port", str(port))
    assert up.returncode == 0, up.stderr
    env["AWS_ENDPOINT_URL"] = endpoint = json.loads(up.stdout)["endpoint_url"]
    try:
        check = drctl(env, "-o", "json", "check", "--plan", str(FULL))
        doc = json.loads(check.stdout)
        failing = [c for c in doc["checks"] if c["status"] in ("fail", "error")]
        assert check.returncode == 0 and not failing, failing
        # (The experiment drill polls FIS every 5 real seconds: test_plan_prerequisites runs it.)
        test = drctl(
            env, "-o", "json", "test", "--plan", str(FULL), "--drill", "readiness",
            "--drill", "orders-restore",
        )  # fmt: skip
        drills = {d["name"]: d["status"] for d in json.loads(test.stdout)["drills"]}
        assert test.returncode == 0, test.stdout + test.stderr
        assert drills == {"readiness": "pass", "orders-restore": "pass"}
        # Nothing of the plan in the operator's own account: it is all in the roles' account.
        own = boto3.client(
            "rds",
            region_name="us-west-2",
            endpoint_url=endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        assert own.describe_db_instances()["DBInstances"] == []
    finally:
        down = drctl(env, "-o", "json", "sandbox", "down")
        assert down.returncode == 0, down.stderr
