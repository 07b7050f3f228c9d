"""``dynamodb-table``: a global table (version 2019.11.21) with a replica in regions.dr.

Readiness: the table is a 2019.11.21 global table with an ACTIVE replica in
regions.dr (a REGION_DISABLED or missing replica fails, saying what it means),
point-in-time recovery is on in both regions, and replication latency
(CloudWatch ``ReplicationLatency``) is within the RPO. Failover has no
promotion -- every replica takes writes -- so it proves the DR replica writable:
a probe item keyed ``drctl-probe#<run id>`` is written, read back and removed.
Failback refuses a home replica that left the global table (with the commands
that re-add it), waits for one being added, then probes home the same way.
"""

from __future__ import annotations

from typing import Any, ClassVar

from drctl.engine.context import RunContext
from drctl.engine.step import Check, Step
from drctl.kinds.contract import IamActions, Kind
from drctl.kinds.dynamodb_table import alarms, canary, checks, compliance, discover, probe
from drctl.kinds.sandboxing import SandboxBuild
from drctl.plan.models import DynamoDbTable


class DynamoDbTableKind(Kind):
    name = "dynamodb-table"
    model = DynamoDbTable
    iam_actions: ClassVar[IamActions] = {
        "check": (
            "dynamodb:DescribeTable",
            "dynamodb:DescribeContinuousBackups",
            "cloudwatch:GetMetricStatistics",
        ),
        # DescribeTable: the serving replica ACTIVE, its key schema for the probe item, and
        # on failback the home replica's membership as the DR Region sees it.
        "failover": (
            "dynamodb:DescribeTable",
            "dynamodb:PutItem",
            "dynamodb:GetItem",
            "dynamodb:DeleteItem",
            "cloudwatch:GetMetricStatistics",  # the RPO gate's ReplicationLatency reading
        ),
        "failback": (
            "dynamodb:DescribeTable",
            "dynamodb:PutItem",
            "dynamodb:GetItem",
            "dynamodb:DeleteItem",
            "cloudwatch:GetMetricStatistics",  # the RPO gate's ReplicationLatency reading
        ),
        "canary": (
            "dynamodb:DescribeTable",
            "dynamodb:PutItem",
            "dynamodb:GetItem",
            "dynamodb:DeleteItem",
        ),
        "discover": (
            "dynamodb:ListTables",
            "dynamodb:DescribeTable",
        ),
    }
    moto_extensions = ("moto_replicas",)
    lag = staticmethod(checks.lag)
    canary = canary.DynamoDbCanary()
    alarms = staticmethod(alarms.alarms)
    compliance = compliance.DynamoDbCompliance()
    discover = staticmethod(discover.discover)

    def checks(self, res: Any, ctx: RunContext) -> list[Check]:
        return checks.checks(res, ctx)

    def failover(self, res: Any, ctx: RunContext) -> list[Step]:
        return probe.failover(res, ctx)

    def failback(self, res: Any, ctx: RunContext) -> list[Step]:
        return probe.failback(res, ctx)

    def build_sandbox(self, b: SandboxBuild, res: Any) -> None:
        from drctl.kinds.dynamodb_table import sandbox

        sandbox.build(b, res)


KIND = DynamoDbTableKind()
