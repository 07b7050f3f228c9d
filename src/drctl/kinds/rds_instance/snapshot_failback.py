"""Failback of an ``rds-instance`` with ``recovery: snapshot`` (backup and restore).

After a backup-and-restore failover the application writes to ``dr``, an instance restored
from a snapshot, with no replica anywhere. Going home is a migration, done in the order that
loses nothing:

1. ``fence-dr``: ``dr`` stops taking writes (the read-only copy of its parameter group, as a
   planned failover fences the primary). From here until traffic is home the application
   cannot write: this is the failback's downtime.
2. ``snapshot-dr``: a snapshot of ``dr``, taken after the fence, so it holds every write.
3. ``copy-home``: that snapshot copied to regions.primary.
4. ``retire-old-primary``: the stale old primary (if it survived the outage) renamed aside,
   kept, so its name is free; its data is older than the snapshot's.
5. ``restore-home``: the copy restored as ``primary``, with the DR instance's class.
   Traffic steps (other resources) move home after it.
6. After traffic, not counted in the RTO: ``retire-dr`` renames ``dr`` aside (kept) so the
   next failover restores a fresh snapshot instead of "using as is" this stale instance, and
   ``snapshot``/``copy-to-dr`` re-protect home with a first snapshot copied to DR, as
   ``drctl backup`` does (the plan's RPO is measured from it).

Each step decides from AWS state alone whether it is done (``dr`` gone and ``primary``
writable: home; or ``dr`` fenced and ``primary`` restored by a failback after ``dr`` was
created: a failback that died before retiring ``dr``), so a rerun, a resume after a crash or a
fresh run repeats nothing and never restores over a home that may already take writes. The
snapshot ids derive from the run id, so a resumed run finds the snapshot its first attempt
started.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from drctl.engine.context import RunContext
from drctl.engine.declarative import SfnStep
from drctl.engine.step import Phase, Precheck, Step, StepOutcome, StepWaiting, Verification
from drctl.errors import AwsError
from drctl.kinds.rds_instance import api
from drctl.kinds.rds_instance import snapshot_declarative as forms
from drctl.kinds.rds_instance.backup import backup_steps
from drctl.kinds.rds_instance.failback import (
    aside_name,
    rename_aside,
    rename_cli,
    renamed_aside,
    renaming,
    run_suffix,
)
from drctl.kinds.rds_instance.fencing import fence_step
from drctl.kinds.steps import aws_step
from drctl.plan.models import RdsInstance

NAME = "rds-instance"
RESTORED_FROM_TAG = api.RESTORED_FROM_TAG


def _is_home(res: RdsInstance, ctx: RunContext) -> tuple[bool, str]:
    """Home when ``dr`` no longer exists and ``primary`` takes writes (read from AWS).

    Unless ``dr`` left a snapshot newer than ``primary`` itself: then ``dr`` took writes
    after ``primary`` was created and was deleted by hand (its final snapshot), and calling
    that "home" would silently drop those writes. A failback's own ``snapshot-dr`` is always
    older than the ``primary`` it restores, so it never trips this."""
    rds_dr = ctx.client("rds", "dr")
    away = api.describe_instance(rds_dr, res.dr)
    if away is not None:
        return _restored_home(res, ctx, away)
    rds_home = ctx.client("rds", "primary")
    home = api.describe_instance(rds_home, res.primary)
    if home is None or not api.writable(rds_home, home)[0]:
        return False, ""
    left = api.newest_snapshot(rds_dr, res.dr)
    taken = api.snapshot_taken_at(left) if left else None
    created = home.get("InstanceCreateTime")
    if left is not None and taken is not None and created is not None and taken > created:
        snap, region = left["DBSnapshotIdentifier"], ctx.region("dr")
        when = taken.strftime("%Y-%m-%d %H:%M")
        raise AwsError(
            f"{res.dr} is gone, but its snapshot {snap} in {region} (taken {when} UTC) is "
            f"newer than {res.primary}: the writes {res.dr} took are in that snapshot, not in "
            f"{res.primary}; failback will not call this home",
            hint=f"bring them home by hand (aws rds copy-db-snapshot "
            f"--source-db-snapshot-identifier {snap} --source-region {region} ..., then "
            f"restore it as {res.primary}), or delete {snap} if those writes are to be "
            "dropped, then rerun failback",
        )
    return True, f"{res.primary} is the writable primary and {res.dr} is retired"


def _restored_home(res: RdsInstance, ctx: RunContext, away: dict[str, Any]) -> tuple[bool, str]:
    """Home while ``dr`` still exists: an earlier failback restored ``primary`` (its
    ``drctl:restored-from`` tag) after this ``dr`` instance was created, so from a snapshot
    of it, and ``dr`` is fenced -- that run died before retiring ``dr``, maybe after traffic
    came home. Restoring again would rename aside the instance that may hold writes made
    since. A stale restored home of an earlier cycle is older than ``dr``, restored from
    its snapshot by the failover since: not home. ``dr`` writable beside such a ``primary``
    (someone undid the fence): drctl cannot tell which holds the data and waits for a
    person rather than fence, snapshot and restore over it."""
    rds_home = ctx.client("rds", "primary")
    home = api.describe_instance(rds_home, res.primary)
    if home is None or not api.writable(rds_home, home)[0]:
        return False, ""
    tags = {t["Key"]: t["Value"] for t in home.get("TagList") or []}
    created, dr_created = home.get("InstanceCreateTime"), away.get("InstanceCreateTime")
    if RESTORED_FROM_TAG not in tags or created is None or dr_created is None:
        return False, ""
    if created <= dr_created:
        return False, ""
    if api.writable(ctx.client("rds", "dr"), away)[0]:
        raise StepWaiting(
            f"{res.name}: {res.primary} ({ctx.region('primary')}) was restored by an earlier "
            f"failback from {tags[RESTORED_FROM_TAG]}, and {res.dr} ({ctx.region('dr')}) "
            "takes writes again: drctl cannot tell which holds the application's data and "
            f"changes neither. If {res.primary} does, fence {res.dr} (read_only in its "
            f"parameter group) and rerun failback: it then retires {res.dr} and re-protects. "
            f"If {res.dr} does, rename {res.primary} aside and rerun failback"
        )
    return True, (
        f"{res.primary} was restored from {tags[RESTORED_FROM_TAG]} by an earlier failback, "
        f"after {res.dr} was fenced; only retiring {res.dr} and re-protecting are left"
    )


def _when_home(step: Step, res: RdsInstance, ctx: RunContext) -> Step:
    """``step`` with a precheck that first asks whether failback is already complete."""
    inner = step.precheck

    def precheck() -> Precheck:
        home, why = _is_home(res, ctx)
        return Precheck(True, why, "") if home else inner()

    return dataclasses.replace(step, precheck=precheck)


def _unless_reprotected(step: Step, res: RdsInstance, ctx: RunContext) -> Step:
    """``step`` (re-protecting home) with a precheck that is done once DR holds a copy of
    the current home instance: a snapshot of ``primary`` taken after that instance was
    created (an older one is of the stale instance renamed aside)."""
    inner = step.precheck

    def precheck() -> Precheck:
        home = api.describe_instance(ctx.client("rds", "primary"), res.primary)
        newest = api.newest_snapshot(ctx.client("rds", "dr"), res.primary)
        created = (home or {}).get("InstanceCreateTime")
        taken = (newest or {}).get("OriginalSnapshotCreateTime") or (newest or {}).get(
            "SnapshotCreateTime"
        )
        if newest is not None and created is not None and taken is not None and taken >= created:
            name = newest["DBSnapshotIdentifier"]
            return Precheck(True, f"{name} in {ctx.region('dr')} is a copy of {res.primary}", "")
        return inner()

    return dataclasses.replace(step, precheck=precheck)


def _snapshot_status(client: Any, snapshot_id: str) -> str:
    snap = api.describe_snapshot(client, snapshot_id)
    return str(snap.get("Status")) if snap else "missing"


def _snapshot_step(
    res: RdsInstance,
    ctx: RunContext,
    *,
    action: str,
    side: str,
    snapshot_id: str,
    description: str,
    cli: str,
    run: Any,
    form: Callable[[], SfnStep | None],
) -> Step:
    region = ctx.region(side)
    client = ctx.client("rds", side)

    def precheck() -> Precheck:
        status = _snapshot_status(client, snapshot_id)
        return Precheck(status == "available", f"{snapshot_id} {status}", "available")

    def verify() -> Verification:
        status = _snapshot_status(client, snapshot_id)
        return Verification(status == "available", f"{snapshot_id} {status} in {region}")

    return _when_home(
        aws_step(
            resource=res.name,
            kind=NAME,
            action=action,
            phase=Phase.DATA,
            description=description,
            cli=[
                cli,
                f"aws rds wait db-snapshot-available --db-snapshot-identifier {snapshot_id} "
                f"--region {region}",
            ],
            where=f"{res.name} (rds {region})",
            precheck=precheck,
            run=run,
            verify=verify,
            poll_seconds=30.0,
            sfn=form,
        ),
        res,
        ctx,
    )


def _home_guarded(step: Step, res: RdsInstance, ctx: RunContext) -> Step:
    """``step`` (wrapped by :func:`_when_home`) with its declarative form skipped, too, once
    failback is complete (``snapshot_declarative.home_reached``)."""
    inner = step.sfn

    def form() -> SfnStep | None:
        base = inner() if inner is not None else None
        if base is None:
            return None
        return dataclasses.replace(base, skip_if=forms.home_reached(res, ctx))

    return dataclasses.replace(step, sfn=form)


_REPROTECT_FORMS = {"snapshot": forms.reprotect_snapshot, "copy-to-dr": forms.reprotect_copy}


def _reprotect_form(action: str, res: RdsInstance, ctx: RunContext) -> Callable[[], SfnStep]:
    """The declarative form of ``drctl backup``'s step ``action`` as failback re-protects."""
    form = _REPROTECT_FORMS[action]
    return lambda: form(res, ctx)


def failback_steps(res: RdsInstance, ctx: RunContext) -> list[Step]:
    p_region, d_region = ctx.region("primary"), ctx.region("dr")
    rds_home, rds_dr = ctx.client("rds", "primary"), ctx.client("rds", "dr")
    suffix = run_suffix(ctx)
    dr_snapshot = f"drctl-{ctx.plan.app}-{res.name}-failback-{suffix}"[:255]
    home_copy = f"{dr_snapshot}-home"[:255]
    tags = {"drctl:app": ctx.plan.app, "drctl:resource": res.name}

    def snapshot_dr() -> StepOutcome:
        if api.describe_instance(rds_dr, res.dr) is None:
            raise AwsError(f"{res.name}: {res.dr} not found in {d_region}: nothing to bring home")
        api.create_snapshot(rds_dr, res.dr, dr_snapshot, tags)
        return StepOutcome(
            detail=f"snapshot {dr_snapshot} of {res.dr} (taken after the fence)",
            data={"snapshot": dr_snapshot},
        )

    def copy_home() -> StepOutcome:
        snap = api.describe_snapshot(rds_dr, dr_snapshot)
        if snap is None:
            raise AwsError(f"{res.name}: snapshot {dr_snapshot} not found in {d_region}")
        api.copy_to_region(
            rds_home, str(snap["DBSnapshotArn"]), d_region, home_copy, bool(snap.get("Encrypted"))
        )
        return StepOutcome(
            detail=f"copying {dr_snapshot} to {p_region} as {home_copy}",
            data={"snapshot": home_copy},
        )

    fence = _home_guarded(
        _when_home(
            fence_step(
                res, ctx, side="dr", instance_id=res.dr, action="fence-dr", phase=Phase.DATA
            ),
            res,
            ctx,
        ),
        res,
        ctx,
    )
    reprotect = [
        _unless_reprotected(
            dataclasses.replace(
                step, phase=Phase.NOTIFY, sfn=_reprotect_form(step.action, res, ctx)
            ),
            res,
            ctx,
        )
        for step in backup_steps(res, ctx, snapshot_id=f"drctl-{ctx.plan.app}-{res.name}-{suffix}")
    ]
    return [
        fence,
        _snapshot_step(
            res, ctx, action="snapshot-dr", side="dr", snapshot_id=dr_snapshot,
            description=f"Snapshot {res.dr} in {d_region} now that it takes no writes",
            cli=f"aws rds create-db-snapshot --db-instance-identifier {res.dr} "
            f"--db-snapshot-identifier {dr_snapshot} --region {d_region}",
            run=snapshot_dr,
            form=lambda: forms.snapshot_dr(res, ctx),
        ),
        _snapshot_step(
            res, ctx, action="copy-home", side="primary", snapshot_id=home_copy,
            description=f"Copy {dr_snapshot} from {d_region} to {p_region} as {home_copy}",
            cli="aws rds copy-db-snapshot --source-db-snapshot-identifier "
            f"\"$(aws rds describe-db-snapshots --db-snapshot-identifier {dr_snapshot} "
            f"--region {d_region} --query 'DBSnapshots[0].DBSnapshotArn' --output text)\" "
            f"--target-db-snapshot-identifier {home_copy} --source-region {d_region} "
            f"--copy-tags --region {p_region}",
            run=copy_home,
            form=lambda: forms.copy_home(res, ctx),
        ),
        _retire_stale_primary(res, ctx, home_copy),
        _restore_home(res, ctx, home_copy),
        _retire_dr(res, ctx),
        *reprotect,
    ]  # fmt: skip


def _restored_by_us(inst: dict[str, Any] | None, home_copy: str) -> bool:
    tags = {t["Key"]: t["Value"] for t in (inst or {}).get("TagList") or []}
    return tags.get(RESTORED_FROM_TAG) == home_copy


def _retire_stale_primary(res: RdsInstance, ctx: RunContext, home_copy: str) -> Step:
    region = ctx.region("primary")
    client = ctx.client("rds", "primary")
    aside = aside_name(res.primary, ctx)

    def precheck() -> Precheck:
        inst = api.describe_instance(client, res.primary)
        if inst is None:
            return Precheck(True, f"no {res.primary} in {region}", "name free for the restore")
        if _restored_by_us(inst, home_copy):
            return Precheck(True, f"{res.primary} is the instance restored from {home_copy}", "")
        if renaming(inst):
            return Precheck(False, f"{res.primary} renaming", f"renamed to {aside}")
        return Precheck(False, f"stale old primary {res.primary}", f"renamed to {aside}")

    def run() -> StepOutcome:
        return StepOutcome(
            detail=rename_aside(client, res.primary, aside), data={"renamed_to": aside}
        )

    def verify() -> Verification:
        return renamed_aside(client, res.primary, aside, region)

    return _when_home(
        aws_step(
            resource=res.name,
            kind=NAME,
            action="retire-old-primary",
            phase=Phase.DATA,
            description=f"Rename the stale old primary {res.primary} in {region} to {aside} "
            "(kept, not deleted) and wait until the rename is through, so the name can carry "
            "the restored instance",
            cli=rename_cli(res.primary, aside, region),
            where=f"{res.name} (rds {region})",
            precheck=precheck,
            run=run,
            verify=verify,
            poll_seconds=15.0,
            sfn=lambda: forms.retire_old_primary(res, ctx),
        ),
        res,
        ctx,
    )


def _restore_home(res: RdsInstance, ctx: RunContext, home_copy: str) -> Step:
    region = ctx.region("primary")
    client = ctx.client("rds", "primary")

    def precheck() -> Precheck:
        inst = api.describe_instance(client, res.primary)
        if _restored_by_us(inst, home_copy):
            status = (inst or {}).get("DBInstanceStatus")
            return Precheck(status == "available", f"{res.primary} {status}", "available")
        return Precheck(False, f"{res.primary} not restored yet", f"restored from {home_copy}")

    def run() -> StepOutcome:
        away = api.describe_instance(ctx.client("rds", "dr"), res.dr) or {}
        instance_class = str(away.get("DBInstanceClass") or "db.t3.micro")
        api.restore_snapshot(
            client, home_copy, res.primary, instance_class, {RESTORED_FROM_TAG: home_copy}
        )
        return StepOutcome(
            detail=f"restoring {res.primary} in {region} from {home_copy} ({instance_class})",
            data={"snapshot": home_copy, "data_loss_window_seconds": 0.0},
        )

    def verify() -> Verification:
        inst = api.describe_instance(client, res.primary)
        status = inst.get("DBInstanceStatus") if inst else "missing"
        return Verification(status == "available", f"{res.primary} {status}")

    return _when_home(
        aws_step(
            resource=res.name,
            kind=NAME,
            action="restore-home",
            phase=Phase.DATA,
            description=f"Restore {res.primary} in {region} from {home_copy}: every write "
            "made in DR up to the fence",
            cli=[
                f"aws rds restore-db-instance-from-db-snapshot --db-instance-identifier "
                f"{res.primary} --db-snapshot-identifier {home_copy} --region {region}",
                f"aws rds wait db-instance-available --db-instance-identifier {res.primary} "
                f"--region {region}",
            ],
            where=f"{res.name} (rds {region})",
            precheck=precheck,
            run=run,
            verify=verify,
            poll_seconds=30.0,
            sfn=lambda: forms.restore_home(res, ctx),
        ),
        res,
        ctx,
    )


def _retire_dr(res: RdsInstance, ctx: RunContext) -> Step:
    region = ctx.region("dr")
    client = ctx.client("rds", "dr")
    aside = aside_name(res.dr, ctx)

    def precheck() -> Precheck:
        inst = api.describe_instance(client, res.dr)
        if inst is None:
            return Precheck(True, f"no {res.dr} in {region}", "free for the next restore")
        if renaming(inst):
            return Precheck(False, f"{res.dr} renaming", f"renamed to {aside}")
        return Precheck(False, f"{res.dr} still holds the name", f"renamed to {aside}")

    def run() -> StepOutcome:
        return StepOutcome(detail=rename_aside(client, res.dr, aside), data={"renamed_to": aside})

    def verify() -> Verification:
        return renamed_aside(client, res.dr, aside, region)

    return aws_step(
        resource=res.name,
        kind=NAME,
        action="retire-dr",
        phase=Phase.NOTIFY,
        description=f"Rename {res.dr} in {region} to {aside} (kept) and wait until the "
        "rename is through, so the next failover restores a fresh snapshot rather than "
        "reusing this one",
        cli=rename_cli(res.dr, aside, region),
        where=f"{res.name} (rds {region})",
        precheck=precheck,
        run=run,
        verify=verify,
        poll_seconds=15.0,
        sfn=lambda: forms.retire_dr(res, ctx),
    )
