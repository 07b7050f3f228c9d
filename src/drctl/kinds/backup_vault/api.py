"""Every AWS Backup, KMS and DynamoDB call of the ``backup-vault`` kind: the vaults, the
backup plans and their copy rules, recovery points and copy jobs, and the restore drill's
restore job and the table it creates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from drctl.aws.errors import is_not_found


def describe_vault(backup: Any, name: str) -> dict[str, Any] | None:
    """The vault of the client's Region, or None when there is none of that name."""
    try:
        found = dict(backup.describe_backup_vault(BackupVaultName=name))
    except ClientError as exc:
        if is_not_found(exc, "ResourceNotFoundException", "AccessDeniedException"):
            return None
        raise
    found.pop("ResponseMetadata", None)
    return found


def find_plan(backup: Any, name_or_id: str) -> dict[str, Any] | None:
    """The live backup plan whose name or id is ``name_or_id`` (``GetBackupPlan``), or None."""
    plan_id = None
    for page in backup.get_paginator("list_backup_plans").paginate():
        for entry in page.get("BackupPlansList", []):
            if name_or_id in (entry.get("BackupPlanName"), entry.get("BackupPlanId")):
                plan_id = str(entry["BackupPlanId"])
                break
        if plan_id:
            break
    if plan_id is None:
        return None
    try:
        found = dict(backup.get_backup_plan(BackupPlanId=plan_id))
    except ClientError as exc:
        if is_not_found(exc, "ResourceNotFoundException"):
            return None
        raise
    found.pop("ResponseMetadata", None)
    return found


def copy_rules(plan: dict[str, Any], source_vault: str, destination_arn: str) -> list[str]:
    """Names of the plan's rules that back up into ``source_vault`` and copy to
    ``destination_arn``."""
    return [
        str(rule.get("RuleName"))
        for rule in plan.get("BackupPlan", {}).get("Rules", [])
        if rule.get("TargetBackupVaultName") == source_vault
        and any(
            a.get("DestinationBackupVaultArn") == destination_arn
            for a in rule.get("CopyActions") or []
        )
    ]


def create_plan(backup: Any, document: dict[str, Any]) -> str:
    """Create a backup plan; its id."""
    return str(backup.create_backup_plan(BackupPlan=document)["BackupPlanId"])


def selections(backup: Any, plan_id: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for page in backup.get_paginator("list_backup_selections").paginate(BackupPlanId=plan_id):
        found.extend(page.get("BackupSelectionsList", []))
    return found


def create_selection(backup: Any, plan_id: str, selection: dict[str, Any]) -> str:
    return str(
        backup.create_backup_selection(BackupPlanId=plan_id, BackupSelection=selection)[
            "SelectionId"
        ]
    )


def delete_selection(backup: Any, plan_id: str, selection_id: str) -> None:
    backup.delete_backup_selection(BackupPlanId=plan_id, SelectionId=selection_id)


def delete_plan(backup: Any, plan_id: str) -> None:
    backup.delete_backup_plan(BackupPlanId=plan_id)


def recovery_points(backup: Any, vault: str, resource_arn: str) -> list[dict[str, Any]]:
    """The vault's recovery points of ``resource_arn``, newest first."""
    found: list[dict[str, Any]] = []
    paginator = backup.get_paginator("list_recovery_points_by_backup_vault")
    for page in paginator.paginate(BackupVaultName=vault, ByResourceArn=resource_arn):
        found.extend(page.get("RecoveryPoints", []))
    return sorted(found, key=lambda p: p["CreationDate"], reverse=True)


def newest_completed(backup: Any, vault: str, resource_arn: str) -> dict[str, Any] | None:
    """The newest ``COMPLETED`` recovery point of ``resource_arn`` in ``vault``."""
    for point in recovery_points(backup, vault, resource_arn):
        if point.get("Status") == "COMPLETED":
            return point
    return None


def copy_jobs(backup: Any, destination_arn: str, since: datetime) -> list[dict[str, Any]]:
    """Copy jobs of the client's Region to ``destination_arn`` created since ``since``,
    newest first."""
    found: list[dict[str, Any]] = []
    paginator = backup.get_paginator("list_copy_jobs")
    for page in paginator.paginate(ByDestinationVaultArn=destination_arn, ByCreatedAfter=since):
        found.extend(page.get("CopyJobs", []))
    return sorted(found, key=lambda j: j["CreationDate"], reverse=True)


def start_restore(
    backup: Any, point_arn: str, role_arn: str, metadata: dict[str, str], resource_type: str
) -> str:
    """Start restoring ``point_arn``; the restore job's id."""
    return str(
        backup.start_restore_job(
            RecoveryPointArn=point_arn,
            IamRoleArn=role_arn,
            Metadata=metadata,
            ResourceType=resource_type,
        )["RestoreJobId"]
    )


def describe_restore(backup: Any, job_id: str) -> dict[str, Any] | None:
    try:
        found = dict(backup.describe_restore_job(RestoreJobId=job_id))
    except ClientError as exc:
        if is_not_found(exc, "ResourceNotFoundException"):
            return None
        raise
    found.pop("ResponseMetadata", None)
    return found


def describe_key(kms: Any, key: str) -> dict[str, Any] | None:
    """``KeyMetadata`` of a key in the client's Region, or None."""
    try:
        return dict(kms.describe_key(KeyId=key)["KeyMetadata"])
    except ClientError as exc:
        if is_not_found(exc, "NotFoundException"):
            return None
        raise


def describe_table(dynamodb: Any, table: str) -> dict[str, Any] | None:
    try:
        return dict(dynamodb.describe_table(TableName=table)["Table"])
    except ClientError as exc:
        if is_not_found(exc, "ResourceNotFoundException"):
            return None
        raise


def count_items(dynamodb: Any, table: str) -> int:
    """The items of a table, counted by a full ``Scan`` (``Select=COUNT``): exact, where
    ``DescribeTable``'s ``ItemCount`` is refreshed only about every six hours."""
    total = 0
    for page in dynamodb.get_paginator("scan").paginate(TableName=table, Select="COUNT"):
        total += int(page.get("Count", 0))
    return total


def delete_table(dynamodb: Any, table: str) -> bool:
    """Delete a table; False when there was none."""
    try:
        dynamodb.delete_table(TableName=table)
    except ClientError as exc:
        if is_not_found(exc, "ResourceNotFoundException"):
            return False
        raise
    return True
