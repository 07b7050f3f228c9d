"""Readiness of ``lambda-function``: the DR alias runs the primary's code, DR has the
primary's triggers, only the primary's are enabled, and the DR Region can reserve the plan's
concurrency."""

from __future__ import annotations

from typing import Any

from drctl.engine.context import RunContext
from drctl.engine.step import Check, CheckResult, failed, passed
from drctl.kinds.lambda_function import api
from drctl.kinds.lambda_function.triggers import NAME
from drctl.kinds.steps import check_maker
from drctl.plan.models import LambdaFunction

UNRESERVED_FLOOR = api.UNRESERVED_FLOOR


def checks(res: LambdaFunction, ctx: RunContext) -> list[Check]:
    home, dr = ctx.region("primary"), ctx.region("dr")

    def code(side: str) -> tuple[str, str] | None:
        return ctx.memo.get(
            ("lambda-alias", side, res.function, res.alias),
            lambda: api.alias_code(ctx.client("lambda", side), res.function, res.alias),
        )

    def mappings(side: str) -> list[dict[str, Any]]:
        return ctx.memo.get(
            ("lambda-esm", side, res.function),
            lambda: api.mappings(ctx.client("lambda", side), res.function),
        )

    def alias() -> CheckResult:
        mine, theirs = code("primary"), code("dr")
        where = f"{res.function}:{res.alias}"
        if mine is None:
            return failed(f"{where} not found in {home}")
        if theirs is None:
            return failed(f"{where} not found in {dr}: deploy the function and alias there")
        if mine[1] != theirs[1]:
            return failed(
                f"{where} runs different code: version {mine[0]} in {home} "
                f"(CodeSha256 {mine[1]}), version {theirs[0]} in {dr} (CodeSha256 {theirs[1]})",
                theirs[1],
                mine[1],
            )
        return passed(f"{where}: version {mine[0]} in {home}, {theirs[0]} in {dr}, same CodeSha256")

    def sources() -> CheckResult:
        mine, theirs = mappings("primary"), mappings("dr")
        if len(theirs) < len(mine):
            return failed(
                f"{dr} has {len(theirs)} event source mapping(s) of {res.function}, {home} has "
                f"{len(mine)}: create the missing ones there (disabled)",
                len(theirs),
                len(mine),
            )
        return passed(f"{len(theirs)} event source mapping(s) in {dr}, {len(mine)} in {home}")

    def serving() -> CheckResult:
        wrong = [
            f"{m['UUID'][:8]} in {ctx.region(side)} is {m.get('State')}"
            for side, want in (("primary", "Enabled"), ("dr", "Disabled"))
            for m in mappings(side)
            if m.get("State") != want
        ]
        if wrong:
            return failed(
                "only the serving side's mappings may be enabled (both would process a "
                f"replicated stream twice): {'; '.join(wrong)}"
            )
        return passed(f"mappings enabled in {home}, disabled in {dr}")

    def concurrency() -> CheckResult:
        want = res.reserved_concurrency
        if want is None:
            return passed("no reserved concurrency in the plan: left as it is")
        client = ctx.client("lambda", "dr")
        now = api.reserved(client, res.function) or 0
        quota, free = api.unreserved(client)
        left = free + now - want
        if left < UNRESERVED_FLOOR:
            return failed(
                f"reserving {want} for {res.function} in {dr} would leave {left} of {quota} "
                f"unreserved; Lambda keeps at least {UNRESERVED_FLOOR}: lower "
                "reserved_concurrency or raise the Region's quota",
                left,
                UNRESERVED_FLOOR,
            )
        return passed(
            f"{want} can be reserved in {dr} ({left} of {quota} left unreserved)",
            left,
            UNRESERVED_FLOOR,
        )

    check = check_maker(res.name, NAME, f"{res.name} (lambda {res.function})")
    return [
        check("dr-alias", "the DR alias runs the primary's code (CodeSha256)", alias),
        check("event-sources", "DR has the primary's event source mappings", sources),
        check("serving-side", "mappings enabled where the primary serves only", serving),
        check("concurrency", "the DR Region can reserve the plan's concurrency", concurrency),
    ]
