"""``drctl check --publish``: readiness as CloudWatch metrics, so an alarm can watch it.

One datapoint per check and one readiness score per plan, in namespace ``drctl/Readiness``
in regions.dr: the readiness signal has to outlive the primary Region it is most often about.

- ``CheckPassed`` (dimensions ``App``, ``Resource``, ``Check``; unit ``None``): 1 when the
  check passed, 0 when it warned, failed or could not run. A warning is not a pass: it is
  something unknown or missing (no lag datapoint, an alarm not applied), and an unknown is
  what a DR owner wants to hear about before the day it matters.
- ``ReadinessScore`` (dimension ``App``; unit ``Percent``): passing checks / all checks x 100
  (100 for a plan with no checks). ``drctl alarms apply`` alarms below 100.

All datapoints carry the check run's time on the AWS clock, so a score and its checks line
up in CloudWatch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from drctl.aws import cloudwatch
from drctl.aws.errors import aws_errors
from drctl.engine.clock import iso
from drctl.engine.context import RunContext
from drctl.engine.step import Check, CheckResult, CheckStatus

IAM_ACTIONS = ("cloudwatch:PutMetricData",)  # check --publish, in regions.dr
NAMESPACE = "drctl/Readiness"
CHECK_METRIC = "CheckPassed"
SCORE_METRIC = "ReadinessScore"
SIDE = "dr"


@dataclass(frozen=True)
class Published:
    """What ``--publish`` wrote (the ``published`` object of ``check --output json``)."""

    namespace: str
    region: str
    metrics: int
    score: float
    timestamp: str

    def document(self) -> dict[str, Any]:
        return {
            "namespace": self.namespace,
            "region": self.region,
            "metrics": self.metrics,
            "score": self.score,
            "timestamp": self.timestamp,
        }


def score(results: Sequence[tuple[Check, CheckResult]]) -> float:
    """Percentage of passing checks, rounded to 0.01 (100 with no checks)."""
    if not results:
        return 100.0
    passing = sum(1 for _, r in results if r.status is CheckStatus.PASS)
    return round(100.0 * passing / len(results), 2)


def metric_data(
    app: str, results: Sequence[tuple[Check, CheckResult]], at: datetime
) -> list[dict[str, Any]]:
    """The MetricData of one check run: each check's CheckPassed, then the score."""
    data = [
        {
            "MetricName": CHECK_METRIC,
            "Dimensions": [
                {"Name": "App", "Value": app},
                {"Name": "Resource", "Value": check.resource},
                {"Name": "Check", "Value": check.name},
            ],
            "Timestamp": at,
            "Value": 1.0 if result.status is CheckStatus.PASS else 0.0,
            "Unit": "None",
        }
        for check, result in results
    ]
    data.append(
        {
            "MetricName": SCORE_METRIC,
            "Dimensions": [{"Name": "App", "Value": app}],
            "Timestamp": at,
            "Value": score(results),
            "Unit": "Percent",
        }
    )
    return data


def publish(ctx: RunContext, results: Sequence[tuple[Check, CheckResult]]) -> Published:
    """Put the run's metrics in regions.dr; an AWS error is the command's error (exit 1)."""
    region = ctx.region(SIDE)
    at = ctx.clock.now()
    data = metric_data(ctx.plan.app, results, at)
    with aws_errors(f"publishing readiness metrics to CloudWatch in {region}"):
        cloudwatch.put_metric_batch(ctx.client("cloudwatch", SIDE), namespace=NAMESPACE, data=data)
    return Published(NAMESPACE, region, len(data), score(results), iso(at))
