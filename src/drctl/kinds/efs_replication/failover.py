"""Failover of a replicated EFS file system: make the DR copy writeable by deleting its
replication configuration (EFS User Guide, "Using the replica": "you can fail over to your
replica file system by deleting its replication configuration").

Planned: first wait until a sync completes after the step began -- the writers stopped in an
earlier phase are then fully in DR -- then delete the configuration (both Regions' records)
from DR. Unplanned (the primary's Region down): delete DR's record only
(``LOCAL_CONFIGURATION_ONLY``, every call to DR); what was written at home after the last
sync (``LastReplicatedTimestamp``) is lost, and the step says how much time that is.
"""

from __future__ import annotations

from drctl.engine.context import RunContext
from drctl.engine.step import Step
from drctl.kinds.efs_replication.replication import stop_step, sync_step
from drctl.kinds.efs_replication.topology import STOP_ACTION
from drctl.plan.models import EfsReplication


def failover(res: EfsReplication, ctx: RunContext) -> list[Step]:
    if ctx.mode == "unplanned":
        return [
            stop_step(res, ctx, source="primary", dest="dr", action=STOP_ACTION, local_only=True)
        ]
    synced = sync_step(res, ctx, source="primary", dest="dr", action="await-sync")
    stop = stop_step(
        res, ctx, source="primary", dest="dr", action=STOP_ACTION, depends_on=[synced.id]
    )
    return [synced, stop]
