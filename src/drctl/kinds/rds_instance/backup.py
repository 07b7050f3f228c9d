"""The steps of ``drctl backup`` for one ``rds-instance``: snapshot, then copy to DR."""

from __future__ import annotations

from typing import Any

from drctl.engine.context import RunContext
from drctl.engine.step import Phase, Precheck, Step, StepOutcome, Verification
from drctl.errors import AwsError
from drctl.kinds.rds_instance import api
from drctl.kinds.steps import aws_step
from drctl.plan.models import RdsInstance

NAME = "rds-instance"


def backup_steps(res: RdsInstance, ctx: RunContext) -> list[Step]:
    stamp = ctx.clock.now().strftime("%Y%m%d-%H%M%S")
    snapshot_id = f"drctl-{ctx.plan.app}-{res.name}-{stamp}"[:255]
    copy_id = f"{snapshot_id}-dr"[:255]
    p_region, d_region = ctx.region("primary"), ctx.region("dr")
    primary, dr = ctx.client("rds", "primary"), ctx.client("rds", "dr")
    tags = {"drctl:app": ctx.plan.app, "drctl:resource": res.name}

    def status(client: Any, sid: str) -> str:
        snap = api.describe_snapshot(client, sid)
        return str(snap.get("Status")) if snap else "missing"

    def snap_run() -> StepOutcome:
        inst = api.describe_instance(primary, res.primary)
        if inst is None:
            raise AwsError(f"{res.name}: {res.primary} not found in {p_region}")
        api.create_snapshot(primary, res.primary, snapshot_id, tags)
        return StepOutcome(detail=f"snapshot {snapshot_id} of {res.primary}")

    def copy_run() -> StepOutcome:
        snap = api.describe_snapshot(primary, snapshot_id)
        if snap is None:
            raise AwsError(f"{res.name}: snapshot {snapshot_id} vanished")
        api.copy_to_region(
            dr, str(snap["DBSnapshotArn"]), p_region, copy_id, bool(snap.get("Encrypted"))
        )
        return StepOutcome(
            detail=f"copying {snapshot_id} to {d_region} as {copy_id}",
            data={"source_snapshot": snapshot_id, "dr_snapshot": copy_id},
        )

    def step(action: str, client: Any, sid: str, run: Any, region: str, cli: str) -> Step:
        return aws_step(
            resource=res.name,
            kind=NAME,
            action=action,
            phase=Phase.DATA,
            description=f"{action}: {sid} in {region}",
            cli=[
                cli,
                f"aws rds wait db-snapshot-available --db-snapshot-identifier {sid} "
                f"--region {region}",
            ],
            where=f"{res.name} (rds {region})",
            precheck=lambda: Precheck(
                status(client, sid) == "available", status(client, sid), "available"
            ),
            run=run,
            verify=lambda: Verification(status(client, sid) == "available", status(client, sid)),
            poll_seconds=30.0,
        )

    return [
        step("snapshot", primary, snapshot_id, snap_run, p_region,
             f"aws rds create-db-snapshot --db-instance-identifier {res.primary} "
             f"--db-snapshot-identifier {snapshot_id} --region {p_region}"),
        step("copy-to-dr", dr, copy_id, copy_run, d_region,
             f"aws rds copy-db-snapshot --source-db-snapshot-identifier <arn-of-{snapshot_id}> "
             f"--target-db-snapshot-identifier {copy_id} --source-region {p_region} "
             f"--copy-tags --region {d_region}"),
    ]  # fmt: skip


class SnapshotBackup:
    """``drctl backup`` for databases recovered from snapshots (``recovery: snapshot``)."""

    def applies(self, res: RdsInstance) -> bool:
        return res.recovery == "snapshot"

    def steps(self, res: RdsInstance, ctx: RunContext) -> list[Step]:
        return backup_steps(res, ctx)
