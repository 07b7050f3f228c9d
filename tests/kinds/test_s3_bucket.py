"""s3-bucket: readiness failing on a disabled replication rule, and S3 replication latency
feeding the RPO gate."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import boto3
import pytest

from drctl.aws import cloudwatch
from drctl.engine.gate import enforce
from drctl.engine.settings import make_context
from drctl.errors import GateRefused
from tests.support import collect_checks, rpo_gate


def _results(loaded: Any, settings: Any, resource: str) -> dict[str, Any]:
    ctx = make_context(loaded.plan, settings)
    return {c.name: c.run() for c in collect_checks(loaded.plan, ctx, [resource])}


def _lag(settings: Any, seconds: float) -> None:
    cloudwatch.put_metric(
        boto3.client("cloudwatch", region_name="us-west-2"),
        namespace="AWS/RDS",
        metric="ReplicaLag",
        dimensions={"DBInstanceIdentifier": "shop-orders-dr"},
        value=seconds,
        unit="Seconds",
        at=settings.clock.now() + timedelta(seconds=1),
    )


def test_s3_replication_rule_disabled_fails(built_plan: Any, settings: Any) -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    config = s3.get_bucket_replication(Bucket="shop-assets-use1")["ReplicationConfiguration"]
    for rule in config["Rules"]:
        rule["Status"] = "Disabled"
    s3.put_bucket_replication(Bucket="shop-assets-use1", ReplicationConfiguration=config)
    replication = _results(built_plan, settings, "assets")["replication"]
    assert replication.status.value == "fail" and "shop-assets-usw2" in replication.detail


def test_rpo_gate_reads_s3_replication_latency_when_metrics_are_on(
    built_plan: Any, settings: Any
) -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    config = s3.get_bucket_replication(Bucket="shop-assets-use1")["ReplicationConfiguration"]
    rule = config["Rules"][0]
    rule["Destination"]["Metrics"] = {"Status": "Enabled", "EventThreshold": {"Minutes": 15}}
    s3.put_bucket_replication(Bucket="shop-assets-use1", ReplicationConfiguration=config)
    cloudwatch.put_metric(
        boto3.client("cloudwatch", region_name="us-east-1"),
        namespace="AWS/S3",
        metric="ReplicationLatency",
        dimensions={
            "SourceBucket": "shop-assets-use1",
            "DestinationBucket": "shop-assets-usw2",
            "RuleId": rule["ID"],
        },
        value=900.0,
        unit="Seconds",
        at=settings.clock.now(),
    )
    gate = rpo_gate(built_plan.plan, make_context(built_plan.plan, settings))
    assert {r.resource: r.seconds for r in gate.readings}["assets"] == 900.0
    with pytest.raises(GateRefused, match="assets"):
        enforce(gate, mode="planned", accept_data_loss=False)
