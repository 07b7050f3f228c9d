"""``type: restore``: restore an rds-instance into regions.dr, verify it, delete it.

The restore is the backup-and-restore path of DR, so its time is measured
against the RTO. The throw-away instance gets a unique name
(``<primary>-drill-<run suffix>``) and tags naming the drill, and it is always
deleted afterwards -- when the restore fails, when verification fails, and on
Ctrl-C -- so a drill never leaves a paid instance behind.

Source: the newest snapshot copied to regions.dr (``recovery: snapshot``), or
the primary's automated backups replicated to regions.dr (``recovery:
replica``), restored to the latest restorable time.
"""

from __future__ import annotations

from typing import Any

from drctl.aws import rds, rds_backups
from drctl.aws.errors import aws_errors
from drctl.drills.env import DrillEnv
from drctl.drills.result import Case, DrillResult
from drctl.errors import DrctlError
from drctl.plan.durations import format_seconds, human_seconds
from drctl.plan.models import Drill

POLL_SECONDS = 15.0


def run(drill: Drill, env: DrillEnv) -> DrillResult:
    res = env.resource(drill.resource, ("rds-instance",))
    ctx = env.context()
    clock = ctx.clock
    rto = ctx.objectives.rto_seconds
    timeout = float(drill.timeout.seconds) if drill.timeout else float(max(rto, 3600))
    primary_client, dr_client = ctx.client("rds", "primary"), ctx.client("rds", "dr")
    suffix = (env.run_id or "drill").rsplit("-", 1)[-1]
    target = f"{res.primary}-drill-{suffix}"[:63].rstrip("-")
    tags = {"drctl:drill": drill.name, "drctl:app": env.plan.app, "drctl:run": env.run_id or ""}
    result = DrillResult(drill.name, drill.type.value)

    with aws_errors(f"{res.name}: {res.primary} in {ctx.region('primary')}"):
        primary = rds.describe_instance(primary_client, res.primary)
    if primary is None:
        raise DrctlError(f"{res.name}: primary {res.primary} not found in {ctx.region('primary')}")

    env.events.append({"event": "throwaway", "instance": target, "region": ctx.region("dr")})
    started = clock.monotonic()
    try:
        with aws_errors(f"{res.name}: restoring {target} in {ctx.region('dr')}"):
            source = _restore(res, ctx, dr_client, primary, target, tags)
            while True:
                inst = rds.describe_instance(dr_client, target)
                if inst is not None and inst.get("DBInstanceStatus") == "available":
                    break
                if clock.monotonic() - started >= timeout:
                    raise DrctlError(
                        f"{target} not available after {human_seconds(timeout)} "
                        f"(status {inst.get('DBInstanceStatus') if inst else 'missing'})"
                    )
                clock.sleep(POLL_SECONDS)
        took = round(clock.monotonic() - started, 3)
        result.measured["rto_seconds"] = took
        result.cases.append(
            Case(
                f"{res.name}.restore-time",
                "pass" if took <= rto else "fail",
                f"{target} restored from {source} and available after {human_seconds(took)} "
                f"({'within' if took <= rto else 'over'} the RTO of {format_seconds(rto)})",
                took,
                observed=took,
                expected=rto,
            )
        )
        result.cases.extend(_verify(res, primary, inst))
    except DrctlError as exc:
        result.cases.append(Case(f"{res.name}.restore", "fail", exc.message))
    finally:
        result.cases.append(_cleanup(dr_client, target, res.name))
    return result.settle()


def _restore(
    res: Any, ctx: Any, dr_client: Any, primary: dict[str, Any], target: str, tags: dict[str, str]
) -> str:
    instance_class = str(primary.get("DBInstanceClass", "db.t3.micro"))
    if res.recovery == "snapshot":
        newest = rds_backups.newest_snapshot(dr_client, res.primary)
        if newest is None:
            raise DrctlError(
                f"no snapshot of {res.primary} copied to {ctx.region('dr')}: run drctl backup"
            )
        snapshot_id = str(newest["DBSnapshotIdentifier"])
        rds_backups.restore_snapshot(dr_client, snapshot_id, target, instance_class, tags)
        return f"snapshot {snapshot_id}"
    backup = rds_backups.replicated_backup(dr_client, str(primary["DBInstanceArn"]))
    if backup is None:
        raise DrctlError(
            f"automated backups of {res.primary} are not replicated to {ctx.region('dr')}; "
            f"start it: aws rds start-db-instance-automated-backups-replication "
            f"--source-db-instance-arn {primary['DBInstanceArn']} --region {ctx.region('dr')}"
        )
    backup_arn = str(backup["DBInstanceAutomatedBackupsArn"])
    rds_backups.restore_latest(dr_client, backup_arn, target, instance_class, tags)
    return f"replicated automated backups {backup_arn} (latest restorable time)"


def _verify(res: Any, primary: dict[str, Any], inst: dict[str, Any]) -> list[Case]:
    checks = [
        ("engine", primary.get("Engine"), inst.get("Engine")),
        ("encrypted", bool(primary.get("StorageEncrypted")), bool(inst.get("StorageEncrypted"))),
    ]
    return [
        Case(
            f"{res.name}.restored-{name}",
            "pass" if want == got else "fail",
            f"{name}: restored {got}, primary {want}",
            observed=got,
            expected=want,
        )
        for name, want, got in checks
    ]


def _cleanup(dr_client: Any, target: str, name: str) -> Case:
    try:
        with aws_errors(f"{name}: deleting the throw-away instance {target}"):
            existed = rds_backups.delete_throwaway(dr_client, target)
    except DrctlError as exc:
        return Case(
            f"{name}.cleanup", "error", f"{exc.message} -- delete {target} by hand", observed=target
        )
    detail = f"deleted {target}" if existed else f"{target} was never created"
    return Case(f"{name}.cleanup", "pass", detail)
