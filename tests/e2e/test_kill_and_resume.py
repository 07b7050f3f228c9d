"""Kill a real `drctl failover` with SIGKILL at each step boundary, then resume it.

Against a moto server with per-request latency (so a run takes long enough to
be killed mid-way), for every k the run is killed once its journal holds k
events; the AWS state at that instant is described; `--resume RUN_ID` must then
finish the failover (taking over the lock the dead run left) without repeating
a mutating call whose effect was already present: such a step is `skipped`
with no calls.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from drctl.sandbox.server import free_port
from tests.conftest import DEMO_PLAN

pytest.importorskip("moto.server", reason="the sandbox extra (moto[server]) is not installed")

LATENCY_MS = "40"
# After run-start, 3 x step-start, 2 x step-end (after the last, run-end follows at once).
BOUNDARIES = range(1, 7)


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DRCTL_"))}
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_EC2_METADATA_DISABLED="true",
        AWS_CONFIG_FILE=str(tmp / "no-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp / "no-credentials"),
        NO_COLOR="1",
    )
    return env


def _drctl(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "drctl", *args], env=env, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, str], str]]:
    tmp = tmp_path_factory.mktemp("sandbox")
    env = _env(tmp)
    env["DRCTL_STATE_DIR"] = str(tmp / "sandbox-state")
    port = free_port()
    up = _drctl(env, "-o", "json", "sandbox", "up", "--plan", str(DEMO_PLAN), "--port",
                str(port), "--latency-ms", LATENCY_MS)  # fmt: skip
    assert up.returncode == 0, up.stderr
    endpoint = json.loads(up.stdout)["endpoint_url"]
    try:
        yield env, endpoint
    finally:
        _drctl(env, "sandbox", "down")


def _rebuild(endpoint: str) -> None:
    """Fresh AWS state: moto's reset, then the demo plan built again."""
    from drctl.aws.session import AwsOptions, AwsSessions
    from drctl.plan.loader import load_plan
    from drctl.sandbox.builders import SandboxBuilder

    request = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=30).read()
    sessions = AwsSessions(AwsOptions(endpoint_url=endpoint))
    SandboxBuilder(load_plan(DEMO_PLAN).plan, sessions).build()


def _client(endpoint: str, service: str, region: str) -> Any:
    return boto3.client(service, region_name=region, endpoint_url=endpoint,
                        aws_access_key_id="testing", aws_secret_access_key="testing")  # fmt: skip


def _effects(endpoint: str) -> dict[str, bool]:
    """Which steps' effects are present in AWS right now."""
    rds = _client(endpoint, "rds", "us-west-2")
    inst = rds.describe_db_instances(DBInstanceIdentifier="shop-orders-dr")["DBInstances"][0]
    r53 = _client(endpoint, "route53", "us-east-1")
    zone = r53.list_hosted_zones_by_name(DNSName="shop.example.com.")["HostedZones"][0]
    sets = r53.list_resource_record_sets(HostedZoneId=zone["Id"])["ResourceRecordSets"]
    primary = next(r for r in sets if r.get("Failover") == "PRIMARY")
    hc = r53.get_health_check(HealthCheckId=primary["HealthCheckId"])["HealthCheck"]
    return {
        "orders-db.promote": "ReadReplicaSourceDBInstanceIdentifier" not in inst,
        "api.shift-traffic": bool(hc["HealthCheckConfig"].get("Inverted")),
    }


def _events(path: Path) -> list[dict[str, Any]]:
    try:
        lines = path.read_text().splitlines()
    except FileNotFoundError:
        return []
    out = []
    for line in lines:
        try:
            out.append(json.loads(line))
        except ValueError:
            break  # torn last line
    return out


@pytest.mark.parametrize("k", BOUNDARIES)
def test_killed_run_resumes_without_repeating_done_work(
    server: tuple[dict[str, str], str], tmp_path: Path, k: int
) -> None:
    env, endpoint = server
    env = {**env, "AWS_ENDPOINT_URL": endpoint, "DRCTL_STATE_DIR": str(tmp_path / "state")}
    _rebuild(endpoint)
    runs = tmp_path / "state" / "runs"
    child = subprocess.Popen(
        [sys.executable, "-m", "drctl", "-o", "json", "failover", "--plan", str(DEMO_PLAN),
         "--yes"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    journal: Path | None = None
    while time.monotonic() < deadline and child.poll() is None:
        found = sorted(runs.glob("*.jsonl")) if runs.is_dir() else []
        if found:
            journal = found[0]
            if len(_events(journal)) >= k:
                break
        time.sleep(0.005)
    child.send_signal(signal.SIGKILL)
    child.wait(10)
    assert journal is not None, "the run never started a journal"
    before = _events(journal)
    if before and before[-1]["event"] == "run-end":
        pytest.skip(f"the run finished before the kill at k={k} (machine too fast)")
    present = _effects(endpoint)
    ended = {e["step"] for e in before if e["event"] == "step-end"}
    run_id = before[0]["run_id"]

    resumed = _drctl(env, "-o", "json", "failover", "--plan", str(DEMO_PLAN),
                     "--resume", run_id, "--yes")  # fmt: skip
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    record = json.loads(resumed.stdout)
    assert record["status"] == "succeeded" and record["resumes"] == 1
    assert all(_effects(endpoint).values())  # promoted, traffic moved
    steps = {s["id"]: s for s in record["steps"]}
    after = _events(journal)
    for step_id, was_present in present.items():
        if was_present and step_id not in ended:
            # Its API call went out before the kill, unjournaled: the resume must see the
            # effect and skip it -- no second promotion, no second inversion.
            assert steps[step_id]["status"] == "skipped", (k, step_id, steps[step_id])
            assert steps[step_id]["calls"] == []
    mutating = [c["operation"] for e in after if e["event"] == "step-end" for c in e["calls"]]
    assert mutating.count("PromoteReadReplica") <= 1
    assert mutating.count("UpdateHealthCheck") <= 1
