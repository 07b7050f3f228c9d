"""Aurora global database switchover and failover, which moto does not implement.

AWS API reference (RDS, 2014-10-31), from the botocore model:

* ``SwitchoverGlobalCluster(GlobalClusterIdentifier, TargetDbClusterIdentifier)`` --
  planned: the target secondary becomes the writer, the old writer a secondary,
  no data loss.
* ``FailoverGlobalCluster(GlobalClusterIdentifier, TargetDbClusterIdentifier,
  AllowDataLoss, Switchover)`` -- unplanned: the target is promoted even if it lags.
* Both return ``GlobalCluster``. Errors: ``GlobalClusterNotFoundFault`` (unknown
  global cluster), ``DBClusterNotFoundFault`` (unknown target), ``InvalidParameterValue``
  (the target is not a member, or is already the writer).

moto keeps ``IsWriter`` per member; this extension swaps it, the result is
what ``DescribeGlobalClusters`` (served from one backend for every region in
moto, as in AWS) reports afterwards.
"""

from __future__ import annotations

from typing import Any

from drctl.kinds.sandboxing import PatchSet

_patches = PatchSet()


def _swap(response: Any) -> Any:
    from moto.core.responses import ActionResult
    from moto.rds.exceptions import DBClusterNotFoundError, InvalidParameterValue, RDSClientError

    gid = str(response.params.get("GlobalClusterIdentifier", "")).lower()
    target = response.params.get("TargetDbClusterIdentifier", "")
    glob = response.global_backend.global_clusters.get(gid)
    if glob is None:
        raise RDSClientError("GlobalClusterNotFoundFault", f"Global cluster {gid} not found.")
    member = next(
        (m for m in glob.members if target in (m.db_cluster_arn, m.db_cluster_identifier)), None
    )
    if member is None:
        if not str(target).startswith("arn:"):
            raise DBClusterNotFoundError(str(target))
        raise InvalidParameterValue(
            f"The target cluster {target} is not a member of global cluster {gid}."
        )
    if member.is_writer:
        raise InvalidParameterValue(f"{target} is already the primary cluster of {gid}.")
    for other in glob.members:
        other.is_writer = other is member
    return ActionResult({"GlobalCluster": glob})


def switchover_global_cluster(self: Any) -> Any:
    return _swap(self)


def failover_global_cluster(self: Any) -> Any:
    if not self.params.get("AllowDataLoss") and not self.params.get("Switchover"):
        from moto.rds.exceptions import InvalidParameterValue

        raise InvalidParameterValue(
            "FailoverGlobalCluster needs AllowDataLoss (or Switchover for a planned move)."
        )
    return _swap(self)


def install() -> None:
    if _patches.active:
        return
    from moto.rds.responses import RDSResponse

    _patches.replace(RDSResponse, "switchover_global_cluster", switchover_global_cluster)
    _patches.replace(RDSResponse, "failover_global_cluster", failover_global_cluster)


def uninstall() -> None:
    _patches.restore_all()


def is_installed() -> bool:
    return _patches.active
