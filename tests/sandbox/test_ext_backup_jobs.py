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


def test_uninstall_restores_moto() -> None:
    from moto.backup.responses import BackupResponse

    ext.install()
    assert ext.is_installed() and hasattr(BackupResponse, "start_backup_job")
    ext.uninstall()
    assert not ext.is_installed() and not hasattr(BackupResponse, "start_backup_job")
    ext.install()
