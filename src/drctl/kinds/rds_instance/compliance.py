"""A compliance policy's controls on an rds-instance: storage encryption on both sides,
automated backups kept at least the policy's days, deletion protection on the primary,
Multi-AZ on the primary for the tiers that need it; and the AWS Config managed rules that
watch the same (identifiers from the AWS Config Developer Guide's managed rules list).
"""

from __future__ import annotations

from typing import Any

from drctl.aws.config_rules import ConfigRuleSpec
from drctl.engine.context import RunContext
from drctl.engine.step import Check, CheckResult, failed, passed
from drctl.kinds.db_compliance import DbRules
from drctl.kinds.db_compliance import retention as retention_verdict
from drctl.kinds.rds_instance import api
from drctl.kinds.steps import check_maker
from drctl.plan.models import RdsInstance
from drctl.plan.policies import Policy

NAME = "rds-instance"
RULES = DbRules(
    resource_type="AWS::RDS::DBInstance",
    encrypted="RDS_STORAGE_ENCRYPTED",
    backup="DB_INSTANCE_BACKUP_ENABLED",
    backup_parameter="backupRetentionMinimum",
    backups="automated backups",
    deletion_protection="RDS_INSTANCE_DELETION_PROTECTION_ENABLED",
    multi_az="RDS_MULTI_AZ_SUPPORT",
    name_key="DBInstanceIdentifier",
    resource_id=lambda inst: str(inst.get("DbiResourceId") or inst["DBInstanceIdentifier"]),
)


def _instance(res: RdsInstance, ctx: RunContext, side: str) -> dict[str, Any] | None:
    ident = res.primary if side == "primary" else res.dr
    return ctx.memo.get(
        ("rds", side, ident), lambda: api.describe_instance(ctx.client("rds", side), ident)
    )


def _sides(res: RdsInstance) -> tuple[str, ...]:
    """Where an instance must exist today: a snapshot plan's DR instance is restored later."""
    return ("primary",) if res.recovery == "snapshot" else ("primary", "dr")


def checks(res: RdsInstance, ctx: RunContext, policy: Policy) -> list[Check]:
    p_region = ctx.region("primary")
    check = check_maker(res.name, NAME, f"{res.name} (rds {p_region}, policy {policy.name})")

    def primary() -> dict[str, Any] | None:
        return _instance(res, ctx, "primary")

    def encryption() -> CheckResult:
        found = {side: _instance(res, ctx, side) for side in _sides(res)}
        missing = [s for s, inst in found.items() if inst is None]
        if missing:
            return failed(f"no instance on the {', '.join(missing)} side to judge")
        plain = [
            f"{inst['DBInstanceIdentifier']} ({ctx.region(side)})"
            for side, inst in found.items()
            if inst is not None and not inst.get("StorageEncrypted")
        ]
        if plain:
            return failed(f"storage not encrypted at rest: {', '.join(plain)}")
        return passed(f"storage encrypted at rest in {', '.join(ctx.region(s) for s in found)}")

    def retention() -> CheckResult:
        inst = primary()
        if inst is None:
            return failed(f"primary instance {res.primary} not found")
        days = int(inst.get("BackupRetentionPeriod") or 0)
        return retention_verdict(res.primary, days, policy.backup_retention_days)

    def deletion_protection() -> CheckResult:
        inst = primary()
        if inst is None:
            return failed(f"primary instance {res.primary} not found")
        if not inst.get("DeletionProtection"):
            return failed(f"deletion protection is off on {res.primary}")
        return passed(f"deletion protection is on for {res.primary}")

    def multi_az() -> CheckResult:
        inst = primary()
        if inst is None:
            return failed(f"primary instance {res.primary} not found")
        tier = ctx.plan.tier.value if ctx.plan.tier else "?"
        if not inst.get("MultiAZ"):
            return failed(f"{res.primary} is Single-AZ; a {tier} tier needs Multi-AZ")
        return passed(f"{res.primary} is Multi-AZ ({tier} tier)")

    made = [
        check("policy-encryption", "storage encrypted at rest in both regions", encryption),
        check(
            "policy-backup-retention",
            f"automated backups kept at least {policy.backup_retention_days} days",
            retention,
        ),
        check(
            "policy-deletion-protection",
            "deletion protection on the primary",
            deletion_protection,
        ),
    ]
    if policy.needs_multi_az(ctx.plan.tier):
        made.append(check("policy-multi-az", "the primary is Multi-AZ", multi_az))
    return made


def rules(res: RdsInstance, ctx: RunContext, policy: Policy) -> list[ConfigRuleSpec]:
    """Config knows an instance by its DbiResourceId, so each side is described once."""
    return RULES.specs(res.name, ctx, policy, _sides(res), lambda side: _instance(res, ctx, side))


class RdsCompliance:
    def checks(self, res: RdsInstance, ctx: RunContext, policy: Policy) -> list[Check]:
        return checks(res, ctx, policy)

    def rules(self, res: RdsInstance, ctx: RunContext, policy: Policy) -> list[ConfigRuleSpec]:
        return rules(res, ctx, policy)
