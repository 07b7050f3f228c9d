"""``elasticache-global``: an ElastiCache (Valkey / Redis OSS) global datastore whose primary
moves to regions.dr.

Readiness: the datastore exists and is available, the primary Region's group is its primary
and the DR group an associated secondary, both on the datastore's engine and node type,
encrypted in transit and at rest, and the secondary's ``GlobalDatastoreReplicationLag`` within
the RPO (offered to the RPO gate, which refuses a planned run on an unknown lag). Failover:
``FailoverGlobalReplicationGroup`` to the DR group, called in DR (unplanned too: AWS documents
promotion for a primary Region that is unavailable). Failback fails over home; when the DR
group had left the datastore (an operator's ``DisassociateGlobalReplicationGroup``) it first
re-forms the datastore from DR, rebuilds the home group as its secondary and waits for sync.
"""

from __future__ import annotations

from typing import Any, ClassVar

from drctl.engine.context import RunContext
from drctl.engine.step import Check, Step
from drctl.kinds.contract import IamActions, Kind
from drctl.kinds.elasticache_global import checks, failback, failover
from drctl.kinds.sandboxing import SandboxBuild
from drctl.plan.models import ElastiCacheGlobal


class ElastiCacheGlobalKind(Kind):
    name = "elasticache-global"
    model = ElastiCacheGlobal
    iam_actions: ClassVar[IamActions] = {
        "check": (
            "elasticache:DescribeGlobalReplicationGroups",
            "elasticache:DescribeReplicationGroups",
            "cloudwatch:GetMetricStatistics",
        ),
        "failover": (
            "elasticache:DescribeGlobalReplicationGroups",
            "elasticache:DescribeReplicationGroups",
            "elasticache:FailoverGlobalReplicationGroup",
            "cloudwatch:GetMetricStatistics",  # the RPO gate's lag reading, the loss named
        ),
        "failback": (
            "elasticache:DescribeGlobalReplicationGroups",
            "elasticache:DescribeReplicationGroups",
            "elasticache:DescribeCacheClusters",
            "elasticache:DeleteGlobalReplicationGroup",
            "elasticache:CreateGlobalReplicationGroup",
            "elasticache:DeleteReplicationGroup",
            "elasticache:CreateReplicationGroup",
            "elasticache:CreateSnapshot",  # the final snapshot of the replaced home group
            "elasticache:FailoverGlobalReplicationGroup",
            "cloudwatch:GetMetricStatistics",  # the RPO gate's lag reading
        ),
    }
    moto_extensions = ("moto_global_datastore",)
    lag = staticmethod(checks.lag)

    def checks(self, res: Any, ctx: RunContext) -> list[Check]:
        return checks.checks(res, ctx)

    def failover(self, res: Any, ctx: RunContext) -> list[Step]:
        return failover.failover(res, ctx)

    def failback(self, res: Any, ctx: RunContext) -> list[Step]:
        return failback.failback(res, ctx)

    def build_sandbox(self, b: SandboxBuild, res: Any) -> None:
        from drctl.kinds.elasticache_global import sandbox

        sandbox.build(b, res)


KIND = ElastiCacheGlobalKind()
