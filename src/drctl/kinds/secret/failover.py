"""Failover of a replicated secret.

Unplanned (the primary's Region is down): promote the DR replica (``StopReplicationToReplica``,
called in DR, the only Region that must answer) so that it can be rotated and changed there.
Replication to a replica Region is asynchronous, and the primary's ``ReplicationStatus`` cannot
be read with its Region down: the promotion keeps whatever the replica had, so the step reports
the replica's current version and its ``CreatedDate`` (``ListSecretVersionIds`` in DR) and says
that a value written shortly before the outage may be missing.

Planned: replication stays. The primary's Region answers, so the replica keeps following its
primary -- a rotation made there still reaches DR -- and applications in DR read the replica as
they read the primary. Promoting would fork the secret into two copies that drift apart, and
failback would have to overwrite one of them. The step only waits until the replica is
``InSync`` (a value written just before is still on its way while it is ``InProgress``), so
DR starts on the primary's current value: a planned move loses nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

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
from drctl.kinds.secret import api
from drctl.kinds.secret.topology import NAME, read, require
from drctl.kinds.steps import aws_step
from drctl.plan.models import Secret

# A new replica is copied within minutes; a replica being brought in sync is waited this long.
SYNC_TIMEOUT_SECONDS = 900.0


def failover(res: Secret, ctx: RunContext) -> list[Step]:
    if ctx.mode == "unplanned":
        return [promote_step(res, ctx, side="dr", action="promote-dr", phase=Phase.DATA)]
    return [in_sync_step(res, ctx)]


def promote_step(
    res: Secret,
    ctx: RunContext,
    *,
    side: str,
    action: str,
    phase: Phase,
    depends_on: list[str] | None = None,
) -> Step:
    """Promote the replica on ``side`` to a standalone primary; done when it is one."""
    region = ctx.region(side)
    client = ctx.client("secretsmanager", side)

    def precheck() -> Precheck:
        here = read(res, ctx, side)
        require(here, res)
        return Precheck(here.is_primary, here.text(), f"standalone primary in {region}")

    def run() -> StepOutcome:
        here = read(res, ctx, side)
        require(here, res)
        if here.is_primary:
            return StepOutcome(detail=f"{res.secret} is already a primary in {region}")
        kept = _kept_version(res, ctx, side) if side == "dr" else {}
        api.promote(client, res.secret)
        detail = f"{res.secret} in {region} promoted from a replica of {here.primary_region}"
        if side == "dr":
            detail += f"; {_lag_note(kept, ctx, region, str(here.primary_region))}"
        return StepOutcome(
            detail=detail,
            data={"promoted_from": here.primary_region, "region": region, **kept},
        )

    def verify() -> Verification:
        here = read(res, ctx, side)
        return Verification(here.is_primary, here.text())

    return aws_step(
        resource=res.name,
        kind=NAME,
        action=action,
        phase=phase,
        description=f"Promote the replica of {res.secret} in {region} to a standalone primary "
        "secret (stop replication to it)",
        cli=[
            f"aws secretsmanager stop-replication-to-replica --secret-id {res.secret} "
            f"--region {region}"
        ],
        where=f"{res.name} (secretsmanager {region})",
        precheck=precheck,
        run=run,
        verify=verify,
        poll_seconds=5.0,
        depends_on=depends_on,
        sfn=lambda: _declarative_promote(res, ctx, side),
    )


def _kept_version(res: Secret, ctx: RunContext, side: str) -> dict[str, Any]:
    """The replica's current version as its own Region lists it (no value read): what the
    promotion keeps. Empty when it cannot be read (the promotion goes ahead regardless)."""
    version = api.current_version(ctx.client("secretsmanager", side), res.secret)
    if version is None:
        return {}
    created = version.get("CreatedDate")
    return {
        "kept_version": str(version.get("VersionId")),
        "kept_version_created": created.isoformat() if isinstance(created, datetime) else None,
    }


def _lag_note(kept: dict[str, Any], ctx: RunContext, region: str, home: str) -> str:
    """What an unplanned promotion may lose: replication to a replica Region is asynchronous
    (the primary's Region, down, cannot say whether the replica was ``InSync``), so a value
    written in ``home`` shortly before the outage may never have reached ``region``."""
    created = kept.get("kept_version_created")
    if created:
        age = max(0.0, (ctx.clock.now() - datetime.fromisoformat(created)).total_seconds())
        have = (
            f"it keeps its current version {kept['kept_version']}, created {created} "
            f"({age:.0f} s ago)"
        )
    else:
        have = "its current version could not be read (ListSecretVersionIds)"
    return (
        f"{have}; replication from {home} is asynchronous, so a value written there shortly "
        f"before the outage may not have reached {region} and is not in the promoted secret"
    )


def primary_here(region: str) -> dict[str, object]:
    """DescribeSecret in ``region`` answers for a primary there: no PrimaryRegion (a
    replica names its primary's), or its own."""
    return any_of(negate(present("$.PrimaryRegion")), equals("$.PrimaryRegion", region))


def _declarative_promote(res: Secret, ctx: RunContext, side: str) -> SfnStep:
    """StopReplicationToReplica in ``side``'s Region; done when the secret there is a
    primary. A secret missing there fails the describe (the CLI refuses it too)."""
    region = ctx.region(side)
    probe = Probe(
        SdkCall("secretsmanager", "describeSecret", {"SecretId": res.secret}, region, side=side),
        primary_here(region),
    )
    return SfnStep(
        precheck=probe,
        run=(
            SdkCall(
                "secretsmanager",
                "stopReplicationToReplica",
                {"SecretId": res.secret},
                region,
                side=side,
            ),
        ),
        verify=probe,
    )


def in_sync_step(res: Secret, ctx: RunContext) -> Step:
    """Planned failover: leave replication as it is, wait until the DR replica is InSync."""
    home, dr = ctx.region("primary"), ctx.region("dr")

    def state() -> tuple[bool, str]:
        there = read(res, ctx, "dr")
        require(there, res)
        if there.is_primary:
            return True, f"{there.text()} (promoted earlier: nothing follows a primary)"
        origin = read(res, ctx, "primary")
        entry = origin.replica_in(dr)
        if entry is None:
            raise AwsError(
                f"{res.name}: {res.secret} in {dr} is a replica, but {origin.text()}",
                hint=f"aws secretsmanager describe-secret --secret-id {res.secret} --region {home}",
            )
        if entry.get("Status") == "Failed":
            raise AwsError(
                f"{res.name}: replication of {res.secret} to {dr} Failed: "
                f"{entry.get('StatusMessage', '')}"
            )
        return entry.get("Status") == "InSync", f"replica in {dr} {entry.get('Status')}"

    def precheck() -> Precheck:
        done, text = state()
        return Precheck(done, text, f"replica in {dr} InSync (replication left in place)")

    def verify() -> Verification:
        done, text = state()
        return Verification(done, text)

    return aws_step(
        resource=res.name,
        kind=NAME,
        action="replica-in-sync",
        phase=Phase.DATA,
        description=f"Leave {res.secret} replicating from {home} (planned: the primary answers, "
        f"rotations keep reaching {dr}); wait until the {dr} replica is InSync",
        cli=[
            f"aws secretsmanager describe-secret --secret-id {res.secret} "
            f"--query 'ReplicationStatus[?Region==`\"{dr}\"`].Status' --region {home}"
        ],
        where=f"{res.name} (secretsmanager {home})",
        precheck=precheck,
        run=lambda: StepOutcome(detail=f"waiting for the {dr} replica to be InSync"),
        verify=verify,
        mutating=False,
        timeout_seconds=SYNC_TIMEOUT_SECONDS,
        poll_seconds=10.0,
        sfn=lambda: _declarative_in_sync(res, ctx),
    )


def _declarative_in_sync(res: Secret, ctx: RunContext) -> SfnStep | None:
    """Done at once when DR's secret is a primary already (described in DR); otherwise wait
    until the primary's ReplicationStatus entry for DR reads InSync -- described in the
    primary's Region (only a primary lists its replicas), the entry's position read when
    exporting and its Region checked. A ``Failed`` replication times out here where the
    CLI stops at once. None offline, or when the primary lists no replica in DR."""
    if ctx.offline:
        return None
    home, dr = ctx.region("primary"), ctx.region("dr")
    try:
        origin = read(res, ctx, "primary")
    except Exception:
        return None
    regions = [str(e.get("Region")) for e in (origin.desc or {}).get("ReplicationStatus", [])]
    if not origin.is_primary or dr not in regions:
        return None
    entry = f"$.ReplicationStatus[{regions.index(dr)}]"
    return SfnStep(
        precheck=Probe(
            SdkCall("secretsmanager", "describeSecret", {"SecretId": res.secret}, dr),
            primary_here(dr),
        ),
        verify=Probe(
            SdkCall(
                "secretsmanager",
                "describeSecret",
                {"SecretId": res.secret},
                home,
                side="primary",
            ),
            all_of(equals(f"{entry}.Region", dr), equals(f"{entry}.Status", "InSync")),
        ),
    )
