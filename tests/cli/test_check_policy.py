"""`drctl check --policy baseline|hipaa`: a compliance policy's controls as normal checks,
each verdict following what AWS reports (changed here through the AWS API)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.conftest import DEMO_PLAN
from tests.support import build_sandbox

MORE = """
  - kind: dynamodb-table
    name: profiles
    table: UserProfiles

  - kind: aurora-global
    name: catalog-db
    global_cluster: shop-catalog
"""


def _policy(drctl: Any, plan: Path, policy: str, *only: str) -> dict[tuple[str, str], Any]:
    args = [a for name in only for a in ("--only", name)]
    result = drctl("-o", "json", "check", "--plan", str(plan), "--policy", policy, *args)
    assert result.exit_code in (0, 1), result.output
    doc = json.loads(result.stdout)
    checks = [c for c in doc["checks"] if c["check"].startswith("policy-")]
    return {(c["resource"], c["check"]): c for c in checks}


def test_rds_controls_follow_the_instance(built_now: Any, drctl: Any) -> None:
    found = _policy(drctl, DEMO_PLAN, "baseline", "orders-db")
    assert set(found) == {
        ("orders-db", "policy-encryption"),
        ("orders-db", "policy-backup-retention"),
        ("orders-db", "policy-deletion-protection"),
        ("orders-db", "policy-multi-az"),  # the demo plan is platinum
    }
    rds = boto3.client("rds", region_name="us-east-1")
    inst = rds.describe_db_instances(DBInstanceIdentifier="shop-orders")["DBInstances"][0]
    assert found[("orders-db", "policy-encryption")]["status"] == "pass"
    retention = found[("orders-db", "policy-backup-retention")]
    assert retention["observed"] == inst["BackupRetentionPeriod"] and retention["threshold"] == 7
    assert retention["status"] == ("pass" if inst["BackupRetentionPeriod"] >= 7 else "fail")
    assert not inst.get("DeletionProtection")
    assert found[("orders-db", "policy-deletion-protection")]["status"] == "fail"

    rds.modify_db_instance(DBInstanceIdentifier="shop-orders", DeletionProtection=True)
    after = _policy(drctl, DEMO_PLAN, "baseline", "orders-db")
    assert after[("orders-db", "policy-deletion-protection")]["status"] == "pass"


def test_hipaa_asks_35_days_of_backups(built_now: Any, drctl: Any) -> None:
    found = _policy(drctl, DEMO_PLAN, "hipaa", "orders-db")
    retention = found[("orders-db", "policy-backup-retention")]
    assert retention["status"] == "fail" and retention["threshold"] == 35
    assert "under 35" in retention["detail"]
    rds = boto3.client("rds", region_name="us-east-1")
    rds.modify_db_instance(
        DBInstanceIdentifier="shop-orders", BackupRetentionPeriod=35, ApplyImmediately=True
    )
    again = _policy(drctl, DEMO_PLAN, "hipaa", "orders-db")
    assert again[("orders-db", "policy-backup-retention")]["status"] == "pass"


def test_s3_needs_encryption_and_access_logs_on_both_buckets(built_now: Any, drctl: Any) -> None:
    found = _policy(drctl, DEMO_PLAN, "baseline", "assets")
    assert found[("assets", "policy-encryption")]["status"] == "pass"
    logging = found[("assets", "policy-access-logging")]
    assert logging["status"] == "fail"
    assert "shop-assets-use1" in logging["detail"] and "shop-assets-usw2" in logging["detail"]

    for region, bucket in (("us-east-1", "shop-assets-use1"), ("us-west-2", "shop-assets-usw2")):
        s3 = boto3.client("s3", region_name=region)
        logs = f"{bucket}-logs"
        config = {} if region == "us-east-1" else {"LocationConstraint": region}
        s3.create_bucket(Bucket=logs, **({"CreateBucketConfiguration": config} if config else {}))
        s3.put_bucket_policy(
            Bucket=logs,
            Policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "logging.s3.amazonaws.com"},
                            "Action": "s3:PutObject",
                            "Resource": f"arn:aws:s3:::{logs}/*",
                        }
                    ],
                }
            ),
        )
        s3.put_bucket_logging(
            Bucket=bucket,
            BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": logs, "TargetPrefix": "a/"}},
        )
    after = _policy(drctl, DEMO_PLAN, "baseline", "assets")
    assert after[("assets", "policy-access-logging")]["status"] == "pass"
    assert "s3://shop-assets-use1-logs/a/" in after[("assets", "policy-access-logging")]["detail"]


@pytest.fixture
def bigger(aws: None, tmp_path: Path) -> Path:
    from drctl.engine.settings import default_settings
    from drctl.plan.loader import load_plan

    path = tmp_path / "shop.yaml"
    path.write_text(DEMO_PLAN.read_text() + MORE)
    build_sandbox(load_plan(path).plan, default_settings())
    return path


def test_dynamodb_needs_pitr_in_both_regions(bigger: Path, drctl: Any) -> None:
    found = _policy(drctl, bigger, "baseline", "profiles")
    assert found[("profiles", "policy-encryption")]["status"] == "pass"
    assert found[("profiles", "policy-pitr")]["status"] == "pass"
    boto3.client("dynamodb", region_name="us-west-2").update_continuous_backups(
        TableName="UserProfiles",
        PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False},
    )
    after = _policy(drctl, bigger, "baseline", "profiles")
    pitr = after[("profiles", "policy-pitr")]
    assert pitr["status"] == "fail" and "off in us-west-2" in pitr["detail"]


def test_aurora_controls_follow_the_member_clusters(bigger: Path, drctl: Any) -> None:
    found = _policy(drctl, bigger, "baseline", "catalog-db")
    rds = boto3.client("rds", region_name="us-east-1")
    members = rds.describe_global_clusters(GlobalClusterIdentifier="shop-catalog")[
        "GlobalClusters"
    ][0]["GlobalClusterMembers"]
    writer = next(m["DBClusterArn"] for m in members if m["IsWriter"])
    cluster = rds.describe_db_clusters(DBClusterIdentifier=writer)["DBClusters"][0]
    assert found[("catalog-db", "policy-encryption")]["status"] == "pass"
    retention = found[("catalog-db", "policy-backup-retention")]
    assert retention["observed"] == cluster["BackupRetentionPeriod"]
    assert retention["status"] == ("pass" if cluster["BackupRetentionPeriod"] >= 7 else "fail")
    protected = bool(cluster.get("DeletionProtection"))
    status = found[("catalog-db", "policy-deletion-protection")]["status"]
    assert status == ("pass" if protected else "fail")
    multi_az = found[("catalog-db", "policy-multi-az")]["status"]
    assert multi_az == ("pass" if cluster.get("MultiAZ") else "fail")

    rds.modify_db_cluster(
        DBClusterIdentifier=cluster["DBClusterIdentifier"],
        DeletionProtection=True,
        BackupRetentionPeriod=14,
    )
    after = _policy(drctl, bigger, "baseline", "catalog-db")
    assert after[("catalog-db", "policy-deletion-protection")]["status"] == "pass"
    assert after[("catalog-db", "policy-backup-retention")]["observed"] == 14


def test_kinds_without_controls_get_no_policy_checks(built_now: Any, drctl: Any) -> None:
    found = _policy(drctl, DEMO_PLAN, "baseline", "api")
    assert found == {}


def test_an_unknown_policy_is_bad_input(aws: None, drctl: Any) -> None:
    result = drctl("check", "--plan", str(DEMO_PLAN), "--policy", "sox")
    assert result.exit_code == 2
    assert "'sox' is not one of 'baseline', 'hipaa'" in result.stderr
