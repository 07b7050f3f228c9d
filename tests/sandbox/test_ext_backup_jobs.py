"""AWS Backup extension: an on-demand backup job moves CREATED -> RUNNING -> COMPLETED on the
sandbox's AWS clock and its recovery point CREATING -> COMPLETED; a plan's schedule backs up
its selected resources and its copy rule starts copy jobs to the DR vault (FAILED when that
vault is gone); restores move PENDING -> RUNNING -> COMPLETED and create the table; calls at
the wrong time get AWS's error codes; a plan with selections cannot be deleted; the server
answers the same calls."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from drctl.kinds.backup_vault import moto_backup_jobs as ext
from tests.sandbox.conftest import DR_REGION, PRIMARY_REGION, ClientFactory

ROLE = "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole"
DR_VAULT_ARN = f"arn:aws:backup:{DR_REGION}:123456789012:backup-vault:dr"


def _table(aws: ClientFactory, name: str = "audit") -> str:
    return str(
        aws("dynamodb").create_table(
            TableName=name,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )["TableDescription"]["TableArn"]
    )


def _vaults(aws: ClientFactory) -> tuple[Any, Any]:
    home, dr = aws("backup", PRIMARY_REGION), aws("backup", DR_REGION)
    home.create_backup_vault(BackupVaultName="home")
    dr.create_backup_vault(BackupVaultName="dr")
    return home, dr


def _code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def _planned(aws: ClientFactory, home: Any, arn: str, established: bool = False) -> str:
    plan_id = str(
        home.create_backup_plan(
            BackupPlan={
                "BackupPlanName": "hourly",
                "Rules": [
                    {
                        "RuleName": "r",
                        "TargetBackupVaultName": "home",
                        "ScheduleExpression": "cron(0 * ? * * *)",
                        "CopyActions": [{"DestinationBackupVaultArn": DR_VAULT_ARN}],
                    }
                ],
            },
            BackupPlanTags={ext.ESTABLISHED_TAG: "true"} if established else {},
        )["BackupPlanId"]
    )
    home.create_backup_selection(
        BackupPlanId=plan_id,
        BackupSelection={"SelectionName": "s", "IamRoleArn": ROLE, "Resources": [arn]},
    )
    return plan_id


def test_a_backup_job_and_its_recovery_point_move_over_time(
    aws: ClientFactory, aws_clock: Any
) -> None:
    home, _ = _vaults(aws)
    arn = _table(aws)
    job = home.start_backup_job(BackupVaultName="home", ResourceArn=arn, IamRoleArn=ROLE)

    def states() -> tuple[str, str]:
        described = home.describe_backup_job(BackupJobId=job["BackupJobId"])
        point = home.describe_recovery_point(
            BackupVaultName="home", RecoveryPointArn=job["RecoveryPointArn"]
        )
        return described["State"], point["Status"]

    assert states() == ("CREATED", "CREATING")
    aws_clock.advance(ext.BACKUP_START_SECONDS)
    assert states() == ("RUNNING", "CREATING")
    aws_clock.advance(ext.BACKUP_RUN_SECONDS)
    assert states() == ("COMPLETED", "COMPLETED")
    [point] = home.list_recovery_points_by_backup_vault(BackupVaultName="home")["RecoveryPoints"]
    assert (point["ResourceArn"], point["ResourceType"]) == (arn, "DynamoDB")
    # On-demand backups run no copy rule.
    assert home.list_copy_jobs()["CopyJobs"] == []


def test_wrong_time_and_missing_things_get_aws_error_codes(
    aws: ClientFactory, aws_clock: Any
) -> None:
    home, _ = _vaults(aws)
    arn = _table(aws)
    job = home.start_backup_job(BackupVaultName="home", ResourceArn=arn, IamRoleArn=ROLE)
    point = job["RecoveryPointArn"]
    with pytest.raises(ClientError) as caught:
        home.start_restore_job(RecoveryPointArn=point, Metadata={"targetTableName": "x"})
    assert _code(caught) == "InvalidRequestException"
    with pytest.raises(ClientError) as caught:
        home.delete_recovery_point(BackupVaultName="home", RecoveryPointArn=point)
    assert _code(caught) == "InvalidResourceStateException"
    with pytest.raises(ClientError) as caught:
        home.start_copy_job(
            RecoveryPointArn=point,
            SourceBackupVaultName="home",
            DestinationBackupVaultArn=DR_VAULT_ARN,
            IamRoleArn=ROLE,
        )
    assert _code(caught) == "InvalidRequestException"
    for call, kwargs in (
        (
            home.start_backup_job,
            {"BackupVaultName": "nope", "ResourceArn": arn, "IamRoleArn": ROLE},
        ),
        (home.list_recovery_points_by_backup_vault, {"BackupVaultName": "nope"}),
        (home.describe_backup_job, {"BackupJobId": "NOPE"}),
        (home.describe_restore_job, {"RestoreJobId": "NOPE"}),
        (home.describe_copy_job, {"CopyJobId": "NOPE"}),
    ):
        with pytest.raises(ClientError) as caught:
            call(**kwargs)
        assert _code(caught) == "ResourceNotFoundException", call
    aws_clock.advance(ext.BACKUP_START_SECONDS + ext.BACKUP_RUN_SECONDS)
    with pytest.raises(ClientError) as caught:
        home.start_restore_job(RecoveryPointArn=point, Metadata={})
    assert _code(caught) == "InvalidParameterValueException"  # no targetTableName


def test_a_plans_schedule_backs_up_and_copies_to_dr(aws: ClientFactory, aws_clock: Any) -> None:
    home, dr = _vaults(aws)
    arn = _table(aws)
    _planned(aws, home, arn)
    assert home.list_backup_jobs()["BackupJobs"] == []  # nothing before the first run
    aws_clock.advance(3600)  # the top of the hour has passed once
    [backup] = home.list_backup_jobs()["BackupJobs"]
    assert backup["CreatedBy"]["BackupPlanId"]
    aws_clock.advance(ext.BACKUP_START_SECONDS + ext.BACKUP_RUN_SECONDS)
    [copy] = home.list_copy_jobs(ByDestinationVaultArn=DR_VAULT_ARN)["CopyJobs"]
    assert copy["State"] in ("CREATED", "RUNNING")
    assert copy["CreatedByBackupJobId"] == backup["BackupJobId"]
    [creating] = dr.list_recovery_points_by_backup_vault(BackupVaultName="dr")["RecoveryPoints"]
    assert creating["Status"] == "CREATING"
    aws_clock.advance(ext.COPY_START_SECONDS + ext.COPY_RUN_SECONDS)
    described = home.describe_copy_job(CopyJobId=copy["CopyJobId"])["CopyJob"]
    assert described["State"] == "COMPLETED"
    point = dr.describe_recovery_point(
        BackupVaultName="dr", RecoveryPointArn=described["DestinationRecoveryPointArn"]
    )
    assert point["Status"] == "COMPLETED"
    assert point["ResourceArn"] == arn
    assert point["SourceBackupVaultArn"].endswith(":backup-vault:home")


def test_an_established_plan_has_copies_in_dr_at_once(aws: ClientFactory, aws_clock: Any) -> None:
    home, dr = _vaults(aws)
    _planned(aws, home, _table(aws), established=True)
    points = dr.list_recovery_points_by_backup_vault(BackupVaultName="dr")["RecoveryPoints"]
    assert len([p for p in points if p["Status"] == "COMPLETED"]) >= ext.ESTABLISHED_HOURS - 1


def test_a_copy_to_a_missing_vault_fails(aws: ClientFactory, aws_clock: Any) -> None:
    home, dr = _vaults(aws)
    _planned(aws, home, _table(aws))
    dr.delete_backup_vault(BackupVaultName="dr")
    aws_clock.advance(3600 + ext.BACKUP_START_SECONDS + ext.BACKUP_RUN_SECONDS)
    aws_clock.advance(ext.COPY_START_SECONDS)
    [copy] = home.list_copy_jobs()["CopyJobs"]
    assert copy["State"] == "FAILED"
    assert "does not exist" in copy["StatusMessage"]


def test_a_restore_moves_over_time_and_creates_the_table(
    aws: ClientFactory, aws_clock: Any
) -> None:
    home, _ = _vaults(aws)
    arn = _table(aws)
    job = home.start_backup_job(BackupVaultName="home", ResourceArn=arn, IamRoleArn=ROLE)
    aws_clock.advance(ext.BACKUP_START_SECONDS + ext.BACKUP_RUN_SECONDS)
    restore = home.start_restore_job(
        RecoveryPointArn=job["RecoveryPointArn"],
        IamRoleArn=ROLE,
        Metadata={"targetTableName": "audit-restored"},
    )["RestoreJobId"]

    def status() -> str:
        return str(home.describe_restore_job(RestoreJobId=restore)["Status"])

    assert status() == "PENDING"
    aws_clock.advance(ext.RESTORE_PENDING_SECONDS)
    assert status() == "RUNNING"
    assert "audit-restored" not in aws("dynamodb").list_tables()["TableNames"]
    aws_clock.advance(ext.RESTORE_RUN_SECONDS)
    described = home.describe_restore_job(RestoreJobId=restore)
    assert described["Status"] == "COMPLETED"
    assert described["CreatedResourceArn"].endswith(":table/audit-restored")
    table = aws("dynamodb").describe_table(TableName="audit-restored")["Table"]
    assert table["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    # A second restore to the same name fails: the table exists.
    again = home.start_restore_job(
        RecoveryPointArn=job["RecoveryPointArn"], Metadata={"targetTableName": "audit-restored"}
    )["RestoreJobId"]
    aws_clock.advance(ext.RESTORE_PENDING_SECONDS + ext.RESTORE_RUN_SECONDS)
    failed = home.describe_restore_job(RestoreJobId=again)
    assert failed["Status"] == "FAILED" and "already exists" in failed["StatusMessage"]


def test_a_deleted_recovery_point_is_deleting_then_gone(aws: ClientFactory, aws_clock: Any) -> None:
    home, _ = _vaults(aws)
    job = home.start_backup_job(BackupVaultName="home", ResourceArn=_table(aws), IamRoleArn=ROLE)
    aws_clock.advance(ext.BACKUP_START_SECONDS + ext.BACKUP_RUN_SECONDS)
    point = job["RecoveryPointArn"]
    home.delete_recovery_point(BackupVaultName="home", RecoveryPointArn=point)
    got = home.describe_recovery_point(BackupVaultName="home", RecoveryPointArn=point)
    assert got["Status"] == "DELETING"
    aws_clock.advance(ext.DELETE_SECONDS)
    with pytest.raises(ClientError) as caught:
        home.describe_recovery_point(BackupVaultName="home", RecoveryPointArn=point)
    assert _code(caught) == "ResourceNotFoundException"


def test_a_plan_with_selections_cannot_be_deleted_and_its_name_is_free_after(
    aws: ClientFactory, aws_clock: Any
) -> None:
    home, _ = _vaults(aws)
    plan_id = _planned(aws, home, _table(aws))
    with pytest.raises(ClientError) as caught:
        home.delete_backup_plan(BackupPlanId=plan_id)
    assert _code(caught) == "InvalidRequestException"
    [sel] = home.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"]
    got = home.get_backup_selection(BackupPlanId=plan_id, SelectionId=sel["SelectionId"])
    assert got["BackupSelection"]["Resources"][0].endswith(":table/audit")
    home.delete_backup_selection(BackupPlanId=plan_id, SelectionId=sel["SelectionId"])
    home.delete_backup_plan(BackupPlanId=plan_id)
    home.create_backup_plan(
        BackupPlan={
            "BackupPlanName": "hourly",
            "Rules": [{"RuleName": "r", "TargetBackupVaultName": "home"}],
        }
    )
    names = [p["BackupPlanName"] for p in home.list_backup_plans()["BackupPlansList"]]
    assert names == ["hourly"]


def test_the_server_answers_the_same_calls(server: ClientFactory) -> None:
    home, _ = _vaults(server)
    arn = _table(server)
    job = home.start_backup_job(BackupVaultName="home", ResourceArn=arn, IamRoleArn=ROLE)
    assert home.describe_backup_job(BackupJobId=job["BackupJobId"])["State"] in (
        "CREATED",
        "RUNNING",
    )
    [point] = home.list_recovery_points_by_backup_vault(BackupVaultName="home")["RecoveryPoints"]
    assert point["RecoveryPointArn"] == job["RecoveryPointArn"]
    described = home.describe_recovery_point(
        BackupVaultName="home", RecoveryPointArn=job["RecoveryPointArn"]
    )
    assert described["Status"] == "CREATING"
    meta = home.get_recovery_point_restore_metadata(
        BackupVaultName="home", RecoveryPointArn=job["RecoveryPointArn"]
    )
    assert meta["RestoreMetadata"]["targetTableName"] == "audit"


def test_uninstall_restores_moto() -> None:
    from moto.backup.responses import BackupResponse

    ext.install()
    assert ext.is_installed() and hasattr(BackupResponse, "start_backup_job")
    ext.uninstall()
    assert not ext.is_installed() and not hasattr(BackupResponse, "start_backup_job")
    ext.install()


# --------------------------------------------------------------------------- what a backup holds

DONE = ext.BACKUP_START_SECONDS + ext.BACKUP_RUN_SECONDS
RESTORED = ext.RESTORE_PENDING_SECONDS + ext.RESTORE_RUN_SECONDS


def _items(aws: ClientFactory, table: str, region: str = PRIMARY_REGION) -> list[str]:
    pages = aws("dynamodb", region).get_paginator("scan").paginate(TableName=table)
    return sorted(item["pk"]["S"] for page in pages for item in page["Items"])


def _restore_status(backup: Any, job_id: str) -> dict[str, Any]:
    return dict(backup.describe_restore_job(RestoreJobId=job_id))


def test_a_restored_table_holds_the_items_of_the_backup_even_after_a_copy_to_dr(
    aws: ClientFactory, aws_clock: Any
) -> None:
    home, dr = _vaults(aws)
    arn = _table(aws)
    db = aws("dynamodb")
    for pk in ("a", "b", "c"):
        db.put_item(TableName="audit", Item={"pk": {"S": pk}, "n": {"N": "1"}})
    job = home.start_backup_job(BackupVaultName="home", ResourceArn=arn, IamRoleArn=ROLE)
    # Written after the backup started: not in it; deleted after: still in it.
    db.put_item(TableName="audit", Item={"pk": {"S": "late"}})
    db.delete_item(TableName="audit", Key={"pk": {"S": "a"}})
    aws_clock.advance(DONE)
    copy = home.start_copy_job(
        RecoveryPointArn=job["RecoveryPointArn"],
        SourceBackupVaultName="home",
        DestinationBackupVaultArn=DR_VAULT_ARN,
        IamRoleArn=ROLE,
    )
    aws_clock.advance(ext.COPY_START_SECONDS + ext.COPY_RUN_SECONDS)
    dr_point = home.describe_copy_job(CopyJobId=copy["CopyJobId"])["CopyJob"][
        "DestinationRecoveryPointArn"
    ]
    got = dr.get_recovery_point_restore_metadata(BackupVaultName="dr", RecoveryPointArn=dr_point)
    assert got["ResourceType"] == "DynamoDB"
    assert got["RestoreMetadata"]["targetTableName"] == "audit"
    restores = {
        "home": home.start_restore_job(
            RecoveryPointArn=job["RecoveryPointArn"],
            IamRoleArn=ROLE,
            Metadata={"targetTableName": "audit-home"},
        )["RestoreJobId"],
        "dr": dr.start_restore_job(
            RecoveryPointArn=dr_point,
            IamRoleArn=ROLE,
            Metadata={"targetTableName": "audit-dr"},
            ResourceType="DynamoDB",
        )["RestoreJobId"],
    }
    assert _restore_status(dr, restores["dr"])["Status"] == "PENDING"
    aws_clock.advance(ext.RESTORE_PENDING_SECONDS)
    assert _restore_status(dr, restores["dr"])["Status"] == "RUNNING"
    assert "audit-dr" not in aws("dynamodb", DR_REGION).list_tables()["TableNames"]
    aws_clock.advance(ext.RESTORE_RUN_SECONDS)
    done = _restore_status(dr, restores["dr"])
    assert done["Status"] == "COMPLETED"
    assert done["CreatedResourceArn"] == (
        f"arn:aws:dynamodb:{DR_REGION}:123456789012:table/audit-dr"
    )
    assert _items(aws, "audit-dr", DR_REGION) == ["a", "b", "c"]
    assert _items(aws, "audit-home") == ["a", "b", "c"]
    assert _items(aws, "audit") == ["b", "c", "late"]  # the source is left as it is
    table = aws("dynamodb", DR_REGION).describe_table(TableName="audit-dr")["Table"]
    assert table["AttributeDefinitions"] == [{"AttributeName": "pk", "AttributeType": "S"}]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"


def _rds(aws: ClientFactory, name: str = "records") -> str:
    return str(
        aws("rds").create_db_instance(
            DBInstanceIdentifier=name,
            DBInstanceClass="db.t3.micro",
            Engine="postgres",
            AllocatedStorage=20,
            MasterUsername="admin",
            MasterUserPassword="example-password",
            DBName="records",
        )["DBInstance"]["DBInstanceArn"]
    )


def test_an_rds_instance_is_restored_with_its_restore_metadata(
    aws: ClientFactory, aws_clock: Any
) -> None:
    home, _ = _vaults(aws)
    arn = _rds(aws)
    job = home.start_backup_job(BackupVaultName="home", ResourceArn=arn, IamRoleArn=ROLE)
    aws_clock.advance(DONE)
    point = job["RecoveryPointArn"]
    meta = home.get_recovery_point_restore_metadata(BackupVaultName="home", RecoveryPointArn=point)
    assert meta["ResourceType"] == "RDS"
    restore_metadata = meta["RestoreMetadata"]
    assert {
        k: restore_metadata[k] for k in ("DBInstanceIdentifier", "DBInstanceClass", "Engine")
    } == {
        "DBInstanceIdentifier": "records",
        "DBInstanceClass": "db.t3.micro",
        "Engine": "postgres",
    }
    with pytest.raises(ClientError) as caught:  # no DBInstanceIdentifier
        home.start_restore_job(RecoveryPointArn=point, IamRoleArn=ROLE, Metadata={})
    assert _code(caught) == "InvalidParameterValueException"
    restored = home.start_restore_job(
        RecoveryPointArn=point,
        IamRoleArn=ROLE,
        ResourceType="RDS",
        Metadata={
            **restore_metadata,
            "DBInstanceIdentifier": "records-restored",
            "DBInstanceClass": "db.t3.small",
        },
    )["RestoreJobId"]
    same_name = home.start_restore_job(
        RecoveryPointArn=point, IamRoleArn=ROLE, Metadata=restore_metadata
    )["RestoreJobId"]
    aws_clock.advance(ext.RESTORE_PENDING_SECONDS)
    assert _restore_status(home, restored)["Status"] == "RUNNING"
    ids = [d["DBInstanceIdentifier"] for d in aws("rds").describe_db_instances()["DBInstances"]]
    assert ids == ["records"]  # nothing before the job completes
    aws_clock.advance(ext.RESTORE_RUN_SECONDS)
    done = _restore_status(home, restored)
    assert done["Status"] == "COMPLETED"
    assert done["CreatedResourceArn"].endswith(":db:records-restored")
    [db] = aws("rds").describe_db_instances(DBInstanceIdentifier="records-restored")["DBInstances"]
    assert (db["DBInstanceClass"], db["Engine"], db["AllocatedStorage"], db["DBName"]) == (
        "db.t3.small",
        "postgres",
        20,
        "records",
    )
    failed = _restore_status(home, same_name)
    assert failed["Status"] == "FAILED" and "already exists" in failed["StatusMessage"]


def test_an_efs_file_system_is_restored_into_a_new_one(aws: ClientFactory, aws_clock: Any) -> None:
    home, _ = _vaults(aws)
    efs = aws("efs")
    source = efs.create_file_system(CreationToken="docs", PerformanceMode="maxIO")
    job = home.start_backup_job(
        BackupVaultName="home", ResourceArn=source["FileSystemArn"], IamRoleArn=ROLE
    )
    aws_clock.advance(DONE)
    point = job["RecoveryPointArn"]
    meta = home.get_recovery_point_restore_metadata(BackupVaultName="home", RecoveryPointArn=point)
    assert meta["RestoreMetadata"]["newFileSystem"] == "true"
    new = home.start_restore_job(
        RecoveryPointArn=point, IamRoleArn=ROLE, Metadata=meta["RestoreMetadata"]
    )["RestoreJobId"]
    in_place = home.start_restore_job(
        RecoveryPointArn=point,
        IamRoleArn=ROLE,
        Metadata={"file-system-id": source["FileSystemId"], "newFileSystem": "false"},
    )["RestoreJobId"]
    aws_clock.advance(RESTORED)
    done = _restore_status(home, new)
    assert done["Status"] == "COMPLETED"
    created_id = done["CreatedResourceArn"].rsplit("/", 1)[-1]
    [fs] = efs.describe_file_systems(FileSystemId=created_id)["FileSystems"]
    assert fs["PerformanceMode"] == "maxIO" and created_id != source["FileSystemId"]
    failed = _restore_status(home, in_place)
    assert failed["Status"] == "FAILED" and "new file system" in failed["StatusMessage"]


def test_a_restore_of_an_unsupported_type_fails_saying_so(
    aws: ClientFactory, aws_clock: Any
) -> None:
    home, _ = _vaults(aws)
    volume = aws("ec2").create_volume(AvailabilityZone=f"{PRIMARY_REGION}a", Size=8)
    arn = f"arn:aws:ec2:{PRIMARY_REGION}:123456789012:volume/{volume['VolumeId']}"
    job = home.start_backup_job(BackupVaultName="home", ResourceArn=arn, IamRoleArn=ROLE)
    aws_clock.advance(DONE)
    assert home.describe_backup_job(BackupJobId=job["BackupJobId"])["ResourceType"] == "EBS"
    restore = home.start_restore_job(
        RecoveryPointArn=job["RecoveryPointArn"], IamRoleArn=ROLE, Metadata={}
    )["RestoreJobId"]
    assert _restore_status(home, restore)["Status"] == "PENDING"  # fails when AWS gets to it
    aws_clock.advance(RESTORED)
    failed = _restore_status(home, restore)
    assert failed["Status"] == "FAILED"
    assert "EBS is not supported" in failed["StatusMessage"]
    assert "CreatedResourceArn" not in failed


# --------------------------------------------------------------------------- selections by tag


def _tagged_table(aws: ClientFactory, name: str, tags: dict[str, str]) -> str:
    arn = _table(aws, name)
    if tags:
        aws("dynamodb").tag_resource(
            ResourceArn=arn, Tags=[{"Key": k, "Value": v} for k, v in tags.items()]
        )
    return arn


def _hourly_plan(home: Any, selection: dict[str, Any]) -> str:
    plan_id = str(
        home.create_backup_plan(
            BackupPlan={
                "BackupPlanName": "by-tag",
                "Rules": [
                    {
                        "RuleName": "r",
                        "TargetBackupVaultName": "home",
                        "ScheduleExpression": "cron(0 * ? * * *)",
                    }
                ],
            }
        )["BackupPlanId"]
    )
    home.create_backup_selection(
        BackupPlanId=plan_id,
        BackupSelection={"SelectionName": "s", "IamRoleArn": ROLE, **selection},
    )
    return plan_id


def _backed_up(home: Any) -> set[str]:
    return {
        j["ResourceArn"].rsplit("/", 1)[-1].rsplit(":", 1)[-1]
        for j in home.list_backup_jobs()["BackupJobs"]
    }


def test_list_of_tags_assigns_what_matches_any_of_them(aws: ClientFactory, aws_clock: Any) -> None:
    home, _ = _vaults(aws)
    _tagged_table(aws, "daily", {"backup": "daily"})
    _tagged_table(aws, "weekly", {"backup": "weekly"})
    _tagged_table(aws, "untagged", {})
    _tagged_table(aws, "other", {"backup": "DAILY"})  # case sensitive
    aws("rds").create_db_instance(
        DBInstanceIdentifier="records",
        DBInstanceClass="db.t3.micro",
        Engine="postgres",
        AllocatedStorage=20,
        Tags=[{"Key": "backup", "Value": "daily"}],
    )
    _hourly_plan(
        home,
        {
            "ListOfTags": [
                {"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": v}
                for v in ("daily", "weekly")
            ]
        },
    )
    aws_clock.advance(3600)
    assert _backed_up(home) == {"daily", "weekly", "records"}
    types = {j["ResourceType"] for j in home.list_backup_jobs()["BackupJobs"]}
    assert types == {"DynamoDB", "RDS"}


def test_conditions_refine_resources_with_and(aws: ClientFactory, aws_clock: Any) -> None:
    home, _ = _vaults(aws)
    _tagged_table(aws, "data-prod", {"team": "data", "env": "prod"})
    _tagged_table(aws, "data-test", {"team": "data", "env": "test"})
    _tagged_table(aws, "dataops", {"team": "dataops"})  # no env tag: StringNotEquals holds
    _tagged_table(aws, "web", {"team": "web", "env": "prod"})
    _tagged_table(aws, "legacy", {"team": "data-legacy"})
    _rds(aws)  # not a table: Resources leaves it out
    _hourly_plan(
        home,
        {
            "Resources": [f"arn:aws:dynamodb:{PRIMARY_REGION}:123456789012:table/*"],
            "NotResources": [f"arn:aws:dynamodb:{PRIMARY_REGION}:123456789012:table/legacy"],
            "Conditions": {
                "StringLike": [{"ConditionKey": "aws:ResourceTag/team", "ConditionValue": "data*"}],
                "StringNotEquals": [
                    {"ConditionKey": "aws:ResourceTag/env", "ConditionValue": "test"}
                ],
            },
        },
    )
    aws_clock.advance(3600)
    assert _backed_up(home) == {"data-prod", "dataops"}


def test_a_selection_matching_nothing_backs_nothing_up(aws: ClientFactory, aws_clock: Any) -> None:
    home, _ = _vaults(aws)
    _tagged_table(aws, "audit", {"backup": "daily"})
    _hourly_plan(
        home,
        {
            "Resources": ["*"],
            "Conditions": {
                "StringEquals": [
                    {"ConditionKey": "aws:ResourceTag/backup", "ConditionValue": "never"}
                ]
            },
        },
    )
    aws_clock.advance(3 * 3600)
    assert home.list_backup_jobs()["BackupJobs"] == []
    assert home.list_recovery_points_by_backup_vault(BackupVaultName="home")["RecoveryPoints"] == []


def test_a_tag_added_later_is_picked_up_by_the_next_run(aws: ClientFactory, aws_clock: Any) -> None:
    home, _ = _vaults(aws)
    arn = _tagged_table(aws, "audit", {})
    _hourly_plan(
        home,
        {
            "ListOfTags": [
                {"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "yes"}
            ]
        },
    )
    aws_clock.advance(3600)
    assert home.list_backup_jobs()["BackupJobs"] == []
    aws("dynamodb").tag_resource(ResourceArn=arn, Tags=[{"Key": "backup", "Value": "yes"}])
    aws_clock.advance(3600)
    [job] = home.list_backup_jobs()["BackupJobs"]
    assert job["ResourceArn"] == arn


# --------------------------------------------------------------------------- schedules


def _scheduled(home: Any, expression: str | None, **rule: Any) -> str:
    body: dict[str, Any] = {"RuleName": "r", "TargetBackupVaultName": "home", **rule}
    if expression is not None:
        body["ScheduleExpression"] = expression
    plan_id = str(
        home.create_backup_plan(BackupPlan={"BackupPlanName": "p", "Rules": [body]})["BackupPlanId"]
    )
    return plan_id


def _run_times(aws: ClientFactory, aws_clock: Any, expression: str | None, days: int) -> list[str]:
    home, _ = _vaults(aws)
    arn = _table(aws)
    plan_id = _scheduled(home, expression)
    home.create_backup_selection(
        BackupPlanId=plan_id,
        BackupSelection={"SelectionName": "s", "IamRoleArn": ROLE, "Resources": [arn]},
    )
    for _ in range(days):
        aws_clock.advance(86400)
    jobs = home.list_backup_jobs()["BackupJobs"]
    return [t.strftime("%a %Y-%m-%d %H:%M") for t in sorted(j["CreationDate"] for j in jobs)]


@pytest.mark.parametrize(
    ("expression", "days", "expected"),
    [
        # Weekdays at 02:30 (the clock starts Thursday 2026-01-01 00:00 UTC).
        (
            "cron(30 2 ? * MON-FRI *)",
            6,
            [
                "Thu 2026-01-01 02:30",
                "Fri 2026-01-02 02:30",
                "Mon 2026-01-05 02:30",
                "Tue 2026-01-06 02:30",
            ],
        ),
        # The last day of each month, and the second Tuesday.
        ("cron(0 4 L * ? *)", 60, ["Sat 2026-01-31 04:00", "Sat 2026-02-28 04:00"]),
        ("cron(0 6 ? * 3#2 *)", 41, ["Tue 2026-01-13 06:00", "Tue 2026-02-10 06:00"]),
        # Every 8 hours from 01:00 on the 1st and 15th; the nearest weekday to the 3rd.
        (
            "cron(0 1/8 1,15 * ? *)",
            16,
            [
                f"{d} {h}"
                for d in ("Thu 2026-01-01", "Thu 2026-01-15")
                for h in ("01:00", "09:00", "17:00")
            ],
        ),
        ("cron(0 12 3W * ? *)", 40, ["Fri 2026-01-02 12:00", "Tue 2026-02-03 12:00"]),
        # No ScheduleExpression: AWS's default, daily at 05:00.
        (None, 2, ["Thu 2026-01-01 05:00", "Fri 2026-01-02 05:00"]),
        # Only in a year that has passed: never.
        ("cron(0 3 * * ? 2025)", 3, []),
    ],
)
def test_schedules_run_on_the_aws_clock(
    aws: ClientFactory, aws_clock: Any, expression: str | None, days: int, expected: list[str]
) -> None:
    assert _run_times(aws, aws_clock, expression, days) == expected


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("rate(1 hour)", "only cron"),
        ("cron(0 5 * * *)", "6 fields"),
        ("cron(0 5 * * * *)", "exactly one of Day-of-month and Day-of-week"),
        ("cron(0 5 ? * ? *)", "exactly one of Day-of-month and Day-of-week"),
        ("cron(0,30 * ? * * *)", "at most once an hour"),
        ("cron(*/15 * ? * * *)", "at most once an hour"),
        ("cron(0 24 ? * * *)", "Hours value 24 is outside 0-23"),
        ("cron(0 5 32 * ? *)", "Day-of-month value 32"),
        ("cron(0 5 ? * 8 *)", "Day-of-week value 8"),
        ("cron(0 5 ? FOO * *)", "Month value 'FOO'"),
        ("cron(0 5 ? * 2#6 *)", "outside 1-5"),
        ("cron(0 5 L/2 * ? *)", "Day-of-month"),
        ("cron(0 5 ? * * 1969)", "Year value 1969"),
        ("cron(0 5/0 ? * * *)", "step"),
    ],
)
def test_a_schedule_aws_backup_refuses_is_refused_at_create_backup_plan(
    aws: ClientFactory, aws_clock: Any, expression: str, message: str
) -> None:
    home, _ = _vaults(aws)
    with pytest.raises(ClientError) as caught:
        _scheduled(home, expression)
    assert _code(caught) == "InvalidParameterValueException"
    assert message in caught.value.response["Error"]["Message"]
    assert home.list_backup_plans()["BackupPlansList"] == []


def test_a_start_window_under_an_hour_is_refused(aws: ClientFactory, aws_clock: Any) -> None:
    home, _ = _vaults(aws)
    with pytest.raises(ClientError) as caught:
        _scheduled(home, "cron(0 5 ? * * *)", StartWindowMinutes=30)
    assert _code(caught) == "InvalidParameterValueException"
    assert "at least 60" in caught.value.response["Error"]["Message"]
    _scheduled(home, "cron(0 5 ? * * *)", StartWindowMinutes=60, CompletionWindowMinutes=120)
    assert [p["BackupPlanName"] for p in home.list_backup_plans()["BackupPlansList"]] == ["p"]


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        # 1W on a Saturday (2026-08-01): the Monday after, not the month before.
        ("cron(0 0 1W * ? 2026)", "2026-07-02", "2026-08-03"),
        # 31W on a Sunday (2026-05-31): the Friday before.
        ("cron(0 0 31W * ? 2026)", "2026-05-02", "2026-05-29"),
        # LW: the last weekday of January 2026 (the 31st is a Saturday).
        ("cron(0 0 LW * ? *)", "2026-01-02", "2026-01-30"),
        # 6L: the last Friday; FRI-MON wraps through the weekend; L alone is Saturday.
        ("cron(0 0 ? * 6L *)", "2026-01-02", "2026-01-30"),
        ("cron(0 0 ? * FRI-MON *)", "2026-01-06", "2026-01-09"),
        ("cron(0 0 ? * L *)", "2026-01-01", "2026-01-03"),
        # NOV-FEB wraps through the new year; a year range with a step.
        ("cron(0 0 1 NOV-FEB ? *)", "2026-03-01", "2026-11-01"),
        ("cron(0 0 1 1 ? 2027-2031/2)", "2026-01-02", "2027-01-01"),
        ("cron(0 0 1 1 ? 2027-2031/2)", "2027-01-02", "2029-01-01"),
        ("cron(0 0 29 2 ? *)", "2026-03-01", "2028-02-29"),
    ],
)
def test_cron_day_forms(expression: str, after: str, expected: str) -> None:
    from datetime import UTC, datetime

    from drctl.kinds.backup_vault.schedule import parse

    found = parse(expression).next_after(datetime.fromisoformat(after).replace(tzinfo=UTC))
    assert found is not None and found.date().isoformat() == expected
