"""The replication drill's canary for a global table: a marked item written in the primary
region, looked for in the DR replica, and deleted from both afterwards."""

from __future__ import annotations

from drctl.engine.clock import iso
from drctl.engine.context import RunContext
from drctl.kinds.contract import CanaryMark
from drctl.kinds.dynamodb_table import api
from drctl.plan.models import DynamoDbTable


class DynamoDbCanary:
    def mark(self, res: DynamoDbTable, ctx: RunContext, marker: str) -> CanaryMark:
        primary = ctx.client("dynamodb", "primary")
        key = api.canary_key(api.canary_key_schema(primary, res.table), marker)
        return CanaryMark(
            where=f"{res.table} in {ctx.region('dr')}",
            event={"event": "canary", "resource": res.name, "table": res.table, "key": key},
            key=key,
        )

    def write(self, res: DynamoDbTable, ctx: RunContext, mark: CanaryMark) -> None:
        api.canary_put(ctx.client("dynamodb", "primary"), res.table, mark.key, iso(ctx.clock.now()))

    def arrived(self, res: DynamoDbTable, ctx: RunContext, mark: CanaryMark) -> bool:
        return api.item_exists(ctx.client("dynamodb", "dr"), res.table, mark.key)

    def remove(self, res: DynamoDbTable, ctx: RunContext, mark: CanaryMark) -> None:
        api.delete_item(ctx.client("dynamodb", "primary"), res.table, mark.key)
        api.delete_item(ctx.client("dynamodb", "dr"), res.table, mark.key)
