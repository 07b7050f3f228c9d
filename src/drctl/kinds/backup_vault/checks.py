"""Readiness of AWS Backup copies in DR: the backup plan's copy rule to the DR vault, the DR
vault encrypted with a usable KMS key (vault lock noted), the newest COMPLETED copy of every
protected resource younger than the RPO (none, or unknown, fails), and recent copy jobs not
failing."""

from __future__ import annotations

from datetime import timedelta

from drctl.engine.context import RunContext
from drctl.engine.step import Check, CheckResult, failed, passed
from drctl.kinds.backup_vault import api
from drctl.kinds.backup_vault.copies import (
    NAME,
    account_of,
    dr_vault,
    newest_copies,
    primary_vault,
    rpo_seconds,
    vault_arn,
)
from drctl.kinds.steps import check_maker
from drctl.plan.durations import format_seconds, human_seconds
from drctl.plan.models import BackupVault

RECENT_HOURS = 24  # copy jobs looked at


def dr_vault_arn(res: BackupVault, ctx: RunContext) -> str | None:
    """The DR vault's ARN: as DR describes it, else built from the primary vault's account."""
    there = dr_vault(res, ctx)
    if there is not None:
        return str(there["BackupVaultArn"])
    home = primary_vault(res, ctx)
    if home is None:
        return None
    return vault_arn(ctx.region("dr"), account_of(str(home["BackupVaultArn"])), res.dr_vault)


def checks(res: BackupVault, ctx: RunContext) -> list[Check]:
    home, dr = ctx.region("primary"), ctx.region("dr")

    def copy_rule() -> CheckResult:
        if primary_vault(res, ctx) is None:
            return failed(f"no backup vault {res.vault} in {home}")
        plan = api.find_plan(ctx.client("backup", "primary"), res.backup_plan)
        if plan is None:
            return failed(f"no backup plan {res.backup_plan} in {home}")
        target = dr_vault_arn(res, ctx)
        rules = api.copy_rules(plan, res.vault, target or "")
        if not rules:
            return failed(
                f"backup plan {res.backup_plan} has no rule backing up into {res.vault} with a "
                f"copy action to {target}: add one (CopyActions DestinationBackupVaultArn)"
            )
        return passed(
            f"backup plan {res.backup_plan}: rule {', '.join(rules)} copies {res.vault} to "
            f"{res.dr_vault} in {dr}"
        )

    def vault_check() -> CheckResult:
        there = dr_vault(res, ctx)
        if there is None:
            return failed(f"no backup vault {res.dr_vault} in {dr}")
        key = there.get("EncryptionKeyArn")
        if not key:
            return failed(f"backup vault {res.dr_vault} in {dr} names no KMS key")
        meta = api.describe_key(ctx.client("kms", "dr"), str(key))
        if meta is None:
            return failed(f"KMS key {key} of {res.dr_vault} does not exist in {dr}")
        if meta.get("KeyState") != "Enabled":
            return failed(
                f"KMS key {key} of {res.dr_vault} is {meta.get('KeyState')}: its recovery "
                "points cannot be restored"
            )
        lock = (
            f"vault lock on (minimum retention {there.get('MinRetentionDays')} days)"
            if there.get("Locked")
            else "no vault lock: recovery points can be deleted"
        )
        return passed(f"{res.dr_vault} in {dr}, encrypted with KMS key {meta.get('KeyId')}; {lock}")

    def recovery_points() -> CheckResult:
        rpo = rpo_seconds(res, ctx)
        if dr_vault(res, ctx) is None:
            return failed(f"no backup vault {res.dr_vault} in {dr}: no copy to restore")
        copies = newest_copies(res, ctx)
        now = ctx.clock.now()
        missing = [c for c in copies if c.point is None]
        if missing:
            return failed(
                f"{'; '.join(c.text(now) for c in missing)} in {res.dr_vault}: nothing to "
                "restore in DR",
                None,
                rpo,
            )
        oldest = max(copies, key=lambda c: c.age(now) or 0.0)
        age = oldest.age(now) or 0.0
        text = f"newest DR copies {', '.join(c.text(now) for c in copies)}"
        if age > rpo:
            return failed(
                f"{text}: {human_seconds(age)} is over the RPO of {format_seconds(rpo)}", age, rpo
            )
        return passed(f"{text}: within the RPO of {format_seconds(rpo)}", age, rpo)

    def copy_jobs() -> CheckResult:
        target = dr_vault_arn(res, ctx)
        if target is None:
            return failed(f"no backup vault {res.vault} in {home}: no copy jobs")
        since = ctx.clock.now() - timedelta(hours=RECENT_HOURS)
        jobs = api.copy_jobs(ctx.client("backup", "primary"), target, since)
        bad = {"FAILED", "ABORTED"}
        newest: dict[str, dict[str, object]] = {}
        for job in jobs:  # newest first
            newest.setdefault(str(job.get("ResourceArn")), job)
        failing = [
            f"{arn.rsplit(':', 1)[-1]}: {job.get('State')} {job.get('StatusMessage', '')}".rstrip()
            for arn, job in newest.items()
            if arn in res.resources and job.get("State") in bad
        ]
        if failing:
            return failed(f"the newest copy job to {res.dr_vault} failed: {'; '.join(failing)}")
        failed_before = sum(1 for j in jobs if j.get("State") in bad)
        note = f" ({failed_before} failed before, since retried)" if failed_before else ""
        if not jobs:
            return passed(f"no copy job to {res.dr_vault} in the last {RECENT_HOURS}h{note}")
        return passed(
            f"{len(jobs)} copy job(s) to {res.dr_vault} in the last {RECENT_HOURS}h, the newest "
            f"of each resource not failed{note}"
        )

    check = check_maker(res.name, NAME, f"{res.name} (backup vaults {res.vault} -> {res.dr_vault})")
    return [
        check("copy-rule", "the backup plan copies the vault to the DR vault", copy_rule),
        check("dr-vault", "the DR vault exists, encrypted with a usable KMS key", vault_check),
        check(
            "dr-recovery-point",
            "the newest COMPLETED copy of each resource in DR is within the RPO",
            recovery_points,
        ),
        check("copy-jobs", "recent copy jobs to the DR vault have not failed", copy_jobs),
    ]
