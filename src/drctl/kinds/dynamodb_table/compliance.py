"""A compliance policy's controls on a DynamoDB global table: encrypted at rest in both
Regions (DynamoDB encrypts every table; ``SSEDescription`` says with which key), and
point-in-time recovery on in both Regions with a recovery window of at least the policy's
days (``RecoveryPeriodInDays``, 35 unless set lower); and the DYNAMODB_PITR_ENABLED managed
rule in each Region.
"""

from __future__ import annotations

from typing import Any

from drctl.aws.config_rules import ConfigRuleSpec, rule_name
from drctl.engine.context import RunContext
from drctl.engine.step import Check, CheckResult, failed, passed
from drctl.kinds.dynamodb_table import api
from drctl.kinds.dynamodb_table.probe import NAME
from drctl.kinds.steps import check_maker
from drctl.plan.models import DynamoDbTable
from drctl.plan.policies import Policy

TYPE = "AWS::DynamoDB::Table"
PITR_DEFAULT_DAYS = 35  # DynamoDB Developer Guide, point-in-time recovery: default window


def _table(res: DynamoDbTable, ctx: RunContext, side: str) -> dict[str, Any] | None:
    return ctx.memo.get(
        ("ddb", side, res.table),
        lambda: api.describe_table(ctx.client("dynamodb", side), res.table),
    )


def checks(res: DynamoDbTable, ctx: RunContext, policy: Policy) -> list[Check]:
    check = check_maker(res.name, NAME, f"{res.name} (dynamodb {res.table})")

    def encryption() -> CheckResult:
        keys = []
        for side in ("primary", "dr"):
            desc = _table(res, ctx, side)
            if desc is None:
                return failed(f"no table {res.table} in {ctx.region(side)}")
            sse = desc.get("SSEDescription") or {}
            if sse and sse.get("Status") not in ("ENABLED", "UPDATING"):
                return failed(f"{res.table} in {ctx.region(side)}: encryption {sse['Status']}")
            keys.append(f"{ctx.region(side)} {sse.get('SSEType') or 'AWS owned key'}")
        return passed(f"encrypted at rest: {', '.join(keys)}")

    def pitr() -> CheckResult:
        want = policy.backup_retention_days
        windows = {}
        for side in ("primary", "dr"):
            desc = api.pitr_description(ctx.client("dynamodb", side), res.table)
            region = ctx.region(side)
            if desc is None:
                return failed(f"no table {res.table} in {region}")
            if desc.get("PointInTimeRecoveryStatus") != "ENABLED":
                return failed(f"point-in-time recovery is off in {region}")
            windows[region] = int(desc.get("RecoveryPeriodInDays") or PITR_DEFAULT_DAYS)
        short = {r: d for r, d in windows.items() if d < want}
        text = ", ".join(f"{r} {d} days" for r, d in windows.items())
        if short:
            return failed(f"PITR windows under {want} days: {text}", min(windows.values()), want)
        return passed(f"PITR on, windows {text}", min(windows.values()), want)

    return [
        check("policy-encryption", "encrypted at rest in both regions", encryption),
        check(
            "policy-pitr",
            f"PITR on in both regions, window at least {policy.backup_retention_days} days",
            pitr,
        ),
    ]


def rules(res: DynamoDbTable, ctx: RunContext, policy: Policy) -> list[ConfigRuleSpec]:
    """AWS Config knows a table by its name."""
    return [
        ConfigRuleSpec(
            name=rule_name(ctx.plan.app, res.name, "DYNAMODB_PITR_ENABLED", side),
            resource=res.name,
            side=side,
            identifier="DYNAMODB_PITR_ENABLED",
            resource_type=TYPE,
            resource_id=res.table,
            description=f"drctl {ctx.plan.app}: point-in-time recovery on ({res.table})",
        )
        for side in ("primary", "dr")
    ]


class DynamoDbCompliance:
    def checks(self, res: DynamoDbTable, ctx: RunContext, policy: Policy) -> list[Check]:
        return checks(res, ctx, policy)

    def rules(self, res: DynamoDbTable, ctx: RunContext, policy: Policy) -> list[ConfigRuleSpec]:
        return rules(res, ctx, policy)
