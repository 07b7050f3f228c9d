"""``rds-instance`` with ``recovery: snapshot``: backup and restore (the startup scenario).

There is no replica. ``drctl backup`` snapshots the primary and copies the
snapshot to regions.dr; readiness checks that the newest copy there is no
older than the RPO; failover restores it as the instance named ``dr``. The age
of the restored snapshot is the data-loss window, recorded with the step.
Failback of a restored instance is a migration back: fence, snapshot, copy home,
restore (``snapshot_failback``).
"""

from __future__ import annotations

from typing import Any

from drctl.engine.context import RunContext
from drctl.engine.declarative import Newest, Probe, SdkCall, SfnStep, equals
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
from drctl.errors import AwsError
from drctl.kinds.rds_instance import api
from drctl.kinds.steps import aws_step, check_maker
from drctl.plan.durations import format_seconds, human_seconds
from drctl.plan.models import RdsInstance

NAME = "rds-instance"


def _age_seconds(snapshot: dict[str, Any], ctx: RunContext) -> float:
    """How old the data is: since the original snapshot was taken, not since it was copied
    (a copy made an hour after its snapshot holds hour-older data)."""
    created = api.snapshot_taken_at(snapshot)
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

    def placement() -> CheckResult:
        missing = []
        if res.dr_subnet_group and not api.subnet_group_exists(
            ctx.client("rds", "dr"), res.dr_subnet_group
        ):
            missing.append(f"DB subnet group {res.dr_subnet_group}")
        if res.dr_security_groups:
            gone = api.missing_security_groups(ctx.client("ec2", "dr"), res.dr_security_groups)
            missing += [f"security group {g}" for g in gone]
        if missing:
            return failed(f"not in {d_region}: {', '.join(missing)}: the restore would fail")
        if not res.dr_subnet_group:
            return warned(
                f"no dr_subnet_group: {res.dr} would be restored into the default VPC of "
                f"{d_region} with its default security group"
            )
        return passed(f"restore into {_placement_text(res)} in {d_region}")

    check = check_maker(res.name, NAME, f"{res.name} (rds)")

    return [
        check("primary", "primary available with backups", primary_ok),
        check("dr-snapshot", "a snapshot copy in the DR region within the RPO", dr_copy),
        check("restore-target", "the DR instance name is free", target_free),
        check(
            "restore-placement", "the restore's subnet group and security groups exist", placement
        ),
    ]


def _placement_text(res: RdsInstance) -> str:
    groups = ", ".join(res.dr_security_groups) or "the VPC's default security group"
    return f"DB subnet group {res.dr_subnet_group or 'default VPC'}, {groups}"


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
            subnet_group=res.dr_subnet_group, security_groups=res.dr_security_groups,
        )  # fmt: skip
        age = _age_seconds(newest, ctx)
        return StepOutcome(
            detail=f"restoring {res.dr} from {snapshot_id} ({human_seconds(age)} old data) "
            f"into {_placement_text(res)}",
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
            cli=_restore_cli(res, ctx),
            where=f"{res.name} (rds {d_region})",
            precheck=precheck,
            run=run,
            verify=verify,
            poll_seconds=30.0,
            sfn=lambda: _declarative_restore(res, ctx),
        )
    ]


def _declarative_restore(res: RdsInstance, ctx: RunContext) -> SfnStep | None:
    """Skip when the DR instance exists and is available; otherwise pick the newest available
    snapshot of the primary in DR (DescribeDBSnapshots' first page, up to 100; newest data:
    ``OriginalSnapshotCreateTime`` of a copy), restore it there with the plan's placement,
    wait until available. The instance class is read when exporting (None offline)."""
    if ctx.offline:
        return None
    region = ctx.region("dr")
    probe = Probe(
        SdkCall(
            "rds", "describeDBInstances",
            {"Filters": [{"Name": "db-instance-id", "Values": [res.dr]}]}, region,
        ),
        equals("$.DbInstances[0].DbInstanceStatus", "available"),
    )  # fmt: skip
    restore: dict[str, Any] = {
        "DbSnapshotIdentifier.$": "$.newest.best.DbSnapshotIdentifier",
        "DbInstanceIdentifier": res.dr,
        "DbInstanceClass": _instance_class(res, ctx),
        "PubliclyAccessible": False,
        "DeletionProtection": False,
        "Tags": [{"Key": "drctl:restored-from", "Value.$": "$.newest.best.DbSnapshotIdentifier"}],
    }
    if res.dr_subnet_group:
        restore["DbSubnetGroupName"] = res.dr_subnet_group
    if res.dr_security_groups:
        restore["VpcSecurityGroupIds"] = list(res.dr_security_groups)
    return SfnStep(
        precheck=probe,
        newest=Newest(
            SdkCall("rds", "describeDBSnapshots", {"DbInstanceIdentifier": res.primary}, region),
            items="$.DbSnapshots[?(@.Status == 'available')]",
            time="OriginalSnapshotCreateTime",
            fallback_time="SnapshotCreateTime",
            none=f"no available snapshot of {res.primary} in {region} to restore",
        ),
        # A rerun while the first restore is under way is refused: the wait sees it through.
        run=(
            SdkCall(
                "rds", "restoreDBInstanceFromDBSnapshot", restore, region, tolerate_failure=True
            ),
        ),
        verify=probe,
    )


def _restore_cli(res: RdsInstance, ctx: RunContext) -> list[str]:
    """The restore as it will run: the newest copy's id read now when drctl can (the run
    reads it again: a newer copy may land meanwhile)."""
    d_region = ctx.region("dr")
    newest = None
    if not ctx.offline:
        try:
            newest = api.newest_snapshot(ctx.client("rds", "dr"), res.primary)
        except Exception:
            newest = None
    lines = []
    if newest is None:
        lines.append(
            f"# SNAPSHOT: the newest available snapshot of {res.primary} in {d_region}, read "
            f"when the step runs: aws rds describe-db-snapshots --region {d_region}"
        )
    placement = ""
    if res.dr_subnet_group:
        placement += f"--db-subnet-group-name {res.dr_subnet_group} "
    if res.dr_security_groups:
        placement += f"--vpc-security-group-ids {' '.join(res.dr_security_groups)} "
    snapshot = str(newest["DBSnapshotIdentifier"]) if newest else "$SNAPSHOT"
    if ctx.offline:
        lines.append(
            f"# DB_CLASS: the instance class of {res.primary}, read when the step runs "
            "(db.t3.micro when the primary cannot be read)"
        )
    instance_class = "$DB_CLASS" if ctx.offline else _instance_class(res, ctx)
    return [
        *lines,
        f"aws rds restore-db-instance-from-db-snapshot --db-instance-identifier {res.dr} "
        f"--db-snapshot-identifier {snapshot} --db-instance-class {instance_class} "
        f"{placement}--no-publicly-accessible --region {d_region}",
        f"aws rds wait db-instance-available --db-instance-identifier {res.dr} --region {d_region}",
    ]


def _instance_class(res: RdsInstance, ctx: RunContext) -> str:
    """The primary's class when it can be read (it may be in the failed region)."""
    from drctl.kinds.rds_instance.replica import primary_if_reachable

    return str(primary_if_reachable(res, ctx).get("DBInstanceClass") or "db.t3.micro")


def failback(res: RdsInstance, ctx: RunContext) -> list[Step]:
    """Bring the restored DR instance home (see :mod:`.snapshot_failback`)."""
    from drctl.kinds.rds_instance.snapshot_failback import failback_steps

    return failback_steps(res, ctx)
