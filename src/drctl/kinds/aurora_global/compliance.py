"""A compliance policy's controls on an Aurora global database: every member cluster
encrypted at rest, the primary cluster's backups kept at least the policy's days, deletion
protection and (for the tiers that need it) Multi-AZ on the primary cluster; and the AWS
Config managed rules for DB clusters that watch the same.
"""

from __future__ import annotations

from typing import Any

from drctl.aws.config_rules import ConfigRuleSpec
from drctl.engine.context import RunContext
from drctl.engine.step import Check, CheckResult, failed, passed
from drctl.kinds.aurora_global.switchover import FLAVOR, NAME, short
from drctl.kinds.db_compliance import DbRules
from drctl.kinds.db_compliance import retention as retention_verdict
from drctl.kinds.global_cluster import deletion_protected, member_cluster, on_member
from drctl.kinds.steps import check_maker
from drctl.plan.models import AuroraGlobal
from drctl.plan.policies import Policy

RULES = DbRules(
    resource_type="AWS::RDS::DBCluster",
    encrypted="RDS_CLUSTER_ENCRYPTED_AT_REST",
    backup="RDS_CLUSTER_BACKUP_RETENTION_CHECK",
    backup_parameter="minimumBackupRetentionPeriod",
    backups="backups",
    deletion_protection="RDS_CLUSTER_DELETION_PROTECTION_ENABLED",
    multi_az="RDS_CLUSTER_MULTI_AZ_ENABLED",
    name_key="DBClusterIdentifier",
    resource_id=lambda c: str(c.get("DbClusterResourceId") or short(c["DBClusterArn"])),
)


def _cluster(res: AuroraGlobal, ctx: RunContext, side: str) -> dict[str, Any] | None:
    """The member cluster in ``side``'s region, described there (None when absent)."""
    return member_cluster(FLAVOR, res, ctx, side)


def checks(res: AuroraGlobal, ctx: RunContext, policy: Policy) -> list[Check]:
    check = check_maker(res.name, NAME, f"{res.name} (aurora {res.global_cluster})")

    def encryption() -> CheckResult:
        found = {side: _cluster(res, ctx, side) for side in ("primary", "dr")}
        missing = [ctx.region(s) for s, c in found.items() if c is None]
        if missing:
            return failed(f"no member cluster in {', '.join(missing)} to judge")
        plain = [
            str(c["DBClusterIdentifier"])
            for c in found.values()
            if c is not None and not c.get("StorageEncrypted")
        ]
        if plain:
            return failed(f"storage not encrypted at rest: {', '.join(plain)}")
        return passed("every member cluster is encrypted at rest")

    def primary_field(test: Any) -> Any:
        return on_member(FLAVOR, res, ctx, "primary", test)

    def retention(cluster: dict[str, Any]) -> CheckResult:
        days = int(cluster.get("BackupRetentionPeriod") or 0)
        return retention_verdict(
            str(cluster["DBClusterIdentifier"]), days, policy.backup_retention_days
        )

    def multi_az(cluster: dict[str, Any]) -> CheckResult:
        who = cluster["DBClusterIdentifier"]
        if not cluster.get("MultiAZ"):
            return failed(f"{who} has no instances in a second Availability Zone")
        return passed(f"{who} is Multi-AZ")

    made = [
        check("policy-encryption", "every member encrypted at rest", encryption),
        check(
            "policy-backup-retention",
            f"backups kept at least {policy.backup_retention_days} days",
            primary_field(retention),
        ),
        check(
            "policy-deletion-protection",
            "deletion protection on the primary cluster",
            primary_field(deletion_protected),
        ),
    ]
    if policy.needs_multi_az(ctx.plan.tier):
        made.append(
            check("policy-multi-az", "the primary cluster is Multi-AZ", primary_field(multi_az))
        )
    return made


def rules(res: AuroraGlobal, ctx: RunContext, policy: Policy) -> list[ConfigRuleSpec]:
    """Config knows a cluster by its DbClusterResourceId."""
    return RULES.specs(res.name, ctx, policy, ("primary", "dr"), lambda s: _cluster(res, ctx, s))


class AuroraCompliance:
    def checks(self, res: AuroraGlobal, ctx: RunContext, policy: Policy) -> list[Check]:
        return checks(res, ctx, policy)

    def rules(self, res: AuroraGlobal, ctx: RunContext, policy: Policy) -> list[ConfigRuleSpec]:
        return rules(res, ctx, policy)
