"""Failover of an ElastiCache global datastore: ``FailoverGlobalReplicationGroup`` makes the DR
group the primary (the primary's group becomes a secondary: the topology is kept, reversed),
called in DR, and the step waits until the datastore is ``available`` again with the DR group
``PRIMARY``.

**Planned**: AWS refuses it unless the datastore is ``available`` and the DR member
``associated``; the RPO gate has checked its lag (``GlobalDatastoreReplicationLag``, fail
closed) first, and the step refuses the same itself.

**Unplanned** (the primary's Region is down): the same promotion, which is what AWS documents
for it: "If the primary cluster or AWS Region becomes unavailable or is experiencing
performance issues, you can promote a secondary cluster to primary. Promotion is allowed
anytime, even if other modifications are in progress" and "You can do so by connecting to any
AWS Region that contains a secondary cluster" (ElastiCache user guide, global datastores:
https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Redis-Global-Datastores-Console.html,
https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Redis-Global-Datastore.html). The step
reads and calls DR only and does not wait for the datastore to be ``available`` before
calling. What the primary had not replicated (the last ``GlobalDatastoreReplicationLag``) is
lost: the step's detail names it. AWS documents no way out of the datastore that works
without the primary's Region (``DisassociateGlobalReplicationGroup`` is a modification of an
``available`` datastore), so drctl does not use one.
"""

from __future__ import annotations

from drctl.aws import cloudwatch
from drctl.engine.context import RunContext
from drctl.engine.declarative import Probe, SdkCall, SfnStep, all_of, equals, negate, present
from drctl.engine.step import Phase, Precheck, Step, StepOutcome, Verification
from drctl.errors import AwsError
from drctl.kinds.elasticache_global import api, declarative
from drctl.kinds.elasticache_global.checks import LAG_METRIC, NAMESPACE
from drctl.kinds.elasticache_global.topology import NAME, Side, read, require_datastore
from drctl.kinds.steps import aws_step
from drctl.plan.models import ElastiCacheGlobal


def failover(res: ElastiCacheGlobal, ctx: RunContext) -> list[Step]:
    return [promote_step(res, ctx, side="dr", action="promote-dr")]


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
            return True, f"{s.text()}: out of the datastore: it takes writes already"
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
        unplanned = side == "dr" and ctx.mode == "unplanned"
        if not unplanned and (s.member_status != "associated" or s.datastore_status != "available"):
            raise AwsError(
                f"{res.name}: cannot fail {gid} over to {group}: {s.text()}",
                hint="wait until the datastore is available and the member associated "
                "(synchronised); `drctl check` lists the same",
            )
        # Unplanned: "Promotion is allowed anytime, even if other modifications are in
        # progress" (user guide); what was not replicated yet is named before it is lost.
        loss = _loss(res, ctx, s) if unplanned else ""
        api.failover(client, gid, region, group)
        detail = f"failover of {gid} to {group} ({region}) started"
        return StepOutcome(
            detail=f"{detail}; {loss}" if loss else detail,
            data={"datastore": gid, **({"lost": loss} if loss else {})},
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
        sfn=(
            (lambda: declarative.promote_home(res, ctx))
            if side == "primary"
            else (lambda: _declarative_promote(res, ctx))
        ),
    )


def _loss(res: ElastiCacheGlobal, ctx: RunContext, s: Side) -> str:
    """What an unplanned promotion loses: the writes of the last replication lag reading
    (read in DR: the primary's Region does not answer)."""
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
    if found is None:
        return _declarative_standalone(res, ctx)
    if res.dr not in found[1]:
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


def _declarative_standalone(res: ElastiCacheGlobal, ctx: RunContext) -> SfnStep | None:
    """The DR group out of any datastore when exporting (an operator disassociated it): it
    takes writes already, which the CLI's precheck finds too; the form checks that it still
    does (standalone and ``available``), else fails at once. None offline or without it."""
    if ctx.offline:
        return None
    try:
        s = read(res, ctx, "dr")
    except Exception:
        return None
    if s.group is None or api.datastore_id_of(s.group) is not None:
        return None
    call = SdkCall(
        "elasticache", "describeReplicationGroups", {"ReplicationGroupId": res.dr}, ctx.region("dr")
    )
    group = "$.ReplicationGroups[0]"
    alone = all_of(
        negate(present(f"{group}.GlobalReplicationGroupInfo.GlobalReplicationGroupId")),
        equals(f"{group}.Status", "available"),
    )
    changed = (negate(alone), f"{res.dr} is no longer standalone and available as when exported")
    return SfnStep(precheck=Probe(call, alone), verify=Probe(call, alone, fails=changed))
