"""What every part of the ``backup-vault`` kind reads: the vaults' ARNs, the newest copy of
each protected resource in the DR vault and its age, and the RPO those copies are held to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from drctl.engine.context import RunContext
from drctl.engine.gate import LagReading
from drctl.kinds.backup_vault import api
from drctl.plan.durations import human_seconds
from drctl.plan.models import BackupVault

NAME = "backup-vault"
TAG = "drctl:backup-vault"  # resources restored in DR carry it to be backed up and copied home
HOURLY = "cron(0 * ? * * *)"


def rpo_seconds(res: BackupVault, ctx: RunContext) -> int:
    """The age a DR copy may reach: the resource's own RPO, else the plan's."""
    return res.rpo.seconds if res.rpo is not None else ctx.objectives.rpo_seconds


def vault_arn(region: str, account: str, name: str) -> str:
    return f"arn:aws:backup:{region}:{account}:backup-vault:{name}"


def account_of(arn: str) -> str:
    return arn.split(":")[4]


def dr_vault(res: BackupVault, ctx: RunContext) -> dict[str, Any] | None:
    return ctx.memo.get(
        (NAME, "dr-vault", res.dr_vault),
        lambda: api.describe_vault(ctx.client("backup", "dr"), res.dr_vault),
    )


def primary_vault(res: BackupVault, ctx: RunContext) -> dict[str, Any] | None:
    return ctx.memo.get(
        (NAME, "primary-vault", res.vault),
        lambda: api.describe_vault(ctx.client("backup", "primary"), res.vault),
    )


def role_arn(res: BackupVault, account: str) -> str:
    return f"arn:aws:iam::{account}:role/{res.iam_role}"


def reverse_plan_name(res: BackupVault) -> str:
    """The backup plan failover creates in regions.dr (copies back to the primary vault)."""
    return f"drctl-{res.name}-copy-home"[:50]


def plan_id_lookup(name_or_id: str, region: str) -> str:
    """A shell substitution printing the id of the live backup plan named (or id) ``name_or_id``."""
    query = (
        f"BackupPlansList[?BackupPlanName=='{name_or_id}' || BackupPlanId=='{name_or_id}']"
        ".BackupPlanId | [0]"
    )
    return f'$(aws backup list-backup-plans --query "{query}" --output text --region {region})'


@dataclass(frozen=True)
class Copy:
    """The newest COMPLETED recovery point of one resource in the DR vault (None: none)."""

    resource_arn: str
    point: dict[str, Any] | None

    def age(self, now: datetime) -> float | None:
        if self.point is None:
            return None
        created: datetime = self.point["CreationDate"]
        return max(0.0, (now - created).total_seconds())

    def text(self, now: datetime) -> str:
        if self.point is None:
            return f"no COMPLETED copy of {self.resource_arn}"
        return (
            f"{self.point['RecoveryPointArn'].rsplit(':', 1)[-1]} of "
            f"{self.resource_arn.rsplit(':', 1)[-1]} ({human_seconds(self.age(now) or 0)} old)"
        )


def newest_copies(res: BackupVault, ctx: RunContext) -> list[Copy]:
    """The newest COMPLETED copy in the DR vault of each protected resource (DR calls only)."""
    client = ctx.client("backup", "dr")
    return [Copy(arn, api.newest_completed(client, res.dr_vault, arn)) for arn in res.resources]


def lag(res: BackupVault, ctx: RunContext) -> LagReading:
    """The age of the oldest of the newest DR copies: what a restore in DR would lose.
    Unknown (no copy of some resource) fails closed."""
    copies = newest_copies(res, ctx)
    now = ctx.clock.now()
    source = f"newest COMPLETED recovery points in {res.dr_vault} ({ctx.region('dr')})"
    own = res.rpo.seconds if res.rpo is not None else None
    missing = [c for c in copies if c.point is None]
    if missing:
        return LagReading(
            res.name,
            NAME,
            None,
            source,
            "; ".join(c.text(now) for c in missing),
            fail_closed=True,
            rpo_seconds=own,
        )
    oldest = max(copies, key=lambda c: c.age(now) or 0.0)
    return LagReading(res.name, NAME, oldest.age(now), source, oldest.text(now), rpo_seconds=own)
