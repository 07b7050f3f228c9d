"""The cross-region automated backup replication extension, on its own."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError


def _primary(backups: int = 7) -> str:
    rds = boto3.client("rds", region_name="us-east-1")
    inst = rds.create_db_instance(
        DBInstanceIdentifier="orders",
        DBInstanceClass="db.t3.micro",
        Engine="mysql",
        MasterUsername="admin",
        MasterUserPassword="not-a-secret-1",
        AllocatedStorage=20,
        BackupRetentionPeriod=backups,
        StorageEncrypted=True,
    )["DBInstance"]
    return str(inst["DBInstanceArn"])


def _dr() -> Any:
    return boto3.client("rds", region_name="us-west-2")


def test_start_describe_restore_stop(aws: None) -> None:
    arn = _primary()
    started = _dr().start_db_instance_automated_backups_replication(
        SourceDBInstanceArn=arn, BackupRetentionPeriod=3
    )["DBInstanceAutomatedBackup"]
    assert started["Status"] == "replicating" and started["Region"] == "us-east-1"
    assert started["BackupRetentionPeriod"] == 3
    listed = _dr().describe_db_instance_automated_backups()["DBInstanceAutomatedBackups"]
    replicated = [b for b in listed if b.get("DBInstanceArn") == arn]
    assert len(replicated) == 1
    backup_arn = replicated[0]["DBInstanceAutomatedBackupsArn"]
    assert (
        replicated[0]["RestoreWindow"]["LatestTime"]
        >= replicated[0]["RestoreWindow"]["EarliestTime"]
    )
    # Not visible in a third region.
    third = boto3.client("rds", region_name="eu-west-1").describe_db_instance_automated_backups()
    assert all(b.get("DBInstanceArn") != arn for b in third["DBInstanceAutomatedBackups"])

    restored = _dr().restore_db_instance_to_point_in_time(
        SourceDBInstanceAutomatedBackupsArn=backup_arn,
        TargetDBInstanceIdentifier="orders-restored",
        UseLatestRestorableTime=True,
    )["DBInstance"]
    assert restored["DBInstanceIdentifier"] == "orders-restored"
    described = _dr().describe_db_instances(DBInstanceIdentifier="orders-restored")
    inst = described["DBInstances"][0]
    assert inst["Engine"] == "mysql" and inst["StorageEncrypted"] is True
    assert ":us-west-2:" in inst["DBInstanceArn"]
    assert inst["AvailabilityZone"].startswith("us-west-2")

    stopped = _dr().stop_db_instance_automated_backups_replication(SourceDBInstanceArn=arn)
    assert stopped["DBInstanceAutomatedBackup"]["Status"] == "retained"
    assert not [
        b
        for b in _dr().describe_db_instance_automated_backups()["DBInstanceAutomatedBackups"]
        if b.get("DBInstanceArn") == arn
    ]


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        ("missing", "DBInstanceNotFound"),
        ("no-backups", "InvalidDBInstanceState"),
        ("twice", "InvalidDBInstanceAutomatedBackupState"),
        ("same-region", "InvalidParameterValue"),
    ],
)
def test_errors_follow_the_api_reference(aws: None, setup: str, code: str) -> None:
    if setup == "missing":
        arn = "arn:aws:rds:us-east-1:123456789012:db:nope"
    else:
        arn = _primary(backups=0 if setup == "no-backups" else 7)
    client = boto3.client("rds", region_name="us-east-1") if setup == "same-region" else _dr()
    if setup == "twice":
        client.start_db_instance_automated_backups_replication(SourceDBInstanceArn=arn)
    with pytest.raises(ClientError) as err:
        client.start_db_instance_automated_backups_replication(SourceDBInstanceArn=arn)
    assert err.value.response["Error"]["Code"] == code


def test_restore_from_an_unknown_backup_arn(aws: None) -> None:
    with pytest.raises(ClientError) as err:
        _dr().restore_db_instance_to_point_in_time(
            SourceDBInstanceAutomatedBackupsArn="arn:aws:rds:us-west-2:123456789012:auto-backup:x",
            TargetDBInstanceIdentifier="nope",
        )
    assert err.value.response["Error"]["Code"] == "DBInstanceAutomatedBackupNotFound"
