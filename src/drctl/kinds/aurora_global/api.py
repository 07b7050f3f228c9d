"""Aurora global databases: members, the writer, switchover and failover.

The answers are read by :mod:`drctl.kinds.global_cluster`, which DocumentDB global clusters
share (the same API); the calls on the ``rds`` client are here.
"""

from __future__ import annotations

from typing import Any

from drctl.kinds.global_cluster import (
    GlobalApi,
    failover_state,
    first_found,
    member_in,
    region_of,
    synchronization,
    writer_arn,
)

__all__ = [
    "API",
    "describe_cluster",
    "describe_global",
    "failover",
    "failover_state",
    "member_in",
    "region_of",
    "switchover",
    "synchronization",
    "writer_arn",
]


def describe_global(rds: Any, global_cluster: str) -> dict[str, Any] | None:
    return first_found(
        lambda: rds.describe_global_clusters(GlobalClusterIdentifier=global_cluster)[
            "GlobalClusters"
        ],
        "GlobalClusterNotFoundFault",
        "GlobalClusterIdentifier",
        global_cluster,
    )


def describe_cluster(rds: Any, arn: str) -> dict[str, Any] | None:
    """One member cluster (``rds`` must be a client of the member's region)."""
    return first_found(
        lambda: rds.describe_db_clusters(DBClusterIdentifier=arn)["DBClusters"],
        "DBClusterNotFoundFault",
    )


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


API = GlobalApi(describe_global, describe_cluster, switchover, failover)


def all_global_clusters(rds: Any) -> list[dict[str, Any]]:
    """Every Aurora global database of the account (discovery; the API is global)."""
    found: list[dict[str, Any]] = []
    for page in rds.get_paginator("describe_global_clusters").paginate():
        found += page.get("GlobalClusters", [])
    return found
