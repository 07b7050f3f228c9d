"""``aurora-global``: an Aurora global database whose writer moves to regions.dr.

Readiness: the global cluster exists, its writer is in regions.primary, a
secondary cluster is in regions.dr, storage is encrypted, and the replication
lag (CloudWatch ``AuroraGlobalDBReplicationLag``) is within the RPO. Failover:
planned mode is the managed switchover (no data loss, the service fences the
old writer); unplanned mode is a failover with ``AllowDataLoss``. Failback is a
switchover back to the member in regions.primary.
"""

from __future__ import annotations

from typing import Any, ClassVar

from drctl.engine.context import RunContext
from drctl.engine.step import Check, Step
from drctl.kinds.aurora_global import alarms, checks, compliance, discover, switchover
from drctl.kinds.contract import IamActions, Kind
from drctl.kinds.sandboxing import SandboxBuild
from drctl.plan.models import AuroraGlobal


class AuroraGlobalKind(Kind):
    name = "aurora-global"
    model = AuroraGlobal
    iam_actions: ClassVar[IamActions] = {
        "check": (
            "rds:DescribeGlobalClusters",
            "rds:DescribeDBClusters",
            "cloudwatch:GetMetricStatistics",
        ),
        # compliance rules|status: the member clusters' resource ids AWS Config knows them by
        "compliance": ("rds:DescribeGlobalClusters", "rds:DescribeDBClusters"),
        # alarms apply: which member is the secondary whose lag the alarm watches
        "alarms": ("rds:DescribeGlobalClusters",),
        "failover": (
            "rds:DescribeGlobalClusters",
            "rds:DescribeDBClusters",
            "rds:SwitchoverGlobalCluster",
            "rds:FailoverGlobalCluster",
            "cloudwatch:GetMetricStatistics",  # the RPO gate's lag reading
        ),
        "failback": (
            "rds:DescribeGlobalClusters",
            "rds:DescribeDBClusters",
            "rds:SwitchoverGlobalCluster",
            "cloudwatch:GetMetricStatistics",  # the RPO gate's lag reading
        ),
        "discover": ("rds:DescribeGlobalClusters",),
    }
    moto_extensions = ("moto_global_failover", "moto_global_lag")
    lag = staticmethod(checks.lag)
    alarms = staticmethod(alarms.alarms)
    compliance = compliance.AuroraCompliance()
    discover = staticmethod(discover.discover)

    def checks(self, res: Any, ctx: RunContext) -> list[Check]:
        return checks.checks(res, ctx)

    def failover(self, res: Any, ctx: RunContext) -> list[Step]:
        return switchover.failover(res, ctx)

    def failback(self, res: Any, ctx: RunContext) -> list[Step]:
        return switchover.failback(res, ctx)

    def build_sandbox(self, b: SandboxBuild, res: Any) -> None:
        from drctl.kinds.aurora_global import sandbox

        sandbox.build(b, res)


KIND = AuroraGlobalKind()
