"""``autoscaling-group``: compute in regions.dr scaled up on failover, back on failback.

Readiness: the DR group exists, can grow to ``desired`` (max size), and has something to
launch from. Failover records the group's capacity, sets min and desired to ``desired`` and
waits for that many healthy InService instances. Failback restores the recorded capacity --
after traffic is home (notify phase), since scaling DR down while it still serves would be
an outage.
"""

from __future__ import annotations

from typing import Any, ClassVar

from drctl.engine.context import RunContext
from drctl.engine.step import Check, Step
from drctl.kinds.autoscaling_group import checks, discover, scaling
from drctl.kinds.contract import IamActions, Kind
from drctl.kinds.sandboxing import SandboxBuild
from drctl.plan.models import AutoScalingGroup


class AutoScalingGroupKind(Kind):
    name = "autoscaling-group"
    model = AutoScalingGroup
    iam_actions: ClassVar[IamActions] = {
        "check": (
            "autoscaling:DescribeAutoScalingGroups",
            "autoscaling:DescribeScalingActivities",
            "ec2:DescribeLaunchTemplateVersions",
            "ec2:DescribeImages",
        ),
        "failover": (
            "autoscaling:DescribeAutoScalingGroups",
            "autoscaling:UpdateAutoScalingGroup",
            "autoscaling:DescribeScalingActivities",
            "ec2:DescribeLaunchTemplateVersions",
            "ec2:DescribeImages",
        ),
        "failback": (
            "autoscaling:DescribeAutoScalingGroups",
            "autoscaling:UpdateAutoScalingGroup",
        ),
        "discover": ("autoscaling:DescribeAutoScalingGroups",),
    }
    moto_extensions = ("moto_launch",)
    discover = staticmethod(discover.discover)

    def checks(self, res: Any, ctx: RunContext) -> list[Check]:
        return checks.checks(res, ctx)

    def failover(self, res: Any, ctx: RunContext) -> list[Step]:
        return scaling.failover(res, ctx)

    def failback(self, res: Any, ctx: RunContext) -> list[Step]:
        return scaling.failback(res, ctx)

    def build_sandbox(self, b: SandboxBuild, res: Any) -> None:
        from drctl.kinds.autoscaling_group import sandbox

        sandbox.build(b, res)


KIND = AutoScalingGroupKind()
