"""``documentdb-global``: an Amazon DocumentDB global cluster whose writer moves to regions.dr.

Readiness: the global cluster exists on the ``docdb`` engine at a version with global
clusters, its writer is in regions.primary with backups and deletion protection, a secondary
is in regions.dr, storage is encrypted, and the replication lag (CloudWatch ``AWS/DocDB``
``GlobalClusterReplicationLag``) is within the RPO -- an unknown lag fails. Failover: planned
mode is the managed switchover (no data loss); unplanned mode is a failover with
``AllowDataLoss``, called in regions.dr only, whose detail says what the last lag reading puts
at risk. Failback waits for the old primary to resynchronize, then switches over home.
"""

from __future__ import annotations

from typing import Any, ClassVar

from drctl.engine.context import RunContext
from drctl.engine.step import Check, Step
from drctl.kinds.contract import IamActions, Kind
from drctl.kinds.documentdb_global import checks, switchover
from drctl.kinds.sandboxing import SandboxBuild
from drctl.plan.models import DocumentDbGlobal

# DocumentDB's IAM actions are in the rds: namespace (the calls go to the RDS endpoint).
READ = ("rds:DescribeGlobalClusters", "rds:DescribeDBClusters")


class DocumentDbGlobalKind(Kind):
    name = "documentdb-global"
    model = DocumentDbGlobal
    iam_actions: ClassVar[IamActions] = {
        "check": (*READ, "cloudwatch:GetMetricStatistics"),
        "failover": (
            *READ,
            "rds:SwitchoverGlobalCluster",
            "rds:FailoverGlobalCluster",
            "cloudwatch:GetMetricStatistics",  # the RPO gate, and what a failover loses
        ),
        "failback": (
            *READ,
            "rds:SwitchoverGlobalCluster",
            "cloudwatch:GetMetricStatistics",  # the RPO gate's lag reading
        ),
    }
    moto_extensions = ("moto_docdb_clusters", "moto_docdb_lag")
    lag = staticmethod(checks.lag)

    def checks(self, res: Any, ctx: RunContext) -> list[Check]:
        return checks.checks(res, ctx)

    def failover(self, res: Any, ctx: RunContext) -> list[Step]:
        return switchover.failover(res, ctx)

    def failback(self, res: Any, ctx: RunContext) -> list[Step]:
        return switchover.failback(res, ctx)

    def build_sandbox(self, b: SandboxBuild, res: Any) -> None:
        from drctl.kinds.documentdb_global import sandbox

        sandbox.build(b, res)


KIND = DocumentDbGlobalKind()
