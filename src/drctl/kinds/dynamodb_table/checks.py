"""Readiness of a DynamoDB global table: a 2019.11.21 replica in DR, ACTIVE, PITR on, replication
latency within the RPO.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from drctl.engine.clock import iso
from drctl.engine.context import RunContext
from drctl.engine.gate import LagReading
from drctl.engine.step import (
    Check,
    CheckResult,
    failed,
    passed,
)
from drctl.kinds.dynamodb_table import api
from drctl.kinds.dynamodb_table.probe import NAME, _latency_seconds
from drctl.kinds.steps import check_maker, lag_within_rpo
from drctl.plan.models import DynamoDbTable


def checks(res: DynamoDbTable, ctx: RunContext) -> list[Check]:
    p_region, d_region = ctx.region("primary"), ctx.region("dr")
    rpo = ctx.objectives.rpo_seconds

    def table(side: str) -> dict[str, Any] | None:
        return ctx.memo.get(
            ("ddb", side, res.table),
            lambda: api.describe_table(ctx.client("dynamodb", side), res.table),
        )

    def global_table() -> CheckResult:
        desc = table("primary")
        if desc is None:
            return failed(f"table {res.table} not found in {p_region}")
        version = desc.get("GlobalTableVersion")
        if version and version != "2019.11.21":
            return failed(f"{res.table} is a {version} global table, not 2019.11.21")
        replica = api.replica(desc, d_region)
        if replica is None:
            return failed(
                f"{res.table} has no replica in {d_region}: nothing written in {p_region} "
                f"reaches {d_region} (never added, or removed from the global table after "
                f"{d_region} was unreachable for 20 hours); add it: aws dynamodb update-table "
                f"--table-name {res.table} --replica-updates "
                f"""'[{{"Create":{{"RegionName":"{d_region}"}}}}]' --region {p_region}"""
            )
        status = replica.get("ReplicaStatus")
        if status == "REGION_DISABLED":
            since = replica.get("ReplicaInaccessibleDateTime")
            when = f" since {iso(since)}" if isinstance(since, datetime) else ""
            return failed(
                f"replica in {d_region} is REGION_DISABLED{when}: {p_region} cannot reach "
                f"{d_region}, writes are not replicating to it, and after 20 hours DynamoDB "
                "removes it from the global table"
            )
        if status != "ACTIVE":
            return failed(f"replica in {d_region} is {status}, not ACTIVE yet")
        return passed(f"global table {version}, replica in {d_region} ACTIVE")

    def dr_table() -> CheckResult:
        desc = table("dr")
        if desc is None:
            return failed(f"no table {res.table} in {d_region}")
        status = desc.get("TableStatus")
        return (
            passed(f"{res.table} {status} in {d_region}")
            if status == "ACTIVE"
            else failed(f"{res.table} is {status} in {d_region}")
        )

    def pitr() -> CheckResult:
        off = [
            ctx.region(side)
            for side in ("primary", "dr")
            if api.pitr_status(ctx.client("dynamodb", side), res.table) != "ENABLED"
        ]
        if off:
            return failed(f"point-in-time recovery off in {', '.join(off)}")
        return passed("point-in-time recovery on in both regions")

    def latency() -> CheckResult:
        return lag_within_rpo(
            _latency_seconds(res, ctx), rpo, what="replication latency",
            missing="no ReplicationLatency datapoint in the last 10 minutes",
        )  # fmt: skip

    check = check_maker(res.name, NAME, f"{res.name} (dynamodb {res.table})")

    return [
        check("global-table", "global table with an ACTIVE DR replica", global_table),
        check("dr-table", "the DR replica table is ACTIVE", dr_table),
        check("pitr", "point-in-time recovery on in both regions", pitr),
        check("replication-latency", "replication latency within the RPO", latency),
    ]


def lag(res: DynamoDbTable, ctx: RunContext) -> LagReading:
    seconds = _latency_seconds(res, ctx)
    source = f"CloudWatch AWS/DynamoDB ReplicationLatency of {res.table} -> {ctx.region('dr')}"
    return LagReading(res.name, NAME, seconds, source, "" if seconds is not None else
                      "no datapoint in the last 10 minutes")  # fmt: skip
