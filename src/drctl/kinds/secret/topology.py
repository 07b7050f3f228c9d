"""Where the secret's primary is, read from both Regions: what every step of the ``secret``
kind decides on, so that each one is a no-op when its effect is already there."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from drctl.engine.context import RunContext
from drctl.errors import AwsError
from drctl.kinds.secret import api
from drctl.plan.models import Secret

NAME = "secret"


@dataclass(frozen=True)
class Side:
    """The secret as one Region describes it."""

    region: str
    desc: dict[str, Any] | None  # None: no secret of that name there

    @property
    def exists(self) -> bool:
        return self.desc is not None

    @property
    def primary_region(self) -> str | None:
        """The Region of the primary this copy follows (its own when it is a primary)."""
        return None if self.desc is None else api.primary_region_of(self.desc, self.region)

    @property
    def is_primary(self) -> bool:
        return self.desc is not None and self.primary_region == self.region

    def replica_in(self, region: str) -> dict[str, Any] | None:
        """This primary's replication entry for ``region`` (None when not replicated)."""
        if self.desc is None or not self.is_primary:
            return None
        return api.replication_to(self.desc, region)

    def in_sync_to(self, region: str) -> bool:
        entry = self.replica_in(region)
        return entry is not None and entry.get("Status") == "InSync"

    @property
    def key(self) -> str:
        return api.AWS_MANAGED_KEY if self.desc is None else api.key_of(self.desc)

    def text(self) -> str:
        if self.desc is None:
            return f"no secret in {self.region}"
        if self.is_primary:
            targets = [
                f"{e.get('Region')} {e.get('Status')}"
                for e in self.desc.get("ReplicationStatus", []) or []
            ]
            return f"primary in {self.region}" + (
                f" replicating to {', '.join(targets)}" if targets else ", not replicated"
            )
        return f"replica in {self.region} of {self.primary_region}"


def read(res: Secret, ctx: RunContext, side: str) -> Side:
    """The secret as ``side``'s Region describes it."""
    region = ctx.region(side)
    return Side(region, api.describe_secret(ctx.client("secretsmanager", side), res.secret))


def require(side: Side, res: Secret) -> dict[str, Any]:
    if side.desc is None:
        raise AwsError(f"{res.name}: no secret {res.secret} in {side.region}")
    return side.desc
