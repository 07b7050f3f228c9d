"""Compliance policies ``drctl check --policy`` and ``drctl compliance rules`` apply.

A policy is data: the floors a plan's resources must meet. ``baseline`` is what any DR plan
should have (the seed guide's security controls: encryption at rest, backups, deletion
protection, Multi-AZ for the top tiers, S3 encryption and access logs, DynamoDB PITR).
``hipaa`` keeps the same controls with a 35-day backup retention: HIPAA names no number of
days (45 CFR 164.308(a)(7)(ii)(A) asks for "retrievable exact copies" of ePHI), so drctl takes
the longest automated retention RDS and Aurora offer (35 days, also DynamoDB's PITR window),
which is what the seed guide's HIPAA template sets (``BackupRetentionPeriod: 35``).
"""

from __future__ import annotations

from dataclasses import dataclass

from drctl.plan.tiers import Tier


@dataclass(frozen=True)
class Policy:
    name: str
    backup_retention_days: int
    multi_az_tiers: frozenset[Tier]
    summary: str

    def needs_multi_az(self, tier: Tier | None) -> bool:
        return tier is not None and tier in self.multi_az_tiers


TOP_TIERS = frozenset({Tier.PLATINUM, Tier.GOLD})

POLICIES: dict[str, Policy] = {
    "baseline": Policy(
        "baseline",
        backup_retention_days=7,
        multi_az_tiers=TOP_TIERS,
        summary="encryption at rest, 7-day backups, deletion protection, Multi-AZ for "
        "gold/platinum, S3 encryption and access logs, DynamoDB PITR",
    ),
    "hipaa": Policy(
        "hipaa",
        backup_retention_days=35,
        multi_az_tiers=TOP_TIERS,
        summary="baseline with 35-day backups (the longest RDS automated retention)",
    ),
}
