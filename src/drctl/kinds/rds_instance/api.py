"""Every RDS call of the rds-instance kind: describe, promote, fence, reprotect, back up,
restore. Small functions named for what they do; the only file of the kind that calls boto3."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from drctl.aws import cloudwatch
from drctl.aws.errors import is_not_found


def describe_instance(rds: Any, instance_id: str) -> dict[str, Any] | None:
    """The instance, or None if it does not exist."""
    try:
        found = rds.describe_db_instances(DBInstanceIdentifier=instance_id)["DBInstances"]
    except ClientError as exc:
        if is_not_found(exc, "DBInstanceNotFound", "DBInstanceNotFoundFault"):
            return None
        raise
    return found[0] if found else None


def replica_source(instance: dict[str, Any]) -> str | None:
    """The id or ARN this instance replicates from (cross-region replicas hold an ARN)."""
    source = instance.get("ReadReplicaSourceDBInstanceIdentifier")
    return str(source) if source else None


def same_instance(reference: str, instance: dict[str, Any]) -> bool:
    """Whether ``reference`` (an id or an ARN) names ``instance``."""
    return reference in {instance.get("DBInstanceIdentifier"), instance.get("DBInstanceArn")}


def is_standalone_writable(instance: dict[str, Any]) -> bool:
    """Promoted and usable: no replication source left and status available."""
    return replica_source(instance) is None and instance.get("DBInstanceStatus") == "available"


def promote_read_replica(
    rds: Any, instance_id: str, *, backup_retention_days: int | None = None
) -> dict[str, Any]:
    """Start promotion; AWS returns at once with the instance ``modifying``."""
    kwargs: dict[str, Any] = {"DBInstanceIdentifier": instance_id}
    if backup_retention_days:
        kwargs["BackupRetentionPeriod"] = backup_retention_days
    return dict(rds.promote_read_replica(**kwargs)["DBInstance"])


PROMOTING_STATES = ("modifying", "rebooting", "backing-up")


def promote_once(rds: Any, instance_id: str, *, backup_retention_days: int | None = None) -> bool:
    """Promote; False when RDS refuses because the instance is already standalone.

    botocore retries a call whose response was lost (a 5xx, a timeout) although
    RDS may have acted on the first attempt; the retry is then refused with
    ``InvalidDBInstanceState`` ("not a read replica"). The promotion we wanted
    has happened, so that is not a failure.
    """
    try:
        promote_read_replica(rds, instance_id, backup_retention_days=backup_retention_days)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "InvalidDBInstanceState":
            raise
        inst = describe_instance(rds, instance_id)
        if inst is None:
            raise
        # Standalone already, or the first attempt's promotion is under way (AWS refuses a
        # second call while the instance is modifying/rebooting/backing-up).
        under_way = inst.get("DBInstanceStatus") in PROMOTING_STATES
        if replica_source(inst) is not None and not under_way:
            raise
        return False
    return True


# ------------------------------------------------------------------ backups and restores
def replicated_backup(rds_dr: Any, source_arn: str) -> dict[str, Any] | None:
    """The replicated automated backup of ``source_arn`` in the client's region, if any."""
    paginator = rds_dr.get_paginator("describe_db_instance_automated_backups")
    for page in paginator.paginate():
        for backup in page.get("DBInstanceAutomatedBackups", []):
            if backup.get("DBInstanceArn") == source_arn and backup.get("Region") != _region(
                rds_dr
            ):
                return dict(backup)
    return None


def _region(client: Any) -> str:
    return str(client.meta.region_name)


def start_replication(rds_dr: Any, source_arn: str, kms_key_id: str | None = None) -> None:
    kwargs: dict[str, Any] = {"SourceDBInstanceArn": source_arn}
    if kms_key_id:
        kwargs["KmsKeyId"] = kms_key_id
    rds_dr.start_db_instance_automated_backups_replication(**kwargs)


def restore_latest(
    rds_dr: Any, backup_arn: str, target_id: str, instance_class: str, tags: dict[str, str]
) -> dict[str, Any]:
    response = rds_dr.restore_db_instance_to_point_in_time(
        SourceDBInstanceAutomatedBackupsArn=backup_arn,
        TargetDBInstanceIdentifier=target_id,
        UseLatestRestorableTime=True,
        DBInstanceClass=instance_class,
        PubliclyAccessible=False,
        DeletionProtection=False,
        Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
    )
    return dict(response["DBInstance"])


def restore_snapshot(
    rds_dr: Any,
    snapshot_id: str,
    target_id: str,
    instance_class: str,
    tags: dict[str, str],
    *,
    subnet_group: str | None = None,
    security_groups: list[str] | None = None,
) -> dict[str, Any]:
    """Restore; without a subnet group and security groups AWS uses the default VPC and its
    default group (API_RestoreDBInstanceFromDBSnapshot)."""
    placement: dict[str, Any] = {}
    if subnet_group:
        placement["DBSubnetGroupName"] = subnet_group
    if security_groups:
        placement["VpcSecurityGroupIds"] = list(security_groups)
    response = rds_dr.restore_db_instance_from_db_snapshot(
        DBSnapshotIdentifier=snapshot_id,
        DBInstanceIdentifier=target_id,
        DBInstanceClass=instance_class,
        PubliclyAccessible=False,
        DeletionProtection=False,
        Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
        **placement,
    )
    return dict(response["DBInstance"])


def subnet_group_exists(rds: Any, name: str) -> bool:
    try:
        return bool(rds.describe_db_subnet_groups(DBSubnetGroupName=name)["DBSubnetGroups"])
    except ClientError as exc:
        if is_not_found(exc, "DBSubnetGroupNotFoundFault", "DBSubnetGroupNotFound"):
            return False
        raise


def missing_security_groups(ec2: Any, group_ids: list[str]) -> list[str]:
    """Which of ``group_ids`` do not exist in the client's region."""
    missing = []
    for group_id in group_ids:
        try:
            ec2.describe_security_groups(GroupIds=[group_id])
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "InvalidGroup.NotFound":
                raise
            missing.append(group_id)
    return missing


def snapshot_taken_at(snapshot: dict[str, Any]) -> Any:
    """When the data in a snapshot was taken: for a copy, the original's creation time
    (``OriginalSnapshotCreateTime``), not the copy's (API_DBSnapshot)."""
    return snapshot.get("OriginalSnapshotCreateTime") or snapshot.get("SnapshotCreateTime")


def newest_snapshot(rds_dr: Any, source_instance: str) -> dict[str, Any] | None:
    """The newest available snapshot in the client's region whose source is
    ``source_instance`` (copies keep the source's instance identifier)."""
    paginator = rds_dr.get_paginator("describe_db_snapshots")
    found = [
        s
        for page in paginator.paginate()
        for s in page.get("DBSnapshots", [])
        if s.get("DBInstanceIdentifier") == source_instance and s.get("Status") == "available"
    ]
    # Newest data, not newest copy: an old snapshot copied late is still old.
    found.sort(key=lambda s: snapshot_taken_at(s) or datetime.min.replace(tzinfo=UTC))
    return dict(found[-1]) if found else None


def delete_throwaway(rds_dr: Any, instance_id: str) -> bool:
    """Delete without a final snapshot; False when it was already gone."""
    try:
        rds_dr.delete_db_instance(
            DBInstanceIdentifier=instance_id, SkipFinalSnapshot=True, DeleteAutomatedBackups=True
        )
    except ClientError as exc:
        if is_not_found(exc, "DBInstanceNotFound", "DBInstanceNotFoundFault"):
            return False
        raise
    return True


# ------------------------------------------------------------------ fencing and reprotect
READ_ONLY_PARAMETERS = {
    "mysql": ("read_only", "1"),
    "mariadb": ("read_only", "1"),
    "postgres": ("default_transaction_read_only", "on"),
}


def read_only_parameter(engine: str) -> tuple[str, str] | None:
    return READ_ONLY_PARAMETERS.get(engine.split("-")[0])


def parameter_group(instance: dict[str, Any]) -> str | None:
    groups = instance.get("DBParameterGroups") or []
    return str(groups[0]["DBParameterGroupName"]) if groups else None


def family_of(rds: Any, group: str) -> str:
    found = rds.describe_db_parameter_groups(DBParameterGroupName=group)["DBParameterGroups"]
    return str(found[0]["DBParameterGroupFamily"])


FENCE_PREFIX = "drctl-fenced-"
RESTORED_FROM_TAG = "drctl:restored-from"  # an instance drctl restored: from which snapshot
ORIGINAL_GROUP_TAG = "drctl:original-parameter-group"
DEFAULT_GROUP_PREFIX = "default."  # AWS names its default parameter groups default.<family>


def is_fence_group(group: str | None) -> bool:
    """A read-only group drctl made (``drctl-fenced-<instance>``, or the older shared
    ``drctl-readonly-<family>``)."""
    return bool(group) and str(group).startswith((FENCE_PREFIX, "drctl-readonly-"))


def parameter_apply_status(instance: dict[str, Any]) -> str | None:
    groups = instance.get("DBParameterGroups") or []
    return str(groups[0].get("ParameterApplyStatus")) if groups else None


def user_parameters(rds: Any, group: str) -> dict[str, str]:
    """The parameters set in ``group`` (Source=user), name -> value."""
    paginator = rds.get_paginator("describe_db_parameters")
    return {
        str(p["ParameterName"]): str(p.get("ParameterValue", ""))
        for page in paginator.paginate(DBParameterGroupName=group, Source="user")
        for p in page.get("Parameters", [])
    }


def _group_exists(rds: Any, name: str) -> bool:
    """Whether parameter group ``name`` is there already (a rerun finds the one it made);
    DescribeDBParameterGroups answers an unknown name with an error, not an empty list."""
    try:
        return bool(
            rds.describe_db_parameter_groups(DBParameterGroupName=name)["DBParameterGroups"]
        )
    except ClientError as exc:
        if not is_not_found(exc, "DBParameterGroupNotFound"):
            raise
        return False


def _set_at_once(rds: Any, name: str, parameter: tuple[str, str]) -> None:
    """Set ``parameter`` (name, value) in group ``name``, applied immediately: a fence that
    waited for the next maintenance window would not fence."""
    key, value = parameter
    rds.modify_db_parameter_group(
        DBParameterGroupName=name,
        Parameters=[{"ParameterName": key, "ParameterValue": value, "ApplyMethod": "immediate"}],
    )


def fence_group_for(rds: Any, instance_id: str, current: str, parameter: tuple[str, str]) -> str:
    """A copy of the instance's current group (custom parameters kept) with the read-only
    parameter set: ``drctl-fenced-<instance>``, tagged with the group it replaces. A default
    group cannot be copied ("You can't copy a default DB parameter group. Instead, create a
    new custom DB parameter group", CopyDBParameterGroup): the fence is then a new group of
    its family, which holds the family's defaults as the default group does."""
    name = (FENCE_PREFIX + instance_id)[:255]
    if not _group_exists(rds, name):
        description = f"drctl fencing of {instance_id}: no writes"
        tags = [
            {"Key": "drctl:purpose", "Value": "fencing"},
            {"Key": ORIGINAL_GROUP_TAG, "Value": current},
        ]
        family = default_group_family(current)
        if family is not None:
            rds.create_db_parameter_group(
                DBParameterGroupName=name, DBParameterGroupFamily=family,
                Description=description, Tags=tags,
            )  # fmt: skip
        else:
            rds.copy_db_parameter_group(
                SourceDBParameterGroupIdentifier=current,
                TargetDBParameterGroupIdentifier=name,
                TargetDBParameterGroupDescription=description,
                Tags=tags,
            )
    _set_at_once(rds, name, parameter)
    return name


def default_group_family(group: str) -> str | None:
    """The family of a default parameter group (``default.mysql8.0`` -> ``mysql8.0``: AWS
    names them ``default.<family>``), or None for a custom group."""
    return group[len(DEFAULT_GROUP_PREFIX) :] if group.startswith(DEFAULT_GROUP_PREFIX) else None


def reboot(rds: Any, instance_id: str) -> None:
    rds.reboot_db_instance(DBInstanceIdentifier=instance_id)


def writable(rds: Any, instance: dict[str, Any]) -> tuple[bool, str]:
    """Whether the instance takes writes, read from AWS: standalone, not on a drctl fence
    group, and no read-only parameter set in its group."""
    if replica_source(instance) is not None:
        return False, f"a read replica of {replica_source(instance)}"
    group = parameter_group(instance)
    if is_fence_group(group):
        return False, f"fenced: parameter group {group}"
    if group and default_group_family(group) is None:
        params = user_parameters(rds, group)
        for key, value in READ_ONLY_PARAMETERS.values():
            if params.get(key, "").lower() == value:
                return False, f"{key}={value} in parameter group {group}"
    return True, f"writable ({group or 'no parameter group'})"


def apply_parameter_group(rds: Any, instance_id: str, group: str) -> None:
    rds.modify_db_instance(
        DBInstanceIdentifier=instance_id, DBParameterGroupName=group, ApplyImmediately=True
    )


def instances_named(rds: Any, prefix: str) -> list[dict[str, Any]]:
    """Every instance in the client's region whose identifier starts with ``prefix``."""
    paginator = rds.get_paginator("describe_db_instances")
    return [
        dict(inst)
        for page in paginator.paginate()
        for inst in page.get("DBInstances", [])
        if str(inst.get("DBInstanceIdentifier", "")).startswith(prefix)
    ]


def delete_instance(rds: Any, instance_id: str, final_snapshot_id: str | None) -> None:
    """Delete an instance, with a final snapshot unless ``final_snapshot_id`` is None;
    automated backups are kept (AWS retains them for their retention period)."""
    kwargs: dict[str, Any] = {"DBInstanceIdentifier": instance_id, "DeleteAutomatedBackups": False}
    if final_snapshot_id is None:
        kwargs["SkipFinalSnapshot"] = True
    else:
        kwargs.update(SkipFinalSnapshot=False, FinalDBSnapshotIdentifier=final_snapshot_id)
    rds.delete_db_instance(**kwargs)


def rename_instance(rds: Any, instance_id: str, new_id: str) -> None:
    rds.modify_db_instance(
        DBInstanceIdentifier=instance_id, NewDBInstanceIdentifier=new_id, ApplyImmediately=True
    )


def original_parameter_group(rds: Any, fence_group: str) -> str | None:
    """The group a ``drctl-fenced-*`` copy replaced (its ``drctl:original-parameter-group``
    tag), or None when the group or the tag is gone (the old shared read-only groups)."""
    try:
        found = rds.describe_db_parameter_groups(DBParameterGroupName=fence_group)[
            "DBParameterGroups"
        ]
    except ClientError as exc:
        if is_not_found(exc, "DBParameterGroupNotFound"):
            return None
        raise
    if not found or not found[0].get("DBParameterGroupArn"):
        return None
    tags = rds.list_tags_for_resource(ResourceName=found[0]["DBParameterGroupArn"])
    for tag in tags.get("TagList") or []:
        if tag.get("Key") == ORIGINAL_GROUP_TAG:
            return str(tag["Value"])
    return None


def replica_arguments(
    instance_id: str, source_arn: str, topology: dict[str, Any], tags: dict[str, str]
) -> dict[str, Any]:
    """The CreateDBInstanceReadReplica request for a cross-Region replica placed like the
    instance it replaces (see :mod:`drctl.kinds.rds_instance.topology`): without them AWS
    puts it in the default VPC with the default security group and parameter group."""
    kwargs: dict[str, Any] = {
        "DBInstanceIdentifier": instance_id,
        "SourceDBInstanceIdentifier": source_arn,
    }
    fields = {
        "DBInstanceClass": topology.get("instance_class"),
        "DBSubnetGroupName": topology.get("db_subnet_group"),
        "VpcSecurityGroupIds": topology.get("vpc_security_group_ids") or None,
        "DBParameterGroupName": topology.get("parameter_group"),
        "MultiAZ": topology.get("multi_az"),
        "StorageType": topology.get("storage_type"),
        "KmsKeyId": topology.get("kms_key_id"),
    }
    kwargs.update({k: v for k, v in fields.items() if v is not None})
    kwargs["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
    return kwargs


def create_cross_region_replica(rds: Any, arguments: dict[str, Any]) -> None:
    rds.create_db_instance_read_replica(**arguments)


# ------------------------------------------------------------------ snapshots
def describe_snapshot(rds: Any, snapshot_id: str) -> dict[str, Any] | None:
    try:
        found = rds.describe_db_snapshots(DBSnapshotIdentifier=snapshot_id)["DBSnapshots"]
    except ClientError as exc:
        if is_not_found(exc, "DBSnapshotNotFound", "DBSnapshotNotFoundFault"):
            return None
        raise
    return dict(found[0]) if found else None


def create_snapshot(rds: Any, instance_id: str, snapshot_id: str, tags: dict[str, str]) -> None:
    rds.create_db_snapshot(
        DBInstanceIdentifier=instance_id,
        DBSnapshotIdentifier=snapshot_id,
        Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
    )


def copy_to_region(
    rds_dr: Any, source_arn: str, source_region: str, target_id: str, encrypted: bool
) -> None:
    """Copy a snapshot across regions; an encrypted one needs a key in the target region
    (the AWS managed ``alias/aws/rds`` there unless the account uses its own)."""
    kwargs: dict[str, Any] = {
        "SourceDBSnapshotIdentifier": source_arn,
        "TargetDBSnapshotIdentifier": target_id,
        "SourceRegion": source_region,
        "CopyTags": True,
    }
    if encrypted:
        kwargs["KmsKeyId"] = "alias/aws/rds"
    rds_dr.copy_db_snapshot(**kwargs)


# ------------------------------------------------------------------ metrics


def replica_lag_datapoint(
    cw: Any, instance_id: str, now: datetime, window_seconds: int = 600
) -> tuple[float, datetime] | None:
    """The newest ``AWS/RDS ReplicaLag`` datapoint (Maximum, timestamp), or None."""
    response = cw.get_metric_statistics(
        Namespace="AWS/RDS",
        MetricName="ReplicaLag",
        Dimensions=[{"Name": "DBInstanceIdentifier", "Value": instance_id}],
        StartTime=now - timedelta(seconds=window_seconds),
        EndTime=now + timedelta(seconds=60),
        Period=60,
        Statistics=["Maximum"],
    )
    points = sorted(response.get("Datapoints", []), key=lambda p: p["Timestamp"])
    if not points:
        return None
    return float(points[-1]["Maximum"]), points[-1]["Timestamp"]


def replica_lag_seconds(cw: Any, instance_id: str, now: datetime) -> float | None:
    """Latest ``AWS/RDS ReplicaLag`` of a read replica, in seconds."""
    return cloudwatch.latest_maximum(
        cw,
        namespace="AWS/RDS",
        metric="ReplicaLag",
        dimensions={"DBInstanceIdentifier": instance_id},
        now=now,
    )


def all_instances(rds: Any) -> list[dict[str, Any]]:
    """Every DB instance of the client's Region (discovery)."""
    found: list[dict[str, Any]] = []
    for page in rds.get_paginator("describe_db_instances").paginate():
        found += page.get("DBInstances", [])
    return found
