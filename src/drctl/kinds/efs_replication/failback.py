"""Failback of a replicated EFS file system: bring what DR wrote home, then protect home again.

EFS cannot turn a replication around; the guide's failback ("Using the replica": "To
replicate the changes made to your replica during failover, create a replication
configuration on the replica file system, where the primary file system is the replication
destination ... Once the replication is complete, you can resume replicating the primary file
system by re-creating the original replication configuration") is, step by step:

1. ``clear-stale-home``: after an unplanned failover the home Region still holds its half of
   the old configuration (``ERROR``); delete it there so the home file system is free;
2. ``replicate-home`` (while DR still serves): disable the home file system's overwrite
   protection and replicate DR to it; wait for the first sync;
3. ``await-sync-home``: wait for a sync that completes after the writers in DR stopped;
4. ``stop-replication-home``: delete that configuration; home becomes writeable;
5. ``lift-fence``: restore the home file system's policy as it was before the planned
   failover's write fence (:mod:`.fence`) -- only now: while it was a destination its clients
   could not write anyway, and before the DR writers' last sync reached it they must not;
6. ``replicate-dr``: disable DR's overwrite protection and replicate home to it again, as
   before the failover; wait for the first sync.

After a failover that never happened (or a finished failback) home already replicates to DR:
every step finds its effect present.
"""

from __future__ import annotations

from drctl.engine.context import RunContext
from drctl.engine.step import Step
from drctl.kinds.efs_replication.fence_steps import lift_step
from drctl.kinds.efs_replication.replication import (
    clear_stale_step,
    replicate_step,
    stop_step,
    sync_step,
)
from drctl.plan.models import EfsReplication


def failback(res: EfsReplication, ctx: RunContext) -> list[Step]:
    stale = clear_stale_step(res, ctx, side="primary", action="clear-stale-home")
    home = replicate_step(
        res,
        ctx,
        source="dr",
        dest="primary",
        action="replicate-home",
        preparation=True,
        done_when_home_replicates=True,
        depends_on=[stale.id],
    )
    synced = sync_step(
        res, ctx, source="dr", dest="primary", action="await-sync-home", depends_on=[home.id]
    )
    stop = stop_step(
        res, ctx, source="dr", dest="primary", action="stop-replication-home",
        depends_on=[synced.id],
    )  # fmt: skip
    lift = lift_step(res, ctx, depends_on=[stop.id])
    back = replicate_step(
        res, ctx, source="primary", dest="dr", action="replicate-dr", depends_on=[lift.id]
    )
    return [stale, home, synced, stop, lift, back]
