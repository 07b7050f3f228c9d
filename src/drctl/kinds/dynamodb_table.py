"""``dynamodb-table``: a global table (version 2019.11.21) with a replica in regions.dr.

Readiness: the table is a 2019.11.21 global table with an ACTIVE replica in
regions.dr, point-in-time recovery is on in both regions, and replication
latency (CloudWatch ``ReplicationLatency``) is within the RPO. Failover has no
promotion -- every replica takes writes -- so it proves the DR replica writable:
a marked probe item is written, read back and removed.
"""

from __future__ import annotations

from typing import Any

from drctl.aws import canary, cloudwatch, dynamodb
from drctl.engine.gate import LagReading
from drctl.engine.step import (
    Check,
    CheckResult,
    Phase,
    Precheck,
    Step,
    StepOutcome,
    failed,
    passed,
)
from drctl.errors import AwsError
from drctl.kinds.base import KindContext, aws_step, check_maker, lag_within_rpo
from drctl.kinds.registry import register
from drctl.plan.models import DynamoDbTable

KIND = "dynamodb-table"


def _latency_seconds(res: DynamoDbTable, ctx: KindContext) -> float | None:
    ms = cloudwatch.latest_maximum(
        ctx.client("cloudwatch", "primary"),
        namespace="AWS/DynamoDB",
        metric="ReplicationLatency",
        dimensions={"TableName": res.table, "ReceivingRegion": ctx.region("dr")},
        now=ctx.clock.now(),
    )
    return None if ms is None else ms / 1000.0


@register(KIND)
class DynamoDbTableKind:
    def checks(self, res: DynamoDbTable, ctx: KindContext) -> list[Check]:
        p_region, d_region = ctx.region("primary"), ctx.region("dr")
        rpo = ctx.objectives.rpo_seconds

        def table(side: str) -> dict[str, Any] | None:
            return ctx.memo.get(
                ("ddb", side, res.table),
                lambda: dynamodb.describe_table(ctx.client("dynamodb", side), res.table),
            )

        def global_table() -> CheckResult:
            desc = table("primary")
            if desc is None:
                return failed(f"table {res.table} not found in {p_region}")
            version = desc.get("GlobalTableVersion")
            if version != "2019.11.21":
                return failed(f"{res.table} is not a 2019.11.21 global table ({version or 'none'})")
            status = dynamodb.replica_status(desc, d_region)
            if status != "ACTIVE":
                return failed(f"replica in {d_region}: {status or 'none'}")
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
                if dynamodb.pitr_status(ctx.client("dynamodb", side), res.table) != "ENABLED"
            ]
            if off:
                return failed(f"point-in-time recovery off in {', '.join(off)}")
            return passed("point-in-time recovery on in both regions")

        def latency() -> CheckResult:
            return lag_within_rpo(
                _latency_seconds(res, ctx), rpo, what="replication latency",
                missing="no ReplicationLatency datapoint in the last 10 minutes",
            )  # fmt: skip

        check = check_maker(res.name, KIND, f"{res.name} (dynamodb {res.table})")

        return [
            check("global-table", "global table with an ACTIVE DR replica", global_table),
            check("dr-table", "the DR replica table is ACTIVE", dr_table),
            check("pitr", "point-in-time recovery on in both regions", pitr),
            check("replication-latency", "replication latency within the RPO", latency),
        ]

    def failover(self, res: DynamoDbTable, ctx: KindContext) -> list[Step]:
        return [probe_step(res, ctx, "dr", "probe-dr")]

    def failback(self, res: DynamoDbTable, ctx: KindContext) -> list[Step]:
        return [probe_step(res, ctx, "primary", "probe-home")]

    def lag(self, res: DynamoDbTable, ctx: KindContext) -> LagReading:
        seconds = _latency_seconds(res, ctx)
        source = f"CloudWatch AWS/DynamoDB ReplicationLatency of {res.table} -> {ctx.region('dr')}"
        return LagReading(res.name, KIND, seconds, source, "" if seconds is not None else
                          "no datapoint in the last 10 minutes")  # fmt: skip


def probe_step(res: DynamoDbTable, ctx: KindContext, side: str, action: str) -> Step:
    """Write a marked item to ``side``'s replica, read it back, remove it."""
    region = ctx.region(side)
    client = ctx.client("dynamodb", side)

    def precheck() -> Precheck:
        desc = dynamodb.describe_table(client, res.table)
        status = desc.get("TableStatus") if desc else "missing"
        return Precheck(False, f"{res.table} {status} in {region}", "ACTIVE and writable now")

    def run() -> StepOutcome:
        desc = dynamodb.describe_table(client, res.table)
        if desc is None or desc.get("TableStatus") != "ACTIVE":
            raise AwsError(f"{res.name}: {res.table} not ACTIVE in {region}")
        key = canary.dynamodb_canary_key(
            canary.dynamodb_key_schema(client, res.table), f"probe-{ctx.run_id or 'manual'}"
        )
        canary.dynamodb_put(client, res.table, key, ctx.clock.now().isoformat())
        try:
            readable = canary.dynamodb_exists(client, res.table, key)
        finally:
            canary.dynamodb_delete(client, res.table, key)
        if not readable:
            raise AwsError(f"{res.name}: the probe item written to {region} could not be read")
        return StepOutcome(detail=f"{res.table} in {region} took a write", data={"probe": key})

    return aws_step(
        resource=res.name,
        kind=KIND,
        action=action,
        phase=Phase.DATA,
        description=f"Prove {res.table} writable in {region}: write a marked probe item, "
        "read it back, remove it",
        cli=[
            f"aws dynamodb describe-table --table-name {res.table} --region {region}",
            f"aws dynamodb put-item --table-name {res.table} --item '<probe>' --region {region}",
            f"aws dynamodb delete-item --table-name {res.table} --key '<probe>' --region {region}",
        ],
        where=f"{res.name} (dynamodb {region})",
        precheck=precheck,
        run=run,
        poll_seconds=5.0,
    )
