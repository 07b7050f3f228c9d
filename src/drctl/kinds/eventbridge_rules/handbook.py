"""``eventbridge-rules`` by hand: the readiness checks and step verifications as AWS CLI
commands."""

from __future__ import annotations

from drctl.engine.context import RunContext
from drctl.kinds.handbook import HandCheck
from drctl.plan.models import EventBridgeRules


def _states(res: EventBridgeRules, rules: list[str], region: str, good: str) -> HandCheck:
    names = " || ".join(f"Name=='{r}'" for r in rules)
    return HandCheck(
        f"rules {', '.join(rules)} in {region}",
        f"aws events list-rules --event-bus-name {res.event_bus} "
        f'--query "Rules[?{names}].[Name,State]" --region {region}',
        good,
    )


def prechecks(res: EventBridgeRules, ctx: RunContext) -> list[HandCheck]:
    p, d = ctx.region("primary"), ctx.region("dr")
    return [
        _states(res, res.primary, p, "every rule listed, `ENABLED`").covering(
            ("rules", "serving-side")
        ),
        _states(res, res.dr, d, "every rule listed, `DISABLED`").covering(
            ("rules", "serving-side")
        ),
        *[
            HandCheck(
                f"targets of {dr_rule} and of {primary_rule}",
                f"aws events list-targets-by-rule --rule {dr_rule} --event-bus-name "
                f"{res.event_bus} --query 'Targets[].[Id,Arn]' --region {d}",
                f"the same targets (by Id) as `aws events list-targets-by-rule --rule "
                f"{primary_rule}` in {p}, pointing at {d}",
                ("targets",),
            )
            for primary_rule, dr_rule in zip(res.primary, res.dr, strict=False)
        ],
    ]


def verifications(
    res: EventBridgeRules, ctx: RunContext, action: str
) -> dict[str, list[HandCheck]]:
    p, d = ctx.region("primary"), ctx.region("dr")
    if action == "failover":
        return {
            "disable-primary": [_states(res, res.primary, p, "every rule `DISABLED`")],
            "enable-dr": [_states(res, res.dr, d, "every rule `ENABLED`")],
        }
    return {
        "disable-dr": [_states(res, res.dr, d, "every rule `DISABLED`")],
        "enable-primary": [_states(res, res.primary, p, "every rule `ENABLED`")],
    }
