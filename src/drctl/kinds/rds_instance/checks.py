"""Readiness of a replicated rds-instance: both instances, the replica link to that primary,
available, backups, encryption, lag within the RPO.
"""

from __future__ import annotations

from typing import Any

from drctl.engine.context import RunContext
from drctl.engine.step import (
    Check,
    CheckResult,
    failed,
    passed,
)
from drctl.kinds.rds_instance import api
from drctl.kinds.steps import check_maker, lag_within_rpo
from drctl.plan.models import RdsInstance

NAME = "rds-instance"


def _primary(res: RdsInstance, ctx: RunContext) -> dict[str, Any] | None:
    return ctx.memo.get(
        ("rds", "primary", res.primary),
        lambda: api.describe_instance(ctx.client("rds", "primary"), res.primary),
    )


def _replica(res: RdsInstance, ctx: RunContext) -> dict[str, Any] | None:
    return ctx.memo.get(
        ("rds", "dr", res.dr),
        lambda: api.describe_instance(ctx.client("rds", "dr"), res.dr),
    )


def _describe(inst: dict[str, Any]) -> str:
    return (
        f"{inst.get('Engine', '?')} {inst.get('EngineVersion', '')}".strip()
        + f", {inst.get('DBInstanceClass', '?')}, {inst.get('DBInstanceStatus', '?')}"
    )


def checks(res: RdsInstance, ctx: RunContext) -> list[Check]:
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
        source = api.replica_source(replica)
        if source is None:
            return failed(f"{res.dr} is not a read replica (already promoted?)")
        if primary is not None and api.same_instance(source, primary):
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

    def primary_writable() -> CheckResult:
        inst = _primary(res, ctx)
        if inst is None:
            return failed(f"primary instance {res.primary} not found in {p_region}")
        ok, why = api.writable(ctx.client("rds", "primary"), inst)
        return passed(f"{res.primary} {why}") if ok else failed(f"{res.primary} is {why}")

    def replica_lag() -> CheckResult:
        lag = api.replica_lag_seconds(ctx.client("cloudwatch", "dr"), res.dr, ctx.clock.now())
        return lag_within_rpo(
            lag,
            rpo,
            what="replica lag",
            missing=f"no ReplicaLag datapoint for {res.dr} in the last 10 minutes",
        )

    on_primary = check_maker(res.name, NAME, f"{res.name} (rds {p_region})")
    on_dr = check_maker(res.name, NAME, f"{res.name} (rds {d_region})")

    def check(name: str, description: str, fn: Any, side: str) -> Check:
        return (on_primary if side == "primary" else on_dr)(name, description, fn)

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
        check(
            "primary-writable",
            "the primary takes writes (not fenced, not read-only)",
            primary_writable,
            "primary",
        ),
        check("encryption", "storage encrypted", encryption, "dr"),
        check("replica-lag", "replica lag within the RPO", replica_lag, "dr"),
    ]
