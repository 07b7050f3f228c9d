"""End to end: the ARC variant of the e-commerce plan, from the command line against the sandbox
server, fails over with us-east-1, Route 53 and the ARC configuration API all down -- traffic
moves on a cluster endpoint served by that same server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from drctl.sandbox.server import free_port
from tests.conftest import EXAMPLES
from tests.e2e.test_sandbox_subprocess import drctl
from tests.support import subprocess_env

pytest.importorskip("moto.server", reason="the sandbox extra (moto[server]) is not installed")

PLAN = str(EXAMPLES / "ecommerce-warm-standby-arc.yaml")


def test_arc_failover_from_the_cli_with_us_east_1_and_the_control_planes_out(
    tmp_path: Path,
) -> None:
    env = subprocess_env(tmp_path)
    up = drctl(env, "-o", "json", "sandbox", "up", "--plan", PLAN, "--port", str(free_port()))
    assert up.returncode == 0, up.stderr
    env["AWS_ENDPOINT_URL"] = json.loads(up.stdout)["endpoint_url"]
    try:
        check = drctl(env, "check", "--plan", PLAN)
        assert check.returncode == 0, check.stdout + check.stderr
        out = drctl(env, "sandbox", "outage", "add", "us-east-1", "route53",
                    "route53-recovery-control-config")  # fmt: skip
        assert out.returncode == 0, out.stderr
        run = drctl(env, "-o", "json", "failover", "--plan", PLAN, "--mode", "unplanned", "--yes")
        record = json.loads(run.stdout)
        steps = {s["id"]: (s["status"], s["detail"]) for s in record["steps"]}
        assert steps["api.route-to-dr"][0] == "succeeded", steps
        assert "shop-us-west-2=On" in steps["api.route-to-dr"][1]
        refused = json.loads(drctl(env, "-o", "json", "sandbox", "outage", "list").stdout)
        assert not any(k.startswith("route53") for k in refused["refused"]), refused
    finally:
        assert drctl(env, "sandbox", "down").returncode == 0
