"""``ecs-service``: a service in regions.dr whose desired count is raised on failover.

Readiness: the DR cluster and service are active, the task definition is registered, and an
Application Auto Scaling target (if any) is reported against ``desired``. Failover records the
count and the target's bounds, raises the target's minimum to ``desired`` (so a scaling policy
cannot scale the service back in), sets ``desired`` and waits for the service to be stable
(botocore's ``services_stable`` condition). Failback restores the recorded bounds and count
after traffic is home.
"""

from __future__ import annotations

from typing import Any, ClassVar

from drctl.engine.context import RunContext
from drctl.engine.step import Check, Step
from drctl.kinds.contract import IamActions, Kind
from drctl.kinds.ecs_service import checks, desired_count, discover
from drctl.kinds.sandboxing import SandboxBuild
from drctl.plan.models import EcsService


class EcsServiceKind(Kind):
    name = "ecs-service"
    model = EcsService
    iam_actions: ClassVar[IamActions] = {
        "check": (
            "ecs:DescribeClusters",
            "ecs:DescribeServices",
            "ecs:DescribeTaskDefinition",
            "application-autoscaling:DescribeScalableTargets",
        ),
        "failover": (
            "ecs:DescribeServices",
            "ecs:UpdateService",
            "ecs:ListTasks",
            "ecs:DescribeTasks",
            "application-autoscaling:DescribeScalableTargets",
            "application-autoscaling:RegisterScalableTarget",
        ),
        "failback": (
            "ecs:DescribeServices",
            "ecs:UpdateService",
            "ecs:ListTasks",
            "ecs:DescribeTasks",
            "application-autoscaling:DescribeScalableTargets",
            "application-autoscaling:RegisterScalableTarget",
        ),
        "discover": (
            "ecs:ListClusters",
            "ecs:ListServices",
            "ecs:DescribeServices",
        ),
    }
    moto_extensions = ("moto_deployments", "moto_image_pull", "moto_service_scaling")
    discover = staticmethod(discover.discover)

    def checks(self, res: Any, ctx: RunContext) -> list[Check]:
        return checks.checks(res, ctx)

    def failover(self, res: Any, ctx: RunContext) -> list[Step]:
        return desired_count.failover(res, ctx)

    def failback(self, res: Any, ctx: RunContext) -> list[Step]:
        return desired_count.failback(res, ctx)

    def build_sandbox(self, b: SandboxBuild, res: Any) -> None:
        from drctl.kinds.ecs_service import sandbox

        sandbox.build(b, res)


KIND = EcsServiceKind()
