"""Every ElastiCache call of the ``elasticache-global`` kind: the global datastore and its
member replication groups, failover, retiring and re-forming the datastore."""

from __future__ import annotations

import re
from typing import Any

from botocore.exceptions import ClientError

from drctl.aws.errors import is_not_found

# A global datastore id is "<five-letter Region prefix>-<suffix>" (CreateGlobalReplicationGroup:
# "Amazon ElastiCache automatically applies a prefix to the Global datastore ID").
_FULL_ID = re.compile(r"^[a-z]{5}-(.+)$")


def suffix_of(name: str) -> str:
    """The suffix to create a datastore with: ``name`` itself, or what follows the prefix when
    ``name`` is written as a full id."""
    found = _FULL_ID.match(name)
    return found.group(1) if found else name


def names_it(name: str, gid: str) -> bool:
    """Whether the plan's ``name`` (a suffix or a full id) names the datastore ``gid``: the
    same id, or ``gid`` is ``name`` behind any Region's prefix (a datastore re-formed from
    another Region has that Region's prefix)."""
    found = _FULL_ID.match(gid)
    return gid == name or (found is not None and found.group(1) == suffix_of(name))


def describe_globals(elasticache: Any) -> list[dict[str, Any]]:
    """Every global datastore the client's Region sees (those with a member there), with
    their members."""
    found: list[dict[str, Any]] = []
    marker: str | None = None
    while True:
        kwargs: dict[str, Any] = {"ShowMemberInfo": True}
        if marker:
            kwargs["Marker"] = marker
        page = elasticache.describe_global_replication_groups(**kwargs)
        found.extend(dict(g) for g in page.get("GlobalReplicationGroups", []))
        marker = page.get("Marker")
        if not marker:
            return found


def datastore_of(elasticache: Any, name: str, group: str, region: str) -> dict[str, Any] | None:
    """The datastore ``name`` names that has ``group`` (in ``region``) as a member, as the
    client's Region sees it; None when there is none."""
    for glob in describe_globals(elasticache):
        if names_it(name, str(glob.get("GlobalReplicationGroupId", ""))) and member(
            glob, group, region
        ):
            return glob
    return None


def member(glob: dict[str, Any], group: str, region: str) -> dict[str, Any] | None:
    for m in glob.get("Members", []) or []:
        if m.get("ReplicationGroupId") == group and m.get("ReplicationGroupRegion") == region:
            return dict(m)
    return None


def secondary(glob: dict[str, Any]) -> dict[str, Any] | None:
    for m in glob.get("Members", []) or []:
        if m.get("Role") == "SECONDARY":
            return dict(m)
    return None


def describe_group(elasticache: Any, group: str) -> dict[str, Any] | None:
    """A replication group of the client's Region, or None."""
    try:
        found = elasticache.describe_replication_groups(ReplicationGroupId=group)
    except ClientError as exc:
        if is_not_found(exc, "ReplicationGroupNotFoundFault"):
            return None
        raise
    groups = found.get("ReplicationGroups", [])
    return dict(groups[0]) if groups else None


def role_of(group: dict[str, Any] | None) -> str | None:
    """``PRIMARY`` / ``SECONDARY`` in its datastore; None for a standalone group."""
    info = (group or {}).get("GlobalReplicationGroupInfo") or {}
    role = info.get("GlobalReplicationGroupMemberRole")
    return str(role) if role and info.get("GlobalReplicationGroupId") else None


def datastore_id_of(group: dict[str, Any] | None) -> str | None:
    info = (group or {}).get("GlobalReplicationGroupInfo") or {}
    gid = info.get("GlobalReplicationGroupId")
    return str(gid) if gid else None


def placement(elasticache: Any, group: dict[str, Any]) -> dict[str, Any]:
    """Where the group's nodes run (subnet group, security groups), read from its first
    cache cluster, to create its replacement in the same place; {} when unreadable."""
    clusters = group.get("MemberClusters") or []
    if not clusters:
        return {}
    try:
        found = elasticache.describe_cache_clusters(CacheClusterId=clusters[0])
    except ClientError as exc:
        if is_not_found(exc, "CacheClusterNotFound"):
            return {}
        raise
    cluster = (found.get("CacheClusters") or [{}])[0]
    out: dict[str, Any] = {}
    if cluster.get("CacheSubnetGroupName"):
        out["CacheSubnetGroupName"] = cluster["CacheSubnetGroupName"]
    ids = [g["SecurityGroupId"] for g in cluster.get("SecurityGroups", []) or []]
    if ids:
        out["SecurityGroupIds"] = ids
    return out


def failover(elasticache: Any, gid: str, region: str, group: str) -> None:
    """Make ``group`` in ``region`` the datastore's primary."""
    elasticache.failover_global_replication_group(
        GlobalReplicationGroupId=gid, PrimaryRegion=region, PrimaryReplicationGroupId=group
    )


def delete_datastore(elasticache: Any, gid: str) -> None:
    """Delete a datastore left with its primary only, keeping that group standalone."""
    elasticache.delete_global_replication_group(
        GlobalReplicationGroupId=gid, RetainPrimaryReplicationGroup=True
    )


def create_datastore(elasticache: Any, suffix: str, primary: str, description: str) -> str:
    """Form a datastore around ``primary`` (the client's Region); its id (prefixed)."""
    made = elasticache.create_global_replication_group(
        GlobalReplicationGroupIdSuffix=suffix,
        GlobalReplicationGroupDescription=description,
        PrimaryReplicationGroupId=primary,
    )
    return str(made["GlobalReplicationGroup"]["GlobalReplicationGroupId"])


def delete_group(elasticache: Any, group: str, final_snapshot: str) -> None:
    elasticache.delete_replication_group(
        ReplicationGroupId=group, FinalSnapshotIdentifier=final_snapshot
    )


def create_secondary(
    elasticache: Any,
    group: str,
    gid: str,
    description: str,
    clusters: int,
    where: dict[str, Any],
) -> None:
    """A replication group joining ``gid`` as a secondary (it takes the datastore's engine,
    version, node type and encryption)."""
    elasticache.create_replication_group(
        ReplicationGroupId=group,
        ReplicationGroupDescription=description,
        GlobalReplicationGroupId=gid,
        NumCacheClusters=max(1, clusters),
        **where,
    )
