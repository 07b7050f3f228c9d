"""s3-bucket: readiness failing on a disabled replication rule, and S3 replication latency
feeding the RPO gate."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import boto3
import pytest

from drctl.aws import cloudwatch
from drctl.engine.gate import enforce
from drctl.engine.settings import make_context
from drctl.errors import GateRefused
from drctl.kinds.s3_bucket import api
from drctl.kinds.sandboxing import aws_time
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


def _rule_config() -> tuple[Any, dict[str, Any]]:
    s3 = boto3.client("s3", region_name="us-east-1")
    return s3, s3.get_bucket_replication(Bucket="shop-assets-use1")["ReplicationConfiguration"]


def test_checks_pass_on_the_sandbox_with_its_role(built_plan: Any, settings: Any) -> None:
    results = _results(built_plan, settings, "assets")
    assert {n: r.status.value for n, r in results.items()} == {
        "primary-bucket": "pass",
        "dr-bucket": "pass",
        "versioning": "pass",
        "replication": "pass",
        "replication-role": "pass",
        "kms": "pass",
        "failed-replication": "pass",
        "encryption": "pass",
    }


def test_a_replication_role_that_does_not_exist_fails(built_plan: Any, settings: Any) -> None:
    s3, config = _rule_config()
    config["Role"] = "arn:aws:iam::123456789012:role/gone"
    s3.put_bucket_replication(Bucket="shop-assets-use1", ReplicationConfiguration=config)
    role = _results(built_plan, settings, "assets")["replication-role"]
    assert role.status.value == "fail" and "does not exist" in role.detail


def test_a_role_allowed_only_the_reverse_direction_fails(built_plan: Any, settings: Any) -> None:
    iam = boto3.client("iam", region_name="us-east-1")
    name = "drctl-sandbox-assets-s3-replication"
    iam.put_role_policy(
        RoleName=name,
        PolicyName="replicate-to-dr",
        PolicyDocument=json.dumps(api.replication_policy("shop-assets-usw2", "shop-assets-use1")),
    )
    role = _results(built_plan, settings, "assets")["replication-role"]
    assert role.status.value == "fail"
    assert "s3:ReplicateObject on arn:aws:s3:::shop-assets-usw2/* is not allowed" in role.detail


def test_kms_bucket_needs_a_rule_that_replicates_kms_objects(
    built_plan: Any, settings: Any
) -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.put_bucket_encryption(
        Bucket="shop-assets-use1",
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]
        },
    )
    kms = _results(built_plan, settings, "assets")["kms"]
    assert kms.status.value == "fail" and "SseKmsEncryptedObjects" in kms.detail
    _, config = _rule_config()
    config["Rules"][0]["SourceSelectionCriteria"] = {
        "SseKmsEncryptedObjects": {"Status": "Enabled"}
    }
    config["Rules"][0]["Destination"]["EncryptionConfiguration"] = {
        "ReplicaKmsKeyID": "arn:aws:kms:us-west-2:123456789012:key/1234"
    }
    s3.put_bucket_replication(Bucket="shop-assets-use1", ReplicationConfiguration=config)
    results = _results(built_plan, settings, "assets")
    assert results["kms"].status.value == "pass", results["kms"].detail
    # the role must now also be allowed to use the keys
    assert results["replication-role"].status.value == "fail"
    assert "kms:Decrypt" in results["replication-role"].detail


def test_failed_replication_sampled_from_replication_status(built_plan: Any, settings: Any) -> None:
    aws_time.follow(settings.clock.now)
    s3, config = _rule_config()
    config["Role"] = "arn:aws:iam::123456789012:role/gone"
    s3.put_bucket_replication(Bucket="shop-assets-use1", ReplicationConfiguration=config)
    s3.put_object(Bucket="shop-assets-use1", Key="orders/new.json", Body=b"{}")
    settings.clock.advance(60)
    assert (
        s3.head_object(Bucket="shop-assets-use1", Key="orders/new.json")["ReplicationStatus"]
        == "FAILED"
    )
    failed = _results(built_plan, settings, "assets")["failed-replication"]
    assert failed.status.value == "fail" and "orders/new.json" in failed.detail


def test_failed_replication_read_from_the_metrics_when_on(built_plan: Any, settings: Any) -> None:
    s3, config = _rule_config()
    config["Rules"][0]["Destination"]["Metrics"] = {"Status": "Enabled"}
    s3.put_bucket_replication(Bucket="shop-assets-use1", ReplicationConfiguration=config)
    assert _results(built_plan, settings, "assets")["failed-replication"].status.value == "pass"
    cloudwatch.put_metric(
        boto3.client("cloudwatch", region_name="us-east-1"),
        namespace="AWS/S3",
        metric="OperationsFailedReplication",
        dimensions={
            "SourceBucket": "shop-assets-use1",
            "DestinationBucket": "shop-assets-usw2",
            "RuleId": config["Rules"][0]["ID"],
        },
        value=3,
        unit="Count",
        at=settings.clock.now() - timedelta(minutes=5),
    )
    failed = _results(built_plan, settings, "assets")["failed-replication"]
    assert failed.status.value == "fail" and failed.observed == 3
