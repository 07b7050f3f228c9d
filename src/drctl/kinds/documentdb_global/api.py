"""Amazon DocumentDB global clusters on the ``docdb`` client: the global cluster and its
members, switchover and failover (the ``docdb`` client signs for the RDS endpoint, and IAM
knows these calls as ``rds:*`` actions). The answers are read by
:mod:`drctl.kinds.global_cluster`, shared with Aurora global databases.

Source: the Amazon DocumentDB API reference (``DescribeGlobalClusters``,
``DescribeDBClusters``, ``SwitchoverGlobalCluster``, ``FailoverGlobalCluster``),
https://docs.aws.amazon.com/documentdb/latest/developerguide/API_Operations_Amazon_DocumentDB.html
"""

from __future__ import annotations

from typing import Any

from drctl.kinds.global_cluster import GlobalApi, first_found


def describe_global(docdb: Any, global_cluster: str) -> dict[str, Any] | None:
    return first_found(
        lambda: docdb.describe_global_clusters(GlobalClusterIdentifier=global_cluster)[
            "GlobalClusters"
        ],
        "GlobalClusterNotFoundFault",
        "GlobalClusterIdentifier",
        global_cluster,
    )


def describe_cluster(docdb: Any, arn: str) -> dict[str, Any] | None:
    """One member cluster (``docdb`` must be a client of the member's Region)."""
    return first_found(
        lambda: docdb.describe_db_clusters(DBClusterIdentifier=arn)["DBClusters"],
        "DBClusterNotFoundFault",
    )


def switchover(docdb: Any, global_cluster: str, target_arn: str) -> None:
    docdb.switchover_global_cluster(
        GlobalClusterIdentifier=global_cluster, TargetDbClusterIdentifier=target_arn
    )


def failover(docdb: Any, global_cluster: str, target_arn: str) -> None:
    """``AllowDataLoss``: the fail over for a primary Region that is down (without it, or
    with ``Switchover``, DocumentDB switches over and needs the primary to answer)."""
    docdb.failover_global_cluster(
        GlobalClusterIdentifier=global_cluster,
        TargetDbClusterIdentifier=target_arn,
        AllowDataLoss=True,
    )


API = GlobalApi(describe_global, describe_cluster, switchover, failover)
