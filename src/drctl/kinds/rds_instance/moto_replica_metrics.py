"""RDS publishes ``AWS/RDS ReplicaLag`` every minute for each read replica; moto does not.

In AWS, a read replica has a ``ReplicaLag`` datapoint per minute in CloudWatch
(namespace ``AWS/RDS``, dimension ``DBInstanceIdentifier``) for as long as it
replicates. moto's CloudWatch only returns what was put, so a replica created
during a run (failback's re-protecting replica) would have no lag at all and a
drain step could never see it catch up. This extension answers a
``GetMetricStatistics`` for the ReplicaLag of an existing replica that has no
datapoints in the window by publishing one, as RDS would, with the lag set by
:func:`set_replica_lag` (default 0: caught up). Datapoints put explicitly (the
sandbox builder's, a test's) take precedence -- except once the replica's source
is fenced (a read-only parameter group): with no writes arriving, a replica
catches up, so a fresh datapoint of 0 is published, as RDS would show.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from drctl.kinds.sandboxing import PatchSet

_patches = PatchSet()
_lock = threading.Lock()
_lags: dict[str, float] = {}  # instance id -> lag in seconds


def set_replica_lag(instance_id: str, seconds: float) -> None:
    with _lock:
        _lags[instance_id] = float(seconds)


def _replica_state(account: str, region: str, instance_id: str) -> tuple[bool, bool]:
    """(is a replica, its source is fenced read-only)."""
    from moto.rds.models import rds_backends

    instance = rds_backends[account][region].databases.get(instance_id)
    if instance is None or not instance.source_db_instance_identifier:
        return False, False
    source_id = str(instance.source_db_instance_identifier)
    source = None
    if source_id.startswith("arn:"):
        parts = source_id.split(":")
        source = rds_backends[parts[4]][parts[3]].databases.get(parts[6])
    else:
        source = rds_backends[account][region].databases.get(source_id)
    group = str(getattr(source, "db_parameter_group_name", "") or "")
    return True, group.startswith("drctl-readonly-")


def _wrap(original: Any) -> Any:
    def get_metric_statistics(self: Any, namespace: str, metric_name: str, *args: Any,
                              **kwargs: Any) -> Any:  # fmt: skip
        found = original(self, namespace, metric_name, *args, **kwargs)
        if namespace != "AWS/RDS" or metric_name != "ReplicaLag":
            return found
        dimensions = kwargs.get("dimensions") or []
        instance_id = next(
            (d.get("Value") for d in dimensions if d.get("Name") == "DBInstanceIdentifier"), None
        )
        if not instance_id:
            return found
        replica, fenced = _replica_state(self.account_id, self.region_name, instance_id)
        if not replica or (found and not fenced):
            return found
        end_time = args[1] if len(args) > 1 else kwargs["end_time"]
        with _lock:
            lag = 0.0 if fenced else _lags.get(instance_id, 0.0)
        self.put_metric_data(
            "AWS/RDS",
            [
                {
                    "MetricName": "ReplicaLag",
                    "Value": lag,
                    "Unit": "Seconds",
                    # The newest point in the window: RDS has just published it.
                    "Timestamp": end_time - timedelta(seconds=1),
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
