"""Every EFS call of the ``efs-replication`` kind: file systems, their replication
configurations and overwrite protection, file system policies (the write fence), and backup
policies."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from drctl.aws.errors import is_not_found

LOCAL_ONLY = "LOCAL_CONFIGURATION_ONLY"


def describe_file_system(efs: Any, fs_id: str) -> dict[str, Any] | None:
    """The file system of that id in the client's Region, or None."""
    try:
        found = efs.describe_file_systems(FileSystemId=fs_id)["FileSystems"]
    except ClientError as exc:
        if is_not_found(exc, "FileSystemNotFound"):
            return None
        raise
    return dict(found[0]) if found else None


def file_systems_named(efs: Any, name: str) -> list[dict[str, Any]]:
    """The file systems of the client's Region whose Name tag is ``name``."""
    found: list[dict[str, Any]] = []
    for page in efs.get_paginator("describe_file_systems").paginate():
        found += [dict(fs) for fs in page["FileSystems"] if fs.get("Name") == name]
    return found


def replications(efs: Any, fs_id: str | None = None) -> list[dict[str, Any]]:
    """The replication configurations the client's Region records -- of ``fs_id`` (as source
    or destination) when given -- [] when it is in none."""
    try:
        if fs_id is None:
            found: list[dict[str, Any]] = []
            for page in efs.get_paginator("describe_replication_configurations").paginate():
                found += [dict(r) for r in page["Replications"]]
            return found
        answer = efs.describe_replication_configurations(FileSystemId=fs_id)
    except ClientError as exc:
        if is_not_found(exc, "ReplicationNotFound"):
            return []
        raise
    return [dict(r) for r in answer["Replications"]]


def create_replication(efs: Any, source_id: str, region: str, dest_id: str) -> dict[str, Any]:
    """Replicate ``source_id`` (client's Region) to the existing ``dest_id`` in ``region``
    (its overwrite protection must be DISABLED)."""
    return dict(
        efs.create_replication_configuration(
            SourceFileSystemId=source_id,
            Destinations=[{"Region": region, "FileSystemId": dest_id}],
        )
    )


def delete_replication(efs: Any, source_id: str, *, local_only: bool = False) -> None:
    """Delete the configuration whose source is ``source_id`` (from its source's or its
    destination's Region); ``local_only``: only the client's Region's record (the other
    Region does not answer)."""
    if local_only:
        efs.delete_replication_configuration(SourceFileSystemId=source_id, DeletionMode=LOCAL_ONLY)
    else:
        efs.delete_replication_configuration(SourceFileSystemId=source_id)


def set_overwrite_protection(efs: Any, fs_id: str, value: str) -> None:
    """``ENABLED`` (writeable) or ``DISABLED`` (may become a replication destination)."""
    efs.update_file_system_protection(FileSystemId=fs_id, ReplicationOverwriteProtection=value)


def backup_status(efs: Any, fs_id: str) -> str:
    """The automatic backup policy's status (``DISABLED`` when it has none)."""
    try:
        return str(efs.describe_backup_policy(FileSystemId=fs_id)["BackupPolicy"]["Status"])
    except ClientError as exc:
        if is_not_found(exc, "PolicyNotFound"):
            return "DISABLED"
        raise


def file_system_policy(efs: Any, fs_id: str) -> str | None:
    """The file system's policy (a JSON document), or None when the default policy is in
    effect: ``DescribeFileSystemPolicy`` then answers ``PolicyNotFound``."""
    try:
        return str(efs.describe_file_system_policy(FileSystemId=fs_id)["Policy"])
    except ClientError as exc:
        if is_not_found(exc, "PolicyNotFound"):
            return None
        raise


def put_file_system_policy(efs: Any, fs_id: str, policy: str) -> None:
    """Replace the file system's policy (the lockout safety check stays on: drctl's
    policies never deny ``PutFileSystemPolicy``)."""
    efs.put_file_system_policy(FileSystemId=fs_id, Policy=policy)


def delete_file_system_policy(efs: Any, fs_id: str) -> None:
    """Back to the default policy (full access for any client of a mount target)."""
    efs.delete_file_system_policy(FileSystemId=fs_id)


REPLICA_TAG = "drctl-replica-of"


def tag_replica(efs: Any, fs_id: str, primary_id: str) -> None:
    """Mark ``fs_id`` as the DR copy of ``primary_id``: once the replication configuration is
    deleted, nothing else in AWS links the two."""
    efs.tag_resource(ResourceId=fs_id, Tags=[{"Key": REPLICA_TAG, "Value": primary_id}])


def replicas_tagged(efs: Any) -> dict[str, str]:
    """File systems of the client's Region marked as DR copies: id -> the primary's id."""
    found: dict[str, str] = {}
    for page in efs.get_paginator("describe_file_systems").paginate():
        for fs in page["FileSystems"]:
            for tag in fs.get("Tags") or []:
                if tag.get("Key") == REPLICA_TAG:
                    found[str(fs["FileSystemId"])] = str(tag.get("Value"))
    return found
