"""ElastiCache global datastores (global replication groups), which moto 5.2.5 does not have.

moto's ElastiCache knows replication groups only: it takes a ``GlobalReplicationGroupId`` on
``CreateReplicationGroup`` and stores it, but has no global replication group to describe,
fail over or leave, and a replication group it deletes stays ``deleting`` forever. This module
adds the global datastore calls drctl makes, with the states AWS moves through on the
sandbox's AWS clock (:data:`drctl.kinds.sandboxing.aws_time`), never skipping one.

Sources (ElastiCache API reference, 2015-02-02, and the botocore ``elasticache`` model):

* ``CreateGlobalReplicationGroup``
  (https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateGlobalReplicationGroup.html):
  "Amazon ElastiCache automatically applies a prefix to the Global datastore ID when it is
  created. Each Amazon Region has its own prefix" -- the id is ``<prefix>-<suffix>``, the
  prefix of the Region it is created in (:func:`region_prefix`: the sandbox's own five letters
  per Region; AWS publishes its table in "Using the AWS CLI with global datastores"). The
  primary must exist (``ReplicationGroupNotFoundFault``) and belong to no global datastore
  (``InvalidReplicationGroupState``); the same id twice is
  ``GlobalReplicationGroupAlreadyExistsFault``. The datastore is ``creating``, then
  ``available`` (``CREATE_SECONDS``).
* ``DescribeGlobalReplicationGroups``
  (https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DescribeGlobalReplicationGroups.html):
  ``Members`` (``ReplicationGroupId``, ``ReplicationGroupRegion``, ``Role`` ``PRIMARY`` /
  ``SECONDARY``, ``Status``) only with ``ShowMemberInfo``; an unknown id is
  ``GlobalReplicationGroupNotFoundFault``. A datastore is seen from the Regions of its members.
* A secondary joins with ``CreateReplicationGroup`` naming ``GlobalReplicationGroupId``
  (https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html):
  it takes the datastore's engine, version, node type and encryption; the group is
  ``creating`` and its member ``associating`` (``ASSOCIATE_SECONDS``: created and synchronised
  from the primary), then ``available`` / ``associated``. The datastore must be ``available``
  (``InvalidGlobalReplicationGroupState``) and have no member in that Region
  (``InvalidParameterValue``).
* ``FailoverGlobalReplicationGroup``
  (https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_FailoverGlobalReplicationGroup.html):
  "The secondary region will become primary, and all other clusters will become secondary."
  Refused with ``InvalidGlobalReplicationGroupState`` when the datastore "is not available or
  in primary-only state" (also while the target is still ``associating``), and with
  ``InvalidParameterValue`` for a target that is not a secondary member of the datastore in
  ``PrimaryRegion``. The datastore is ``modifying`` for ``FAILOVER_SECONDS``, then the roles
  have swapped. It works while the primary's Region is down, called in the secondary's: "If
  the primary cluster or AWS Region becomes unavailable ..., you can promote a secondary
  cluster to primary ... by connecting to any AWS Region that contains a secondary cluster";
  the old primary becomes a secondary ("The current primary cluster in primary region will
  become secondary and will stop accepting writes after this operation completes", ElastiCache
  user guide, global datastores).
* ``DisassociateGlobalReplicationGroup``
  (https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DisassociateGlobalReplicationGroup.html):
  "The secondary cluster will no longer receive updates from the primary cluster, but will
  remain as a standalone cluster in that Amazon region." The member is ``disassociating`` and
  the datastore ``modifying`` for ``DISASSOCIATE_SECONDS``; then the group is standalone (no
  ``GlobalReplicationGroupInfo``) and writable. Only a secondary can leave
  (``InvalidParameterValue``); a datastore that is not ``available`` refuses
  (``InvalidGlobalReplicationGroupState``). AWS documents nothing of it while the primary's
  Region is down: for that the user guide documents promotion ("If the primary cluster or AWS
  Region becomes unavailable ..., you can promote a secondary cluster to primary. Promotion is
  allowed anytime",
  https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Redis-Global-Datastores-Console.html),
  so the sandbox does not assume it works: while the primary's Region is out (the sandbox's
  outage layer) it refuses with ``InvalidGlobalReplicationGroupState``, whichever Region it
  is called in.
* ``DeleteGlobalReplicationGroup``
  (https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DeleteGlobalReplicationGroup.html):
  "First, you must DisassociateGlobalReplicationGroup to remove the secondary clusters"; then
  the datastore is ``deleting`` (``DELETE_SECONDS``) and gone, its primary kept standalone
  with ``RetainPrimaryReplicationGroup``.
* ``DeleteReplicationGroup``: a member of a global datastore cannot be deleted
  (``InvalidReplicationGroupState``); otherwise ``deleting`` for ``DELETE_GROUP_SECONDS``,
  then gone, a ``FinalSnapshotIdentifier`` taken first.
* ``ReplicationGroup.GlobalReplicationGroupInfo``
  (https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_GlobalReplicationGroupInfo.html):
  the datastore's id and the member's role, on each member group.
* CloudWatch ``GlobalDatastoreReplicationLag`` ("the lag between the secondary Region's
  primary node and the primary Region's primary node", seconds, AWS/ElastiCache:
  https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheMetrics.Redis.html): one
  datapoint a minute for an ``associated`` secondary, dimension ``CacheClusterId`` of the
  group's first member cluster, published when the datastore or the metric is read
  (``set_lag`` sets the value; :data:`DEFAULT_LAG_SECONDS` otherwise). Nothing for a group
  that is not a secondary.
  While the primary's Region is out (the sandbox's outage layer,
  :data:`drctl.kinds.sandboxing.unreachable`) nothing reaches the secondary: its lag grows by
  the time the outage has lasted.

A primary replication group tagged ``drctl-sandbox-established: true`` stands for one whose
datastore was set up long before the sandbox's clock started: the datastore created from it,
and a secondary tagged the same, are ``available`` / ``associated`` at once.

How long each state lasts is the sandbox's choice (AWS says "minutes"): the constants below.
Not modelled: several secondaries' failover order, engine upgrades of a datastore, node
group changes, several promotions at once ("the global datastore resolves to one primary
eventually"): the sandbox refuses a promotion while the datastore is not ``available``, as the
API reference's ``InvalidGlobalReplicationGroupState`` says.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from drctl.kinds.sandboxing import PatchSet, aws_time, unreachable

__all__ = [
    "ESTABLISHED_TAG",
    "install",
    "is_installed",
    "region_prefix",
    "set_lag",
    "uninstall",
]

CREATE_SECONDS: Final = 120.0  # creating -> available
ASSOCIATE_SECONDS: Final = 300.0  # a new secondary: creating / associating -> associated
FAILOVER_SECONDS: Final = 90.0  # modifying while the roles swap
DISASSOCIATE_SECONDS: Final = 60.0  # disassociating -> standalone
DELETE_SECONDS: Final = 60.0  # a datastore: deleting -> gone
DELETE_GROUP_SECONDS: Final = 120.0  # a replication group: deleting -> gone
DEFAULT_LAG_SECONDS: Final = 0.4
ESTABLISHED_TAG: Final = "drctl-sandbox-established"
LAG_METRIC: Final = "GlobalDatastoreReplicationLag"

_patches = PatchSet()
_lock = threading.RLock()
_LONG_AGO: Final = datetime(2000, 1, 1).astimezone()
# Global datastores belong to an account, not a Region: they are kept on the account's
# ElastiCache backend of this Region, so that resetting moto forgets them too.
_STORE_REGION: Final = "us-east-1"
_GLOBALS: Final = "_drctl_global_datastores"
_LAGS: Final = "_drctl_global_datastore_lags"
_DELETING: Final = "_drctl_deleting_groups"


def region_prefix(region: str) -> str:
    """The sandbox's five-letter global datastore id prefix of ``region`` (one per Region,
    fixed, as AWS's are; not AWS's own letters)."""
    digest = hashlib.sha256(region.encode()).digest()
    return "".join(chr(ord("a") + b % 26) for b in digest[:5])


def set_lag(replication_group_id: str, seconds: float, account: str = "123456789012") -> None:
    """The ``GlobalDatastoreReplicationLag`` a secondary publishes from now on."""
    with _lock:
        _lags(account)[replication_group_id] = float(seconds)


def _globals(account: str) -> dict[str, GlobalGroup]:
    store: dict[str, GlobalGroup] = _backend(account, _STORE_REGION).__dict__.setdefault(
        _GLOBALS, {}
    )
    return store


def _lags(account: str) -> dict[str, float]:
    lags: dict[str, float] = _backend(account, _STORE_REGION).__dict__.setdefault(_LAGS, {})
    return lags


def _deleting(backend: Any) -> dict[str, datetime]:
    """Replication groups of ``backend`` being deleted: id -> when they are gone."""
    found: dict[str, datetime] = backend.__dict__.setdefault(_DELETING, {})
    return found


@dataclass
class Member:
    group_id: str
    region: str
    role: str  # PRIMARY | SECONDARY
    associated_at: datetime  # before this: associating
    leaving_at: datetime | None = None  # disassociating from then
    gone_at: datetime | None = None  # standalone from then
    published_until: datetime | None = None


@dataclass
class Move:
    """A failover: ``target`` becomes the primary at ``done``."""

    target: str
    region: str
    done: datetime


@dataclass
class GlobalGroup:
    gid: str
    suffix: str
    description: str
    account: str
    engine: str
    engine_version: str
    node_type: str
    transit: bool
    at_rest: bool
    auth: bool
    cluster_enabled: bool
    available_at: datetime
    members: list[Member] = field(default_factory=list)
    move: Move | None = None
    deleting_at: datetime | None = None
    gone_at: datetime | None = None


def _error(code: str, message: str, status: int = 400) -> Exception:
    from moto.core.exceptions import ServiceException

    class _Fault(ServiceException):
        pass

    _Fault.code = code
    fault = _Fault(message)
    fault.code = code
    return fault


def _not_found(gid: str) -> Exception:
    return _error("GlobalReplicationGroupNotFoundFault", f"Global Datastore {gid} not found.")


def _invalid_state(message: str) -> Exception:
    return _error("InvalidGlobalReplicationGroupState", message)


def _invalid_value(message: str) -> Exception:
    return _error("InvalidParameterValue", message)


def _backend(account: str, region: str) -> Any:
    from moto.elasticache.models import elasticache_backends

    return elasticache_backends[account][region]


def _established(group: Any) -> bool:
    return any(
        t.get("Key") == ESTABLISHED_TAG and t.get("Value") == "true" for t in group.tags or []
    )


# ----------------------------------------------------------------------------- the clock


def _settle(glob: GlobalGroup, now: datetime) -> None:
    """Apply every transition due by ``now``, in order."""
    if glob.move is not None and now >= glob.move.done:
        for m in glob.members:
            m.role = (
                "PRIMARY"
                if (m.group_id, m.region) == (glob.move.target, glob.move.region)
                else "SECONDARY"
            )
            if m.role == "SECONDARY":
                m.published_until = glob.move.done  # lag from when it follows again
        glob.move = None
    for m in list(glob.members):
        if m.gone_at is not None and now >= m.gone_at:
            glob.members.remove(m)
    if glob.gone_at is not None and now >= glob.gone_at:
        _globals(glob.account).pop(glob.gid, None)
    _publish_lag(glob, now)


def _settle_all(account: str, region: str, now: datetime) -> None:
    """Settle the account's datastores and the deletions in ``region``."""
    for glob in list(_globals(account).values()):
        _settle(glob, now)
    backend = _backend(account, region)
    deleting = _deleting(backend)
    for group_id, gone in list(deleting.items()):
        if now >= gone:
            backend.replication_groups.pop(group_id, None)
            del deleting[group_id]


def status_of(glob: GlobalGroup, now: datetime) -> str:
    if glob.deleting_at is not None:
        return "deleting"
    if now < glob.available_at:
        return "creating"
    if glob.move is not None or any(m.leaving_at is not None for m in glob.members):
        return "modifying"
    if any(now < m.associated_at for m in glob.members):
        return "modifying"
    return "available"


def _member_status(m: Member, now: datetime) -> str:
    if m.leaving_at is not None:
        return "disassociating"
    return "associating" if now < m.associated_at else "associated"


def _publish_lag(glob: GlobalGroup, now: datetime) -> None:
    """One ``GlobalDatastoreReplicationLag`` datapoint a minute for each associated secondary,
    up to ``now`` (at most the last 15 minutes)."""
    from moto.cloudwatch.models import cloudwatch_backends

    for m in glob.members:
        if m.role != "SECONDARY" or m.leaving_at is not None or now < m.associated_at:
            continue
        if glob.move is not None:
            continue
        group = _backend(glob.account, m.region).replication_groups.get(m.group_id)
        if group is None or not group.member_clusters:
            continue
        start = max(
            m.published_until or m.associated_at, m.associated_at, now - timedelta(minutes=15)
        )
        points = []
        at = start
        steady = _lags(glob.account).get(m.group_id, DEFAULT_LAG_SECONDS)
        primary = next((p for p in glob.members if p.role == "PRIMARY"), None)
        down = unreachable.since("elasticache", primary.region) if primary else None
        while at <= now:
            # While the primary's Region is out nothing arrives: the lag grows by the minute.
            value = steady + (max(0.0, (at - down).total_seconds()) if down else 0.0)
            points.append(
                {
                    "MetricName": LAG_METRIC,
                    "Value": value,
                    "Unit": "Seconds",
                    # moto's CloudWatch keeps naive UTC times (as its API parsing does)
                    "Timestamp": at.astimezone(UTC).replace(tzinfo=None),
                    "Dimensions": [{"Name": "CacheClusterId", "Value": group.member_clusters[0]}],
                }
            )
            at += timedelta(minutes=1)
        if points:
            cloudwatch_backends[glob.account][m.region].put_metric_data("AWS/ElastiCache", points)
            m.published_until = at


# ----------------------------------------------------------------------------- views


def _member_of(account: str, region: str, group_id: str) -> tuple[GlobalGroup, Member] | None:
    for glob in _globals(account).values():
        for m in glob.members:
            if m.region == region and m.group_id == group_id:
                return glob, m
    return None


def _visible(glob: GlobalGroup, region: str) -> bool:
    return any(m.region == region for m in glob.members)


def _as_dict(glob: GlobalGroup, now: datetime, members: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "GlobalReplicationGroupId": glob.gid,
        "GlobalReplicationGroupDescription": glob.description,
        "Status": status_of(glob, now),
        "CacheNodeType": glob.node_type,
        "Engine": glob.engine,
        "EngineVersion": glob.engine_version,
        "ClusterEnabled": glob.cluster_enabled,
        "AuthTokenEnabled": glob.auth,
        "TransitEncryptionEnabled": glob.transit,
        "AtRestEncryptionEnabled": glob.at_rest,
        "ARN": f"arn:aws:elasticache::{glob.account}:globalreplicationgroup:{glob.gid}",
    }
    if members:
        out["Members"] = [
            {
                "ReplicationGroupId": m.group_id,
                "ReplicationGroupRegion": m.region,
                "Role": m.role,
                "AutomaticFailover": "enabled",
                "Status": _member_status(m, now),
            }
            for m in glob.members
        ]
    return out


def _find(account: str, region: str, gid: str) -> GlobalGroup:
    glob = _globals(account).get(gid)
    if glob is None or not _visible(glob, region):
        raise _not_found(gid)
    return glob


# ----------------------------------------------------------------------------- actions


def create_global(
    account: str, region: str, suffix: str, primary_id: str, description: str
) -> dict[str, Any]:
    from moto.elasticache.exceptions import ReplicationGroupNotFound

    now = aws_time.now()
    with _lock:
        _settle_all(account, region, now)
        backend = _backend(account, region)
        group = backend.replication_groups.get(primary_id)
        if group is None or primary_id in _deleting(backend):
            raise ReplicationGroupNotFound(primary_id)
        if _member_of(account, region, primary_id) is not None:
            raise _error(
                "InvalidReplicationGroupState",
                f"Replication group {primary_id} is already part of a Global Datastore.",
            )
        gid = f"{region_prefix(region)}-{suffix}"
        if gid in _globals(account):
            raise _error(
                "GlobalReplicationGroupAlreadyExistsFault",
                f"Global Datastore {gid} already exists.",
            )
        since = _LONG_AGO if _established(group) else now
        glob = GlobalGroup(
            gid=gid,
            suffix=suffix,
            description=description,
            account=account,
            engine=str(group.engine or "redis"),
            engine_version=str(group.engine_version or "7.1"),
            node_type=str(group.cache_node_type),
            transit=bool(group.transit_encryption_enabled),
            at_rest=bool(group.at_rest_encryption_enabled),
            auth=bool(group.auth_token_enabled),
            cluster_enabled=bool(group.cluster_enabled),
            available_at=since + timedelta(seconds=CREATE_SECONDS),
            members=[
                Member(primary_id, region, "PRIMARY", since + timedelta(seconds=CREATE_SECONDS))
            ],
        )
        _globals(account)[gid] = glob
        return _as_dict(glob, now, members=True)


def describe_globals(
    account: str, region: str, gid: str | None, members: bool
) -> list[dict[str, Any]]:
    now = aws_time.now()
    with _lock:
        _settle_all(account, region, now)
        if gid:
            return [_as_dict(_find(account, region, gid), now, members)]
        return [
            _as_dict(g, now, members)
            for _, g in sorted(_globals(account).items())
            if _visible(g, region)
        ]


def failover(
    account: str, region: str, gid: str, target_region: str, target: str
) -> dict[str, Any]:
    now = aws_time.now()
    with _lock:
        _settle_all(account, region, now)
        glob = _find(account, region, gid)
        status = status_of(glob, now)
        if status != "available":
            raise _invalid_state(f"Global Datastore {gid} is {status}, not available.")
        if len(glob.members) < 2:
            raise _invalid_state(f"Global Datastore {gid} is in primary-only state.")
        member = next(
            (m for m in glob.members if (m.group_id, m.region) == (target, target_region)), None
        )
        if member is None:
            raise _invalid_value(
                f"Replication group {target} in {target_region} is not a member of {gid}."
            )
        if member.role == "PRIMARY":
            raise _invalid_value(f"Replication group {target} is already the primary of {gid}.")
        glob.move = Move(target, target_region, now + timedelta(seconds=FAILOVER_SECONDS))
        return _as_dict(glob, now, members=True)


def disassociate(
    account: str, region: str, gid: str, group_id: str, group_region: str
) -> dict[str, Any]:
    now = aws_time.now()
    with _lock:
        _settle_all(account, region, now)
        glob = _find(account, region, gid)
        member = next(
            (m for m in glob.members if (m.group_id, m.region) == (group_id, group_region)), None
        )
        if member is None:
            raise _invalid_value(
                f"Replication group {group_id} in {group_region} is not a member of {gid}."
            )
        if member.role == "PRIMARY":
            raise _invalid_value(
                f"Replication group {group_id} is the primary of {gid}: only a secondary can be "
                "disassociated."
            )
        status = status_of(glob, now)
        if status != "available":
            raise _invalid_state(f"Global Datastore {gid} is {status}, not available.")
        primary = next((m for m in glob.members if m.role == "PRIMARY"), None)
        if primary is not None and unreachable.since("elasticache", primary.region) is not None:
            # AWS documents promotion, not disassociation, for a primary Region that is down.
            raise _invalid_state(
                f"Global Datastore {gid}: its primary's Region {primary.region} does not answer; "
                "promote the secondary (FailoverGlobalReplicationGroup) instead."
            )
        member.leaving_at = now
        member.gone_at = now + timedelta(seconds=DISASSOCIATE_SECONDS)
        return _as_dict(glob, now, members=True)


def delete_global(account: str, region: str, gid: str, retain: bool) -> dict[str, Any]:
    now = aws_time.now()
    with _lock:
        _settle_all(account, region, now)
        glob = _find(account, region, gid)
        if not retain:
            raise _invalid_value("RetainPrimaryReplicationGroup must be true.")
        if len(glob.members) > 1:
            raise _invalid_state(
                f"Global Datastore {gid} has secondary clusters: disassociate them first."
            )
        status = status_of(glob, now)
        if status not in ("available",):
            raise _invalid_state(f"Global Datastore {gid} is {status}, not available.")
        glob.deleting_at = now
        glob.gone_at = now + timedelta(seconds=DELETE_SECONDS)
        for m in glob.members:
            m.gone_at = glob.gone_at
        return _as_dict(glob, now, members=True)


# ----------------------------------------------------------------------------- patches


def _params(response: Any) -> dict[str, Any]:
    return dict(response._get_params())


def _create_global_response(self: Any) -> Any:
    from moto.core.responses import ActionResult

    p = _params(self)
    out = create_global(
        self.current_account,
        self.region,
        str(p.get("GlobalReplicationGroupIdSuffix", "")),
        str(p.get("PrimaryReplicationGroupId", "")),
        str(p.get("GlobalReplicationGroupDescription", "")),
    )
    return ActionResult({"GlobalReplicationGroup": out})


def _describe_globals_response(self: Any) -> Any:
    from moto.core.responses import ActionResult

    p = _params(self)
    show = (
        str(p.get("ShowMemberInfo", "false")).lower() == "true" or p.get("ShowMemberInfo") is True
    )
    found = describe_globals(
        self.current_account, self.region, p.get("GlobalReplicationGroupId"), show
    )
    return ActionResult({"GlobalReplicationGroups": found})


def _failover_response(self: Any) -> Any:
    from moto.core.responses import ActionResult

    p = _params(self)
    out = failover(
        self.current_account,
        self.region,
        str(p.get("GlobalReplicationGroupId", "")),
        str(p.get("PrimaryRegion", "")),
        str(p.get("PrimaryReplicationGroupId", "")),
    )
    return ActionResult({"GlobalReplicationGroup": out})


def _disassociate_response(self: Any) -> Any:
    from moto.core.responses import ActionResult

    p = _params(self)
    out = disassociate(
        self.current_account,
        self.region,
        str(p.get("GlobalReplicationGroupId", "")),
        str(p.get("ReplicationGroupId", "")),
        str(p.get("ReplicationGroupRegion", "")),
    )
    return ActionResult({"GlobalReplicationGroup": out})


def _delete_global_response(self: Any) -> Any:
    from moto.core.responses import ActionResult

    p = _params(self)
    retain = str(p.get("RetainPrimaryReplicationGroup", "false")).lower() == "true" or (
        p.get("RetainPrimaryReplicationGroup") is True
    )
    out = delete_global(
        self.current_account, self.region, str(p.get("GlobalReplicationGroupId", "")), retain
    )
    return ActionResult({"GlobalReplicationGroup": out})


_original_create: Any = None
_original_delete: Any = None
_original_describe: Any = None


def _create_group(self: Any, **kwargs: Any) -> Any:
    """``CreateReplicationGroup``; with ``GlobalReplicationGroupId`` the group joins that
    datastore as a secondary, taking its engine, version, node type and encryption."""
    gid = kwargs.get("global_replication_group_id")
    now = aws_time.now()
    with _lock:
        _settle_all(self.account_id, self.region_name, now)
        if kwargs.get("replication_group_id") in _deleting(self):
            from moto.elasticache.exceptions import ReplicationGroupAlreadyExists

            raise ReplicationGroupAlreadyExists(str(kwargs.get("replication_group_id")))
        if not gid:
            return _original_create(self, **kwargs)
        glob = _globals(self.account_id).get(gid)
        if glob is None:
            raise _not_found(gid)
        status = status_of(glob, now)
        if status != "available":
            raise _invalid_state(f"Global Datastore {gid} is {status}, not available.")
        if any(m.region == self.region_name for m in glob.members):
            raise _invalid_value(
                f"Global Datastore {gid} already has a member in {self.region_name}."
            )
        kwargs.update(
            engine=glob.engine,
            engine_version=glob.engine_version,
            cache_node_type=glob.node_type,
            transit_encryption_enabled=glob.transit,
            at_rest_encryption_enabled=glob.at_rest,
        )
        group = _original_create(self, **kwargs)
        since = _LONG_AGO if _established(group) else now
        glob.members.append(
            Member(
                str(kwargs["replication_group_id"]),
                self.region_name,
                "SECONDARY",
                since + timedelta(seconds=ASSOCIATE_SECONDS),
            )
        )
        return group


def _delete_group(self: Any, replication_group_id: str, retain_primary_cluster: Any) -> Any:
    """``DeleteReplicationGroup``: refused for a member of a global datastore; otherwise
    ``deleting``, then gone."""
    now = aws_time.now()
    with _lock:
        _settle_all(self.account_id, self.region_name, now)
        if replication_group_id in _deleting(self):
            raise _error(
                "InvalidReplicationGroupState",
                f"Replication group {replication_group_id} is deleting.",
            )
        found = _member_of(self.account_id, self.region_name, replication_group_id)
        if found is not None:
            raise _error(
                "InvalidReplicationGroupState",
                f"Replication group {replication_group_id} is a member of Global Datastore "
                f"{found[0].gid}: disassociate it first.",
            )
        group = _original_delete(self, replication_group_id, retain_primary_cluster)
        _deleting(self)[replication_group_id] = now + timedelta(seconds=DELETE_GROUP_SECONDS)
        return group


def _delete_group_response(self: Any) -> Any:
    """``DeleteReplicationGroup`` with ``FinalSnapshotIdentifier`` (moto ignores it)."""
    from moto.core.responses import ActionResult

    group_id = self._get_param("ReplicationGroupId")
    final = self._get_param("FinalSnapshotIdentifier")
    backend = self.elasticache_backend
    if (
        final
        and group_id in backend.replication_groups
        and group_id not in _deleting(backend)
        and _member_of(self.current_account, self.region, group_id) is None
    ):
        backend.create_snapshot(
            snapshot_name=final,
            replication_group_id=group_id,
            cache_cluster_id=None,
            kms_key_id=None,
            tags=None,
        )
    group = backend.delete_replication_group(
        replication_group_id=group_id,
        retain_primary_cluster=self._get_bool_param("RetainPrimaryCluster"),
    )
    return ActionResult({"ReplicationGroup": group})


def _describe_groups(self: Any, replication_group_id: str | None = None) -> Any:
    with _lock:
        _settle_all(self.account_id, self.region_name, aws_time.now())
    return _original_describe(self, replication_group_id)


def _group_status(group: Any) -> str:
    now = aws_time.now()
    account, region = _group_where(group)
    with _lock:
        if group.replication_group_id in _deleting(_backend(account, region)):
            return "deleting"
        found = _member_of(account, region, group.replication_group_id)
        if found is not None and now < found[1].associated_at and found[1].role == "SECONDARY":
            return "creating"
        if found is not None and found[0].move is not None:
            return "modifying"
    return str(group.__dict__.get("_drctl_status", "available"))


def _set_group_status(group: Any, value: str) -> None:
    group.__dict__["_drctl_status"] = value


def _group_where(group: Any) -> tuple[str, str]:
    parts = str(group.arn).split(":")
    return parts[4], parts[3]


def _group_info(group: Any) -> dict[str, str] | None:
    account, region = _group_where(group)
    with _lock:
        found = _member_of(account, region, group.replication_group_id)
    if found is None:
        return None
    glob, member = found
    return {"GlobalReplicationGroupId": glob.gid, "GlobalReplicationGroupMemberRole": member.role}


def _wrap_metric_read(original: Any) -> Any:
    """CloudWatch ``GetMetricStatistics``: the lag datapoints AWS would have published each
    minute up to now are put first (the datastores are otherwise settled when ElastiCache is
    called, and a reader that only polls CloudWatch -- a Step Functions wait loop -- would
    see none)."""

    def get_metric_statistics(
        self: Any, namespace: str, metric_name: str, *args: Any, **kwargs: Any
    ) -> Any:
        if namespace == "AWS/ElastiCache" and metric_name == LAG_METRIC:
            now = aws_time.now()
            with _lock:
                for glob in list(_globals(self.account_id).values()):
                    _settle(glob, now)
        return original(self, namespace, metric_name, *args, **kwargs)

    return get_metric_statistics


def install() -> None:
    """Patch moto's ElastiCache with global datastores; idempotent."""
    global _original_create, _original_delete, _original_describe
    if _patches.active:
        return
    from moto.cloudwatch.models import CloudWatchBackend
    from moto.elasticache.models import ElastiCacheBackend, ReplicationGroup
    from moto.elasticache.responses import ElastiCacheResponse

    _original_create = vars(ElastiCacheBackend)["create_replication_group"]
    _original_delete = vars(ElastiCacheBackend)["delete_replication_group"]
    _original_describe = vars(ElastiCacheBackend)["describe_replication_groups"]
    _patches.replace(
        ElastiCacheResponse, "create_global_replication_group", _create_global_response
    )
    _patches.replace(
        ElastiCacheResponse, "describe_global_replication_groups", _describe_globals_response
    )
    _patches.replace(ElastiCacheResponse, "failover_global_replication_group", _failover_response)
    _patches.replace(
        ElastiCacheResponse, "disassociate_global_replication_group", _disassociate_response
    )
    _patches.replace(
        ElastiCacheResponse, "delete_global_replication_group", _delete_global_response
    )
    _patches.replace(ElastiCacheResponse, "delete_replication_group", _delete_group_response)
    _patches.replace(ElastiCacheBackend, "create_replication_group", _create_group)
    _patches.replace(ElastiCacheBackend, "delete_replication_group", _delete_group)
    _patches.replace(ElastiCacheBackend, "describe_replication_groups", _describe_groups)
    _patches.replace(ReplicationGroup, "status", property(_group_status, _set_group_status))
    _patches.replace(ReplicationGroup, "global_replication_group_info", property(_group_info))
    _patches.replace(
        CloudWatchBackend,
        "get_metric_statistics",
        _wrap_metric_read(CloudWatchBackend.get_metric_statistics),
    )


def uninstall() -> None:
    """Restore moto's ElastiCache."""
    _patches.restore_all()


def is_installed() -> bool:
    """Whether this extension is in effect."""
    return _patches.active
