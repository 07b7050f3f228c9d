"""Sandbox: an ECS cluster, a task definition and a service at 0 tasks in regions.dr, scaled
by Application Auto Scaling as a DR service usually is (a scalable target from 0 to twice the
plan's count, with a CPU target-tracking policy)."""

from __future__ import annotations

from drctl.kinds.sandboxing import SandboxBuild
from drctl.plan.models import EcsService

DIMENSION = "ecs:service:DesiredCount"


def build(b: SandboxBuild, res: EcsService) -> None:
    ecs = b.client("ecs", "dr")
    tags = [{"key": k, "value": v} for k, v in b.app_tags().items()]
    ecs.create_cluster(clusterName=res.cluster, tags=tags)
    family = f"{res.service}-task"
    ecs.register_task_definition(
        family=family,
        containerDefinitions=[
            {"name": res.service, "image": "public.ecr.aws/nginx/nginx:stable", "memory": 256}
        ],
    )
    ecs.create_service(
        cluster=res.cluster,
        serviceName=res.service,
        taskDefinition=family,
        desiredCount=0,
        tags=tags,
    )
    scaling = b.client("application-autoscaling", "dr")
    resource = f"service/{res.cluster}/{res.service}"
    scaling.register_scalable_target(
        ServiceNamespace="ecs",
        ResourceId=resource,
        ScalableDimension=DIMENSION,
        MinCapacity=0,
        MaxCapacity=max(res.desired, 1) * 2,
    )
    scaling.put_scaling_policy(
        PolicyName=f"{res.service}-cpu",
        ServiceNamespace="ecs",
        ResourceId=resource,
        ScalableDimension=DIMENSION,
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={
            "TargetValue": 60.0,
            "PredefinedMetricSpecification": {
                "PredefinedMetricType": "ECSServiceAverageCPUUtilization"
            },
        },
    )
