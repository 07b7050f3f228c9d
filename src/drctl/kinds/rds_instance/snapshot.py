"""``rds-instance`` with ``recovery: snapshot``: backup and restore (the startup scenario).

There is no replica. ``drctl backup`` snapshots the primary and copies the
snapshot to regions.dr; readiness checks that the newest copy there is no
older than the RPO; failover restores it as the instance named ``dr``. The age
of the restored snapshot is the data-loss window, recorded with the step.
Failback of a restored instance is a migration (dump/replicate back), which
drctl leaves to people: it refuses with that said.
"""

from __future__ import annotations

from typing import Any

from drctl.engine.context import RunContext
from drctl.engine.step import (
    Check,
    CheckResult,
    Phase,
    Precheck,
    Step,
    StepOutcome,
    Verification,
    failed,
    passed,
    warned,
)
from drctl.errors import AwsError, UsageError
from drctl.kinds.rds_instance import api
from drctl.kinds.steps import aws_step, check_maker
from drctl.plan.durations import format_seconds, human_seconds
from drctl.plan.models import RdsInstance

NAME = "rds-instance"


def _age_seconds(snapshot: dict[str, Any], ctx: RunContext) -> float:
    created = snapshot.get("SnapshotCreateTime")
    return max(0.0, (ctx.clock.now() - created).total_seconds()) if created else float("inf")


def checks(res: RdsInstance, ctx: RunContext) -> list[Check]:
    p_region, d_region = ctx.region("primary"), ctx.region("dr")
    rpo = ctx.objectives.rpo_seconds

    def primary() -> dict[str, Any] | None:
        return ctx.memo.get(
            ("rds", "primary", res.primary),
            lambda: api.describe_instance(ctx.client("rds", "primary"), res.primary),
        )

    def primary_ok() -> CheckResult:
        inst = primary()
        if inst is None:
            return failed(f"primary {res.primary} not found in {p_region}")
        status = inst.get("DBInstanceStatus")
        if status != "available":
            return failed(f"{res.primary} is {status}")
        if not inst.get("BackupRetentionPeriod"):
            return failed(f"automated backups are off on {res.primary}")
        if not inst.get("StorageEncrypted"):
            return warned(f"{res.primary} is not encrypted; its snapshots will not be either")
        return passed(f"{res.primary} available, backups on, encrypted")

    def dr_copy() -> CheckResult:
        newest = api.newest_snapshot(ctx.client("rds", "dr"), res.primary)
        if newest is None:
            return failed(
                f"no snapshot of {res.primary} in {d_region}: run drctl backup --plan PLAN",
                None,
                rpo,
            )
        age = _age_seconds(newest, ctx)
        name = newest["DBSnapshotIdentifier"]
        if age > rpo:
            return failed(
                f"newest copy {name} is {human_seconds(age)} old, over the RPO of "
                f"{format_seconds(rpo)}",
                round(age),
                rpo,
            )
        return passed(f"newest copy {name} is {human_seconds(age)} old", round(age), rpo)

    def target_free() -> CheckResult:
        inst = api.describe_instance(ctx.client("rds", "dr"), res.dr)
        if inst is not None:
            return warned(f"{res.dr} already exists in {d_region}: failover will use it as is")
        return passed(f"{res.dr} free in {d_region} for the restore")

    check = check_maker(res.name, NAME, f"{res.name} (rds)")

    return [
        check("primary", "primary available with backups", primary_ok),
        check("dr-snapshot", "a snapshot copy in the DR region within the RPO", dr_copy),
        check("restore-target", "the DR instance name is free", target_free),
    ]


def failover(res: RdsInstance, ctx: RunContext) -> list[Step]:
    d_region = ctx.region("dr")
    client = ctx.client("rds", "dr")

    def precheck() -> Precheck:
        inst = api.describe_instance(client, res.dr)
        if inst is not None:
            status = inst.get("DBInstanceStatus")
            return Precheck(status == "available", f"{res.dr} exists ({status})", "restored")
        newest = api.newest_snapshot(client, res.primary)
        source = newest["DBSnapshotIdentifier"] if newest else "no snapshot"
        return Precheck(False, f"no {res.dr}; newest copy: {source}", f"{res.dr} restored")

    def run() -> StepOutcome:
        newest = api.newest_snapshot(client, res.primary)
        if newest is None:
            raise AwsError(f"{res.name}: no snapshot of {res.primary} in {d_region} to restore")
        snapshot_id = str(newest["DBSnapshotIdentifier"])
        api.restore_snapshot(
            client, snapshot_id, res.dr, _instance_class(res, ctx),
            {"drctl:restored-from": snapshot_id},
        )  # fmt: skip
        age = _age_seconds(newest, ctx)
        return StepOutcome(
            detail=f"restoring {res.dr} from {snapshot_id} ({human_seconds(age)} old)",
            data={"snapshot": snapshot_id, "data_loss_window_seconds": round(age, 1)},
        )

    def verify() -> Verification:
        inst = api.describe_instance(client, res.dr)
        status = inst.get("DBInstanceStatus") if inst else "missing"
        return Verification(status == "available", f"{res.dr} {status}")

    return [
        aws_step(
            resource=res.name,
            kind=NAME,
            action="restore",
            phase=Phase.DATA,
            description=f"Restore {res.dr} in {d_region} from the newest snapshot of "
            f"{res.primary} copied there",
            cli=[
                f"aws rds describe-db-snapshots --region {d_region} --query "
                f"\"reverse(sort_by(DBSnapshots[?DBInstanceIdentifier=='{res.primary}' && "
                "Status=='available'], &SnapshotCreateTime))[0].DBSnapshotIdentifier\"",
                f"aws rds restore-db-instance-from-db-snapshot --db-instance-identifier {res.dr} "
                f"--db-snapshot-identifier <newest-snapshot-id> --region {d_region}",
                f"aws rds wait db-instance-available --db-instance-identifier {res.dr} "
                f"--region {d_region}",
            ],
            where=f"{res.name} (rds {d_region})",
            precheck=precheck,
            run=run,
            verify=verify,
            poll_seconds=30.0,
        )
    ]


def _instance_class(res: RdsInstance, ctx: RunContext) -> str:
    """The primary's class when it can be read (it may be in the failed region)."""
    from drctl.kinds.rds_instance.replica import primary_if_reachable

    return str(primary_if_reachable(res, ctx).get("DBInstanceClass") or "db.t3.micro")


def failback(res: RdsInstance, ctx: RunContext) -> list[Step]:
    raise UsageError(
        f"{res.name}: failback of a database restored from a snapshot is a migration back "
        "(snapshot the DR instance, copy it home, restore, switch) that drctl does not automate",
        hint="use --only to fail back the other resources",
    )
