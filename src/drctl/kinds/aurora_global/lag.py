"""The replication lag of an Aurora global database's secondary (the DR member; home after a
failover), on the metric that measures what a failover would lose for its engine."""

from __future__ import annotations

from typing import Any

from drctl.aws import cloudwatch
from drctl.engine.context import RunContext
from drctl.kinds.global_cluster import Flavor, describe, measured_member, short

REPLICATION_LAG = "AuroraGlobalDBReplicationLag"
RPO_LAG = "AuroraGlobalDBRPOLag"


def lag_metric(engine: str | None) -> str:
    """The metric that measures what a failover loses, per engine.

    AWS documents ``AuroraGlobalDBRPOLag`` for Aurora PostgreSQL: the time between the last
    commit stored on the secondary and the last one on the primary, which is the data a
    failover loses (``AuroraGlobalDBReplicationLag`` there tracks storage replication, not
    commits). Aurora MySQL publishes only ``AuroraGlobalDBReplicationLag``. Source: "Monitoring
    Aurora global databases" and "Managing RPOs for Aurora PostgreSQL-based global databases"
    (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.AuroraMonitoring.Metrics.html,
    https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-disaster-recovery.html).
    """
    return RPO_LAG if str(engine or "").startswith("aurora-postgresql") else REPLICATION_LAG


def lag_seconds(flavor: Flavor, res: Any, ctx: RunContext) -> tuple[float | None, str]:
    """The lag of the member replicating now (the DR member; home after a failover), in
    seconds (None without a recent datapoint, or while that member is ``pending-resync``),
    and the metric read."""
    glob = describe(flavor, res, ctx)
    metric = lag_metric(glob.get("Engine") if glob else None)
    found = measured_member(ctx, glob) if glob else None
    if found is None:
        return None, metric
    secondary, side = found
    ms = cloudwatch.latest_maximum(
        ctx.client("cloudwatch", side),
        namespace="AWS/RDS",
        metric=metric,
        dimensions={"DBClusterIdentifier": short(secondary)},
        now=ctx.clock.now(),
    )
    return (None if ms is None else ms / 1000.0), metric
