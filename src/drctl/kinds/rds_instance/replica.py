"""Failover of an ``rds-instance`` with ``recovery: replica``: promote the cross-region read
replica in regions.dr and wait until it is a standalone, writable instance.

Planned: fence the primary (read-only), drain the replica, promote. Unplanned: promote at
once, fence the old primary when it answers again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from drctl.engine.context import RunContext
from drctl.engine.step import (
    Phase,
    Precheck,
    Step,
    StepOutcome,
    Verification,
)
from drctl.errors import AwsError
from drctl.kinds.rds_instance import api, declarative, topology
from drctl.kinds.rds_instance.fencing import drain_step, fence_step
from drctl.kinds.steps import aws_step
from drctl.plan.models import RdsInstance

NAME = "rds-instance"
DEFAULT_BACKUP_RETENTION_DAYS = 7


def failover(res: RdsInstance, ctx: RunContext) -> list[Step]:
    """Promote the cross-region read replica: fenced and drained first when planned."""
    if ctx.mode == "planned":
        # Writes stop on the primary, the replica catches up, then it is promoted.
        fenced_at: dict[str, datetime] = {}
        return [
            fence_step(
                res, ctx, side="primary", instance_id=res.primary, action="fence",
                phase=Phase.FENCE, fenced_at=fenced_at,
            ),
            drain_step(
                res, ctx, replica_side="dr", replica=res.dr, fenced_at=fenced_at,
                source=res.primary,
            ),
            promote_step(res, ctx),
        ]  # fmt: skip
    # Unplanned: the primary may be gone; promote now, fence it once it answers.
    return [
        promote_step(res, ctx),
        fence_step(
            res, ctx, side="primary", instance_id=res.primary, action="fence-old-primary",
            phase=Phase.NOTIFY, wait_if_unreachable=True,
        ),
    ]  # fmt: skip


def promote_step(res: RdsInstance, ctx: RunContext) -> Step:
    d_region = ctx.region("dr")
    client = ctx.client("rds", "dr")

    def describe() -> dict[str, Any]:
        inst = api.describe_instance(client, res.dr)
        if inst is None:
            raise AwsError(f"{res.name}: replica {res.dr} not found in {d_region}")
        return inst

    def precheck() -> Precheck:
        inst = describe()
        source = api.replica_source(inst)
        target = "standalone, writable instance"
        if source is None:
            status = inst.get("DBInstanceStatus")
            return Precheck(status == "available", f"standalone ({status})", target)
        return Precheck(False, f"read replica of {source}", target)

    def run() -> StepOutcome:
        retention = _backup_retention(res, ctx)
        # Where both instances sit, kept in the journal for the failback's replicas.
        data = {"backup_retention_days": retention, "topology": _topologies(res, ctx, describe())}
        if not api.promote_once(client, res.dr, backup_retention_days=retention):
            return StepOutcome(
                detail=f"{res.dr} in {d_region} was already promoted (an earlier attempt's "
                "call went through)",
                data=data,
            )
        return StepOutcome(detail=f"promoted {res.dr} in {d_region}", data=data)

    def verify() -> Verification:
        inst = describe()
        if api.is_standalone_writable(inst):
            return Verification(True, f"{res.dr} is standalone and available")
        source = api.replica_source(inst)
        state = f"still replicating from {source}" if source else "not yet available"
        return Verification(False, f"{res.dr} {state} ({inst.get('DBInstanceStatus')})")

    return aws_step(
        resource=res.name,
        kind=NAME,
        action="promote",
        phase=Phase.DATA,
        description=f"Promote read replica {res.dr} in {d_region} to a standalone writable "
        "instance",
        cli=[
            f"aws rds promote-read-replica --db-instance-identifier {res.dr} "
            + (
                f"--backup-retention-period {_backup_retention(res, ctx)} --region {d_region}"
                if not ctx.offline
                else f"--region {d_region}  # drctl adds --backup-retention-period with the "
                "primary's retention, read when the step runs"
            ),
            f"aws rds wait db-instance-available --db-instance-identifier {res.dr} "
            f"--region {d_region}",
        ],
        where=f"{res.name} (rds {d_region})",
        precheck=precheck,
        run=run,
        verify=verify,
        poll_seconds=15.0,
        sfn=lambda: (
            None
            if ctx.offline
            else declarative.promote(res.dr, d_region, _backup_retention(res, ctx))
        ),
    )


def primary_if_reachable(res: RdsInstance, ctx: RunContext) -> dict[str, Any]:
    """The primary's description, or {} when it cannot be read: during an unplanned
    failover its region may be the one that is down, and that must not stop a step
    that only wants to copy a setting from it."""
    try:
        return api.describe_instance(ctx.client("rds", "primary"), res.primary) or {}
    except Exception:
        return {}


def _topologies(
    res: RdsInstance, ctx: RunContext, replica: dict[str, Any]
) -> dict[str, dict[str, Any] | None]:
    """Both instances' placement (:mod:`~drctl.kinds.rds_instance.topology`); the primary's
    None when its region does not answer (an unplanned failover)."""
    placed: dict[str, dict[str, Any] | None] = {
        "dr": topology.of_instance(ctx.client("rds", "dr"), replica)
    }
    try:
        primary = primary_if_reachable(res, ctx)
        placed["primary"] = (
            topology.of_instance(ctx.client("rds", "primary"), primary) if primary else None
        )
    except Exception:
        placed["primary"] = None
    return placed


def _backup_retention(res: RdsInstance, ctx: RunContext) -> int:
    """One value, read once per run, for both the printed command and the call."""
    return ctx.memo.get(("rds", "retention", res.primary), lambda: _read_retention(res, ctx))


def _read_retention(res: RdsInstance, ctx: RunContext) -> int:
    """Keep the primary's backup retention on the promoted instance (replicas have none)."""
    days = int(primary_if_reachable(res, ctx).get("BackupRetentionPeriod") or 0)
    return days or DEFAULT_BACKUP_RETENTION_DAYS
