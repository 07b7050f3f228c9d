"""RDS publishes ``AWS/RDS ReplicaLag`` every minute for each read replica; moto does not.

In AWS a read replica has one ``ReplicaLag`` datapoint per minute (namespace ``AWS/RDS``,
dimension ``DBInstanceIdentifier``) while it replicates, -1 when replication is not active
(RDS User Guide, "Monitoring MySQL read replication lag": "If the ReplicaLag metric returns
-1, then replication is currently not active"), and for PostgreSQL the value of
``now() - pg_last_xact_replay_timestamp()`` (which grows while the source is idle). moto's
CloudWatch only returns what was put. This extension publishes, when the metric is read, the
datapoints RDS would have published for each minute up to the sandbox's AWS time
(:func:`lag_at` is the model). A datapoint put explicitly (the sandbox builder's, a test's)
sets the lag the replica runs at while its source takes writes.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from drctl.kinds.sandboxing import PatchSet

_patches = PatchSet()
_lock = threading.Lock()
_lags: dict[str, float] = {}  # instance id -> lag in seconds
_PUBLISHED = "_drctl_lag_published_until"
_publishing = threading.local()


def set_replica_lag(instance_id: str, seconds: float) -> None:
    with _lock:
        _lags[instance_id] = float(seconds)


def _source_of(replica: Any) -> Any | None:
    from moto.rds.models import rds_backends

    source_id = str(replica.source_db_instance_identifier or "")
    if source_id.startswith("arn:"):
        parts = source_id.split(":")
        return rds_backends[parts[4]][parts[3]].databases.get(parts[6])
    return replica.backend.databases.get(source_id) if source_id else None


def lag_at(replica: Any, at: datetime) -> float | None:
    """What RDS publishes as the replica's ReplicaLag for the minute ``at``; None: nothing.

    * no datapoint before the replica replicates (``creating``) or once it was promoted;
    * -1 while replication is not running: promotion under way, the source stopped or
      rebooting (a fence applied with a reboot), the source gone (a broken link);
    * otherwise the lag last set (``set_replica_lag`` or a datapoint put explicitly) while the
      source takes writes; once it stopped taking writes (fenced read-only, in-sync), a MySQL
      replica drains to 0 ("Seconds_Behind_Master"), while PostgreSQL reports
      now - last replayed transaction, which grows while the source is idle.
    """
    from drctl.kinds.rds_instance import moto_lifecycle as lifecycle
    from drctl.kinds.rds_instance.moto_promote import PROMOTED_AT, PROMOTING_SINCE

    since = lifecycle.replicating_since(replica)
    if since is None or at < since:
        return None
    promoted = replica.__dict__.get(PROMOTED_AT)
    if promoted is not None and at >= promoted:
        return None
    promoting = replica.__dict__.get(PROMOTING_SINCE)
    if promoting is not None and at >= promoting:
        return -1.0
    if not replica.is_replica:
        return None
    source = _source_of(replica)
    if source is None or source.status in ("stopped", "stopping", "rebooting", "deleting"):
        return -1.0
    with _lock:
        steady = _lags.get(replica.db_instance_identifier, 0.0)
    stopped = lifecycle.writes_stopped_at(source)
    if stopped is None or at < stopped:
        return steady
    idle = (at - stopped).total_seconds()
    if str(replica.engine).startswith("postgres"):
        return max(steady, idle)
    return max(0.0, steady - idle)


def _instance(account: str, region: str, instance_id: str) -> Any | None:
    from moto.rds.models import rds_backends

    return rds_backends[account][region].databases.get(instance_id)


def _wrap_put(original: Any) -> Any:
    def put_metric_data(self: Any, namespace: str, metric_data: Any) -> Any:
        if namespace == "AWS/RDS" and not getattr(_publishing, "on", False):
            for datum in metric_data:
                if datum.get("MetricName") != "ReplicaLag":
                    continue
                for dim in datum.get("Dimensions") or []:
                    if dim.get("Name") == "DBInstanceIdentifier":
                        # An explicit datapoint sets the lag the replica runs at.
                        set_replica_lag(str(dim.get("Value")), float(datum.get("Value", 0)))
        return original(self, namespace, metric_data)

    return put_metric_data


def _wrap(original: Any) -> Any:
    def get_metric_statistics(self: Any, namespace: str, metric_name: str, *args: Any,
                              **kwargs: Any) -> Any:  # fmt: skip
        if namespace == "AWS/RDS" and metric_name == "ReplicaLag":
            dimensions = kwargs.get("dimensions") or (args[4] if len(args) > 4 else [])
            instance_id = next(
                (d.get("Value") for d in dimensions if d.get("Name") == "DBInstanceIdentifier"),
                None,
            )
            replica = _instance(self.account_id, self.region_name, str(instance_id or ""))
            if replica is not None:
                _publish(self, replica)
        return original(self, namespace, metric_name, *args, **kwargs)

    return get_metric_statistics


def _publish(backend: Any, replica: Any) -> None:
    """Publish the per-minute datapoints RDS would have published up to now."""
    from drctl.kinds.sandboxing import aws_time

    now = aws_time.now()
    with _lock:
        # Kept on the instance: moto's reset (new backends) starts a fresh history.
        last = replica.__dict__.get(_PUBLISHED)
        if last is None or last > now or last < now - timedelta(minutes=15):
            last = now - timedelta(minutes=15)
        start = last
        replica.__dict__[_PUBLISHED] = now
    minute = start.replace(second=0, microsecond=0) + timedelta(minutes=1)
    points = []
    while minute <= now:
        value = lag_at(replica, minute)
        if value is not None:
            points.append(
                {
                    "MetricName": "ReplicaLag",
                    "Value": value,
                    "Unit": "Seconds",
                    # moto keeps metric timestamps as naive UTC.
                    "Timestamp": minute.astimezone(UTC).replace(tzinfo=None),
                    "Dimensions": [
                        {"Name": "DBInstanceIdentifier", "Value": replica.db_instance_identifier}
                    ],
                }
            )
        minute += timedelta(minutes=1)
    if points:
        _publishing.on = True
        try:
            backend.put_metric_data("AWS/RDS", points)
        finally:
            _publishing.on = False


def install() -> None:
    if _patches.active:
        return
    from moto.cloudwatch.models import CloudWatchBackend

    _patches.replace(
        CloudWatchBackend,
        "get_metric_statistics",
        _wrap(CloudWatchBackend.get_metric_statistics),
    )
    _patches.replace(
        CloudWatchBackend, "put_metric_data", _wrap_put(CloudWatchBackend.put_metric_data)
    )


def uninstall() -> None:
    _patches.restore_all()
    with _lock:
        _lags.clear()


def is_installed() -> bool:
    return _patches.active
