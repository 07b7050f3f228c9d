"""The grants of ``drctl schedule``, ``cost``, ``alarms apply`` and ``compliance rules|status``
for ``drctl iam-policy``: these commands call AWS outside any kind (``drctl.aws.compute``,
``drctl.aws.idle``, ``drctl.aws.cost_explorer``, ``drctl.aws.alarms``,
``drctl.aws.config_rules``), so their IAM is declared here, next to nothing else.

``ec2:StopInstances``/``StartInstances`` are conditioned on the schedule's tag convention
(``aws:ResourceTag/Purpose=DR``, ``Critical=false``, ``Application=<app>``): IAM itself then
refuses to stop an instance the schedule would not pick.
"""

from __future__ import annotations

from drctl.engine.context import GLOBAL_REGION
from drctl.engine.schedule import APP_TAG, SCHEDULABLE
from drctl.kinds.iam_scope import SIDES, Grant, Where
from drctl.plan.models import Plan

OPS = ("schedule", "cost", "alarms", "compliance")


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


def _alarm_regions(w: Where) -> list[tuple[str, str]]:
    """(credentials side, Region) of every place an alarm of the plan can live: each side's
    Region, and us-east-1 for Route 53 health-check alarms (on the primary's credentials)."""
    found = [(side, w.region[side]) for side in SIDES]
    if GLOBAL_REGION not in w.region.values():
        found.append(("primary", GLOBAL_REGION))
    return found


def alarms_grants(plan: Plan) -> list[Grant]:
    """``alarms apply``: the plan's ``drctl-<app>-*`` alarms wherever they live, and the topic
    they notify (the plan's, or a same-named one ``apply`` creates in another Region)."""
    if plan.notifications is None:  # alarms apply refuses: its alarms would notify nobody
        return []
    w = Where.of(plan)
    topic = plan.notifications.sns_topic_arn
    _, _, _, home, _, name = topic.split(":")
    found = [Grant(side, "sts:GetCallerIdentity", ("*",)) for side in SIDES]
    for side, region in _alarm_regions(w):
        acct = w.acct[side]
        alarms = (f"arn:aws:cloudwatch:{region}:{acct}:alarm:drctl-{plan.app}-*",)
        found += [
            Grant(side, "cloudwatch:DescribeAlarms", alarms),
            Grant(side, "cloudwatch:PutMetricAlarm", alarms),
        ]
        if region == home:
            found.append(Grant(side, "sns:GetTopicAttributes", (topic,)))
        else:
            companion = (f"arn:aws:sns:{region}:{acct}:{name}",)
            found += [
                Grant(side, "sns:GetTopicAttributes", companion),
                Grant(side, "sns:CreateTopic", companion),
            ]
    return found


def compliance_grants(plan: Plan) -> list[Grant]:
    """``compliance rules`` and ``status``: AWS Config managed rules on each side. A rule's
    ARN ends in an id Config assigns (``config-rule/config-rule-ab12cd``), so ``config-rule/*``
    of the side's Region and account is the narrowest; the list calls authorize on ``*``."""
    w = Where.of(plan)
    found: list[Grant] = []
    for side in SIDES:
        rules = (f"arn:aws:config:{w.region[side]}:{w.acct[side]}:config-rule/*",)
        found += [
            Grant(side, "config:DescribeConfigRules", ("*",)),
            Grant(side, "config:DescribeConfigurationRecorders", ("*",)),
            Grant(side, "config:DescribeConfigurationRecorderStatus", ("*",)),
            Grant(side, "config:PutConfigRule", rules),
            Grant(side, "config:GetComplianceDetailsByConfigRule", rules),
        ]
    return found


def ops_grants(plan: Plan, action: str) -> list[Grant]:
    return {
        "schedule": schedule_grants,
        "cost": cost_grants,
        "alarms": alarms_grants,
        "compliance": compliance_grants,
    }[action](plan)
