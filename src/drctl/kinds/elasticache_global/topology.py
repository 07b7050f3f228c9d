"""Where a global datastore's primary is, read from one Region at a time: what every step of
the ``elasticache-global`` kind decides on, so that each one is a no-op when its effect is
already there (and an unplanned failover reads nothing from the primary's Region)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from drctl.engine.context import RunContext
from drctl.errors import AwsError
from drctl.kinds.elasticache_global import api
from drctl.plan.models import ElastiCacheGlobal

NAME = "elasticache-global"


@dataclass(frozen=True)
class Side:
    """One side's replication group and the datastore it belongs to, seen from its Region."""

    side: str
    region: str
    group_id: str
    group: dict[str, Any] | None  # None: no such replication group
    datastore: dict[str, Any] | None  # the plan's datastore holding it, None: standalone

    @property
    def exists(self) -> bool:
        return self.group is not None

    @property
    def role(self) -> str | None:
        """PRIMARY / SECONDARY in the plan's datastore; None when standalone (or absent)."""
        if self.datastore is None:
            return None
        found = api.member(self.datastore, self.group_id, self.region)
        return str(found["Role"]) if found else None

    @property
    def member_status(self) -> str | None:
        if self.datastore is None:
            return None
        found = api.member(self.datastore, self.group_id, self.region)
        return str(found.get("Status")) if found else None

    @property
    def gid(self) -> str | None:
        return None if self.datastore is None else str(self.datastore["GlobalReplicationGroupId"])

    @property
    def datastore_status(self) -> str | None:
        return None if self.datastore is None else str(self.datastore.get("Status"))

    def has_member(self, group: str, region: str) -> bool:
        return self.datastore is not None and api.member(self.datastore, group, region) is not None

    @property
    def writable(self) -> bool:
        """Takes writes: the datastore's primary, or a standalone group."""
        return (
            self.exists and self.role in (None, "PRIMARY") and self.datastore_status != "modifying"
        )

    def text(self) -> str:
        if self.group is None:
            return f"no replication group {self.group_id} in {self.region}"
        status = self.group.get("Status")
        if self.datastore is None:
            other = api.datastore_id_of(self.group)
            if other:
                return f"{self.group_id} ({status}) in another datastore, {other}"
            return f"{self.group_id} standalone ({status})"
        return (
            f"{self.group_id} {self.role} ({self.member_status}) of {self.gid} "
            f"({self.datastore_status})"
        )


def read(res: ElastiCacheGlobal, ctx: RunContext, side: str) -> Side:
    """``side``'s group and its datastore, read in that side's Region only."""
    region = ctx.region(side)
    client = ctx.client("elasticache", side)
    group_id = res.primary if side == "primary" else res.dr
    group = api.describe_group(client, group_id)
    datastore = None
    if group is not None and api.datastore_id_of(group) is not None:
        datastore = api.datastore_of(client, res.global_datastore, group_id, region)
    return Side(side, region, group_id, group, datastore)


def require_datastore(res: ElastiCacheGlobal, side: Side) -> dict[str, Any]:
    if side.datastore is None:
        raise AwsError(
            f"{res.name}: {side.text()}: not a member of global datastore {res.global_datastore}",
            hint="drctl check --plan ... names what is wrong",
        )
    return side.datastore
