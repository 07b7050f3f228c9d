"""Failback of an ElastiCache global datastore: re-protect, then bring the primary home.

After a failover the datastore is whole, reversed (DR primary, home secondary: an unplanned
promotion makes the home group a secondary too, "The current primary cluster in primary
region will become secondary", ElastiCache user guide): only ``<name>.promote-home`` acts
(``FailoverGlobalReplicationGroup`` back home, after the RPO gate has checked the home
secondary's lag); the re-protecting steps find their effect present.

When the DR group left the datastore (an operator's ``DisassociateGlobalReplicationGroup``),
DR holds a standalone group with everything written since, and home a group that is still
the primary of the old datastore, alone, with stale data. ElastiCache adds a secondary only as
a new replication group created into the datastore (``CreateReplicationGroup`` with
``GlobalReplicationGroupId``), so:

1. ``retire-old-datastore`` (home): delete the old datastore, keeping its group standalone
   (``DeleteGlobalReplicationGroup`` with ``RetainPrimaryReplicationGroup``);
2. ``form-datastore`` (DR): form the datastore again around the DR group
   (``CreateGlobalReplicationGroup`` with the plan's suffix: its id now has DR's prefix);
3. ``rebuild-home`` (home): delete the stale home group, keeping a final snapshot
   (``<primary>-pre-failback-<yyyy-mm-dd-hhmm>``, UTC), and create it again, by the same id
   and in the same subnet group, as a secondary of the datastore; wait until it is
   ``associated`` and its ``GlobalDatastoreReplicationLag`` is within the RPO (in sync);
4. ``promote-home``: fail the datastore over home.

Steps 1-3 run while the application still serves from DR (failback preparation, not in the
RTO). Every step is skipped on a rerun.
"""

from __future__ import annotations

from drctl.engine.context import RunContext
from drctl.engine.step import Phase, Precheck, Step, StepOutcome, Verification
from drctl.errors import AwsError
from drctl.kinds.elasticache_global import api, declarative
from drctl.kinds.elasticache_global.checks import lag_reading
from drctl.kinds.elasticache_global.failover import gid_text, promote_step
from drctl.kinds.elasticache_global.topology import NAME, read, require_datastore
from drctl.kinds.steps import aws_step
from drctl.plan.models import ElastiCacheGlobal

DELETE_TIMEOUT_SECONDS = 3600.0
REBUILD_TIMEOUT_SECONDS = 6 * 3600.0  # a new secondary is created and synchronised


def failback(res: ElastiCacheGlobal, ctx: RunContext) -> list[Step]:
    retire = _retire_old_datastore(res, ctx)
    form = _form_datastore(res, ctx, [retire.id])
    rebuild = _rebuild_home(res, ctx, [form.id])
    home = promote_step(res, ctx, side="primary", action="promote-home", depends_on=[rebuild.id])
    return [retire, form, rebuild, home]


def _retire_old_datastore(res: ElastiCacheGlobal, ctx: RunContext) -> Step:
    region, dr = ctx.region("primary"), ctx.region("dr")
    client = ctx.client("elasticache", "primary")

    def done() -> tuple[bool, str]:
        h = read(res, ctx, "primary")
        if not h.exists or h.datastore is None:
            return True, h.text()
        if h.has_member(res.dr, dr):
            return True, f"{h.text()}, with {res.dr} in {dr}: nothing to retire"
        return False, h.text()

    def precheck() -> Precheck:
        ok, text = done()
        return Precheck(ok, text, f"{res.primary} standalone or in one datastore with {res.dr}")

    def run() -> StepOutcome:
        h = read(res, ctx, "primary")
        glob = require_datastore(res, h)
        gid = str(glob["GlobalReplicationGroupId"])
        if h.datastore_status == "deleting":
            return StepOutcome(detail=f"{gid} is already deleting: waiting")
        if h.role != "PRIMARY":
            raise AwsError(f"{res.name}: {h.text()}: only a datastore's primary can retire it")
        api.delete_datastore(client, gid)
        return StepOutcome(
            detail=f"old datastore {gid} deleted, {res.primary} kept standalone (its data "
            "predates the failover: it is replaced next)",
            data={"datastore": gid},
        )

    def verify() -> Verification:
        ok, text = done()
        return Verification(ok, text)

    return aws_step(
        resource=res.name,
        kind=NAME,
        action="retire-old-datastore",
        phase=Phase.DATA,
        description=f"Delete the datastore {res.primary} ({region}) was left alone in by an "
        "unplanned failover, keeping the group (DeleteGlobalReplicationGroup "
        "--retain-primary-replication-group)",
        cli=[
            "aws elasticache delete-global-replication-group --global-replication-group-id "
            f"{gid_text(res, ctx, 'primary')} --retain-primary-replication-group "
            f"--region {region}",
            f"aws elasticache describe-replication-groups --replication-group-id {res.primary} "
            f"--query 'ReplicationGroups[0].GlobalReplicationGroupInfo' --region {region}",
        ],
        where=f"{res.name} (elasticache {region})",
        precheck=precheck,
        run=run,
        verify=verify,
        poll_seconds=15.0,
        timeout_seconds=DELETE_TIMEOUT_SECONDS,
        sfn=lambda: declarative.retire(res, ctx),
        preparation=True,
    )


def _form_datastore(res: ElastiCacheGlobal, ctx: RunContext, after: list[str]) -> Step:
    region = ctx.region("dr")
    client = ctx.client("elasticache", "dr")
    suffix = api.suffix_of(res.global_datastore)

    def done() -> tuple[bool, str]:
        d = read(res, ctx, "dr")
        if not d.exists:
            raise AwsError(f"{res.name}: no replication group {res.dr} in {region}")
        return d.datastore is not None and d.datastore_status == "available", d.text()

    def precheck() -> Precheck:
        d = read(res, ctx, "dr")
        return Precheck(d.datastore is not None, d.text(), f"{res.dr} in a datastore")

    def run() -> StepOutcome:
        d = read(res, ctx, "dr")
        if d.datastore is not None:
            return StepOutcome(detail=f"{d.text()}: waiting until it is available")
        gid = api.create_datastore(
            client,
            suffix,
            res.dr,
            f"drctl {ctx.plan.app} {res.name}: formed again from {region} by a failback",
        )
        return StepOutcome(
            detail=f"datastore {gid} formed around {res.dr} ({region})", data={"datastore": gid}
        )

    def verify() -> Verification:
        ok, text = done()
        return Verification(ok, text)

    return aws_step(
        resource=res.name,
        kind=NAME,
        action="form-datastore",
        phase=Phase.DATA,
        description=f"Form global datastore {suffix} again around {res.dr} ({region}), which "
        "holds what was written since the failover (CreateGlobalReplicationGroup)",
        cli=[
            "aws elasticache create-global-replication-group "
            f"--global-replication-group-id-suffix {suffix} "
            f"--primary-replication-group-id {res.dr} --region {region}",
            _describe(res, ctx, "dr"),
        ],
        where=f"{res.name} (elasticache {region})",
        precheck=precheck,
        run=run,
        verify=verify,
        poll_seconds=30.0,
        timeout_seconds=DELETE_TIMEOUT_SECONDS,
        depends_on=after,
        sfn=lambda: declarative.form(res, ctx),
        preparation=True,
    )


def _describe(res: ElastiCacheGlobal, ctx: RunContext, side: str) -> str:
    """The command that shows the side's group and its place in a datastore."""
    group = res.primary if side == "primary" else res.dr
    return (
        f"aws elasticache describe-replication-groups --replication-group-id {group} "
        "--query 'ReplicationGroups[0].[Status,GlobalReplicationGroupInfo]' "
        f"--region {ctx.region(side)}"
    )


def _rebuild_home(res: ElastiCacheGlobal, ctx: RunContext, after: list[str]) -> Step:
    region, dr = ctx.region("primary"), ctx.region("dr")
    client = ctx.client("elasticache", "primary")
    rpo = ctx.objectives.rpo_seconds

    def joined() -> tuple[bool, str]:
        h = read(res, ctx, "primary")
        return h.has_member(res.dr, dr), h.text()

    def precheck() -> Precheck:
        ok, text = joined()
        return Precheck(ok, text, f"{res.primary} a member of the datastore with {res.dr}")

    def wait_gone() -> None:
        waited = 0.0
        while api.describe_group(client, res.primary) is not None:
            if waited >= DELETE_TIMEOUT_SECONDS:
                raise AwsError(f"{res.name}: {res.primary} still deleting after {waited:.0f} s")
            ctx.clock.sleep(30.0)
            waited += 30.0

    def run() -> StepOutcome:
        d = read(res, ctx, "dr")
        glob = require_datastore(res, d)
        gid = str(glob["GlobalReplicationGroupId"])
        if d.datastore_status != "available" or d.role != "PRIMARY":
            raise AwsError(f"{res.name}: {d.text()}: the datastore must be available, led by DR")
        h = read(res, ctx, "primary")
        notes: list[str] = []
        where: dict[str, object] = {}
        if h.group is not None:
            if h.datastore is not None or api.datastore_id_of(h.group):
                raise AwsError(
                    f"{res.name}: {h.text()}: still in a datastore; retire it first",
                )
            where = api.placement(client, h.group)
            if h.group.get("Status") != "deleting":
                snapshot = f"{res.primary}-pre-failback-{ctx.clock.now():%Y-%m-%d-%H%M}"
                api.delete_group(client, res.primary, snapshot)
                notes.append(
                    f"stale {res.primary} deleted (its data predates the failover), final "
                    f"snapshot {snapshot} kept"
                )
            wait_gone()
        members = len((d.group or {}).get("MemberClusters") or []) or 1
        api.create_secondary(
            client,
            res.primary,
            gid,
            f"drctl {ctx.plan.app} {res.name}: secondary of {gid}",
            members,
            where,
        )
        notes.append(f"{res.primary} created as a secondary of {gid} ({members} nodes)")
        return StepOutcome(detail="; ".join(notes), data={"datastore": gid, **where})

    def verify() -> Verification:
        h = read(res, ctx, "primary")
        if h.role != "SECONDARY" or h.member_status != "associated":
            return Verification(False, h.text())
        reading = lag_reading(res, ctx)
        seconds = None if reading is None else reading.seconds
        if seconds is None or seconds > rpo:
            return Verification(False, f"{h.text()}, lag {seconds} s (RPO {rpo} s)")
        return Verification(True, f"{h.text()}, lag {seconds:g} s: in sync")

    return aws_step(
        resource=res.name,
        kind=NAME,
        action="rebuild-home",
        phase=Phase.DATA,
        description=f"Replace the stale {res.primary} ({region}) by a secondary of the "
        f"datastore led by {res.dr}: delete it (final snapshot kept), create it again into "
        "the datastore, and wait until it is associated and in sync",
        cli=[
            f"aws elasticache delete-replication-group --replication-group-id {res.primary} "
            f"--final-snapshot-identifier {res.primary}-pre-failback-$(date -u +%Y-%m-%d-%H%M) "
            f"--region {region}",
            f"aws elasticache wait replication-group-deleted --replication-group-id "
            f"{res.primary} --region {region}",
            f"aws elasticache create-replication-group --replication-group-id {res.primary} "
            f"--replication-group-description 'secondary of {res.global_datastore}' "
            f"--global-replication-group-id {gid_text(res, ctx, 'dr')} --region {region}",
            _describe(res, ctx, "primary"),
        ],
        where=f"{res.name} (elasticache {region})",
        precheck=precheck,
        run=run,
        verify=verify,
        poll_seconds=60.0,
        timeout_seconds=REBUILD_TIMEOUT_SECONDS,
        depends_on=after,
        sfn=lambda: declarative.rebuild(res, ctx),
        preparation=True,
    )
