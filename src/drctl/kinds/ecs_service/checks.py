"""Readiness of a DR ECS service: cluster and service active, task definition registered, and
the Application Auto Scaling bounds (if any) against the plan's ``desired``."""

from __future__ import annotations

from drctl.engine.context import RunContext
from drctl.engine.step import (
    Check,
    CheckResult,
    failed,
    passed,
    warned,
)
from drctl.kinds.ecs_service import api, images
from drctl.kinds.ecs_service.desired_count import NAME
from drctl.kinds.steps import check_maker
from drctl.plan.models import EcsService


def checks(res: EcsService, ctx: RunContext) -> list[Check]:
    region = ctx.region("dr")
    client = ctx.client("ecs", "dr")

    def cluster() -> CheckResult:
        found = api.describe_cluster(client, res.cluster)
        if found is None or found.get("status") != "ACTIVE":
            return failed(f"cluster {res.cluster} not active in {region}")
        return passed(f"cluster {res.cluster} ACTIVE in {region}")

    def service() -> CheckResult:
        svc = api.describe_service(client, res.cluster, res.service)
        if svc is None or svc.get("status") != "ACTIVE":
            return failed(f"service {res.service} not active in {res.cluster}")
        return passed(
            f"{res.service}: {svc.get('runningCount')} running of "
            f"{svc.get('desiredCount')} desired (failover: {res.desired})"
        )

    def task_definition() -> CheckResult:
        svc = api.describe_service(client, res.cluster, res.service)
        if svc is None:
            return failed(f"service {res.service} not found")
        arn = svc.get("taskDefinition", "")
        described = api.describe_task_definition(client, arn)
        if described.get("status") != "ACTIVE":
            return failed(f"task definition {arn} is {described.get('status')}")
        return passed(f"task definition {arn.rsplit('/', 1)[-1]} ACTIVE")

    def image_region() -> CheckResult:
        """A task whose image is in the primary Region's ECR registry cannot pull it while that
        Region is out: the failover's new tasks would stop with CannotPullContainerError."""
        svc = api.describe_service(client, res.cluster, res.service)
        if svc is None:
            return failed(f"service {res.service} not found")
        described = api.describe_task_definition(client, svc.get("taskDefinition", ""))
        primary = ctx.region("primary")
        pulled = [str(c.get("image", "")) for c in described.get("containerDefinitions", [])]
        from_primary = [image for image in pulled if images.ecr_region(image) == primary]
        if not from_primary:
            return passed(f"no image pulled from {primary}'s ECR: " + ", ".join(pulled))
        running = int(svc.get("runningCount", 0))
        detail = (
            f"image {', '.join(from_primary)} is pulled from the primary Region's ECR "
            f"({primary}): during its outage no new task can start in {region}; replicate the "
            f"repository to {region} (ECR cross-Region replication) and point the task "
            "definition at that copy"
        )
        if running < res.desired:
            # The failover must start new tasks: they would fail exactly when needed.
            return failed(f"{detail} (failover starts {res.desired - running} new tasks)")
        return warned(f"{detail} (the {running} running tasks could not be replaced)")

    def scaling_bounds() -> CheckResult:
        target = api.scalable_target(
            ctx.client("application-autoscaling", "dr"), res.cluster, res.service
        )
        if target is None:
            return passed("no Application Auto Scaling target: only drctl sets the desired count")
        low, high = int(target["MinCapacity"]), int(target["MaxCapacity"])
        bounds = f"scalable target min {low} / max {high}"
        if high < res.desired:
            return warned(
                f"{bounds}: MaxCapacity is below the failover's {res.desired} tasks "
                "(failover raises it; raise it here so scaling can reach the plan's capacity)",
                high,
                res.desired,
            )
        if low > res.desired:
            return passed(
                f"{bounds}: the minimum already keeps {low} tasks, more than the plan's "
                f"{res.desired}",
                high,
                res.desired,
            )
        return passed(
            f"{bounds}: failover raises the minimum to {res.desired} so scaling cannot take "
            "the tasks away",
            high,
            res.desired,
        )

    check = check_maker(res.name, NAME, f"{res.name} (ecs {region})")

    return [
        check("cluster", "DR cluster active", cluster),
        check("service", "DR service active", service),
        check("task-definition", "task definition registered", task_definition),
        check("image-region", "images pullable while the primary Region is out", image_region),
        check(
            "scaling-bounds",
            "Application Auto Scaling bounds allow the plan's count",
            scaling_bounds,
        ),
    ]
