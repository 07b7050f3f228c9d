"""Moving the writer of an Aurora global database: managed switchover (planned) or failover with
data loss (unplanned), and back -- the steps :mod:`drctl.kinds.global_cluster` builds for
every global cluster, on the ``rds`` client, reading ``AuroraGlobalDBReplicationLag`` (or
``AuroraGlobalDBRPOLag``) for what an unplanned failover loses.
"""

from __future__ import annotations

from drctl.engine.context import RunContext
from drctl.engine.step import Step
from drctl.kinds import global_cluster
from drctl.kinds.aurora_global import api
from drctl.kinds.aurora_global.lag import lag_seconds
from drctl.kinds.global_cluster import Flavor, short
from drctl.plan.models import AuroraGlobal

NAME = "aurora-global"

__all__ = ["FLAVOR", "NAME", "failback", "failover", "short"]


FLAVOR = Flavor(
    kind=NAME, service="rds", sfn_service="rds", label="aurora", api=api.API, lag=lag_seconds
)


def failover(res: AuroraGlobal, ctx: RunContext) -> list[Step]:
    return global_cluster.failover(FLAVOR, res, ctx)


def failback(res: AuroraGlobal, ctx: RunContext) -> list[Step]:
    return global_cluster.failback(FLAVOR, res, ctx)
