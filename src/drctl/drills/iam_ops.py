"""The grants of ``drctl schedule`` and ``drctl cost`` for ``drctl iam-policy``: these
commands call AWS outside any kind (``drctl.aws.compute``, ``drctl.aws.idle``,
``drctl.aws.cost_explorer``), so their IAM is declared here, next to nothing else.

``ec2:StopInstances``/``StartInstances`` are conditioned on the schedule's tag convention
(``aws:ResourceTag/Purpose=DR``, ``Critical=false``, ``Application=<app>``): IAM itself then
refuses to stop an instance the schedule would not pick.
"""

from __future__ import annotations

from drctl.engine.schedule import APP_TAG, SCHEDULABLE
from drctl.kinds.iam_scope import SIDES, Grant, Where
from drctl.plan.models import Plan

OPS = ("schedule", "cost")


def _kinds(plan: Plan) -> set[str]:
    return {r.kind for r in plan.resources}


def schedule_grants(plan: Plan) -> list[Grant]:
    w = Where.of(plan)
    dr, acct = w.region["dr"], w.acct["dr"]
    kinds = _kinds(plan)
    found = [Grant("dr", "ec2:DescribeInstances", ("*",))]
    tags = {**SCHEDULABLE, APP_TAG: plan.app}
    cond = tuple(("StringEquals", f"aws:ResourceTag/{k}", v) for k, v in tags.items())
    for action in ("ec2:StopInstances", "ec2:StartInstances"):
        found.append(Grant("dr", action, (f"arn:aws:ec2:{dr}:{acct}:instance/*",), cond))
    for res in plan.resources:
        if res.kind == "autoscaling-group":
            arn = (
                f"arn:aws:autoscaling:{dr}:{acct}:autoScalingGroup:*:autoScalingGroupName/{res.dr}"
            )
            found.append(Grant("dr", "autoscaling:UpdateAutoScalingGroup", (arn,)))
        elif res.kind == "ecs-service":
            arn = f"arn:aws:ecs:{dr}:{acct}:service/{res.cluster}/{res.service}"
            target = f"arn:aws:application-autoscaling:{dr}:{acct}:scalable-target/*"
            found += [
                Grant("dr", "ecs:DescribeServices", (arn,)),
                Grant("dr", "ecs:UpdateService", (arn,)),
                Grant("dr", "application-autoscaling:DescribeScalableTargets", ("*",)),
                Grant("dr", "application-autoscaling:RegisterScalableTarget", (target,)),
            ]
        elif res.kind == "rds-instance":
            arn = f"arn:aws:rds:{dr}:{acct}:db:{res.dr}"
            found.append(Grant("dr", "rds:DescribeDBInstances", (arn,)))
    if "autoscaling-group" in kinds:
        found.append(Grant("dr", "autoscaling:DescribeAutoScalingGroups", ("*",)))
    return found


def cost_grants(plan: Plan) -> list[Grant]:
    w = Where.of(plan)
    dr, acct = w.region["dr"], w.acct["dr"]
    kinds = _kinds(plan)
    found = [
        Grant("dr", "ce:GetCostAndUsage", ("*",)),
        Grant("dr", "ec2:DescribeVolumes", ("*",)),
        Grant("dr", "ec2:DescribeInstances", ("*",)),
    ]
    if kinds & {"rds-instance", "aurora-global"}:
        # Listing a Region's DB instances (kept pre-failback copies, Aurora members) needs db:*.
        sides = SIDES if "rds-instance" in kinds else ("dr",)
        for side in sides:
            db = f"arn:aws:rds:{w.region[side]}:{w.acct[side]}:db:*"
            found.append(Grant(side, "rds:DescribeDBInstances", (db,)))
    if "rds-instance" in kinds:
        found.append(Grant("dr", "cloudwatch:GetMetricStatistics", ("*",)))
    for res in plan.resources:
        if res.kind == "aurora-global":
            found += [
                Grant("dr", "rds:DescribeGlobalClusters",
                      (f"arn:aws:rds::{acct}:global-cluster:{res.global_cluster}",)),
                Grant("dr", "rds:DescribeDBClusters", (f"arn:aws:rds:{dr}:{acct}:cluster:*",)),
            ]  # fmt: skip
        elif res.kind == "ecs-service":
            arn = f"arn:aws:ecs:{dr}:{acct}:service/{res.cluster}/{res.service}"
            found += [
                Grant("dr", "ecs:DescribeServices", (arn,)),
                Grant("dr", "ecs:DescribeTaskDefinition", ("*",)),
            ]
    if "autoscaling-group" in kinds:
        found.append(Grant("dr", "autoscaling:DescribeAutoScalingGroups", ("*",)))
    return found


def ops_grants(plan: Plan, action: str) -> list[Grant]:
    return schedule_grants(plan) if action == "schedule" else cost_grants(plan)
