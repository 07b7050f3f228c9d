"""The replication lag a global cluster's secondary publishes to CloudWatch, which moto does
not: Aurora global databases and DocumentDB global clusters alike.

In AWS a secondary cluster reports, every minute, how far it is behind the writer, in its own
Region, dimension ``DBClusterIdentifier``; the writer reports none ("This metric is available
only in secondary AWS Regions"):

* Aurora (``AWS/RDS``): ``AuroraGlobalDBReplicationLag``, Aurora MySQL and Aurora PostgreSQL;
  ``AuroraGlobalDBRPOLag`` ("the time between the primary cluster's most recent user
  transaction commit and the secondary's"), Aurora PostgreSQL only ("Amazon CloudWatch metrics
  for Amazon Aurora", https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.AuroraMonitoring.Metrics.html;
  ``aurora_global_db_status``, https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora_global_db_status.html:
  -1 "denotes the primary DB cluster (and thus, lag isn't relevant)").
* DocumentDB (``AWS/DocDB``): ``GlobalClusterReplicationLag``, "the amount of lag, in
  milliseconds, when replicating change events from the primary cluster's AWS Region to the
  secondary cluster's" ("Monitoring Amazon DocumentDB global clusters",
  https://docs.aws.amazon.com/documentdb/latest/developerguide/global-clusters-monitor.html).

moto's CloudWatch returns only what was put, so a datapoint put once (the sandbox builder's)
stood for a lag that never changed: still there after the member became the writer, after a
failover left it ``pending-resync``, during an outage of the writer's Region. This extension
publishes, when the metric is read, the datapoints of each minute up to the sandbox's AWS time
(at most the last 15 minutes) for a member that replicates:

* a secondary (``IsWriter`` false) that is ``connected``: the lag last put for it explicitly
  (the sandbox builder's, a test's), 0 until one is;
* nothing for the writer, for a member still ``pending-resync`` after a failover, and nothing
  while the writer's Region is down in the sandbox (nothing arrives to measure): the sandbox's
  choice, so that ``drctl`` sees the lag as unknown rather than as zero.

Explicitly put datapoints are kept as put (CloudWatch keeps what it was given).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from drctl.kinds import moto_global_clusters
from drctl.kinds.sandboxing import PatchSet, aws_time, unreachable


@dataclass(frozen=True)
class Series:
    """One lag metric and the engines whose secondaries publish it."""

    namespace: str
    metric: str
    engines: tuple[str, ...]  # engine names, or prefixes ending in "-"

    def publishes(self, engine: str) -> bool:
        return any(engine == e or (e.endswith("-") and engine.startswith(e)) for e in self.engines)


SERIES: Final = (
    Series("AWS/RDS", "AuroraGlobalDBReplicationLag", ("aurora", "aurora-")),
    Series("AWS/RDS", "AuroraGlobalDBRPOLag", ("aurora-postgresql",)),
    Series("AWS/DocDB", "GlobalClusterReplicationLag", ("docdb",)),
)
_BY_NAME: Final = {(s.namespace, s.metric): s for s in SERIES}

_patches = PatchSet()
_lock = threading.Lock()
_STEADY: Final = "_drctl_lag_steady"  # cluster attribute: {(namespace, metric): ms}
_SINCE: Final = "_drctl_lag_published_until"  # cluster attribute: {metric: AWS time}
_own = threading.local()


def _global_of(cluster: Any) -> Any | None:
    from moto.rds.models import rds_backends

    for backend in rds_backends[cluster.account_id].values():
        for glob in backend.global_clusters.values():
            if cluster in glob.members:
                return glob
    return None


def lag_at(cluster: Any, at: datetime, series: Series) -> float | None:
    """The datapoint ``cluster`` publishes on ``series`` at ``at`` (ms); None: nothing."""
    glob = _global_of(cluster)
    if glob is None or not series.publishes(str(cluster.engine)):
        return None
    moto_global_clusters.settle(glob)
    if cluster.is_writer or moto_global_clusters.resyncing(glob, cluster.db_cluster_arn):
        return None
    writer = next((m for m in glob.members if m.is_writer), None)
    if writer is None:
        return None
    for down, up in unreachable.periods("rds", writer.region):
        if down <= at and (up is None or at < up):
            return None
    with _lock:
        return float(cluster.__dict__.get(_STEADY, {}).get((series.namespace, series.metric), 0.0))


def _dimension(dimensions: Any) -> str | None:
    for dim in dimensions or []:
        if dim.get("Name") == "DBClusterIdentifier":
            return str(dim.get("Value"))
    return None


def _cluster(cloudwatch: Any, dimensions: Any) -> Any | None:
    """The DB cluster a datapoint's ``DBClusterIdentifier`` names, in the metric's Region."""
    from moto.rds.models import rds_backends

    clusters = rds_backends[cloudwatch.account_id][cloudwatch.region_name].clusters
    return clusters.get(_dimension(dimensions) or "")


def _wrap_put(original: Any) -> Any:
    def put_metric_data(self: Any, namespace: str, metric_data: Any) -> Any:
        if not getattr(_own, "on", False):
            for datum in metric_data:
                key = (namespace, str(datum.get("MetricName")))
                cluster = _cluster(self, datum.get("Dimensions")) if key in _BY_NAME else None
                if cluster is not None:
                    with _lock:  # an explicit datapoint sets the lag the member runs at
                        steady = cluster.__dict__.setdefault(_STEADY, {})
                        steady[key] = float(datum.get("Value", 0))
        return original(self, namespace, metric_data)

    return put_metric_data


def _wrap_get(original: Any) -> Any:
    def get_metric_statistics(self: Any, namespace: str, metric_name: str, *args: Any,
                              **kwargs: Any) -> Any:  # fmt: skip
        series = _BY_NAME.get((namespace, metric_name))
        if series is not None:
            dims = kwargs.get("dimensions") or (args[4] if len(args) > 4 else [])
            cluster = _cluster(self, dims)
            if cluster is not None:
                _catch_up(self, cluster, series)
        return original(self, namespace, metric_name, *args, **kwargs)

    return get_metric_statistics


def _catch_up(cloudwatch: Any, cluster: Any, series: Series) -> None:
    """Put the minutes the cluster would have published on ``series`` since the last read."""
    now = aws_time.now()
    earliest = now - timedelta(minutes=15)
    with _lock:
        published = cluster.__dict__.setdefault(_SINCE, {})
        since = published.get(series.metric)
        published[series.metric] = now
    if since is None or not earliest <= since <= now:
        since = earliest
    minutes = []
    at = since.replace(second=0, microsecond=0) + timedelta(minutes=1)
    while at <= now:
        minutes.append(at)
        at += timedelta(minutes=1)
    points = [
        {
            "MetricName": series.metric,
            "Value": value,
            "Unit": "Milliseconds",
            "Timestamp": minute.astimezone(UTC).replace(tzinfo=None),  # moto keeps naive UTC
            "Dimensions": [{"Name": "DBClusterIdentifier", "Value": cluster.db_cluster_identifier}],
        }
        for minute in minutes
        if (value := lag_at(cluster, minute, series)) is not None
    ]
    if points:
        _own.on = True
        try:
            cloudwatch.put_metric_data(series.namespace, points)
        finally:
            _own.on = False


def install() -> None:
    if _patches.active:
        return
    from moto.cloudwatch.models import CloudWatchBackend

    get = CloudWatchBackend.get_metric_statistics
    _patches.replace(CloudWatchBackend, "get_metric_statistics", _wrap_get(get))
    _patches.replace(
        CloudWatchBackend, "put_metric_data", _wrap_put(CloudWatchBackend.put_metric_data)
    )


def uninstall() -> None:
    _patches.restore_all()


def is_installed() -> bool:
    return _patches.active
