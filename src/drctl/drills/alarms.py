"""The CloudWatch alarms a plan should have, and how AWS differs from them.

The seed guide's DR monitoring, made from the plan: each kind that can fall behind its RPO
or lose its primary says which alarm watches it (``Kind.alarms``: replica lag per database,
the primary's Route 53 health check), and the plan adds one on its readiness score
(``drctl check --publish``). Every alarm notifies the plan's ``notifications.sns_topic_arn``.

CloudWatch alarms notify topics of their own Region (an alarm action is an ARN in the
alarm's Region), while a plan names one topic. An alarm in another Region (Route 53's are
always in us-east-1; DynamoDB's latency is published by the sending Region) notifies a topic
of the same name in its own Region and account, which ``alarms apply`` creates when missing:
subscribe the on-call to it as to the plan's topic.

``plan_changes`` compares every wanted alarm with AWS (DescribeAlarms only), so
``--dry-run`` and a second ``apply`` say exactly what would change; ``apply`` then makes
those changes and nothing else. ``checks`` is the same comparison as warnings for
``drctl check``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from drctl.aws import alarms as cw_alarms
from drctl.aws import sns
from drctl.aws.alarms import AlarmSpec
from drctl.aws.errors import aws_errors
from drctl.drills.desired import Change, compare
from drctl.engine.context import GLOBAL_REGION, RunContext
from drctl.engine.publish import NAMESPACE, SCORE_METRIC, SIDE
from drctl.engine.step import Check, CheckResult, passed, warned
from drctl.errors import DrctlError, UsageError
from drctl.kinds.registry import registry
from drctl.kinds.steps import check_maker
from drctl.plan.durations import format_seconds
from drctl.plan.models import Plan

# The IAM actions of this module's own calls, by command (the kinds' reads are in their
# ``iam_actions["check"]``), for ``drctl iam-policy``.
IAM_ACTIONS: dict[str, tuple[str, ...]] = {
    "check": ("cloudwatch:DescribeAlarms", "sns:GetTopicAttributes", "sts:GetCallerIdentity"),
    "alarms apply": (
        "cloudwatch:DescribeAlarms",
        "cloudwatch:PutMetricAlarm",
        "sns:GetTopicAttributes",
        "sns:CreateTopic",
        "sts:GetCallerIdentity",
    ),
}
DEFAULT_SCORE_PERIOD = 900  # check --publish every 15 minutes, or say so with --every
# The readiness score's period is the operator's schedule: drctl check does not judge it.
OPERATOR_FIELDS = ("Period",)


@dataclass
class AlarmChange(Change[AlarmSpec]):
    """One wanted alarm: what AWS has, and what ``apply`` does about it."""

    def document(self) -> dict[str, Any]:
        return {
            "alarm": self.spec.name,
            "resource": self.spec.resource,
            "region": self.region,
            "metric": f"{self.spec.namespace} {self.spec.metric}",
            "action": self.action,
            "differences": list(self.differences),
            "request": cw_alarms.put_request(self.spec),
        }


@dataclass
class TopicChange:
    """A topic an alarm notifies in its own Region, and whether it must be created."""

    arn: str
    side: str
    region: str
    action: str  # create | unchanged

    def document(self) -> dict[str, Any]:
        return {"topic": self.arn, "region": self.region, "action": self.action}


def region_of(ctx: RunContext, side: str) -> str:
    return GLOBAL_REGION if side == "global" else ctx.region(side)


def topic(plan: Plan) -> str:
    """The plan's topic; alarms that notify nobody are not worth creating."""
    if plan.notifications is None:
        raise UsageError(
            f"plan {plan.app} has no notifications.sns_topic_arn: its alarms would notify nobody",
            hint="add notifications: {sns_topic_arn: arn:aws:sns:REGION:ACCOUNT:NAME} to the plan",
        )
    return plan.notifications.sns_topic_arn


def score_alarm(plan: Plan, period: int) -> AlarmSpec:
    """Readiness score below 100%, or no score at all (the schedule stopped publishing)."""
    return AlarmSpec(
        name=cw_alarms.alarm_name(plan.app, "readiness", "score"),
        resource=plan.app,
        side=SIDE,
        description=f"{plan.app}: a DR readiness check is not passing, or no score was "
        f"published for {format_seconds(period)} (drctl check --publish)",
        namespace=NAMESPACE,
        metric=SCORE_METRIC,
        dimensions=(("App", plan.app),),
        statistic="Minimum",
        period=period,
        evaluation_periods=1,
        threshold=100.0,
        comparison="LessThanThreshold",
        treat_missing_data="breaching",
    )


def wanted(
    plan: Plan, ctx: RunContext, score_period: int = DEFAULT_SCORE_PERIOD
) -> list[AlarmSpec]:
    """Every alarm of the plan, in plan order, the score alarm last (without actions)."""
    found: list[AlarmSpec] = []
    for res in plan.resources:
        source = registry().get(res.kind).alarms
        if source is not None:
            with aws_errors(f"{res.name}: reading what its alarms watch"):
                found.extend(source(res, ctx))
    found.append(score_alarm(plan, score_period))
    return found


def topics_for(plan: Plan, ctx: RunContext, specs: list[AlarmSpec]) -> dict[str, TopicChange]:
    """The topic each alarm side notifies: the plan's in its Region, else a same-named topic
    in the side's own Region and account (found with STS; created by ``apply``)."""
    arn = topic(plan)
    home = sns.topic_region(arn)
    found: dict[str, TopicChange] = {}
    for side in dict.fromkeys(s.side for s in specs):
        region = region_of(ctx, side)
        if region == home:
            found[side] = TopicChange(arn, side, region, "unchanged")
            continue
        with aws_errors(f"finding the SNS topic for alarms in {region}"):
            account = sns.caller_account(ctx.client("sts", side))
            partition = arn.split(":")[1]
            companion = f"arn:{partition}:sns:{region}:{account}:{sns.topic_name(arn)}"
            exists = sns.topic_exists(ctx.client("sns", side), companion)
        found[side] = TopicChange(companion, side, region, "unchanged" if exists else "create")
    return found


def plan_changes(
    plan: Plan, ctx: RunContext, score_period: int = DEFAULT_SCORE_PERIOD
) -> tuple[list[AlarmChange], list[TopicChange]]:
    """Every wanted alarm wired to its topic, compared with what AWS has (reads only)."""
    specs = wanted(plan, ctx, score_period)
    topics = topics_for(plan, ctx, specs)
    specs = [s.with_actions((topics[s.side].arn,)) for s in specs]
    changes = compare(
        specs,
        lambda side: region_of(ctx, side),
        "CloudWatch alarms",
        lambda side, names: cw_alarms.describe(ctx.client("cloudwatch", side), names),
        cw_alarms.differences,
        AlarmChange,
    )
    # Two sides in one Region and account (global and primary in us-east-1) share a topic.
    return changes, list({t.arn: t for t in topics.values()}.values())


def apply(ctx: RunContext, changes: list[AlarmChange], topics: list[TopicChange]) -> None:
    """Create the missing topics, then put every alarm that is missing or different."""
    for t in topics:
        if t.action == "create":
            with aws_errors(f"creating SNS topic {t.arn}"):
                sns.create_topic(ctx.client("sns", t.side), sns.topic_name(t.arn))
    for change in changes:
        if change.action != "unchanged":
            with aws_errors(f"putting alarm {change.spec.name} in {change.region}"):
                cw_alarms.put(ctx.client("cloudwatch", change.spec.side), change.spec)


def checks(plan: Plan, ctx: RunContext) -> list[Check]:
    """``drctl check``: one ``alarms`` check per resource whose kind has alarms, and one for
    the plan's readiness-score alarm, warning when an alarm is missing or differs. None when
    the plan has no topic to notify (``alarms apply`` refuses such a plan)."""
    if plan.notifications is None:
        return []

    def changes() -> list[AlarmChange]:
        return ctx.memo.get(("alarms", "changes"), lambda: plan_changes(plan, ctx))[0]

    made = [
        check_maker(res.name, res.kind, f"{res.name} alarms")(
            "alarms", "its DR alarms are applied", _judge(res.name, changes)
        )
        for res in plan.resources
        if registry().get(res.kind).alarms is not None
    ]
    made.append(
        check_maker(plan.app, "plan", f"{plan.app} alarms")(
            "alarms", "the readiness-score alarm is applied", _judge(plan.app, changes)
        )
    )
    return made


def _judge(resource: str, changes: Callable[[], list[AlarmChange]]) -> Callable[[], CheckResult]:
    def run() -> CheckResult:
        try:
            every = changes()
        except DrctlError as exc:
            # Advisory, like the warnings it gives: a role that may not read alarms does not
            # make the DR side less ready.
            return warned(f"could not compare the alarms: {exc.message}")
        mine = [c for c in every if c.spec.resource == resource]
        if not mine:
            return passed("nothing to alarm on (no replication, no health check)")
        fix = "drctl alarms apply --plan PLAN"
        missing = [f"{c.spec.name} ({c.region})" for c in mine if c.action == "create"]
        different = [
            f"{c.spec.name}: {'; '.join(diff)}"
            for c in mine
            for diff in [[d for d in c.differences if d.split(" ")[0] not in OPERATOR_FIELDS]]
            if c.action == "update" and diff
        ]
        if missing or different:
            parts = ([f"missing {', '.join(missing)}"] if missing else []) + different
            return warned(f"{' / '.join(parts)}: run {fix}", len(missing) + len(different), 0)
        names = ", ".join(c.spec.name for c in mine)
        return passed(f"{names} notify {mine[0].spec.actions[0]}")

    return run
