"""`drctl compliance rules|status`: the policy's AWS Config managed rules, scoped to the plan's
resources and read back; their evaluations (the sandbox's Config extension) read back too."""

from __future__ import annotations

import json
from typing import Any

import boto3

from tests.conftest import DEMO_PLAN

REGIONS = ("us-east-1", "us-west-2")


def _recorders(*, start: bool = True) -> None:
    for region in REGIONS:
        config = boto3.client("config", region_name=region)
        config.put_configuration_recorder(
            ConfigurationRecorder={
                "name": "default",
                "roleARN": "arn:aws:iam::123456789012:role/config",
                "recordingGroup": {"allSupported": True},
            }
        )
        config.put_delivery_channel(
            DeliveryChannel={"name": "default", "s3BucketName": "config-logs"}
        )
        if start:
            config.start_configuration_recorder(ConfigurationRecorderName="default")


def _rules(region: str) -> dict[str, dict[str, Any]]:
    config = boto3.client("config", region_name=region)
    return {r["ConfigRuleName"]: r for r in config.describe_config_rules()["ConfigRules"]}


def _dbi(region: str, instance: str) -> str:
    rds = boto3.client("rds", region_name=region)
    found: str = rds.describe_db_instances(DBInstanceIdentifier=instance)["DBInstances"][0][
        "DbiResourceId"
    ]
    return found


EXPECTED_EAST = {
    "drctl-shop-assets-s3-bucket-server-side-encryption-enabled",
    "drctl-shop-assets-s3-bucket-logging-enabled",
    "drctl-shop-assets-s3-bucket-versioning-enabled",
    "drctl-shop-assets-s3-bucket-replication-enabled",
    "drctl-shop-orders-db-rds-storage-encrypted",
    "drctl-shop-orders-db-db-instance-backup-enabled",
    "drctl-shop-orders-db-rds-instance-deletion-protection-enabled",
    "drctl-shop-orders-db-rds-multi-az-support",
}
EXPECTED_WEST = {
    "drctl-shop-assets-s3-bucket-server-side-encryption-enabled-dr",
    "drctl-shop-assets-s3-bucket-logging-enabled-dr",
    "drctl-shop-assets-s3-bucket-versioning-enabled-dr",
    "drctl-shop-orders-db-rds-storage-encrypted-dr",
}


def test_dry_run_shows_every_put_config_rule_and_changes_nothing(
    built_now: Any, drctl: Any
) -> None:
    _recorders()
    result = drctl("-o", "json", "compliance", "rules", "--plan", str(DEMO_PLAN), "--dry-run")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["dry_run"] is True and doc["changed"] is False and doc["policy"] == "baseline"
    assert {r["rule"] for r in doc["rules"]} == EXPECTED_EAST | EXPECTED_WEST
    assert {r["action"] for r in doc["rules"]} == {"create"}
    assert doc["recorders"] == [
        {"region": "us-east-1", "state": "recording"},
        {"region": "us-west-2", "state": "recording"},
    ]
    for region in REGIONS:
        assert _rules(region) == {}
    text = drctl("compliance", "rules", "--plan", str(DEMO_PLAN), "--dry-run")
    assert text.stdout.count("PutConfigRule in ") == len(EXPECTED_EAST | EXPECTED_WEST)
    assert "nothing was changed" in text.stdout


def test_rules_are_scoped_to_the_plan_resources_and_a_second_run_changes_nothing(
    built_now: Any, drctl: Any
) -> None:
    _recorders()
    result = drctl("-o", "json", "compliance", "rules", "--plan", str(DEMO_PLAN), "--yes")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["changed"] is True
    east, west = _rules("us-east-1"), _rules("us-west-2")
    assert set(east) == EXPECTED_EAST and set(west) == EXPECTED_WEST

    encrypted = east["drctl-shop-orders-db-rds-storage-encrypted"]
    assert encrypted["Source"] == {"Owner": "AWS", "SourceIdentifier": "RDS_STORAGE_ENCRYPTED"}
    assert encrypted["Scope"] == {
        "ComplianceResourceTypes": ["AWS::RDS::DBInstance"],
        "ComplianceResourceId": _dbi("us-east-1", "shop-orders"),
    }
    dr = west["drctl-shop-orders-db-rds-storage-encrypted-dr"]
    assert dr["Scope"]["ComplianceResourceId"] == _dbi("us-west-2", "shop-orders-dr")
    backups = east["drctl-shop-orders-db-db-instance-backup-enabled"]
    assert json.loads(backups["InputParameters"]) == {"backupRetentionMinimum": "7"}
    logging = west["drctl-shop-assets-s3-bucket-logging-enabled-dr"]
    assert logging["Scope"]["ComplianceResourceId"] == "shop-assets-usw2"

    again = drctl("-o", "json", "compliance", "rules", "--plan", str(DEMO_PLAN), "--yes")
    doc = json.loads(again.stdout)
    assert doc["changed"] is False and {r["action"] for r in doc["rules"]} == {"unchanged"}
    text = drctl("compliance", "rules", "--plan", str(DEMO_PLAN))
    assert text.exit_code == 0 and "already as wanted; nothing changed" in text.stdout

    hipaa = drctl(
        "-o", "json", "compliance", "rules", "--plan", str(DEMO_PLAN), "--policy", "hipaa", "-y"
    )
    changed = {
        r["rule"]: r for r in json.loads(hipaa.stdout)["rules"] if r["action"] != "unchanged"
    }
    assert set(changed) == {"drctl-shop-orders-db-db-instance-backup-enabled"}
    backups = _rules("us-east-1")["drctl-shop-orders-db-db-instance-backup-enabled"]
    assert json.loads(backups["InputParameters"]) == {"backupRetentionMinimum": "35"}


def test_status_reads_the_evaluations_back(built_now: Any, drctl: Any) -> None:
    from drctl.kinds.sandboxing import aws_time
    from drctl.sandbox.moto_config_rules import EVALUATION_SECONDS

    not_yet = drctl("-o", "json", "compliance", "status", "--plan", str(DEMO_PLAN))
    assert not_yet.exit_code == 1
    assert {r["compliance"] for r in json.loads(not_yet.stdout)["rules"]} == {"NOT_DEPLOYED"}

    _recorders()
    assert drctl("compliance", "rules", "--plan", str(DEMO_PLAN), "--yes").exit_code == 0
    evaluating = json.loads(
        drctl("-o", "json", "compliance", "status", "--plan", str(DEMO_PLAN)).stdout
    )
    assert {r["compliance"] for r in evaluating["rules"]} == {"INSUFFICIENT_DATA"}

    aws_time.wait(EVALUATION_SECONDS)
    result = drctl("-o", "json", "compliance", "status", "--plan", str(DEMO_PLAN))
    assert result.exit_code == 1  # deletion protection and access logs are off in the demo
    doc = json.loads(result.stdout)
    verdicts = {r["rule"]: r["compliance"] for r in doc["rules"]}
    assert verdicts["drctl-shop-orders-db-rds-storage-encrypted"] == "COMPLIANT"
    assert verdicts["drctl-shop-orders-db-rds-storage-encrypted-dr"] == "COMPLIANT"
    assert verdicts["drctl-shop-orders-db-rds-instance-deletion-protection-enabled"] == (
        "NON_COMPLIANT"
    )
    assert verdicts["drctl-shop-assets-s3-bucket-logging-enabled"] == "NON_COMPLIANT"
    assert verdicts["drctl-shop-assets-s3-bucket-replication-enabled"] == "COMPLIANT"
    assert doc["ok"] is False
    assert sum(doc["summary"].values()) == len(doc["rules"])
    assert doc["summary"]["NON_COMPLIANT"] == sum(
        1 for r in doc["rules"] if r["compliance"] == "NON_COMPLIANT"
    )

    boto3.client("rds", region_name="us-east-1").modify_db_instance(
        DBInstanceIdentifier="shop-orders", DeletionProtection=True
    )
    after = json.loads(drctl("-o", "json", "compliance", "status", "--plan", str(DEMO_PLAN)).stdout)
    verdicts = {r["rule"]: r["compliance"] for r in after["rules"]}
    assert verdicts["drctl-shop-orders-db-rds-instance-deletion-protection-enabled"] == (
        "COMPLIANT"
    )
    text = drctl("compliance", "status", "--plan", str(DEMO_PLAN))
    assert "NON_COMPLIANT" in text.stdout and "RDS_STORAGE_ENCRYPTED" in text.stdout


def test_without_a_recorder_nothing_is_put_and_it_says_where(built_now: Any, drctl: Any) -> None:
    result = drctl("compliance", "rules", "--plan", str(DEMO_PLAN), "--yes")
    assert result.exit_code == 1
    assert "no AWS Config configuration recorder in us-east-1, us-west-2" in result.stderr
    assert _rules("us-east-1") == {} and _rules("us-west-2") == {}
    dry = json.loads(
        drctl("-o", "json", "compliance", "rules", "--plan", str(DEMO_PLAN), "--dry-run").stdout
    )
    assert dry["recorders"] == [
        {"region": "us-east-1", "state": "absent"},
        {"region": "us-west-2", "state": "absent"},
    ]


def test_a_stopped_recorder_is_named(built_now: Any, drctl: Any) -> None:
    _recorders(start=False)
    result = drctl("compliance", "rules", "--plan", str(DEMO_PLAN), "--dry-run")
    assert result.exit_code == 0
    assert "the configuration recorder in us-east-1 is stopped" in result.stdout


def test_unconfirmed_rules_are_refused(built_now: Any, drctl: Any) -> None:
    _recorders()
    result = drctl("compliance", "rules", "--plan", str(DEMO_PLAN))
    assert result.exit_code == 3
    assert _rules("us-east-1") == {}


def test_unknown_policy_is_bad_input(aws: None, drctl: Any) -> None:
    result = drctl("compliance", "status", "--plan", str(DEMO_PLAN), "--policy", "pci")
    assert result.exit_code == 2
