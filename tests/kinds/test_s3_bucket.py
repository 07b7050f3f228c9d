"""s3-bucket: readiness failing on a disabled replication rule, and S3 replication latency
feeding the RPO gate."""

from __future__ import annotations

import json
import time
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
from tests.support import collect_checks, rpo_gate, run_action


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


def _boundary(role: str, *actions: str) -> None:
    iam = boto3.client("iam", region_name="us-east-1")
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}],
    }
    arn = iam.create_policy(PolicyName=f"{role}-boundary", PolicyDocument=json.dumps(document))
    iam.put_role_permissions_boundary(RoleName=role, PermissionsBoundary=arn["Policy"]["Arn"])


def test_a_permissions_boundary_that_leaves_out_replication_fails(
    built_plan: Any, settings: Any
) -> None:
    name = "drctl-sandbox-assets-s3-replication"
    _boundary(name, "s3:GetReplicationConfiguration", "s3:ListBucket", "s3:GetObjectVersion*")
    role = _results(built_plan, settings, "assets")["replication-role"]
    assert role.status.value == "fail"
    assert (
        "s3:ReplicateObject on arn:aws:s3:::shop-assets-usw2/* is outside the role's "
        "permissions boundary"
    ) in role.detail


def test_a_permissions_boundary_that_allows_replication_passes_and_says_it_was_read(
    built_plan: Any, settings: Any
) -> None:
    _boundary("drctl-sandbox-assets-s3-replication", "s3:*", "kms:*")
    role = _results(built_plan, settings, "assets")["replication-role"]
    assert role.status.value == "pass"
    assert "its policies and permissions boundary; SCPs not evaluated" in role.detail


def test_failback_refuses_a_reverse_role_held_back_by_its_boundary(
    built_plan: Any, settings: Any
) -> None:
    iam = boto3.client("iam", region_name="us-east-1")
    iam.create_role(
        RoleName="assets-home", AssumeRolePolicyDocument=json.dumps(api.REPLICATION_TRUST)
    )
    iam.put_role_policy(
        RoleName="assets-home",
        PolicyName="home",
        PolicyDocument=json.dumps(api.replication_policy("shop-assets-usw2", "shop-assets-use1")),
    )
    _boundary("assets-home", "s3:Get*", "s3:List*")
    plan = built_plan.plan
    assets = next(r for r in plan.resources if r.name == "assets")
    object.__setattr__(assets, "reverse_role", "assets-home")
    record = run_action(built_plan, settings, "failback", only=["assets"])
    step = next(s for s in record.steps if s.id == "assets.reprotect")
    assert step.status == "failed"
    assert "outside the role's permissions boundary" in step.detail


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


def test_failback_brings_home_what_changed_in_dr_under_its_own_role(
    built_plan: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from drctl.kinds.s3_bucket import failback

    aws_time.follow(settings.clock.now)
    monkeypatch.setattr(failback, "MULTIPART_THRESHOLD", 8 * 1024 * 1024)
    monkeypatch.setattr(failback, "PART_SIZE", 5 * 1024 * 1024)
    home = boto3.client("s3", region_name="us-east-1")
    dr = boto3.client("s3", region_name="us-west-2")
    # During the outage, in DR: an overwrite, a delete, a new large object.
    dr.put_object(
        Bucket="shop-assets-usw2", Key="index.html", Body=b"v2 from DR", ContentType="text/html"
    )
    dr.delete_object(Bucket="shop-assets-usw2", Key="img/logo.png")
    big = bytes(range(256)) * (11 * 4096)  # 11 MiB: copied in three parts
    dr.put_object(Bucket="shop-assets-usw2", Key="data/big.bin", Body=big)

    record = run_action(built_plan, settings, "failback", only=["assets"])

    assert record.status == "succeeded", [(s.id, s.detail) for s in record.steps]
    sync = next(s for s in record.steps if s.id == "assets.sync-home")
    assert "copied 2 (1 in parts), deleted 1" in sync.detail
    got = home.get_object(Bucket="shop-assets-use1", Key="index.html")
    assert got["Body"].read() == b"v2 from DR" and got["ContentType"] == "text/html"
    assert home.get_object(Bucket="shop-assets-use1", Key="data/big.bin")["Body"].read() == big
    with pytest.raises(home.exceptions.ClientError):
        home.head_object(Bucket="shop-assets-use1", Key="img/logo.png")
    assert home.get_object(Bucket="shop-assets-use1", Key="data/catalog.json")  # untouched
    # The reverse rule runs under a role of its own, allowed exactly DR -> primary.
    config = dr.get_bucket_replication(Bucket="shop-assets-usw2")["ReplicationConfiguration"]
    assert config["Role"].endswith(":role/drctl-assets-s3-failback")
    iam = boto3.client("iam", region_name="us-east-1")
    [policy] = iam.list_role_policies(RoleName="drctl-assets-s3-failback")["PolicyNames"]
    document = iam.get_role_policy(RoleName="drctl-assets-s3-failback", PolicyName=policy)
    assert document["PolicyDocument"] == api.replication_policy(
        "shop-assets-usw2", "shop-assets-use1"
    )
    # ... and S3 really replicates home with it.
    dr.put_object(Bucket="shop-assets-usw2", Key="after.txt", Body=b"new")
    settings.clock.advance(60)
    assert dr.head_object(Bucket="shop-assets-usw2", Key="after.txt")["ReplicationStatus"] == (
        "COMPLETED"
    )
    assert home.get_object(Bucket="shop-assets-use1", Key="after.txt")["Body"].read() == b"new"
    # A second failback finds nothing to do.
    again = run_action(built_plan, settings, "failback", only=["assets"])
    assert again.status == "succeeded"
    assert [(x.id, x.status) for x in again.steps] == [
        ("assets.reprotect", "skipped"),
        ("assets.sync-home", "skipped"),
    ]
    assert (
        api.latest_versions(home, "shop-assets-use1")["index.html"]["VersionId"]
        == (got["VersionId"])
    )


def test_failback_refuses_a_reverse_role_that_cannot_replicate_home(
    built_plan: Any, settings: Any
) -> None:
    plan = built_plan.plan
    assets = next(r for r in plan.resources if r.name == "assets")
    object.__setattr__(assets, "reverse_role", "drctl-sandbox-assets-s3-replication")
    record = run_action(built_plan, settings, "failback", only=["assets"])
    assert record.status != "succeeded"
    step = next(s for s in record.steps if s.id == "assets.reprotect")
    assert "cannot replicate shop-assets-usw2 -> shop-assets-use1" in step.detail
    with pytest.raises(boto3.client("s3").exceptions.ClientError):
        boto3.client("s3", region_name="us-west-2").get_bucket_replication(
            Bucket="shop-assets-usw2"
        )


def test_newest_keys_come_from_the_full_listing(aws: None) -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="many-keys")
    for number in range(1005):
        s3.put_object(Bucket="many-keys", Key=f"a/{number:05d}", Body=b"")
    time.sleep(1.1)  # LastModified has a resolution of one second
    s3.put_object(Bucket="many-keys", Key="zzz-newest", Body=b"")
    # The first page (1,000 keys in key order) does not hold it.
    assert "zzz-newest" not in [
        o["Key"] for o in s3.list_objects_v2(Bucket="many-keys")["Contents"]
    ]
    assert api.newest_keys(s3, "many-keys", 1) == ["zzz-newest"]
