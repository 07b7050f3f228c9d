"""CloudWatch metric alarms drctl manages: the desired alarm as data, the PutMetricAlarm
request it makes, and how an existing alarm differs from it.

An alarm is described once (:class:`AlarmSpec`) and used three ways: ``alarms apply``
puts it, ``alarms apply --dry-run`` prints the exact request, and ``drctl check`` compares
the alarm AWS has with it. Keeping the request and the comparison on the same fields is what
makes a second ``apply`` a no-op: an alarm is rewritten only when a field drctl sets differs.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

# PutMetricAlarm takes at most this many AlarmActions (CloudWatch API Reference).
MAX_ACTIONS = 5


@dataclass(frozen=True)
class AlarmSpec:
    """One alarm drctl wants, in one region (``side``: primary, dr or global)."""

    name: str
    resource: str  # the plan resource (or the app, for plan-wide alarms) it watches
    side: str
    description: str
    namespace: str
    metric: str
    dimensions: tuple[tuple[str, str], ...]
    statistic: str
    period: int
    evaluation_periods: int
    threshold: float
    comparison: str
    treat_missing_data: str = "missing"
    actions: tuple[str, ...] = field(default=())

    def with_actions(self, actions: tuple[str, ...]) -> AlarmSpec:
        return replace(self, actions=actions)


def put_request(spec: AlarmSpec) -> dict[str, Any]:
    """The PutMetricAlarm parameters for ``spec`` (what ``--dry-run`` prints)."""
    return {
        "AlarmName": spec.name,
        "AlarmDescription": spec.description,
        "Namespace": spec.namespace,
        "MetricName": spec.metric,
        "Dimensions": [{"Name": k, "Value": v} for k, v in spec.dimensions],
        "Statistic": spec.statistic,
        "Period": spec.period,
        "EvaluationPeriods": spec.evaluation_periods,
        "Threshold": float(spec.threshold),
        "ComparisonOperator": spec.comparison,
        "TreatMissingData": spec.treat_missing_data,
        "ActionsEnabled": bool(spec.actions),
        "AlarmActions": list(spec.actions),
    }


def describe(cloudwatch: Any, names: list[str]) -> dict[str, dict[str, Any]]:
    """The metric alarms among ``names`` that exist, by name (DescribeAlarms takes 100)."""
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(names), 100):
        response = cloudwatch.describe_alarms(
            AlarmNames=names[start : start + 100], AlarmTypes=["MetricAlarm"]
        )
        for alarm in response.get("MetricAlarms", []):
            found[str(alarm["AlarmName"])] = alarm
    return found


def differences(spec: AlarmSpec, alarm: dict[str, Any], ignore: tuple[str, ...] = ()) -> list[str]:
    """What an existing alarm has other than ``spec`` wants, one phrase per field (fields in
    ``ignore`` are the operator's choice, e.g. the readiness score's period)."""
    want = put_request(spec)
    found: list[str] = []
    for key in (
        "Namespace",
        "MetricName",
        "Statistic",
        "Period",
        "EvaluationPeriods",
        "ComparisonOperator",
        "TreatMissingData",
    ):
        if key not in ignore and alarm.get(key) != want[key]:
            found.append(f"{key} {alarm.get(key)!r}, not {want[key]!r}")
    if float(alarm.get("Threshold", float("nan"))) != want["Threshold"]:
        found.append(f"Threshold {alarm.get('Threshold')!r}, not {want['Threshold']!r}")
    have_dims = sorted((d["Name"], d["Value"]) for d in alarm.get("Dimensions", []))
    if have_dims != sorted(spec.dimensions):
        found.append(f"Dimensions {have_dims}, not {sorted(spec.dimensions)}")
    missing = [a for a in spec.actions if a not in alarm.get("AlarmActions", [])]
    if missing:
        found.append(f"AlarmActions lack {', '.join(missing)}")
    if spec.actions and not alarm.get("ActionsEnabled", False):
        found.append("actions are disabled")
    return found


def put(cloudwatch: Any, spec: AlarmSpec) -> None:
    """Create or overwrite the alarm (PutMetricAlarm replaces an alarm of the same name)."""
    cloudwatch.put_metric_alarm(**put_request(spec))


def alarm_name(app: str, resource: str, what: str) -> str:
    """``drctl-shop-orders-db-replica-lag``: found again by name on every apply and check."""
    return f"drctl-{app}-{resource}-{what}"
