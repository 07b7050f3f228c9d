"""The failover and failback step of a global table: prove the replica on the serving side
writable.
"""

from __future__ import annotations

from drctl.aws import cloudwatch
from drctl.engine.context import RunContext
from drctl.engine.step import (
    Phase,
    Precheck,
    Step,
    StepOutcome,
)
from drctl.errors import AwsError
from drctl.kinds.dynamodb_table import api
from drctl.kinds.steps import aws_step
from drctl.plan.models import DynamoDbTable

NAME = "dynamodb-table"


def _latency_seconds(res: DynamoDbTable, ctx: RunContext) -> float | None:
    ms = cloudwatch.latest_maximum(
        ctx.client("cloudwatch", "primary"),
        namespace="AWS/DynamoDB",
        metric="ReplicationLatency",
        dimensions={"TableName": res.table, "ReceivingRegion": ctx.region("dr")},
        now=ctx.clock.now(),
    )
    return None if ms is None else ms / 1000.0


def failover(res: DynamoDbTable, ctx: RunContext) -> list[Step]:
    return [probe_step(res, ctx, "dr", "probe-dr")]


def failback(res: DynamoDbTable, ctx: RunContext) -> list[Step]:
    return [probe_step(res, ctx, "primary", "probe-home")]


def probe_step(res: DynamoDbTable, ctx: RunContext, side: str, action: str) -> Step:
    """Write a marked item to ``side``'s replica, read it back, remove it."""
    region = ctx.region(side)
    client = ctx.client("dynamodb", side)

    def precheck() -> Precheck:
        desc = api.describe_table(client, res.table)
        status = desc.get("TableStatus") if desc else "missing"
        return Precheck(False, f"{res.table} {status} in {region}", "ACTIVE and writable now")

    def run() -> StepOutcome:
        desc = api.describe_table(client, res.table)
        if desc is None or desc.get("TableStatus") != "ACTIVE":
            raise AwsError(f"{res.name}: {res.table} not ACTIVE in {region}")
        key = api.canary_key(
            api.canary_key_schema(client, res.table), f"probe-{ctx.run_id or 'manual'}"
        )
        api.canary_put(client, res.table, key, ctx.clock.now().isoformat())
        try:
            readable = api.canary_exists(client, res.table, key)
        finally:
            api.canary_delete(client, res.table, key)
        if not readable:
            raise AwsError(f"{res.name}: the probe item written to {region} could not be read")
        return StepOutcome(detail=f"{res.table} in {region} took a write", data={"probe": key})

    return aws_step(
        resource=res.name,
        kind=NAME,
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
