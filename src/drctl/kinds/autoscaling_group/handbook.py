"""``autoscaling-group`` by hand: the readiness checks and step verifications as AWS CLI
commands."""

from __future__ import annotations

from drctl.engine.context import RunContext
from drctl.kinds.handbook import HandCheck
from drctl.plan.models import AutoScalingGroup


def _describe(res: AutoScalingGroup, query: str, region: str) -> str:
    return (
        f"aws autoscaling describe-auto-scaling-groups --auto-scaling-group-names {res.dr} "
        f"--query 'AutoScalingGroups[0].{query}' --region {region}"
    )


def prechecks(res: AutoScalingGroup, ctx: RunContext) -> list[HandCheck]:
    d = ctx.region("dr")
    return [
        HandCheck(
            f"group {res.dr} in {d}",
            _describe(
                res,
                "[MaxSize,LaunchTemplate.LaunchTemplateName || "
                "MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification."
                "LaunchTemplateName || LaunchConfigurationName,SuspendedProcesses[].ProcessName]",
                d,
            ),
            f"a max size of {res.desired} or more, a launch template (or configuration), and "
            '`"Launch"` not among the suspended processes',
            ("group", "max-size", "launch-source", "launch-ready"),
        )
    ]


def _capacity(res: AutoScalingGroup, region: str, target: str) -> HandCheck:
    return HandCheck(
        f"{res.dr} capacity",
        _describe(res, "[DesiredCapacity,length(Instances[?LifecycleState=='InService'])]", region),
        target,
    )


def verifications(
    res: AutoScalingGroup, ctx: RunContext, action: str
) -> dict[str, list[HandCheck]]:
    d = ctx.region("dr")
    if action == "failover":
        return {
            "scale-up": [
                _capacity(res, d, f"`[{res.desired}, {res.desired}]`: every instance InService")
            ]
        }
    return {
        "scale-back": [_capacity(res, d, "the desired capacity the group had before the failover")]
    }
