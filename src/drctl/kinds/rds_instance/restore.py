"""The restore drill for an rds-instance: a throw-away instance restored in regions.dr.

Source: the newest snapshot copied to regions.dr (``recovery: snapshot``), or the primary's
automated backups replicated to regions.dr (``recovery: replica``), restored to the latest
restorable time. The drill (``drctl.drills.restore``) times it against the RTO, compares it
with the primary and always deletes it. :meth:`RdsRestore.checks` is what ``drctl check`` runs
for an instance a restore drill names, so a green check predicts a restore that can start.
"""

from __future__ import annotations

from typing import Any

from drctl.engine.context import RunContext
from drctl.engine.step import Check, CheckResult, failed, passed
from drctl.errors import DrctlError
from drctl.kinds.contract import Restored
from drctl.kinds.rds_instance import api
from drctl.kinds.steps import check_maker
from drctl.plan.models import RdsInstance


class RdsRestore:
    def checks(self, res: RdsInstance, ctx: RunContext) -> list[Check]:
        """What :meth:`start` restores from, read in regions.dr: the replicated automated
        backups of the primary (``recovery: replica``) or a snapshot copied there."""
        dr_region = ctx.region("dr")
        check = check_maker(res.name, "rds-instance", f"{res.name} restore source in {dr_region}")
        if res.recovery == "snapshot":

            def snapshot_in_dr() -> CheckResult:
                newest = api.newest_snapshot(ctx.client("rds", "dr"), res.primary)
                if newest is None:
                    return failed(
                        f"restore drill: no snapshot of {res.primary} copied to {dr_region} "
                        "(run drctl backup)"
                    )
                return passed(
                    f"restore drill: snapshot {newest['DBSnapshotIdentifier']} of {res.primary} "
                    f"in {dr_region}"
                )

            return [check("restore-snapshot", "a snapshot to restore in DR", snapshot_in_dr)]

        def backups_replicated() -> CheckResult:
            primary = api.describe_instance(ctx.client("rds", "primary"), res.primary)
            if primary is None:
                return failed(
                    f"restore drill: primary {res.primary} not found in {ctx.region('primary')}"
                )
            arn = str(primary["DBInstanceArn"])
            backup = api.replicated_backup(ctx.client("rds", "dr"), arn)
            if backup is None:
                return failed(
                    f"restore drill: automated backups of {res.primary} are not replicated to "
                    f"{dr_region} (aws rds start-db-instance-automated-backups-replication "
                    f"--source-db-instance-arn {arn} --region {dr_region})",
                    observed=None,
                    threshold="replicating",
                )
            status = str(backup.get("Status", "?"))
            verdict = passed if status == "replicating" else failed
            return verdict(
                f"restore drill: automated backups of {res.primary} replicated to {dr_region} "
                f"({status})",
                observed=status,
                threshold="replicating",
            )

        return [
            check(
                "backup-replication",
                "automated backups replicated to regions.dr (the restore drill's source)",
                backups_replicated,
            )
        ]

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
