"""Failover of a replicated EFS file system: make the DR copy writeable by deleting its
replication configuration (EFS User Guide, "Using the replica": "you can fail over to your
replica file system by deleting its replication configuration").

Planned: fence writes on the primary file system first (a file system policy denying
``ClientWrite`` to every principal, :mod:`.fence`), then wait for a sync that completed after
the fence took effect -- everything the primary accepted is then in DR -- then delete the
configuration (both Regions' records) from DR. The primary stays fenced while DR serves; the
failback lifts it. Unplanned (the primary's Region down): no fence -- it cannot be placed in a
Region that does not answer, and the step says so -- and DR's record alone is deleted
(``LOCAL_CONFIGURATION_ONLY``, every call to DR); what was written at home after the last
sync (``LastReplicatedTimestamp``) is lost, and the step says how much time that is.
"""

from __future__ import annotations

from functools import partial

from drctl.engine.context import RunContext
from drctl.engine.step import Step
from drctl.kinds.efs_replication.fence import FENCE_SETTLE_SECONDS
from drctl.kinds.efs_replication.fence_steps import fence_step, sync_after_fence
from drctl.kinds.efs_replication.replication import stop_step, sync_step
from drctl.kinds.efs_replication.topology import STOP_ACTION
from drctl.plan.models import EfsReplication


def failover(res: EfsReplication, ctx: RunContext) -> list[Step]:
    if ctx.mode == "unplanned":
        return [
            stop_step(res, ctx, source="primary", dest="dr", action=STOP_ACTION, local_only=True)
        ]
    fence = fence_step(res, ctx)
    synced = sync_step(
        res,
        ctx,
        source="primary",
        dest="dr",
        action="await-sync",
        depends_on=[fence.id],
        after=(
            partial(sync_after_fence, res, ctx),
            f"the write fence took effect (placed, plus {FENCE_SETTLE_SECONDS / 60:.0f} minutes)",
        ),
        settle_seconds=int(FENCE_SETTLE_SECONDS),
    )
    stop = stop_step(
        res, ctx, source="primary", dest="dr", action=STOP_ACTION, depends_on=[synced.id]
    )
    return [fence, synced, stop]
