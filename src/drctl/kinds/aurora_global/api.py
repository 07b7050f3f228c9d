"""Aurora global databases: members, the writer, switchover and failover."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from drctl.aws.errors import is_not_found


def describe_global(rds: Any, global_cluster: str) -> dict[str, Any] | None:
    try:
        found = rds.describe_global_clusters(GlobalClusterIdentifier=global_cluster)[
            "GlobalClusters"
        ]
    except ClientError as exc:
        if is_not_found(exc, "GlobalClusterNotFoundFault"):
            return None
        raise
    found = [g for g in found if g.get("GlobalClusterIdentifier") == global_cluster]
    return dict(found[0]) if found else None


def region_of(arn: str) -> str:
    return arn.split(":")[3]


def writer_arn(glob: dict[str, Any]) -> str | None:
    for member in glob.get("GlobalClusterMembers", []):
        if member.get("IsWriter"):
            return str(member["DBClusterArn"])
    return None


def member_in(glob: dict[str, Any], region: str) -> str | None:
    for member in glob.get("GlobalClusterMembers", []):
        if region_of(str(member["DBClusterArn"])) == region:
            return str(member["DBClusterArn"])
    return None


def switchover(rds: Any, global_cluster: str, target_arn: str) -> None:
    rds.switchover_global_cluster(
        GlobalClusterIdentifier=global_cluster, TargetDbClusterIdentifier=target_arn
    )


def failover(rds: Any, global_cluster: str, target_arn: str) -> None:
    rds.failover_global_cluster(
        GlobalClusterIdentifier=global_cluster,
        TargetDbClusterIdentifier=target_arn,
        AllowDataLoss=True,
    )


def failover_state(glob: dict[str, Any]) -> dict[str, Any] | None:
    """The switchover or failover in progress on the global cluster (AWS leaves the field
    empty, or out, when there is none)."""
    state = glob.get("FailoverState") or None
    return dict(state) if state and state.get("Status") else None


def synchronization(glob: dict[str, Any], arn: str) -> str | None:
    """A member's ``SynchronizationStatus`` (``connected`` / ``pending-resync``)."""
    for member in glob.get("GlobalClusterMembers", []):
        if member.get("DBClusterArn") == arn:
            status = member.get("SynchronizationStatus")
            return str(status) if status else None
    return None


def describe_cluster(rds: Any, arn: str) -> dict[str, Any] | None:
    """One member cluster (``rds`` must be a client of the member's region)."""
    try:
        found = rds.describe_db_clusters(DBClusterIdentifier=arn)["DBClusters"]
    except ClientError as exc:
        if is_not_found(exc, "DBClusterNotFoundFault"):
            return None
        raise
    return dict(found[0]) if found else None


def all_global_clusters(rds: Any) -> list[dict[str, Any]]:
    """Every Aurora global database of the account (discovery; the API is global)."""
    found: list[dict[str, Any]] = []
    for page in rds.get_paginator("describe_global_clusters").paginate():
        found += page.get("GlobalClusters", [])
    return found
