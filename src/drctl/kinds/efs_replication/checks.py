"""Readiness of a replicated EFS file system: a replication configuration to the DR Region,
``ENABLED``, its last sync within the RPO (unknown or never synced fails: unknown is not
zero), both file systems encrypted, mount targets in DR (without one nothing can mount the
copy after a failover), and the automatic backups of both noted."""

from __future__ import annotations

from typing import Any

from drctl.engine.context import RunContext
from drctl.engine.gate import LagReading
from drctl.engine.step import Check, CheckResult, failed, passed
from drctl.errors import DrctlError
from drctl.kinds.efs_replication import api
from drctl.kinds.efs_replication.topology import (
    NAME,
    Link,
    dr_id,
    file_system,
    link,
    links,
    primary_id,
    protection,
    stamp,
)
from drctl.kinds.steps import check_maker
from drctl.plan.durations import format_seconds, human_seconds
from drctl.plan.models import EfsReplication


def replication_to_dr(res: EfsReplication, ctx: RunContext) -> Link | None:
    """The configuration home -> DR as the primary's Region records it."""
    primary = primary_id(res, ctx)
    dr = ctx.region("dr")
    return next(
        (k for k in links(ctx, "primary", primary) if k.source == primary and k.dest_region == dr),
        None,
    )


def checks(res: EfsReplication, ctx: RunContext) -> list[Check]:
    home, dr = ctx.region("primary"), ctx.region("dr")
    rpo = ctx.objectives.rpo_seconds

    def forward() -> Link | None:
        return ctx.memo.get(("efs", res.name, "forward"), lambda: replication_to_dr(res, ctx))

    def fs(side: str, fs_id: str) -> dict[str, Any]:
        return ctx.memo.get(("efs", side, fs_id), lambda: file_system(ctx, side, fs_id))

    def replication() -> CheckResult:
        found = forward()
        if found is None:
            primary = primary_id(res, ctx)
            return failed(
                f"{primary} in {home} is not replicated to {dr}: aws efs "
                f"create-replication-configuration --source-file-system-id {primary} "
                f"--destinations Region={dr} --region {home}"
            )
        return passed(f"replicated to {found.dest_id} in {dr}")

    def status() -> CheckResult:
        found = forward()
        if found is None:
            return failed(f"no replication configuration to {dr}")
        if found.status != "ENABLED":
            return failed(found.text(), found.status, "ENABLED")
        return passed(found.text(), found.status, "ENABLED")

    def lag() -> CheckResult:
        found = forward()
        if found is None or found.last is None:
            what = "no replication configuration" if found is None else found.text()
            return failed(f"no completed sync to {dr} ({what}): the lag is unknown", None, rpo)
        seconds = (ctx.clock.now() - found.last).total_seconds()
        text = f"last sync {stamp(found.last)}, {human_seconds(seconds)} ago"
        if seconds > rpo:
            return failed(f"{text}: over the RPO of {format_seconds(rpo)}", seconds, rpo)
        return passed(f"{text}: within the RPO of {format_seconds(rpo)}", seconds, rpo)

    def encryption() -> CheckResult:
        found = forward()
        if found is None:
            return failed(f"no replication configuration to {dr}: no DR copy to check")
        plain = [
            f"{fs_id} ({ctx.region(side)})"
            for side, fs_id in (("primary", found.source), ("dr", found.dest_id))
            if not fs(side, fs_id).get("Encrypted")
        ]
        if plain:
            return failed(f"not encrypted at rest: {', '.join(plain)}")
        return passed(f"{found.source} and {found.dest_id} encrypted at rest")

    def mount_targets() -> CheckResult:
        found = forward()
        if found is None:
            return failed(f"no replication configuration to {dr}: no DR copy to check")
        count = int(fs("dr", found.dest_id).get("NumberOfMountTargets") or 0)
        if count == 0:
            return failed(
                f"{found.dest_id} in {dr} has no mount target: nothing in {dr} can mount it "
                f"after a failover (aws efs create-mount-target --file-system-id "
                f"{found.dest_id} --subnet-id SUBNET --region {dr}, one per Availability Zone)",
                0,
                1,
            )
        return passed(f"{found.dest_id} has {count} mount target(s) in {dr}", count, 1)

    def backups() -> CheckResult:
        found = forward()
        if found is None:
            return failed(f"no replication configuration to {dr}")
        home_backup = api.backup_status(ctx.client("efs", "primary"), found.source)
        dr_backup = api.backup_status(ctx.client("efs", "dr"), found.dest_id)
        note = (
            ""
            if dr_backup == "ENABLED"
            else f" (after a failover {found.dest_id} is the primary: enable its automatic "
            "backups then)"
        )
        return passed(
            f"automatic backups {home_backup} on {found.source}, {dr_backup} on "
            f"{found.dest_id}{note}",
            {"primary": home_backup, "dr": dr_backup},
        )

    check = check_maker(res.name, NAME, f"{res.name} (efs {res.file_system})")
    return [
        check("replication", "replication configuration to the DR Region", replication),
        check("replication-status", "the DR destination is ENABLED", status),
        check("replication-lag", "last sync within the RPO", lag),
        check("encryption", "both file systems encrypted at rest", encryption),
        check("dr-mount-targets", "the DR copy has mount targets", mount_targets),
        check("backup-policy", "automatic backups of both file systems", backups),
    ]


def lag(res: EfsReplication, ctx: RunContext) -> LagReading:
    """Time since the last completed sync, read in DR (it answers in an outage of the primary's
    Region), failing closed: never synced, or no configuration while the DR copy is still
    read-only, is unknown, and unknown refuses a planned failover."""
    dr = ctx.region("dr")
    source = f"EFS LastReplicatedTimestamp ({dr})"
    try:
        home_answers = ctx.mode != "unplanned"
        primary = primary_id(res, ctx, home_answers=home_answers)
        copy = dr_id(res, ctx, home_answers=home_answers)
        found = link(ctx, "dr", copy, primary, copy)
        if found is None:
            guard = protection(file_system(ctx, "dr", copy))
            if guard == "ENABLED":
                return LagReading(
                    res.name, NAME, None, source,
                    f"{copy} is writeable, replicated to by nothing: nothing to lose",
                )  # fmt: skip
            return LagReading(
                res.name, NAME, None, source, f"no replication to {copy} ({guard})",
                fail_closed=True,
            )  # fmt: skip
    except DrctlError as exc:
        return LagReading(res.name, NAME, None, source, exc.message, fail_closed=True)
    if found.last is None:
        return LagReading(
            res.name, NAME, None, source, f"never synced ({found.status})", fail_closed=True
        )
    seconds = (ctx.clock.now() - found.last).total_seconds()
    return LagReading(res.name, NAME, max(0.0, seconds), source, f"last sync {stamp(found.last)}")
