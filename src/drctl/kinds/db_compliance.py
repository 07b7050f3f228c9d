"""What the compliance controls of ``rds-instance`` and ``aurora-global`` share.

Both judge a database (an instance, a cluster) by the same four controls: storage encrypted
at rest, automated backups kept at least the policy's days, deletion protection, and
Multi-AZ for the tiers that need it. AWS Config has a managed rule for each control and each
database flavour, so one place builds the rules from the flavour's rule identifiers, and one
place gives the backup-retention verdict; each kind still describes its own databases.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from drctl.aws.config_rules import ConfigRuleSpec, rule_name
from drctl.engine.context import RunContext
from drctl.engine.step import CheckResult, failed, passed
from drctl.plan.policies import Policy

Record = dict[str, Any]


def retention(who: str, days: int, want: int) -> CheckResult:
    """``who`` keeps its automated backups ``days`` days; the policy wants ``want``."""
    if days < want:
        return failed(f"{who} keeps backups {days} days, under {want}", days, want)
    return passed(f"{who} keeps backups {days} days", days, want)


@dataclass(frozen=True)
class DbRules:
    """A database flavour's managed rules (identifiers from the AWS Config Developer Guide's
    managed rules list), and how its records are named to Config and to the reader."""

    resource_type: str  # e.g. AWS::RDS::DBInstance
    encrypted: str
    backup: str
    backup_parameter: str  # the backup rule's parameter for the policy's days
    backups: str  # what the backup rule's description calls the backups
    deletion_protection: str
    multi_az: str
    name_key: str  # the record's identifier, named in each rule's description
    resource_id: Callable[[Record], str]  # the id AWS Config knows a record by

    def specs(
        self,
        resource: str,
        ctx: RunContext,
        policy: Policy,
        encrypted_sides: Iterable[str],
        record: Callable[[str], Record | None],
    ) -> list[ConfigRuleSpec]:
        """The rules for ``resource``: encryption on ``encrypted_sides``, the rest on the
        primary; a side whose database ``record`` does not find gets none."""
        days = policy.backup_retention_days
        wanted: list[tuple[str, str, str, dict[str, str]]] = [
            (side, self.encrypted, "storage encrypted at rest", {}) for side in encrypted_sides
        ]
        wanted.append(
            (
                "primary",
                self.backup,
                f"{self.backups} kept at least {days} days",
                {self.backup_parameter: str(days)},
            )
        )
        wanted.append(("primary", self.deletion_protection, "deletion protection on", {}))
        if policy.needs_multi_az(ctx.plan.tier):
            wanted.append(("primary", self.multi_az, "Multi-AZ", {}))
        app = ctx.plan.app
        found: list[ConfigRuleSpec] = []
        for side, identifier, what, params in wanted:
            rec = record(side)
            if rec is None:
                continue
            found.append(
                ConfigRuleSpec(
                    name=rule_name(app, resource, identifier, side),
                    resource=resource,
                    side=side,
                    identifier=identifier,
                    resource_type=self.resource_type,
                    resource_id=self.resource_id(rec),
                    description=f"drctl {app}: {what} ({rec[self.name_key]})",
                    parameters=tuple(sorted(params.items())),
                )
            )
        return found
