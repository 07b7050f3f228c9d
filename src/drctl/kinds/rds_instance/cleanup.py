"""``drctl cleanup`` for ``rds-instance``: the instances failbacks renamed aside.

A failback never deletes a database: the stale old primary (and, after traffic is home, the
old DR instance) is renamed ``<name>-pre-failback-<run>`` and kept, because on the night of
an incident nobody should be asked whether data may be thrown away. These are what cleanup
lists, with their age, and deletes once a person confirms -- with a final snapshot unless
told otherwise, so even then nothing is lost for good.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from drctl.engine.context import RunContext
from drctl.errors import DrctlError
from drctl.kinds.contract import Leftover
from drctl.kinds.rds_instance import api
from drctl.plan.models import RdsInstance

MARK = "-pre-failback-"


def _since(inst: dict[str, Any]) -> datetime | None:
    created = inst.get("InstanceCreateTime")
    return created if isinstance(created, datetime) else None


class RdsCleanup:
    """Old primaries and DR instances kept aside by failbacks."""

    def leftovers(self, res: RdsInstance, ctx: RunContext) -> list[Leftover]:
        found = []
        for side, name in (("primary", res.primary), ("dr", res.dr)):
            for inst in api.instances_named(ctx.client("rds", side), f"{name}{MARK}"):
                replicas = inst.get("ReadReplicaDBInstanceIdentifiers") or []
                found.append(
                    Leftover(
                        resource=res.name,
                        side=side,
                        region=ctx.region(side),
                        identifier=str(inst["DBInstanceIdentifier"]),
                        what="RDS DB instance",
                        since=_since(inst),
                        detail=f"{inst.get('DBInstanceStatus')}, {inst.get('DBInstanceClass')}"
                        + (f", source of {', '.join(replicas)}" if replicas else ""),
                    )
                )
        return found

    def remove(
        self, res: RdsInstance, ctx: RunContext, leftover: Leftover, *, final_snapshot: bool
    ) -> str:
        client = ctx.client("rds", leftover.side)
        inst = api.describe_instance(client, leftover.identifier)
        if inst is None:
            return f"{leftover.identifier} is already gone"
        replicas = inst.get("ReadReplicaDBInstanceIdentifiers") or []
        if replicas:
            raise DrctlError(
                f"{res.name}: {leftover.identifier} is the source of {', '.join(replicas)}; "
                "not deleting it (its replicas would be cut off)",
                hint="check which instance serves the application before deleting anything",
            )
        snapshot = f"{leftover.identifier}-final"[:255] if final_snapshot else None
        api.delete_instance(client, leftover.identifier, snapshot)
        kept = f"final snapshot {snapshot}" if snapshot else "no final snapshot"
        return f"deleting {leftover.identifier} in {leftover.region} ({kept})"
