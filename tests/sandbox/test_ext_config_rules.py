"""AWS Config extension: managed rules refuse a Region without a recorder, stay "Evaluating..."
until a recorder records and the evaluation time has passed, then judge their one resource
from its current configuration; DB instances get their own DbiResourceId."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from drctl.engine.clock import FakeClock
from drctl.kinds.rds_instance import moto_rename
from drctl.sandbox import moto_config_rules as ext

ClientFactory = Callable[..., Any]


def _instance(rds: Any, name: str, *, encrypted: bool) -> dict[str, Any]:
    created: dict[str, Any] = rds.create_db_instance(
        DBInstanceIdentifier=name,
        DBInstanceClass="db.t3.micro",
        Engine="mysql",
        MasterUsername="admin",
        MasterUserPassword="not-a-real-password",
        AllocatedStorage=20,
        BackupRetentionPeriod=3,
        StorageEncrypted=encrypted,
    )["DBInstance"]
    return created


def _recorder(config: Any, *, start: bool = True) -> None:
    config.put_configuration_recorder(
        ConfigurationRecorder={
            "name": "default",
            "roleARN": "arn:aws:iam::123456789012:role/config",
            "recordingGroup": {"allSupported": True},
        }
    )
    config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": "cfg-logs"})
    if start:
        config.start_configuration_recorder(ConfigurationRecorderName="default")


def _rule(config: Any, name: str, identifier: str, resource_id: str, **params: str) -> None:
    rule: dict[str, Any] = {
        "ConfigRuleName": name,
        "Scope": {
            "ComplianceResourceTypes": ["AWS::RDS::DBInstance"],
            "ComplianceResourceId": resource_id,
        },
        "Source": {"Owner": "AWS", "SourceIdentifier": identifier},
    }
    if params:
        import json

        rule["InputParameters"] = json.dumps(params)
    config.put_config_rule(ConfigRule=rule)


def _results(config: Any, name: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = config.get_compliance_details_by_config_rule(ConfigRuleName=name)[
        "EvaluationResults"
    ]
    return found


def test_each_instance_has_its_own_stable_dbi_resource_id(
    aws: ClientFactory, aws_clock: FakeClock
) -> None:
    rds = aws("rds")
    first = _instance(rds, "one", encrypted=True)["DbiResourceId"]
    second = _instance(rds, "two", encrypted=True)["DbiResourceId"]
    assert first != second
    assert first.startswith("db-") and len(first) == 29
    rds.modify_db_instance(
        DBInstanceIdentifier="one", NewDBInstanceIdentifier="uno", ApplyImmediately=True
    )
    aws_clock.advance(moto_rename.RENAMING_SECONDS)  # a rename takes minutes
    renamed = rds.describe_db_instances(DBInstanceIdentifier="uno")["DBInstances"][0]
    assert renamed["DbiResourceId"] == first


def test_a_managed_rule_needs_a_configuration_recorder(aws: ClientFactory) -> None:
    config = aws("config")
    with pytest.raises(ClientError) as caught:
        _rule(config, "encrypted", "RDS_STORAGE_ENCRYPTED", "db-X")
    assert caught.value.response["Error"]["Code"] == "NoAvailableConfigurationRecorderException"
    assert config.describe_config_rules()["ConfigRules"] == []


def test_a_rule_evaluates_after_the_evaluation_time_once_recording(
    aws: ClientFactory, aws_clock: FakeClock
) -> None:
    rds, config = aws("rds"), aws("config")
    plain = _instance(rds, "plain", encrypted=False)["DbiResourceId"]
    sealed = _instance(rds, "sealed", encrypted=True)["DbiResourceId"]
    _recorder(config, start=False)
    _rule(config, "plain-encrypted", "RDS_STORAGE_ENCRYPTED", plain)
    _rule(config, "sealed-encrypted", "RDS_STORAGE_ENCRYPTED", sealed)
    aws_clock.advance(ext.EVALUATION_SECONDS * 10)
    assert _results(config, "plain-encrypted") == []  # nothing records: nothing evaluated

    config.start_configuration_recorder(ConfigurationRecorderName="default")
    aws_clock.advance(ext.EVALUATION_SECONDS - 1)
    assert _results(config, "plain-encrypted") == []
    summary = config.describe_compliance_by_config_rule(ConfigRuleNames=["plain-encrypted"])
    assert summary["ComplianceByConfigRules"][0]["Compliance"]["ComplianceType"] == (
        "INSUFFICIENT_DATA"
    )

    aws_clock.advance(1)
    [result] = _results(config, "plain-encrypted")
    assert result["ComplianceType"] == "NON_COMPLIANT"
    qualifier = result["EvaluationResultIdentifier"]["EvaluationResultQualifier"]
    assert qualifier == {
        "ConfigRuleName": "plain-encrypted",
        "ResourceType": "AWS::RDS::DBInstance",
        "ResourceId": plain,
        "EvaluationMode": "DETECTIVE",
    }
    assert [r["ComplianceType"] for r in _results(config, "sealed-encrypted")] == ["COMPLIANT"]
    both = config.describe_compliance_by_config_rule()["ComplianceByConfigRules"]
    assert {b["ConfigRuleName"]: b["Compliance"]["ComplianceType"] for b in both} == {
        "plain-encrypted": "NON_COMPLIANT",
        "sealed-encrypted": "COMPLIANT",
    }
    only_bad = config.get_compliance_details_by_config_rule(
        ConfigRuleName="sealed-encrypted", ComplianceTypes=["NON_COMPLIANT"]
    )
    assert only_bad["EvaluationResults"] == []


def test_verdicts_follow_the_configuration_and_the_rule_parameters(
    aws: ClientFactory, aws_clock: FakeClock
) -> None:
    rds, config = aws("rds"), aws("config")
    dbi = _instance(rds, "orders", encrypted=True)["DbiResourceId"]
    _recorder(config)
    _rule(config, "protected", "RDS_INSTANCE_DELETION_PROTECTION_ENABLED", dbi)
    _rule(config, "backups", "DB_INSTANCE_BACKUP_ENABLED", dbi, backupRetentionMinimum="7")
    aws_clock.advance(ext.EVALUATION_SECONDS)
    assert _results(config, "protected")[0]["ComplianceType"] == "NON_COMPLIANT"
    backups = _results(config, "backups")[0]
    assert backups["ComplianceType"] == "NON_COMPLIANT" and "under 7" in backups["Annotation"]

    rds.modify_db_instance(
        DBInstanceIdentifier="orders",
        DeletionProtection=True,
        BackupRetentionPeriod=7,
        ApplyImmediately=True,
    )
    assert _results(config, "protected")[0]["ComplianceType"] == "COMPLIANT"
    assert _results(config, "backups")[0]["ComplianceType"] == "COMPLIANT"


def test_an_updated_rule_evaluates_again_from_scratch(
    aws: ClientFactory, aws_clock: FakeClock
) -> None:
    rds, config = aws("rds"), aws("config")
    dbi = _instance(rds, "orders", encrypted=True)["DbiResourceId"]
    _recorder(config)
    _rule(config, "backups", "DB_INSTANCE_BACKUP_ENABLED", dbi, backupRetentionMinimum="1")
    aws_clock.advance(ext.EVALUATION_SECONDS)
    assert _results(config, "backups")[0]["ComplianceType"] == "COMPLIANT"
    _rule(config, "backups", "DB_INSTANCE_BACKUP_ENABLED", dbi, backupRetentionMinimum="7")
    assert _results(config, "backups") == []  # Evaluating... again
    aws_clock.advance(ext.EVALUATION_SECONDS)
    assert _results(config, "backups")[0]["ComplianceType"] == "NON_COMPLIANT"


def test_unknown_rules_and_resources_outside_the_inventory(
    aws: ClientFactory, aws_clock: FakeClock
) -> None:
    config = aws("config")
    _recorder(config)
    with pytest.raises(ClientError) as caught:
        config.get_compliance_details_by_config_rule(ConfigRuleName="nope")
    assert caught.value.response["Error"]["Code"] == "NoSuchConfigRuleException"
    _rule(config, "gone", "RDS_STORAGE_ENCRYPTED", "db-NOSUCHINSTANCE")
    aws_clock.advance(ext.EVALUATION_SECONDS)
    assert _results(config, "gone") == []


def test_s3_and_dynamodb_rules(aws: ClientFactory, aws_clock: FakeClock) -> None:
    s3, ddb, config = aws("s3"), aws("dynamodb"), aws("config")
    s3.create_bucket(Bucket="assets-use1")
    ddb.create_table(
        TableName="Profiles",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    _recorder(config)
    for name, identifier, kind, resource in (
        ("versioned", "S3_BUCKET_VERSIONING_ENABLED", "AWS::S3::Bucket", "assets-use1"),
        ("pitr", "DYNAMODB_PITR_ENABLED", "AWS::DynamoDB::Table", "Profiles"),
    ):
        config.put_config_rule(
            ConfigRule={
                "ConfigRuleName": name,
                "Scope": {"ComplianceResourceTypes": [kind], "ComplianceResourceId": resource},
                "Source": {"Owner": "AWS", "SourceIdentifier": identifier},
            }
        )
    aws_clock.advance(ext.EVALUATION_SECONDS)
    assert _results(config, "versioned")[0]["ComplianceType"] == "NON_COMPLIANT"
    assert _results(config, "pitr")[0]["ComplianceType"] == "NON_COMPLIANT"
    s3.put_bucket_versioning(Bucket="assets-use1", VersioningConfiguration={"Status": "Enabled"})
    ddb.update_continuous_backups(
        TableName="Profiles",
        PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
    )
    assert _results(config, "versioned")[0]["ComplianceType"] == "COMPLIANT"
    assert _results(config, "pitr")[0]["ComplianceType"] == "COMPLIANT"
