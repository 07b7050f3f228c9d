"""Which file systems the plan's resource is, and how their replication stands, read from
either Region: what every check and step of ``efs-replication`` decides on.

The plan names the primary file system (id or Name tag); the DR copy is the other end of its
replication configuration. Once a failover deleted that configuration nothing links the two any
more, so the failover tags the DR copy ``drctl-replica-of: <primary id>`` before deleting it; the
DR copy is then the plan's ``dr_file_system``, or the other end of a configuration a failback
created, or the file system so tagged, or what the failover recorded. With the primary's
Region down only the DR Region is asked: the configuration as DR records it (or the tag) names
the primary's id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from drctl.engine.context import RunContext
from drctl.errors import AwsError
from drctl.kinds.efs_replication import api
from drctl.plan.models import EfsReplication

NAME = "efs-replication"
STOP_ACTION = "stop-replication"  # the failover step that records the DR copy's id
_ID = re.compile(r"^fs-[0-9a-f]{8,40}$")


def is_id(ref: str) -> bool:
    return bool(_ID.match(ref))


@dataclass(frozen=True)
class Link:
    """One replication configuration as one Region records it."""

    region: str  # the Region whose record this is
    desc: dict[str, Any]

    @property
    def source(self) -> str:
        return str(self.desc["SourceFileSystemId"])

    @property
    def source_region(self) -> str:
        return str(self.desc["SourceFileSystemRegion"])

    @property
    def dest(self) -> dict[str, Any]:
        return dict((self.desc.get("Destinations") or [{}])[0])

    @property
    def dest_id(self) -> str:
        return str(self.dest.get("FileSystemId", ""))

    @property
    def dest_region(self) -> str:
        return str(self.dest.get("Region", ""))

    @property
    def status(self) -> str:
        return str(self.dest.get("Status", "?"))

    @property
    def last(self) -> datetime | None:
        """``LastReplicatedTimestamp``: everything written before it is in the destination."""
        value = self.dest.get("LastReplicatedTimestamp")
        if value is None:
            return None
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=UTC)
        return datetime.fromtimestamp(float(value), UTC)

    @property
    def synced(self) -> bool:
        """ENABLED and synced at least once."""
        return self.status == "ENABLED" and self.last is not None

    def text(self) -> str:
        last = self.last
        when = f", last synced {last:%Y-%m-%dT%H:%M:%SZ}" if last else ", never synced"
        message = f" ({self.dest['StatusMessage']})" if self.dest.get("StatusMessage") else ""
        return (
            f"{self.source} ({self.source_region}) -> {self.dest_id} ({self.dest_region}) "
            f"{self.status}{message}{when}"
        )


def stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _named(ctx: RunContext, side: str, name: str) -> str:
    found = api.file_systems_named(ctx.client("efs", side), name)
    region = ctx.region(side)
    if not found:
        raise AwsError(f"no EFS file system named {name!r} in {region}")
    if len(found) > 1:
        ids = ", ".join(str(fs["FileSystemId"]) for fs in found)
        raise AwsError(
            f"{len(found)} EFS file systems are named {name!r} in {region} ({ids})",
            hint="name the file system by its id (fs-...) in the plan",
        )
    return str(found[0]["FileSystemId"])


def links(ctx: RunContext, side: str, fs_id: str | None = None) -> list[Link]:
    """The configurations ``side``'s Region records (of ``fs_id`` when given)."""
    region = ctx.region(side)
    return [Link(region, d) for d in api.replications(ctx.client("efs", side), fs_id)]


def link(ctx: RunContext, side: str, fs_id: str, source: str, dest: str) -> Link | None:
    """The configuration ``source`` -> ``dest`` as ``side`` records it (``fs_id``: the end of
    it in that Region), or None."""
    return next(
        (k for k in links(ctx, side, fs_id) if k.source == source and k.dest_id == dest), None
    )


def primary_id(res: EfsReplication, ctx: RunContext, *, home_answers: bool = True) -> str:
    """The primary file system's id; by its Name tag in the primary Region, or -- that Region
    down -- from the configuration DR records from it."""
    if is_id(res.file_system):
        return res.file_system
    if home_answers:
        return ctx.memo.get(
            ("efs", "primary", res.file_system),
            lambda: _named(ctx, "primary", res.file_system),
        )
    home = ctx.region("primary")
    pairs = {(k.dest_id, k.source) for k in links(ctx, "dr") if k.source_region == home}
    pairs |= set(api.replicas_tagged(ctx.client("efs", "dr")).items())
    if res.dr_file_system:
        dr = dr_id_named(res, ctx)
        pairs = {(d, p) for d, p in pairs if d == dr}
    sources = {p for _, p in pairs}
    if len(sources) != 1:
        raise AwsError(
            f"{res.name}: {home} does not answer, and the file system named "
            f"{res.file_system!r} cannot be told from {ctx.region('dr')} "
            f"({len(sources)} file systems of {home} replicate or were replicated there)",
            hint="name the primary file system by its id (fs-...) in the plan",
        )
    return sources.pop()


def dr_id_named(res: EfsReplication, ctx: RunContext) -> str:
    """The plan's ``dr_file_system`` as an id."""
    ref = str(res.dr_file_system)
    if is_id(ref):
        return ref
    return ctx.memo.get(("efs", "dr", ref), lambda: _named(ctx, "dr", ref))


def dr_id(res: EfsReplication, ctx: RunContext, *, home_answers: bool = True) -> str:
    """The DR copy's id: the plan's ``dr_file_system``, else the other end of a configuration
    linking the primary with a file system in DR, else the one the failover tagged as its copy
    (``drctl-replica-of``), else what the failover recorded."""
    if res.dr_file_system:
        return dr_id_named(res, ctx)
    primary = primary_id(res, ctx, home_answers=home_answers)
    home, dr = ctx.region("primary"), ctx.region("dr")
    seen = links(ctx, "dr")
    if home_answers:
        seen += links(ctx, "primary", primary)
    for k in seen:
        if k.source == primary and k.dest_region == dr:
            return k.dest_id
        if k.dest_id == primary and k.source_region == dr and k.dest_region == home:
            return k.source
    tagged = sorted(
        d for d, p in api.replicas_tagged(ctx.client("efs", "dr")).items() if p == primary
    )
    if len(tagged) == 1:
        return tagged[0]
    recorded = ctx.recorded.get(f"{res.name}.{STOP_ACTION}", {}).get("dr_file_system")
    if recorded:
        return str(recorded)
    raise AwsError(
        f"{res.name}: no replication configuration links {primary} ({home}) with a file "
        f"system in {dr}, and no failover recorded one",
        hint=f"aws efs describe-replication-configurations --file-system-id {primary} "
        f"--region {home}; name the DR copy in the plan (dr_file_system) to fail back",
    )


def file_system(ctx: RunContext, side: str, fs_id: str) -> dict[str, Any]:
    found = api.describe_file_system(ctx.client("efs", side), fs_id)
    if found is None:
        raise AwsError(f"EFS file system {fs_id} not found in {ctx.region(side)}")
    return found


def protection(fs: dict[str, Any]) -> str:
    """``ReplicationOverwriteProtection``: ENABLED (writeable), DISABLED, REPLICATING."""
    return str((fs.get("FileSystemProtection") or {}).get("ReplicationOverwriteProtection", "?"))
