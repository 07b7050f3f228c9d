"""The replication lag of a DocumentDB global cluster's secondary (DR; home after a failover).

DocumentDB publishes ``GlobalClusterReplicationLag`` -- "the amount of lag, in milliseconds,
when replicating change events from the primary cluster's AWS Region to the secondary
cluster's" -- under ``AWS/DocDB`` for the secondary cluster (dimension
``DBClusterIdentifier``), in the secondary's Region: what a failover with data loss would lose.
Source: "Monitoring Amazon DocumentDB global clusters"
(https://docs.aws.amazon.com/documentdb/latest/developerguide/global-clusters-monitor.html)
and "Amazon DocumentDB dimensions"
(https://docs.aws.amazon.com/documentdb/latest/developerguide/cloud_watch.html).
"""

from __future__ import annotations

from typing import Any

from drctl.aws import cloudwatch
from drctl.engine.context import RunContext
from drctl.kinds.global_cluster import Flavor, describe, measured_member, short

NAMESPACE = "AWS/DocDB"
METRIC = "GlobalClusterReplicationLag"


def lag_seconds(flavor: Flavor, res: Any, ctx: RunContext) -> tuple[float | None, str]:
    """The lag of the member replicating now (the DR member; home after a failover), in
    seconds (None without a recent datapoint, or while that member is ``pending-resync``),
    and the metric read."""
    glob = describe(flavor, res, ctx)
    found = measured_member(ctx, glob) if glob else None
    if found is None:
        return None, METRIC
    secondary, side = found
    ms = cloudwatch.latest_maximum(
        ctx.client("cloudwatch", side),
        namespace=NAMESPACE,
        metric=METRIC,
        dimensions={"DBClusterIdentifier": short(secondary)},
        now=ctx.clock.now(),
    )
    return (None if ms is None else ms / 1000.0), METRIC
