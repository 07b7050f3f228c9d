"""Sandbox: an ECS cluster, a task definition and a service at 0 tasks in regions.dr."""

from __future__ import annotations

from drctl.kinds.sandboxing import SandboxBuild
from drctl.plan.models import EcsService


def build(b: SandboxBuild, res: EcsService) -> None:
    ecs = b.client("ecs", "dr")
    ecs.create_cluster(clusterName=res.cluster)
    family = f"{res.service}-task"
    ecs.register_task_definition(
        family=family,
        containerDefinitions=[
            {"name": res.service, "image": "public.ecr.aws/nginx/nginx:stable", "memory": 256}
        ],
    )
    ecs.create_service(
        cluster=res.cluster, serviceName=res.service, taskDefinition=family, desiredCount=0
    )
