"""``rds-instance``: a primary DB instance with a cross-region read replica in the DR region.

Readiness: both exist, the replica really replicates from *that* primary, both
are available, backups and storage encryption are on, and the replica's lag
(CloudWatch ``ReplicaLag``) is within the RPO. Failover promotes the replica
and waits until it is a standalone, writable instance.
"""

from __future__ import annotations

from typing import Any, cast

from drctl.aws import cloudwatch, rds
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
from drctl.kinds.base import KindContext, aws_check, aws_step
from drctl.kinds.registry import register
from drctl.plan.durations import format_seconds
from drctl.plan.models import RdsInstance

KIND = "rds-instance"
DEFAULT_BACKUP_RETENTION_DAYS = 7


def _primary(res: RdsInstance, ctx: KindContext) -> dict[str, Any] | None:
    return ctx.memo.get(
        ("rds", "primary", res.primary),
        lambda: rds.describe_instance(ctx.client("rds", "primary"), res.primary),
    )


def _replica(res: RdsInstance, ctx: KindContext) -> dict[str, Any] | None:
    return ctx.memo.get(
        ("rds", "dr", res.dr), lambda: rds.describe_instance(ctx.client("rds", "dr"), res.dr)
    )


@register(KIND)
class RdsInstanceKind:
    def checks(self, res: RdsInstance, ctx: KindContext) -> list[Check]:
        if res.recovery == "snapshot":
            return cast(list[Check], _snapshot_recovery().checks(res, ctx))
        p_region, d_region = ctx.region("primary"), ctx.region("dr")
        rpo = ctx.objectives.rpo_seconds

        def primary_exists() -> CheckResult:
            inst = _primary(res, ctx)
            if inst is None:
                return failed(f"primary instance {res.primary} not found in {p_region}")
            return passed(f"{res.primary} in {p_region}: {_describe(inst)}")

        def replica_exists() -> CheckResult:
            inst = _replica(res, ctx)
            if inst is None:
                return failed(f"replica {res.dr} not found in {d_region}")
            return passed(f"{res.dr} in {d_region}: {_describe(inst)}")

        def replicates_from_primary() -> CheckResult:
            replica, primary = _replica(res, ctx), _primary(res, ctx)
            if replica is None:
                return failed(f"replica {res.dr} not found in {d_region}")
            source = rds.replica_source(replica)
            if source is None:
                return failed(f"{res.dr} is not a read replica (already promoted?)")
            if primary is not None and rds.same_instance(source, primary):
                return passed(f"{res.dr} replicates from {source}")
            if primary is None and source.endswith(f":db:{res.primary}"):
                return passed(f"{res.dr} replicates from {source}")
            return failed(f"{res.dr} replicates from {source}, not from {res.primary}")

        def available() -> CheckResult:
            states = {
                res.primary: (_primary(res, ctx) or {}).get("DBInstanceStatus", "missing"),
                res.dr: (_replica(res, ctx) or {}).get("DBInstanceStatus", "missing"),
            }
            bad = {k: v for k, v in states.items() if v != "available"}
            text = ", ".join(f"{k} {v}" for k, v in states.items())
            return failed(text) if bad else passed(text)

        def backups() -> CheckResult:
            inst = _primary(res, ctx)
            if inst is None:
                return failed(f"primary instance {res.primary} not found")
            days = int(inst.get("BackupRetentionPeriod") or 0)
            if days <= 0:
                return failed(f"automated backups are off on {res.primary}", days, 1)
            return passed(f"{days}-day automated backups on {res.primary}", days, 1)

        def encryption() -> CheckResult:
            found = {res.primary: _primary(res, ctx), res.dr: _replica(res, ctx)}
            plain = [k for k, v in found.items() if v is not None and not v.get("StorageEncrypted")]
            if plain:
                return failed(f"storage not encrypted: {', '.join(plain)}")
            return passed("storage encrypted on both instances")

        def replica_lag() -> CheckResult:
            lag = cloudwatch.rds_replica_lag_seconds(
                ctx.client("cloudwatch", "dr"), res.dr, ctx.clock.now()
            )
            if lag is None:
                return warned(
                    f"no ReplicaLag datapoint for {res.dr} in the last 10 minutes", None, rpo
                )
            if lag > rpo:
                return failed(
                    f"replica lag {lag:.0f}s exceeds the RPO of {format_seconds(rpo)}", lag, rpo
                )
            return passed(
                f"replica lag {lag:.0f}s within the RPO of {format_seconds(rpo)}", lag, rpo
            )

        def check(name: str, description: str, fn: Any, side: str) -> Check:
            region = p_region if side == "primary" else d_region
            return aws_check(
                resource=res.name,
                kind=KIND,
                name=name,
                description=description,
                where=f"{res.name} (rds {region})",
                run=fn,
            )

        return [
            check("primary-exists", "primary DB instance exists", primary_exists, "primary"),
            check("replica-exists", "read replica exists in the DR region", replica_exists, "dr"),
            check(
                "replica-source",
                "replica replicates from the primary",
                replicates_from_primary,
                "dr",
            ),
            check("available", "both instances available", available, "dr"),
            check("backups", "automated backups enabled on the primary", backups, "primary"),
            check("encryption", "storage encrypted", encryption, "dr"),
            check("replica-lag", "replica lag within the RPO", replica_lag, "dr"),
        ]

    def failover(self, res: RdsInstance, ctx: KindContext) -> list[Step]:
        if res.recovery == "snapshot":
            return cast(list[Step], _snapshot_recovery().failover(res, ctx))
        from drctl.kinds.rds_safety import drain_step, fence_step

        if ctx.mode == "planned":
            # Writes stop on the primary, the replica catches up, then it is promoted.
            return [
                fence_step(
                    res, ctx, side="primary", instance_id=res.primary, action="fence",
                    phase=Phase.FENCE,
                ),
                drain_step(res, ctx, replica_side="dr", replica=res.dr),
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

    def failback(self, res: RdsInstance, ctx: KindContext) -> list[Step]:
        if res.recovery == "snapshot":
            return cast(list[Step], _snapshot_recovery().failback(res, ctx))
        from drctl.kinds.rds_failback import failback_steps

        return failback_steps(res, ctx)

    def lag(self, res: RdsInstance, ctx: KindContext) -> Any:
        if res.recovery == "snapshot":
            return None  # no replication: the snapshot age is checked instead
        from drctl.kinds.rds_safety import lag

        return lag(res, ctx)


def _snapshot_recovery() -> Any:
    """``recovery: snapshot`` lives in its own module; refuse clearly while it is missing."""
    import importlib
    import importlib.util

    name = "drctl.kinds.rds_snapshot_recovery"
    if importlib.util.find_spec(name) is None:
        from drctl.errors import UsageError

        raise UsageError(
            "rds-instance with recovery: snapshot is valid in a plan but this drctl cannot "
            "check or restore it yet",
            hint="use --only to leave that resource out",
        )
    return importlib.import_module(name)


def promote_step(res: RdsInstance, ctx: KindContext) -> Step:
    d_region = ctx.region("dr")
    client = ctx.client("rds", "dr")

    def describe() -> dict[str, Any]:
        inst = rds.describe_instance(client, res.dr)
        if inst is None:
            raise AwsError(f"{res.name}: replica {res.dr} not found in {d_region}")
        return inst

    def precheck() -> Precheck:
        inst = describe()
        source = rds.replica_source(inst)
        target = "standalone, writable instance"
        if source is None:
            status = inst.get("DBInstanceStatus")
            return Precheck(status == "available", f"standalone ({status})", target)
        return Precheck(False, f"read replica of {source}", target)

    def run() -> StepOutcome:
        retention = _backup_retention(res, ctx)
        if not rds.promote_once(client, res.dr, backup_retention_days=retention):
            return StepOutcome(
                detail=f"{res.dr} in {d_region} was already promoted (an earlier attempt's "
                "call went through)",
                data={"backup_retention_days": retention},
            )
        return StepOutcome(
            detail=f"promoted {res.dr} in {d_region}", data={"backup_retention_days": retention}
        )

    def verify() -> Verification:
        inst = describe()
        if rds.is_standalone_writable(inst):
            return Verification(True, f"{res.dr} is standalone and available")
        source = rds.replica_source(inst)
        state = f"still replicating from {source}" if source else "not yet available"
        return Verification(False, f"{res.dr} {state} ({inst.get('DBInstanceStatus')})")

    return aws_step(
        resource=res.name,
        kind=KIND,
        action="promote",
        phase=Phase.DATA,
        description=f"Promote read replica {res.dr} in {d_region} to a standalone writable "
        "instance",
        cli=[
            f"aws rds promote-read-replica --db-instance-identifier {res.dr} "
            f"--backup-retention-period {DEFAULT_BACKUP_RETENTION_DAYS} --region {d_region}",
            f"aws rds wait db-instance-available --db-instance-identifier {res.dr} "
            f"--region {d_region}",
        ],
        where=f"{res.name} (rds {d_region})",
        precheck=precheck,
        run=run,
        verify=verify,
        poll_seconds=15.0,
    )


def primary_if_reachable(res: RdsInstance, ctx: KindContext) -> dict[str, Any]:
    """The primary's description, or {} when it cannot be read: during an unplanned
    failover its region may be the one that is down, and that must not stop a step
    that only wants to copy a setting from it."""
    try:
        return rds.describe_instance(ctx.client("rds", "primary"), res.primary) or {}
    except Exception:
        return {}


def _backup_retention(res: RdsInstance, ctx: KindContext) -> int:
    """Keep the primary's backup retention on the promoted instance (replicas have none)."""
    days = int(primary_if_reachable(res, ctx).get("BackupRetentionPeriod") or 0)
    return days or DEFAULT_BACKUP_RETENTION_DAYS


def _describe(inst: dict[str, Any]) -> str:
    return (
        f"{inst.get('Engine', '?')} {inst.get('EngineVersion', '')}".strip()
        + f", {inst.get('DBInstanceClass', '?')}, {inst.get('DBInstanceStatus', '?')}"
    )
