"""Readiness of ``eventbridge-rules``: every rule exists on both sides, each pair has the same
targets (ids, and ARNs once the Region is set aside), and only the serving side is enabled."""

from __future__ import annotations

from typing import Any

from drctl.engine.context import RunContext
from drctl.engine.step import Check, CheckResult, failed, passed
from drctl.kinds.eventbridge_rules import api
from drctl.kinds.eventbridge_rules.switch import NAME, rules_of
from drctl.kinds.steps import check_maker
from drctl.plan.models import EventBridgeRules


def _neutral(arn: str, region: str) -> str:
    """A target ARN with its Region set aside, so a primary target and its DR twin compare."""
    return arn.replace(f":{region}:", ":<region>:")


def checks(res: EventBridgeRules, ctx: RunContext) -> list[Check]:
    bus = res.event_bus

    def rule(side: str, name: str) -> dict[str, Any] | None:
        return ctx.memo.get(
            ("events", side, bus, name),
            lambda: api.describe_rule(ctx.client("events", side), name, bus),
        )

    def targets(side: str, name: str) -> dict[str, str]:
        region = ctx.region(side)
        found = ctx.memo.get(
            ("events-targets", side, bus, name),
            lambda: api.targets(ctx.client("events", side), name, bus),
        )
        return {str(t["Id"]): _neutral(str(t.get("Arn", "")), region) for t in found}

    def missing() -> list[str]:
        return [
            f"{name} in {ctx.region(side)}"
            for side in ("primary", "dr")
            for name in rules_of(res, side)
            if rule(side, name) is None
        ]

    def exist() -> CheckResult:
        gone = missing()
        if gone:
            return failed(f"rules not found on event bus {bus}: {', '.join(gone)}")
        return passed(f"{len(res.primary)} rule pairs on event bus {bus} in both Regions")

    def matching() -> CheckResult:
        if missing():
            return failed("rules missing (see rules)")
        differ = []
        for home, twin in zip(res.primary, res.dr, strict=True):
            mine, theirs = targets("primary", home), targets("dr", twin)
            if not mine:
                differ.append(f"{home} has no targets")
            elif mine != theirs:
                only_home = sorted(set(mine.items()) - set(theirs.items()))
                only_dr = sorted(set(theirs.items()) - set(mine.items()))
                differ.append(
                    f"{home} / {twin}: targets differ (only in primary: "
                    f"{[i for i, _ in only_home] or '-'}, only in DR: "
                    f"{[i for i, _ in only_dr] or '-'})"
                )
        if differ:
            return failed("; ".join(differ))
        return passed("each DR rule has its primary twin's targets")

    def serving() -> CheckResult:
        if missing():
            return failed("rules missing (see rules)")
        wrong = [
            f"{name} in {ctx.region(side)} is {(rule(side, name) or {}).get('State')}"
            for side, want in (("primary", True), ("dr", False))
            for name in rules_of(res, side)
            if api.is_enabled(rule(side, name) or {}) != want
        ]
        if wrong:
            return failed(
                "only the serving side's rules may be enabled (a job enabled on both sides "
                f"runs twice): {'; '.join(wrong)}"
            )
        return passed(f"enabled in {ctx.region('primary')}, disabled in {ctx.region('dr')}")

    check = check_maker(res.name, NAME, f"{res.name} (events {bus})")
    return [
        check("rules", "every rule exists on both sides", exist),
        check("targets", "each DR rule has its primary twin's targets", matching),
        check("serving-side", "enabled where the primary serves, disabled in DR", serving),
    ]
