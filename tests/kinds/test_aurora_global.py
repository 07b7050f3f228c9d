"""`aurora-global`: checks, planned switchover and unplanned failover to the DR member,
failback home -- the global cluster's writer described back -- and the extension's errors."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from drctl.engine.settings import make_context
from drctl.plan.loader import load_plan_text
from drctl.sandbox.builders import SandboxBuilder
from tests.support import collect_checks, rpo_gate, run_action

PLAN = """
version: 1
app: saas
tier: platinum
strategy: active-active
regions: {primary: us-east-1, dr: eu-west-1}
resources:
  - {kind: aurora-global, name: accounts-db, global_cluster: saas-accounts}
"""


@pytest.fixture
def loaded(aws: None, settings: Any) -> Any:
    loaded = load_plan_text(PLAN)
    ctx = make_context(loaded.plan, settings)
    SandboxBuilder(loaded.plan, ctx.sessions, settings.clock).build()
    return loaded


def _writer_region() -> str:
    rds = boto3.client("rds", region_name="eu-west-1")
    glob = rds.describe_global_clusters(GlobalClusterIdentifier="saas-accounts")["GlobalClusters"][
        0
    ]
    writer = next(m for m in glob["GlobalClusterMembers"] if m["IsWriter"])
    return str(writer["DBClusterArn"].split(":")[3])


def test_checks_pass_and_the_gate_reads_the_lag(loaded: Any, settings: Any) -> None:
    ctx = make_context(loaded.plan, settings)
    results = {c.name: c.run() for c in collect_checks(loaded.plan, ctx)}
    assert {n: r.status.value for n, r in results.items()} == dict.fromkeys(
        ["global-cluster", "writer", "secondary", "encryption", "replication-lag"], "pass"
    )
    [reading] = rpo_gate(loaded.plan, ctx).readings
    assert reading.seconds == 0.9


@pytest.mark.parametrize("mode", ["planned", "unplanned"])
def test_failover_moves_the_writer_and_failback_brings_it_home(
    loaded: Any, settings: Any, mode: str
) -> None:
    record = run_action(loaded, settings, "failover", mode=mode)
    assert record.status == "succeeded", [(s.id, s.detail) for s in record.steps]
    assert _writer_region() == "eu-west-1"
    detail = record.steps[0].detail
    assert ("switchover" in detail) == (mode == "planned")
    ctx = make_context(loaded.plan, settings)
    writer = {c.name: c.run() for c in collect_checks(loaded.plan, ctx)}["writer"]
    assert writer.status.value == "fail" and "eu-west-1" in writer.detail
    again = run_action(loaded, settings, "failover", mode=mode)
    assert again.steps[0].status == "skipped"
    back = run_action(loaded, settings, "failback", from_run=record.run_id)
    assert back.status == "succeeded" and _writer_region() == "us-east-1"


def test_extension_errors_follow_the_api_reference(loaded: Any) -> None:
    rds = boto3.client("rds", region_name="eu-west-1")
    with pytest.raises(ClientError) as unknown:
        rds.switchover_global_cluster(
            GlobalClusterIdentifier="nope",
            TargetDbClusterIdentifier="arn:aws:rds:eu-west-1:123456789012:cluster:x",
        )
    assert unknown.value.response["Error"]["Code"] == "GlobalClusterNotFoundFault"
    with pytest.raises(ClientError) as stranger:
        rds.switchover_global_cluster(
            GlobalClusterIdentifier="saas-accounts",
            TargetDbClusterIdentifier="arn:aws:rds:eu-west-1:123456789012:cluster:other",
        )
    assert stranger.value.response["Error"]["Code"] == "InvalidParameterValue"
    writer = "arn:aws:rds:us-east-1:123456789012:cluster:saas-accounts-us-east-1"
    with pytest.raises(ClientError) as already:
        rds.switchover_global_cluster(
            GlobalClusterIdentifier="saas-accounts", TargetDbClusterIdentifier=writer
        )
    assert "already the primary" in already.value.response["Error"]["Message"]
    with pytest.raises(ClientError):
        rds.failover_global_cluster(
            GlobalClusterIdentifier="saas-accounts",
            TargetDbClusterIdentifier=writer.replace("us-east-1", "eu-west-1"),
        )  # neither AllowDataLoss nor Switchover
