"""The restore drill for an rds-instance: a throw-away instance restored in regions.dr.

Source: the newest snapshot copied to regions.dr (``recovery: snapshot``), or the primary's
automated backups replicated to regions.dr (``recovery: replica``), restored to the latest
restorable time. The drill (``drctl.drills.restore``) times it against the RTO, compares it
with the primary and always deletes it.
"""

from __future__ import annotations

from typing import Any

from drctl.engine.context import RunContext
from drctl.errors import DrctlError
from drctl.kinds.contract import Restored
from drctl.kinds.rds_instance import api
from drctl.plan.models import RdsInstance


class RdsRestore:
    def target_name(self, res: RdsInstance, suffix: str) -> str:
        return f"{res.primary}-drill-{suffix}"[:63].rstrip("-")

    def start(
        self, res: RdsInstance, ctx: RunContext, target: str, tags: dict[str, str]
    ) -> Restored:
        primary = api.describe_instance(ctx.client("rds", "primary"), res.primary)
        if primary is None:
            raise DrctlError(
                f"{res.name}: primary {res.primary} not found in {ctx.region('primary')}"
            )
        dr = ctx.client("rds", "dr")
        instance_class = str(primary.get("DBInstanceClass", "db.t3.micro"))
        comparisons = (
            ("engine", primary.get("Engine")),
            ("encrypted", bool(primary.get("StorageEncrypted"))),
        )
        if res.recovery == "snapshot":
            newest = api.newest_snapshot(dr, res.primary)
            if newest is None:
                raise DrctlError(
                    f"no snapshot of {res.primary} copied to {ctx.region('dr')}: run drctl backup"
                )
            snapshot_id = str(newest["DBSnapshotIdentifier"])
            api.restore_snapshot(dr, snapshot_id, target, instance_class, tags)
            return Restored(f"snapshot {snapshot_id}", comparisons)
        backup = api.replicated_backup(dr, str(primary["DBInstanceArn"]))
        if backup is None:
            raise DrctlError(
                f"automated backups of {res.primary} are not replicated to {ctx.region('dr')}; "
                f"start it: aws rds start-db-instance-automated-backups-replication "
                f"--source-db-instance-arn {primary['DBInstanceArn']} --region {ctx.region('dr')}"
            )
        backup_arn = str(backup["DBInstanceAutomatedBackupsArn"])
        api.restore_latest(dr, backup_arn, target, instance_class, tags)
        return Restored(
            f"replicated automated backups {backup_arn} (latest restorable time)", comparisons
        )

    def status(self, res: RdsInstance, ctx: RunContext, target: str) -> tuple[bool, str]:
        inst = api.describe_instance(ctx.client("rds", "dr"), target)
        state = str(inst.get("DBInstanceStatus")) if inst else "missing"
        return state == "available", state

    def observed(self, res: RdsInstance, ctx: RunContext, target: str) -> dict[str, Any]:
        inst = api.describe_instance(ctx.client("rds", "dr"), target) or {}
        return {"engine": inst.get("Engine"), "encrypted": bool(inst.get("StorageEncrypted"))}

    def delete(self, res: RdsInstance, ctx: RunContext, target: str) -> bool:
        return api.delete_throwaway(ctx.client("rds", "dr"), target)
