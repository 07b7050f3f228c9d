"""FIS experiments from the plan: template created once and updated, stop conditions as
alarm ARNs, followed to a final state, stopped at the timeout, refused without a stop
condition. moto's FIS moves experiments pending -> initiating -> running -> completed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from drctl.engine.chaos import prepare, run_experiment, stop_experiments
from drctl.engine.settings import make_context
from drctl.errors import GateRefused, UsageError
from drctl.plan.loader import load_plan_text
from tests.conftest import DEMO_PLAN

EXPERIMENTS = """
experiments:
  - name: stop-half-web
    description: Stop 50% of the primary web instances for 10 minutes
    region: primary
    actions:
      stop:
        action_id: aws:ec2:stop-instances
        parameters: {startInstancesAfterDuration: PT10M}
        targets: {Instances: web-instances}
    targets:
      web-instances:
        resource_type: aws:ec2:instance
        resource_tags: {Application: shop}
        selection_mode: PERCENT(50)
    stop_conditions:
      - alarm: shop-high-error-rate
    role_arn: arn:aws:iam::123456789012:role/shop-fis
  - name: no-brakes
    actions:
      wait:
        action_id: aws:fis:wait
        parameters: {duration: PT1M}
    role_arn: arn:aws:iam::123456789012:role/shop-fis
"""


def plan() -> Any:
    return load_plan_text(DEMO_PLAN.read_text() + EXPERIMENTS).plan


def alarm() -> str:
    cw = boto3.client("cloudwatch", region_name="us-east-1")
    cw.put_metric_alarm(
        AlarmName="shop-high-error-rate",
        MetricName="5XXError",
        Namespace="AWS/ApplicationELB",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=10,
        ComparisonOperator="GreaterThanThreshold",
    )
    return str(
        cw.describe_alarms(AlarmNames=["shop-high-error-rate"])["MetricAlarms"][0]["AlarmArn"]
    )


@pytest.fixture
def ctx(aws: None, settings: Any) -> Any:
    return make_context(plan(), settings, run_id="r-chaos")


@pytest.fixture
def frozen_experiments() -> Iterator[None]:
    """Experiments that progress one state per 20 reads: still running when a short timeout
    passes (a long-running one), and stopping only briefly once stopped."""
    from moto.moto_api import state_manager

    state_manager.set_transition("fis::experiment", {"progression": "manual", "times": 20})
    yield
    state_manager.unset_transition("fis::experiment")


def _exp(ctx: Any, name: str) -> Any:
    return next(e for e in ctx.plan.experiments if e.name == name)


def test_template_is_created_once_with_the_alarm_arn_then_updated(ctx: Any) -> None:
    arn = alarm()
    fis = boto3.client("fis", region_name="us-east-1")
    first = prepare(ctx, _exp(ctx, "stop-half-web"), allow_without_stop_condition=False)
    second = prepare(ctx, _exp(ctx, "stop-half-web"), allow_without_stop_condition=False)
    assert first == second
    templates = fis.list_experiment_templates()["experimentTemplates"]
    assert len(templates) == 1
    template = fis.get_experiment_template(id=first)["experimentTemplate"]
    assert template["stopConditions"] == [{"source": "aws:cloudwatch:alarm", "value": arn}]
    assert template["actions"]["stop"]["actionId"] == "aws:ec2:stop-instances"
    assert template["targets"]["web-instances"]["selectionMode"] == "PERCENT(50)"
    assert template["roleArn"] == "arn:aws:iam::123456789012:role/shop-fis"
    assert template["tags"] == {"drctl:app": "shop", "drctl:experiment": "stop-half-web"}


def test_missing_alarm_and_missing_stop_condition_are_refused(ctx: Any) -> None:
    with pytest.raises(UsageError, match="shop-high-error-rate does not exist in us-east-1"):
        prepare(ctx, _exp(ctx, "stop-half-web"), allow_without_stop_condition=False)
    with pytest.raises(GateRefused, match="no stop condition"):
        prepare(ctx, _exp(ctx, "no-brakes"), allow_without_stop_condition=False)
    template_id = prepare(ctx, _exp(ctx, "no-brakes"), allow_without_stop_condition=True)
    template = boto3.client("fis", region_name="us-east-1").get_experiment_template(id=template_id)[
        "experimentTemplate"
    ]
    assert template["stopConditions"] == [{"source": "none"}]


def test_experiment_is_followed_to_completion(ctx: Any) -> None:
    alarm()
    seen: list[str] = []
    run = run_experiment(
        ctx,
        _exp(ctx, "stop-half-web"),
        timeout_seconds=600,
        on_status=lambda status, reason: seen.append(status),
    )
    assert run.status == "completed" and not run.stopped_at_timeout
    assert seen[-1] == "completed" and "running" in seen
    described = boto3.client("fis", region_name="us-east-1").get_experiment(id=run.experiment_id)
    assert described["experiment"]["state"]["status"] == "completed"
    assert described["experiment"]["tags"] == {"drctl:run": "r-chaos"}


def test_experiment_is_stopped_at_the_timeout(ctx: Any, frozen_experiments: None) -> None:
    alarm()
    run = run_experiment(ctx, _exp(ctx, "stop-half-web"), timeout_seconds=60, poll_seconds=10)
    assert run.stopped_at_timeout
    assert run.status == "stopped"
    assert run.seconds >= 60  # measured on the fake clock: no real waiting
    described = boto3.client("fis", region_name="us-east-1").get_experiment(id=run.experiment_id)
    assert described["experiment"]["state"]["status"] == "stopped"


def test_stop_experiments_stops_the_running_ones(ctx: Any, frozen_experiments: None) -> None:
    alarm()
    fis = boto3.client("fis", region_name="us-east-1")
    template_id = prepare(ctx, _exp(ctx, "stop-half-web"), allow_without_stop_condition=False)
    started = fis.start_experiment(clientToken="t1", experimentTemplateId=template_id)
    assert stop_experiments(ctx, _exp(ctx, "stop-half-web")) == [started["experiment"]["id"]]
    state = fis.get_experiment(id=started["experiment"]["id"])["experiment"]["state"]["status"]
    assert state in ("stopping", "stopped")
