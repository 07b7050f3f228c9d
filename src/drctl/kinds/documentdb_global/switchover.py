"""Moving the writer of a DocumentDB global cluster: managed switchover (planned, no data
loss), failover with ``AllowDataLoss`` (unplanned: calls only the DR Region, and says what
the last ``GlobalClusterReplicationLag`` reading puts at risk), and back after the old primary
has resynchronized -- the steps :mod:`drctl.kinds.global_cluster` builds, on the ``docdb``
client.

Source: "Disaster recovery and Amazon DocumentDB global clusters"
(https://docs.aws.amazon.com/documentdb/latest/developerguide/global-clusters-disaster-recovery.html):
a managed failover keeps the replication topology, the old primary synchronizes with the new
one when it is back; a switchover synchronizes first and loses nothing.
"""

from __future__ import annotations

from drctl.engine.context import RunContext
from drctl.engine.step import Step
from drctl.kinds import global_cluster
from drctl.kinds.documentdb_global import api
from drctl.kinds.documentdb_global.lag import lag_seconds
from drctl.kinds.global_cluster import Flavor
from drctl.plan.models import DocumentDbGlobal

NAME = "documentdb-global"

# Step Functions names the service "docdb" in arn:aws:states:::aws-sdk:docdb:<action>.
FLAVOR = Flavor(
    kind=NAME, service="docdb", sfn_service="docdb", label="docdb", api=api.API, lag=lag_seconds
)


def failover(res: DocumentDbGlobal, ctx: RunContext) -> list[Step]:
    return global_cluster.failover(FLAVOR, res, ctx)


def failback(res: DocumentDbGlobal, ctx: RunContext) -> list[Step]:
    return global_cluster.failback(FLAVOR, res, ctx)
