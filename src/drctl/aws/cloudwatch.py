"""CloudWatch metrics read directly (alarms never evaluate under moto, and a check should
see the number itself, not an alarm's opinion of it)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any


def latest_maximum(
    cloudwatch: Any,
    *,
    namespace: str,
    metric: str,
    dimensions: dict[str, str],
    now: datetime,
    window_seconds: int = 600,
    period_seconds: int = 60,
) -> float | None:
    """The Maximum of the most recent datapoint within ``window_seconds``, or None."""
    response = cloudwatch.get_metric_statistics(
        Namespace=namespace,
        MetricName=metric,
        Dimensions=[{"Name": k, "Value": v} for k, v in dimensions.items()],
        StartTime=now - timedelta(seconds=window_seconds),
        EndTime=now + timedelta(seconds=period_seconds),
        Period=period_seconds,
        Statistics=["Maximum"],
    )
    points = sorted(response.get("Datapoints", []), key=lambda p: p["Timestamp"])
    return float(points[-1]["Maximum"]) if points else None


def put_metric(
    cloudwatch: Any,
    *,
    namespace: str,
    metric: str,
    dimensions: dict[str, str],
    value: float,
    unit: str,
    at: datetime,
) -> None:
    cloudwatch.put_metric_data(
        Namespace=namespace,
        MetricData=[
            {
                "MetricName": metric,
                "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()],
                "Timestamp": at,
                "Value": value,
                "Unit": unit,
            }
        ],
    )


# PutMetricData takes at most 1000 metrics a request (CloudWatch API Reference).
MAX_METRICS_PER_CALL = 1000


def put_metric_batch(cloudwatch: Any, *, namespace: str, data: list[dict[str, Any]]) -> int:
    """Put every datum, 1000 a call; returns the number of calls made."""
    calls = 0
    for start in range(0, len(data), MAX_METRICS_PER_CALL):
        cloudwatch.put_metric_data(
            Namespace=namespace, MetricData=data[start : start + MAX_METRICS_PER_CALL]
        )
        calls += 1
    return calls
