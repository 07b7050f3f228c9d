"""Global cluster switchover and failover, which moto does not implement.

Aurora global databases and Amazon DocumentDB global clusters share the API and the endpoint
(the ``docdb`` client calls the RDS endpoint, so moto's RDS backend answers both): this one
extension serves both kinds. AWS moves the writer of a global cluster asynchronously; the
call only starts it. This
extension models what ``DescribeGlobalClusters`` shows while it happens, on the sandbox's AWS
clock (:data:`drctl.kinds.sandboxing.aws_time`), never skipping a state.

Sources (RDS API reference, 2014-10-31, and the botocore model):

* ``SwitchoverGlobalCluster`` (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_SwitchoverGlobalCluster.html):
  the target secondary becomes the writer, the old writer a secondary "maintaining the original
  replication topology"; every secondary is synchronized first, so no data is lost.
* ``FailoverGlobalCluster`` (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_FailoverGlobalCluster.html):
  ``AllowDataLoss`` without ``Switchover`` fails over; ``Switchover`` (or neither) switches
  over; both at once is contradictory.
* ``FailoverState`` (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_FailoverState.html,
  https://docs.aws.amazon.com/documentdb/latest/developerguide/API_FailoverState.html):
  empty unless an operation is in progress; ``Status`` ``pending`` (the clusters are being
  verified) then ``failing-over`` / ``switching-over`` (DocumentDB documents no
  ``switching-over``: ``failing-over`` for both); ``FromDbClusterArn``, ``ToDbClusterArn``,
  ``IsDataLossAllowed``.
* ``GlobalClusterMember.SynchronizationStatus`` ``connected | pending-resync``: after a failover
  the old primary is rebuilt as a secondary and resynchronises once its Region answers again
  (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-disaster-recovery.html,
  https://docs.aws.amazon.com/documentdb/latest/developerguide/global-clusters-disaster-recovery.html:
  "the old primary volume makes a best effort attempt to take a snapshot before synchronizing
  with the new primary"). While the sandbox's outage layer has the old primary's Region down
  (:data:`drctl.kinds.sandboxing.unreachable`), it stays ``pending-resync``; the resync's
  minutes count from when the Region is back.
* Errors: ``GlobalClusterNotFoundFault``, ``DBClusterNotFoundFault``,
  ``InvalidGlobalClusterStateFault`` (an operation already in progress; for a switchover, member
  engine versions that differ -- the user guide requires them to match, the API reference names
  no code, so this one is the sandbox's choice), ``InvalidDBClusterStateFault`` (a member that is
  not available, a switchover target still resynchronising, or a switchover while the writer's
  Region is down in the sandbox: "All secondary clusters are synchronized with the primary at
  the beginning of the process", which cannot happen then; the code is the sandbox's choice),
  ``InvalidParameterValue`` (a target that is not a member, or already the writer).

How long each state lasts is the sandbox's choice (AWS says "minutes"): the constants below.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from drctl.kinds.sandboxing import PatchSet, aws_time, unreachable

# AWS seconds each phase lasts in the sandbox.
VERIFY_SECONDS: Final = 30.0  # FailoverState "pending": the two clusters are verified
SWITCHOVER_SECONDS: Final = 120.0  # "switching-over" after the verification
FAILOVER_SECONDS: Final = 60.0  # "failing-over" after the verification
RESYNC_SECONDS: Final = 600.0  # old primary "pending-resync" after a failover

_patches = PatchSet()
_STATE_ATTR: Final = "_drctl_operation"
_STATUS_ATTR: Final = "_drctl_status"
_RESYNC_ATTR: Final = "_drctl_resync_until"


@dataclass
class Operation:
    """One switchover or failover of a global cluster, with its timeline on ``aws_time``."""

    from_arn: str
    to_arn: str
    data_loss: bool
    started: datetime
    verified: datetime
    done: datetime
    finished: bool = False
    engine: str = ""

    @property
    def verb(self) -> str:
        """The status while the move lasts. Aurora documents ``switching-over`` for a
        switchover; DocumentDB's ``FailoverState`` lists only ``pending``, ``failing-over``
        and ``cancelling`` (API reference, FailoverState), so a DocumentDB switchover shows
        ``failing-over`` too."""
        if self.data_loss or self.engine == "docdb":
            return "failing-over"
        return "switching-over"


def _error(code: str, message: str) -> Exception:
    from moto.rds.exceptions import RDSClientError

    return RDSClientError(code, message)


def _settle(glob: Any) -> Operation | None:
    """Apply what is due at ``aws_time.now()``; the operation still in flight, if any."""
    op: Operation | None = glob.__dict__.get(_STATE_ATTR)
    if op is None or op.finished:
        return None
    now = aws_time.now()
    if now < op.done:
        return op
    for member in glob.members:
        member.is_writer = member.db_cluster_arn == op.to_arn
    if op.data_loss:
        # The old primary is rebuilt as a secondary of the new writer and catches up.
        resync: dict[str, datetime] = glob.__dict__.setdefault(_RESYNC_ATTR, {})
        resync[op.from_arn] = op.done + timedelta(seconds=RESYNC_SECONDS)
    op.finished = True
    return None


def _resyncing(glob: Any, arn: str) -> bool:
    """Whether ``arn`` is still catching up: RESYNC_SECONDS from the end of the failover, or
    from when its Region came back if it was down then (never while it is down)."""
    until: dict[str, datetime] = glob.__dict__.get(_RESYNC_ATTR, {})
    if arn not in until:
        return False
    done = until[arn] - timedelta(seconds=RESYNC_SECONDS)
    start = done
    for down, up in unreachable.periods("rds", arn.split(":")[3]):
        if down <= max(start, done) and (up is None or up > start):
            if up is None:
                return True
            start = max(start, up)
    return aws_time.now() < start + timedelta(seconds=RESYNC_SECONDS)


def _get_status(glob: Any) -> str:
    op = _settle(glob)
    if op is not None:
        return op.verb
    return str(glob.__dict__.get(_STATUS_ATTR, "available"))


def _set_status(glob: Any, value: str) -> None:
    glob.__dict__[_STATUS_ATTR] = value


def _get_failover_state(glob: Any) -> dict[str, Any] | None:
    op = _settle(glob)
    if op is None:
        return None
    return {
        "Status": "pending" if aws_time.now() < op.verified else op.verb,
        "FromDbClusterArn": op.from_arn,
        "ToDbClusterArn": op.to_arn,
        "IsDataLossAllowed": op.data_loss,
    }


_original_members: Any = None


def _get_members(glob: Any) -> list[dict[str, Any]]:
    _settle(glob)
    members: list[dict[str, Any]] = _original_members.fget(glob)
    for member in members:
        arn = str(member["DBClusterArn"])
        member["SynchronizationStatus"] = "pending-resync" if _resyncing(glob, arn) else "connected"
    return members


def _cluster_status(cluster: Any) -> str:
    """The member's status. moto reports a new cluster "creating" on the first read only and
    "available" after; cluster creation is not modelled here, so that first read is skipped."""
    status = str(cluster.status)
    if status == "creating":
        status = str(cluster.status)
    return status


def _start(response: Any, *, data_loss: bool) -> Any:
    from moto.core.responses import ActionResult
    from moto.rds.exceptions import DBClusterNotFoundError, InvalidParameterValue

    gid = str(response.params.get("GlobalClusterIdentifier", "")).lower()
    target = str(response.params.get("TargetDbClusterIdentifier", ""))
    glob = response.global_backend.global_clusters.get(gid)
    if glob is None:
        raise _error("GlobalClusterNotFoundFault", f"Global cluster {gid} not found.")
    op = _settle(glob)
    if op is not None:
        raise _error(
            "InvalidGlobalClusterStateFault",
            f"Global cluster {gid} is {op.verb} to {op.to_arn}; wait until it is available.",
        )
    member = next(
        (m for m in glob.members if target in (m.db_cluster_arn, m.db_cluster_identifier)), None
    )
    if member is None:
        if not target.startswith("arn:"):
            raise DBClusterNotFoundError(target)
        raise InvalidParameterValue(
            f"The target cluster {target} is not a member of global cluster {gid}."
        )
    if member.is_writer:
        raise InvalidParameterValue(f"{target} is already the primary cluster of {gid}.")
    writer = next((m for m in glob.members if m.is_writer), None)
    if _cluster_status(member) != "available":
        raise _error(
            "InvalidDBClusterStateFault",
            f"DB cluster {member.db_cluster_arn} is {_cluster_status(member)}, not available.",
        )
    if not data_loss:
        if writer is None or _cluster_status(writer) != "available":
            raise _error(
                "InvalidDBClusterStateFault",
                f"The primary cluster of {gid} is not available; a switchover needs it.",
            )
        if unreachable.since("rds", writer.region) is not None:
            raise _error(
                "InvalidDBClusterStateFault",
                f"The primary cluster {writer.db_cluster_arn} of {gid} does not answer (its "
                "Region is down); a switchover synchronizes every secondary with it first. "
                "Fail over with AllowDataLoss instead.",
            )
        if _resyncing(glob, member.db_cluster_arn):
            raise _error(
                "InvalidDBClusterStateFault",
                f"DB cluster {member.db_cluster_arn} is still resynchronizing "
                "(pending-resync); a switchover needs every secondary connected.",
            )
        versions = {str(m.engine_version) for m in glob.members}
        if len(versions) > 1:
            raise _error(
                "InvalidGlobalClusterStateFault",
                f"The members of {gid} run different engine versions "
                f"({', '.join(sorted(versions))}); a switchover needs them to match.",
            )
    now = aws_time.now()
    verified = now + timedelta(seconds=VERIFY_SECONDS)
    length = FAILOVER_SECONDS if data_loss else SWITCHOVER_SECONDS
    glob.__dict__[_STATE_ATTR] = Operation(
        from_arn=writer.db_cluster_arn if writer is not None else "",
        to_arn=member.db_cluster_arn,
        data_loss=data_loss,
        started=now,
        verified=verified,
        done=verified + timedelta(seconds=length),
        engine=str(glob.engine),
    )
    return ActionResult({"GlobalCluster": glob})


def switchover_global_cluster(self: Any) -> Any:
    return _start(self, data_loss=False)


def failover_global_cluster(self: Any) -> Any:
    from moto.rds.exceptions import RDSClientError

    allow = bool(self.params.get("AllowDataLoss"))
    switchover = bool(self.params.get("Switchover"))
    if allow and switchover:
        raise RDSClientError(
            "InvalidParameterCombination",
            "AllowDataLoss and Switchover cannot both be set: fail over or switch over.",
        )
    return _start(self, data_loss=allow)


def install() -> None:
    global _original_members
    if _patches.active:
        return
    from moto.rds.models import GlobalCluster
    from moto.rds.responses import RDSResponse

    _original_members = vars(GlobalCluster)["global_cluster_members"]
    _patches.replace(RDSResponse, "switchover_global_cluster", switchover_global_cluster)
    _patches.replace(RDSResponse, "failover_global_cluster", failover_global_cluster)
    _patches.replace(GlobalCluster, "status", property(_get_status, _set_status))
    _patches.replace(GlobalCluster, "failover_state", property(_get_failover_state))
    _patches.replace(GlobalCluster, "global_cluster_members", property(_get_members))


def uninstall() -> None:
    _patches.restore_all()


def is_installed() -> bool:
    return _patches.active


def settle(glob: Any) -> None:
    """Apply what is due on a moto ``GlobalCluster`` now (the writer flip at the end of a
    move), for extensions that read its members directly."""
    _settle(glob)


def resyncing(glob: Any, arn: str) -> bool:
    """Whether the member ``arn`` of a moto ``GlobalCluster`` is ``pending-resync`` now."""
    return _resyncing(glob, arn)
