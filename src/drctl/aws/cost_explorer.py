"""AWS Cost Explorer: what an application's tagged resources in one Region cost, by service.

Cost Explorer has one endpoint (us-east-1) and answers for the whole account (the payer's
for an organization). Costs are summed over the period's daily results; a service whose cost
rounds to nothing is still listed (it tells what the DR side runs).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

ENDPOINT_REGION = "us-east-1"
METRIC = "UnblendedCost"


def cost_by_service(
    ce: Any, *, start: date, end: date, tag_key: str, tag_value: str, region: str
) -> tuple[dict[str, float], str, bool]:
    """(service -> cost, unit, estimated) for resources tagged ``tag_key=tag_value`` in
    ``region`` from ``start`` (inclusive) to ``end`` (exclusive)."""
    request: dict[str, Any] = {
        "TimePeriod": {"Start": start.isoformat(), "End": end.isoformat()},
        "Granularity": "DAILY",
        "Metrics": [METRIC],
        "GroupBy": [{"Type": "DIMENSION", "Key": "SERVICE"}],
        "Filter": {
            "And": [
                {"Tags": {"Key": tag_key, "Values": [tag_value]}},
                {"Dimensions": {"Key": "REGION", "Values": [region]}},
            ]
        },
    }
    totals: dict[str, float] = defaultdict(float)
    unit = "USD"
    estimated = False
    while True:
        page = ce.get_cost_and_usage(**request)
        for day in page.get("ResultsByTime", []):
            estimated = estimated or bool(day.get("Estimated"))
            for group in day.get("Groups", []):
                amount = group.get("Metrics", {}).get(METRIC, {})
                totals[str(group["Keys"][0])] += float(amount.get("Amount", 0))
                unit = str(amount.get("Unit", unit))
        token = page.get("NextPageToken")
        if not token:
            break
        request["NextPageToken"] = token
    return dict(totals), unit, estimated
