"""``ecs-service`` by hand: the readiness checks and step verifications as AWS CLI commands."""

from __future__ import annotations

from drctl.engine.context import RunContext
from drctl.kinds.handbook import HandCheck
from drctl.plan.models import EcsService


def _service(res: EcsService, query: str, region: str) -> str:
    return (
        f"aws ecs describe-services --cluster {res.cluster} --services {res.service} "
        f"--query 'services[0].{query}' --region {region}"
    )


def prechecks(res: EcsService, ctx: RunContext) -> list[HandCheck]:
    d = ctx.region("dr")
    return [
        HandCheck(
            f"cluster {res.cluster} in {d}",
            f"aws ecs describe-clusters --clusters {res.cluster} --query 'clusters[0].status' "
            f"--region {d}",
            '`"ACTIVE"`',
            ("cluster",),
        ),
        HandCheck(
            f"service {res.service}",
            _service(res, "[status,taskDefinition]", d),
            '`"ACTIVE"` and a task definition ARN',
            ("service",),
        ),
        HandCheck(
            "its task definition",
            "aws ecs describe-task-definition --task-definition <task-definition-arn> "
            f"--query taskDefinition.status --region {d}",
            '`"ACTIVE"`',
            ("task-definition",),
        ),
        HandCheck(
            "where its images are pulled from",
            "aws ecs describe-task-definition --task-definition <task-definition-arn> "
            f"--query 'taskDefinition.containerDefinitions[].image' --region {d}",
            f"no image in {ctx.region('primary')}'s ECR registry "
            f"(`<account>.dkr.ecr.{ctx.region('primary')}.amazonaws.com/...`)",
            ("image-region",),
        ),
        HandCheck(
            "Application Auto Scaling bounds",
            "aws application-autoscaling describe-scalable-targets --service-namespace ecs "
            f"--resource-ids service/{res.cluster}/{res.service} "
            f"--query 'ScalableTargets[0].[MinCapacity,MaxCapacity]' --region {d}",
            f"`null` (no scalable target), or a max capacity of {res.desired} or more",
            ("scaling-bounds",),
        ),
    ]


def verifications(res: EcsService, ctx: RunContext, action: str) -> dict[str, list[HandCheck]]:
    d = ctx.region("dr")
    if action == "failover":
        target = f'`[{res.desired}, {res.desired}, "COMPLETED"]`: every task running'
        key = "scale-up"
    else:
        target = "the desired count the service had before the failover, rollout COMPLETED"
        key = "scale-back"
    return {
        key: [
            HandCheck(
                f"{res.service} tasks",
                _service(res, "[desiredCount,runningCount,deployments[0].rolloutState]", d),
                target,
            ),
            HandCheck(
                f"{res.service} stopped tasks",
                f"aws ecs list-tasks --cluster {res.cluster} --service-name {res.service} "
                f"--desired-status STOPPED --region {d}",
                "the stopped tasks' ARNs (read their reason below)",
            ),
            HandCheck(
                "why they stopped",
                f"aws ecs describe-tasks --cluster {res.cluster} --tasks <task-arns> "
                f"--query 'tasks[].[stopCode,stoppedReason]' --region {d}",
                "no `TaskFailedToStart` since the count changed (`CannotPullContainerError`: "
                "the image cannot be pulled in this Region)",
            ),
        ]
    }
