"""Failover of an ElastiCache global datastore.

**Planned**: ``FailoverGlobalReplicationGroup`` makes the DR group the primary (the primary's
group becomes a secondary: the topology is kept, reversed). AWS refuses it unless the datastore
is ``available`` and the DR member ``associated``; the RPO gate has checked its lag
(``GlobalDatastoreReplicationLag``, fail closed) first, and the step waits until the datastore
is ``available`` again with the DR group ``PRIMARY``.

**Unplanned** (the primary's Region is down): the DR group leaves the datastore
(``DisassociateGlobalReplicationGroup``, called in DR only): "the secondary cluster will no
longer receive updates from the primary cluster, but will remain as a standalone cluster"
(API reference), which takes writes. What the primary had not replicated yet (the last
``GlobalDatastoreReplicationLag``) is lost; the primary's group stays the primary of the old
datastore, alone, until failback re-forms it from DR.
"""

from __future__ import annotations

from drctl.aws import cloudwatch
from drctl.engine.context import RunContext
from drctl.engine.declarative import (
    Probe,
    SdkCall,
    SfnStep,
    all_of,
    any_of,
    equals,
    negate,
    present,
)
from drctl.engine.step import Phase, Precheck, Step, StepOutcome, Verification
from drctl.errors import AwsError
from drctl.kinds.elasticache_global import api
from drctl.kinds.elasticache_global.checks import LAG_METRIC, NAMESPACE
from drctl.kinds.elasticache_global.topology import NAME, read, require_datastore
from drctl.kinds.steps import aws_step
from drctl.plan.models import ElastiCacheGlobal


def failover(res: ElastiCacheGlobal, ctx: RunContext) -> list[Step]:
    if ctx.mode == "planned":
        return [promote_step(res, ctx, side="dr", action="promote-dr")]
    return [detach_step(res, ctx)]


def gid_text(res: ElastiCacheGlobal, ctx: RunContext, side: str) -> str:
    """The datastore's id for a printed command: read from AWS when it can be, else a
    command substitution that finds it by its suffix (its prefix is the Region's it was
    formed in, which a failback may have changed)."""
    if not ctx.offline:
        try:
            found = read(res, ctx, side).gid
            if found:
                return found
        except Exception:
            pass  # unknown now: the command reads it itself
    query = (
        "GlobalReplicationGroups[?ends_with(GlobalReplicationGroupId, "
        f"'-{api.suffix_of(res.global_datastore)}')].GlobalReplicationGroupId | [0]"
    )
    return (
        f'"$(aws elasticache describe-global-replication-groups --query "{query}" '
        f'--output text --region {ctx.region(side)})"'
    )


def _describe_cli(res: ElastiCacheGlobal, ctx: RunContext, side: str) -> str:
    return (
        "aws elasticache describe-global-replication-groups --global-replication-group-id "
        f"{gid_text(res, ctx, side)} --show-member-info --query "
        "'GlobalReplicationGroups[0].[Status,Members[].[ReplicationGroupId,Role,Status]]' "
        f"--region {ctx.region(side)}"
    )


def promote_step(
    res: ElastiCacheGlobal,
    ctx: RunContext,
    *,
    side: str,
    action: str,
    depends_on: list[str] | None = None,
) -> Step:
    """Make ``side``'s group the datastore's primary (``FailoverGlobalReplicationGroup``)."""
    region = ctx.region(side)
    group = res.primary if side == "primary" else res.dr
    client = ctx.client("elasticache", side)

    def done() -> tuple[bool, str]:
        s = read(res, ctx, side)
        if side == "dr" and s.exists and s.datastore is None:
            return True, f"{s.text()}: already writable (an unplanned failover took it out)"
        return s.role == "PRIMARY" and s.datastore_status == "available", s.text()

    def precheck() -> Precheck:
        ok, text = done()
        return Precheck(ok, text, f"{group} PRIMARY of an available datastore")

    def run() -> StepOutcome:
        s = read(res, ctx, side)
        glob = require_datastore(res, s)
        gid = str(glob["GlobalReplicationGroupId"])
        if s.role == "PRIMARY":
            return StepOutcome(detail=f"{s.text()}: waiting until the datastore is available")
        if s.member_status != "associated" or s.datastore_status != "available":
            raise AwsError(
                f"{res.name}: cannot fail {gid} over to {group}: {s.text()}",
                hint="wait until the datastore is available and the member associated "
                "(synchronised); `drctl check` lists the same",
            )
        api.failover(client, gid, region, group)
        return StepOutcome(
            detail=f"failover of {gid} to {group} ({region}) started", data={"datastore": gid}
        )

    def verify() -> Verification:
        ok, text = done()
        return Verification(ok, text)

    return aws_step(
        resource=res.name,
        kind=NAME,
        action=action,
        phase=Phase.DATA,
        description=f"Make {group} ({region}) the primary of global datastore "
        f"{res.global_datastore} (FailoverGlobalReplicationGroup; the other group becomes its "
        "secondary) and wait until the datastore is available again",
        cli=[
            "aws elasticache failover-global-replication-group --global-replication-group-id "
            f"{gid_text(res, ctx, side)} --primary-region {region} "
            f"--primary-replication-group-id {group} --region {region}",
            _describe_cli(res, ctx, side),
        ],
        where=f"{res.name} (elasticache {region})",
        precheck=precheck,
        run=run,
        verify=verify,
        poll_seconds=15.0,
        depends_on=depends_on,
        sfn=None if side == "primary" else (lambda: _declarative_promote(res, ctx)),
    )


def detach_step(res: ElastiCacheGlobal, ctx: RunContext) -> Step:
    """Take the DR group out of the datastore (``DisassociateGlobalReplicationGroup``, in DR
    only): standalone and writable while the primary's Region is down."""
    region = ctx.region("dr")
    client = ctx.client("elasticache", "dr")

    def done() -> tuple[bool, str]:
        s = read(res, ctx, "dr")
        if not s.exists:
            raise AwsError(f"{res.name}: no replication group {res.dr} in {region}")
        if s.datastore is None:
            return s.group is not None and s.group.get("Status") == "available", s.text()
        return s.role == "PRIMARY" and s.datastore_status == "available", s.text()

    def precheck() -> Precheck:
        ok, text = done()
        return Precheck(ok, text, f"{res.dr} standalone (or already the primary), available")

    def lost() -> str:
        s = read(res, ctx, "dr")
        clusters = (s.group or {}).get("MemberClusters") or []
        seconds = None
        if clusters:
            seconds = cloudwatch.latest_maximum(
                ctx.client("cloudwatch", "dr"),
                namespace=NAMESPACE,
                metric=LAG_METRIC,
                dimensions={"CacheClusterId": str(clusters[0])},
                now=ctx.clock.now(),
            )
        window = "unknown" if seconds is None else f"{seconds:g} s"
        return (
            f"writes to {res.primary} ({ctx.region('primary')}) not yet replicated are lost "
            f"(last {LAG_METRIC}: {window})"
        )

    def run() -> StepOutcome:
        s = read(res, ctx, "dr")
        glob = require_datastore(res, s)
        gid = str(glob["GlobalReplicationGroupId"])
        if s.member_status == "disassociating":
            return StepOutcome(detail=f"{res.dr} is already leaving {gid}: waiting")
        loss = lost()
        api.disassociate(client, gid, res.dr, region)
        return StepOutcome(
            detail=f"{res.dr} disassociated from {gid}: standalone and writable in {region}; "
            f"{loss}; {res.primary} stays the primary of {gid}, alone, until failback",
            data={"datastore": gid, "lost": loss},
        )

    def verify() -> Verification:
        ok, text = done()
        return Verification(ok, text)

    return aws_step(
        resource=res.name,
        kind=NAME,
        action="detach-dr",
        phase=Phase.DATA,
        description=f"Take {res.dr} ({region}) out of global datastore {res.global_datastore} "
        "(DisassociateGlobalReplicationGroup, called in DR only): a standalone, writable group; "
        "what the primary had not replicated is lost",
        cli=[
            "aws elasticache disassociate-global-replication-group "
            f"--global-replication-group-id {gid_text(res, ctx, 'dr')} "
            f"--replication-group-id {res.dr} --replication-group-region {region} "
            f"--region {region}",
            f"aws elasticache describe-replication-groups --replication-group-id {res.dr} "
            "--query 'ReplicationGroups[0].[Status,GlobalReplicationGroupInfo]' "
            f"--region {region}",
        ],
        where=f"{res.name} (elasticache {region})",
        precheck=precheck,
        run=run,
        verify=verify,
        poll_seconds=15.0,
        sfn=lambda: _declarative_detach(res, ctx),
    )


def _resolved(res: ElastiCacheGlobal, ctx: RunContext) -> tuple[str, list[str]] | None:
    """The datastore's id and its members' group ids in order, read from DR when exporting
    (a Choice cannot search the member list); None offline or when DR is in no datastore."""
    if ctx.offline:
        return None
    try:
        s = read(res, ctx, "dr")
    except Exception:
        return None
    if s.datastore is None:
        return None
    members = [str(m.get("ReplicationGroupId")) for m in s.datastore.get("Members", []) or []]
    return str(s.datastore["GlobalReplicationGroupId"]), members


def _declarative_promote(res: ElastiCacheGlobal, ctx: RunContext) -> SfnStep | None:
    """FailoverGlobalReplicationGroup to the DR group; done when it is the PRIMARY member and
    the datastore ``available``. The member's position is read when exporting (its id is
    checked too: a changed membership times out, it never passes)."""
    found = _resolved(res, ctx)
    if found is None or res.dr not in found[1]:
        return None
    gid, members = found
    region = ctx.region("dr")
    member = f"$.GlobalReplicationGroups[0].Members[{members.index(res.dr)}]"
    call = SdkCall(
        "elasticache",
        "describeGlobalReplicationGroups",
        {"GlobalReplicationGroupId": gid, "ShowMemberInfo": True},
        region,
    )
    moved = all_of(
        equals(f"{member}.ReplicationGroupId", res.dr),
        equals(f"{member}.Role", "PRIMARY"),
        equals("$.GlobalReplicationGroups[0].Status", "available"),
    )
    return SfnStep(
        precheck=Probe(call, moved),
        # A rerun while the first failover is under way is refused: the wait loop sees it.
        run=(
            SdkCall(
                "elasticache",
                "failoverGlobalReplicationGroup",
                {
                    "GlobalReplicationGroupId": gid,
                    "PrimaryRegion": region,
                    "PrimaryReplicationGroupId": res.dr,
                },
                region,
                tolerate_failure=True,
            ),
        ),
        verify=Probe(call, moved),
    )


def _declarative_detach(res: ElastiCacheGlobal, ctx: RunContext) -> SfnStep | None:
    """DisassociateGlobalReplicationGroup of the DR group, in DR; done when the group has no
    ``GlobalReplicationGroupInfo`` and is ``available`` (or is already the primary)."""
    found = _resolved(res, ctx)
    if found is None:
        return None
    gid, _ = found
    region = ctx.region("dr")
    call = SdkCall(
        "elasticache", "describeReplicationGroups", {"ReplicationGroupId": res.dr}, region
    )
    info = "$.ReplicationGroups[0].GlobalReplicationGroupInfo"
    standalone = all_of(
        negate(present(f"{info}.GlobalReplicationGroupId")),
        equals("$.ReplicationGroups[0].Status", "available"),
    )
    return SfnStep(
        precheck=Probe(
            call,
            any_of(
                standalone,
                all_of(
                    present(f"{info}.GlobalReplicationGroupMemberRole"),
                    equals(f"{info}.GlobalReplicationGroupMemberRole", "PRIMARY"),
                ),
            ),
        ),
        run=(
            SdkCall(
                "elasticache",
                "disassociateGlobalReplicationGroup",
                {
                    "GlobalReplicationGroupId": gid,
                    "ReplicationGroupId": res.dr,
                    "ReplicationGroupRegion": region,
                },
                region,
                tolerate_failure=True,
            ),
        ),
        verify=Probe(call, standalone),
    )
