"""RDS publishes ``AWS/RDS ReplicaLag`` every minute for each read replica; moto does not.

In AWS, a read replica has a ``ReplicaLag`` datapoint per minute in CloudWatch
(namespace ``AWS/RDS``, dimension ``DBInstanceIdentifier``) for as long as it
replicates. moto's CloudWatch only returns what was put, so a replica created
during a run (failback's re-protecting replica) would have no lag at all and a
drain step could never see it catch up. This extension answers a
``GetMetricStatistics`` for the ReplicaLag of an existing replica that has no
datapoints in the window by publishing one, as RDS would, with the lag set by
:func:`set_replica_lag` (default 0: caught up). Datapoints put explicitly (the
sandbox builder's, a test's) always take precedence.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from drctl.sandbox.extensions import PatchSet

_patches = PatchSet()
_lock = threading.Lock()
_lags: dict[str, float] = {}  # instance id -> lag in seconds


def set_replica_lag(instance_id: str, seconds: float) -> None:
    with _lock:
        _lags[instance_id] = float(seconds)


def _replica_exists(account: str, region: str, instance_id: str) -> bool:
    from moto.rds.models import rds_backends

    instance = rds_backends[account][region].databases.get(instance_id)
    return bool(instance is not None and instance.source_db_instance_identifier)


def _wrap(original: Any) -> Any:
    def get_metric_statistics(self: Any, namespace: str, metric_name: str, *args: Any,
                              **kwargs: Any) -> Any:  # fmt: skip
        found = original(self, namespace, metric_name, *args, **kwargs)
        if found or namespace != "AWS/RDS" or metric_name != "ReplicaLag":
            return found
        dimensions = kwargs.get("dimensions") or []
        instance_id = next(
            (d.get("Value") for d in dimensions if d.get("Name") == "DBInstanceIdentifier"), None
        )
        if not instance_id or not _replica_exists(self.account_id, self.region_name, instance_id):
            return found
        end_time = args[1] if len(args) > 1 else kwargs["end_time"]
        period = args[2] if len(args) > 2 else kwargs["period"]
        with _lock:
            lag = _lags.get(instance_id, 0.0)
        self.put_metric_data(
            "AWS/RDS",
            [
                {
                    "MetricName": "ReplicaLag",
                    "Value": lag,
                    "Unit": "Seconds",
                    "Timestamp": end_time - timedelta(seconds=int(period)),
                    "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": instance_id}],
                }
            ],
        )
        return original(self, namespace, metric_name, *args, **kwargs)

    return get_metric_statistics


def install() -> None:
    if _patches.active:
        return
    from moto.cloudwatch.models import CloudWatchBackend

    _patches.replace(
        CloudWatchBackend,
        "get_metric_statistics",
        _wrap(CloudWatchBackend.get_metric_statistics),
    )


def uninstall() -> None:
    _patches.restore_all()
    with _lock:
        _lags.clear()


def is_installed() -> bool:
    return _patches.active
