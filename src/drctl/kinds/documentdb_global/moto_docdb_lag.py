"""DocumentDB publishes ``AWS/DocDB GlobalClusterReplicationLag`` for each secondary; moto does
not.

In AWS the secondary cluster of a global cluster reports, every minute, "the amount of lag, in
milliseconds, when replicating change events from the primary cluster's AWS Region to the
secondary cluster's" ("Monitoring Amazon DocumentDB global clusters",
https://docs.aws.amazon.com/documentdb/latest/developerguide/global-clusters-monitor.html),
dimension ``DBClusterIdentifier``, in the secondary's Region. moto's CloudWatch returns only
what was put. This extension publishes, when the metric is read, the datapoints of each minute
up to the sandbox's AWS time (at most the last 15 minutes) for a member that replicates:

* a secondary (``IsWriter`` false) that is ``connected``: the lag last put for it explicitly
  (the sandbox builder's, a test's), 0 until one is;
* nothing for the writer, for a member still ``pending-resync`` after a failover, and nothing
  while the writer's Region is down in the sandbox (nothing arrives to measure): the sandbox's
  choice, so that ``drctl`` sees the lag as unknown rather than as zero.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from drctl.kinds import moto_global_clusters
from drctl.kinds.documentdb_global.lag import METRIC, NAMESPACE
from drctl.kinds.sandboxing import PatchSet, aws_time, unreachable

_patches = PatchSet()
_lock = threading.Lock()
_steady: dict[str, float] = {}  # cluster id -> the lag (ms) it runs at
_SINCE = "_drctl_lag_published_until"
_own = threading.local()


def _global_of(cluster: Any) -> Any | None:
    from moto.rds.models import rds_backends

    for backend in rds_backends[cluster.account_id].values():
        for glob in backend.global_clusters.values():
            if cluster in glob.members:
                return glob
    return None


def lag_at(cluster: Any, at: datetime) -> float | None:
    """The datapoint DocumentDB publishes for ``cluster`` at ``at`` (ms); None: nothing."""
    glob = _global_of(cluster)
    if glob is None or str(cluster.engine) != "docdb":
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
        return _steady.get(cluster.db_cluster_identifier, 0.0)


def _dimension(dimensions: Any) -> str | None:
    for dim in dimensions or []:
        if dim.get("Name") == "DBClusterIdentifier":
            return str(dim.get("Value"))
    return None


def _wrap_put(original: Any) -> Any:
    def put_metric_data(self: Any, namespace: str, metric_data: Any) -> Any:
        if namespace == NAMESPACE and not getattr(_own, "on", False):
            for datum in metric_data:
                name = _dimension(datum.get("Dimensions"))
                if datum.get("MetricName") == METRIC and name is not None:
                    with _lock:  # an explicit datapoint sets the lag the member runs at
                        _steady[name] = float(datum.get("Value", 0))
        return original(self, namespace, metric_data)

    return put_metric_data


def _wrap_get(original: Any) -> Any:
    def get_metric_statistics(self: Any, namespace: str, metric_name: str, *args: Any,
                              **kwargs: Any) -> Any:  # fmt: skip
        if namespace == NAMESPACE and metric_name == METRIC:
            dims = kwargs.get("dimensions") or (args[4] if len(args) > 4 else [])
            from moto.rds.models import rds_backends

            clusters = rds_backends[self.account_id][self.region_name].clusters
            cluster = clusters.get(_dimension(dims) or "")
            if cluster is not None:
                _catch_up(self, cluster)
        return original(self, namespace, metric_name, *args, **kwargs)

    return get_metric_statistics


def _catch_up(cloudwatch: Any, cluster: Any) -> None:
    """Put the minutes DocumentDB would have published since the last read."""
    now = aws_time.now()
    earliest = now - timedelta(minutes=15)
    with _lock:
        since = cluster.__dict__.get(_SINCE)
        cluster.__dict__[_SINCE] = now
    if since is None or not earliest <= since <= now:
        since = earliest
    minutes = []
    at = since.replace(second=0, microsecond=0) + timedelta(minutes=1)
    while at <= now:
        minutes.append(at)
        at += timedelta(minutes=1)
    points = [
        {
            "MetricName": METRIC,
            "Value": value,
            "Unit": "Milliseconds",
            "Timestamp": minute.astimezone(UTC).replace(tzinfo=None),  # moto keeps naive UTC
            "Dimensions": [{"Name": "DBClusterIdentifier", "Value": cluster.db_cluster_identifier}],
        }
        for minute in minutes
        if (value := lag_at(cluster, minute)) is not None
    ]
    if points:
        _own.on = True
        try:
            cloudwatch.put_metric_data(NAMESPACE, points)
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
    with _lock:
        _steady.clear()


def is_installed() -> bool:
    return _patches.active
