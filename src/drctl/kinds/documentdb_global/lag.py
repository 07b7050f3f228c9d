"""The replication lag of a DocumentDB global cluster's DR member.

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
from drctl.kinds.global_cluster import Flavor, describe, member_in, short

NAMESPACE = "AWS/DocDB"
METRIC = "GlobalClusterReplicationLag"


def lag_seconds(flavor: Flavor, res: Any, ctx: RunContext) -> tuple[float | None, str]:
    """The DR member's lag (seconds, None without a recent datapoint) and the metric read."""
    glob = describe(flavor, res, ctx)
    secondary = member_in(glob, ctx.region("dr")) if glob else None
    if secondary is None:
        return None, METRIC
    ms = cloudwatch.latest_maximum(
        ctx.client("cloudwatch", "dr"),
        namespace=NAMESPACE,
        metric=METRIC,
        dimensions={"DBClusterIdentifier": short(secondary)},
        now=ctx.clock.now(),
    )
    return (None if ms is None else ms / 1000.0), METRIC
