"""Aurora global databases as AWS runs them: switchover, failover, and the membership calls
whose moto versions would let a DR drill pass against behaviour AWS never shows.

What moto 5.2.5 does, and what this extension does instead (RDS API 2014-10-31, from the API
reference and the botocore service model):

* ``SwitchoverGlobalCluster`` / ``FailoverGlobalCluster`` raise ``NotImplementedError``.
  Here both move the writer role: the target member gets ``IsWriter``, the old writer becomes a
  read-only secondary and shows up in the new writer's ``Readers`` ("demotes the current primary
  cluster to a secondary (read-only) cluster, maintaining the original replication topology").
  ``FailoverGlobalCluster`` with ``AllowDataLoss`` is the failover, without it (or with
  ``Switchover``) a switchover; the two flags "can't be specified together"
  (``InvalidParameterCombination``).
* The move is asynchronous in AWS: the call answers with the global cluster still led by the old
  writer, ``Status`` ``switching-over`` / ``failing-over`` and a ``FailoverState``
  (``pending``, ``FromDbClusterArn``, ``ToDbClusterArn``, ``IsDataLossAllowed``). Here the
  writer changes when the next call reads that global cluster after
  :func:`set_transition_reads` ``DescribeGlobalClusters`` answers (default 0: the first read
  after the call already sees the new writer). A second switchover while one is in flight is
  ``InvalidGlobalClusterStateFault``.
* Errors (the operations' modelled faults): an unknown global cluster is
  ``GlobalClusterNotFoundFault`` (404); a target that names no cluster is
  ``DBClusterNotFoundFault`` (404); a cluster that exists but is not a member of this global
  database, a target that already is the writer, or one that is not ``available`` is
  ``InvalidDBClusterStateFault``.
* ``CreateGlobalCluster`` with ``SourceDBClusterIdentifier`` ("the ARN to use as the primary
  cluster of the global database") only finds sources in us-east-1, leaves the source with
  ``IsWriter`` false (so the global database has no writer at all), ignores the source's
  ``StorageEncrypted`` ("Amazon Aurora uses the values from the specified source DB cluster")
  and stores the global cluster's ARN as the source's ``GlobalClusterIdentifier``. Here the
  source is found in its own Region, becomes the writer, and the global cluster inherits its
  encryption; ``StorageEncrypted`` next to a source is ``InvalidParameterCombination`` and a
  source already in a global database is ``InvalidDBClusterStateFault``.
* ``DescribeGlobalClusters`` ignores ``GlobalClusterIdentifier`` (every global cluster comes
  back, an unknown one is no error). Here it filters, and an unknown identifier is
  ``GlobalClusterNotFoundFault``.
* ``RemoveFromGlobalCluster`` looks for the global cluster in the caller's Region, so outside
  us-east-1 it silently detaches nothing. Here the cluster ("an Aurora secondary cluster")
  leaves the global database from any Region and becomes standalone.

Global clusters live in moto's us-east-1 backend whatever Region is called (AWS serves them
from every Region a member lives in); member clusters live in their own Region's backend.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Final

from drctl.sandbox.extensions import PatchSet

__all__ = [
    "get_transition_reads",
    "install",
    "is_installed",
    "set_transition_reads",
    "uninstall",
]

_ARN_PREFIX: Final = "arn:"
_PENDING_ATTR: Final = "_drctl_pending_move"

_patches = PatchSet()
_lock = threading.Lock()
_transition_reads = 0


def set_transition_reads(reads: int) -> None:
    """How many ``DescribeGlobalClusters`` answers still show a switchover/failover in flight.

    0 (the default): the call's own answer shows the operation pending, every later read shows
    it done. Tests raise it to see a step's verification poll through the transition.
    """
    global _transition_reads
    if reads < 0:
        raise ValueError(f"transition reads must be >= 0, got {reads}")
    _transition_reads = reads


def get_transition_reads() -> int:
    """The number of in-flight reads a new switchover/failover gets."""
    return _transition_reads


@dataclass
class _PendingMove:
    """A switchover or failover the global cluster reports as in flight."""

    source: Any  # the DBCluster being demoted
    target: Any  # the DBCluster being promoted
    data_loss: bool
    reads_left: int

    @property
    def status(self) -> str:
        return "failing-over" if self.data_loss else "switching-over"


def _errors() -> Any:
    from moto.rds import exceptions

    return exceptions


def _global_not_found(identifier: str) -> Exception:
    exc: Exception = _errors().RDSClientError(
        "GlobalClusterNotFoundFault", f"Global cluster {identifier} not found."
    )
    return exc


def _cluster_state(message: str) -> Exception:
    exc: Exception = _errors().InvalidDBClusterStateFault(message)
    return exc


def _global_state(message: str) -> Exception:
    exc: Exception = _errors().RDSClientError("InvalidGlobalClusterStateFault", message)
    return exc


def _flag(value: Any) -> bool | None:
    """A boolean request parameter as moto's parser hands it over (bool or string), or None."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.lower() == "true"
    return bool(value)


def _backends() -> Any:
    from moto.rds.models import rds_backends

    return rds_backends


def _find_cluster(account: str, region: str, identifier: str) -> Any | None:
    """The DB cluster an ARN (any Region) or a bare identifier (``region``) names, or None."""
    ident = identifier
    if identifier.startswith(_ARN_PREFIX):
        # arn:<partition>:rds:<region>:<account>:cluster:<identifier>
        parts = identifier.split(":")
        if len(parts) < 7 or parts[5] != "cluster":
            return None
        region, account, ident = parts[3], parts[4], parts[6]
    try:
        backend = _backends()[account][region]
    except KeyError:
        return None
    return backend.clusters.get(ident.lower())


def _member(glob: Any, identifier: str) -> Any | None:
    """The member a target names, by ARN or (case-insensitively) by identifier."""
    wanted = identifier.lower()
    for member in glob.members:
        if identifier == member.db_cluster_arn or wanted == member.db_cluster_identifier:
            return member
    return None


def _writer(glob: Any) -> Any | None:
    return next((m for m in glob.members if m.is_writer), None)


def _settle(glob: Any, *, reading: bool) -> None:
    """Advance an in-flight move: a read uses up one in-flight answer, then the move lands."""
    pending: _PendingMove | None = getattr(glob, _PENDING_ATTR, None)
    if pending is None:
        return
    if pending.reads_left > 0:
        if reading:
            pending.reads_left -= 1
            glob.failover_state["Status"] = pending.status
        return
    if pending.target in glob.members:
        for member in glob.members:
            member.is_writer = member is pending.target
    glob.status = "available"
    glob.failover_state = None
    setattr(glob, _PENDING_ATTR, None)


def _start_move(response: Any, *, data_loss: bool) -> Any:
    """Validate a switchover/failover request and leave the global cluster in flight."""
    from moto.core.responses import ActionResult

    params = response.params
    gid = str(params.get("GlobalClusterIdentifier") or "")
    target_id = str(params.get("TargetDbClusterIdentifier") or "")
    with _lock:
        glob = response.global_backend.global_clusters.get(gid)
        if glob is None:
            raise _global_not_found(gid)
        _settle(glob, reading=False)
        if getattr(glob, _PENDING_ATTR, None) is not None:
            raise _global_state(
                f"Global cluster {glob.global_cluster_identifier} is {glob.status}; wait until "
                "the operation in progress completes."
            )
        target = _member(glob, target_id)
        if target is None:
            if _find_cluster(response.current_account, response.region, target_id) is None:
                raise _errors().DBClusterNotFoundError(target_id)
            raise _cluster_state(
                f"DB cluster {target_id} is not a member of global cluster "
                f"{glob.global_cluster_identifier}."
            )
        if target.is_writer:
            raise _cluster_state(
                f"DB cluster {target_id} is already the primary cluster of global cluster "
                f"{glob.global_cluster_identifier}."
            )
        if target.status != "available":
            raise _cluster_state(f"DB cluster {target_id} is {target.status}, not available.")
        source = _writer(glob)
        pending = _PendingMove(source, target, data_loss, _transition_reads)
        setattr(glob, _PENDING_ATTR, pending)
        glob.status = pending.status
        glob.failover_state = {
            "Status": "pending",
            "FromDbClusterArn": source.db_cluster_arn if source is not None else None,
            "ToDbClusterArn": target.db_cluster_arn,
            "IsDataLossAllowed": data_loss,
        }
    return ActionResult({"GlobalCluster": glob})


def switchover_global_cluster(self: Any) -> Any:
    """``RDSResponse.switchover_global_cluster``: a planned move, no data loss."""
    return _start_move(self, data_loss=False)


def failover_global_cluster(self: Any) -> Any:
    """``RDSResponse.failover_global_cluster``: ``AllowDataLoss`` fails over, else switches."""
    allow = _flag(self.params.get("AllowDataLoss"))
    switchover = _flag(self.params.get("Switchover"))
    if allow is not None and switchover is not None:
        raise _errors().InvalidParameterCombination(
            "AllowDataLoss can't be specified together with Switchover."
        )
    return _start_move(self, data_loss=bool(allow))


def describe_global_clusters(self: Any) -> Any:
    """``RDSResponse.describe_global_clusters`` honouring ``GlobalClusterIdentifier``."""
    from moto.core.responses import ActionResult

    gid = self.params.get("GlobalClusterIdentifier")
    with _lock:
        clusters = list(self.global_backend.describe_global_clusters())
        if gid:
            clusters = [g for g in clusters if g.global_cluster_identifier == str(gid).lower()]
            if not clusters:
                raise _global_not_found(str(gid))
        for glob in clusters:
            _settle(glob, reading=True)
    return ActionResult({"GlobalClusters": clusters})


def remove_from_global_cluster(self: Any) -> Any:
    """``RDSResponse.remove_from_global_cluster`` from any Region: the cluster goes standalone."""
    from moto.core.responses import ActionResult

    gid = str(self.params.get("GlobalClusterIdentifier") or "")
    cluster_id = str(self.params.get("DbClusterIdentifier") or "")
    with _lock:
        glob = self.global_backend.global_clusters.get(gid)
        if glob is None:
            raise _global_not_found(gid)
        _settle(glob, reading=False)
        member = _member(glob, cluster_id)
        if member is None:
            raise _errors().DBClusterNotFoundError(cluster_id)
        glob.members.remove(member)
        member.global_cluster_identifier = None
        member.is_writer = False
    return ActionResult({"GlobalCluster": glob})


def _wrap_create_global_cluster(original: Any) -> Any:
    def create_global_cluster(
        self: Any,
        global_cluster_identifier: str,
        source_db_cluster_identifier: str | None,
        engine: str | None,
        engine_version: str | None,
        storage_encrypted: bool | None,
        deletion_protection: bool | None,
    ) -> Any:
        """``RDSBackend.create_global_cluster``: a source cluster in any Region, as writer."""
        if source_db_cluster_identifier is None:
            return original(
                self, global_cluster_identifier, None, engine, engine_version,
                storage_encrypted, deletion_protection,
            )  # fmt: skip
        errors = _errors()
        if engine is not None or engine_version is not None or storage_encrypted is not None:
            raise errors.InvalidParameterCombination(
                "When creating a global cluster from an existing DB cluster, don't specify "
                "Engine, EngineVersion or StorageEncrypted: they come from the source cluster."
            )
        if not source_db_cluster_identifier.startswith(_ARN_PREFIX):
            raise errors.InvalidParameterValue(
                f"SourceDBClusterIdentifier must be a DB cluster ARN: "
                f"{source_db_cluster_identifier}"
            )
        source = _find_cluster(self.account_id, self.region_name, source_db_cluster_identifier)
        if source is None:
            raise errors.DBClusterNotFoundError(source_db_cluster_identifier)
        if source.global_cluster_identifier:
            raise errors.InvalidDBClusterStateFault(
                f"DB cluster {source.db_cluster_identifier} is already a member of global "
                f"cluster {source.global_cluster_identifier}."
            )
        glob = original(
            self, global_cluster_identifier, None, source.engine, source.engine_version,
            bool(source.storage_encrypted), deletion_protection,
        )  # fmt: skip
        source.global_cluster_identifier = glob.global_cluster_identifier
        source.is_writer = True
        glob.members.append(source)
        return glob

    return create_global_cluster


def install() -> None:
    """Patch moto's RDS response and backend classes; idempotent."""
    if _patches.active:
        return
    from moto.rds.models import RDSBackend
    from moto.rds.responses import RDSResponse

    _patches.replace(RDSResponse, "switchover_global_cluster", switchover_global_cluster)
    _patches.replace(RDSResponse, "failover_global_cluster", failover_global_cluster)
    _patches.replace(RDSResponse, "describe_global_clusters", describe_global_clusters)
    _patches.replace(RDSResponse, "remove_from_global_cluster", remove_from_global_cluster)
    _patches.replace(
        RDSBackend,
        "create_global_cluster",
        _wrap_create_global_cluster(RDSBackend.create_global_cluster),
    )


def uninstall() -> None:
    """Restore moto's RDS classes and the default of no in-flight reads."""
    _patches.restore_all()
    set_transition_reads(0)


def is_installed() -> bool:
    """Whether this extension is in effect."""
    return _patches.active
