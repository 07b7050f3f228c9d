"""``lambda-function`` by hand: the readiness checks and step verifications as AWS CLI
commands."""

from __future__ import annotations

from drctl.engine.context import RunContext
from drctl.kinds.handbook import HandCheck
from drctl.plan.models import LambdaFunction


def _alias(res: LambdaFunction, region: str) -> HandCheck:
    return HandCheck(
        f"the code behind {res.function}:{res.alias} in {region}",
        f"aws lambda get-function --function-name {res.function} --qualifier {res.alias} "
        f"--query 'Configuration.[Version,CodeSha256]' --region {region}",
        "the same CodeSha256 in both Regions",
        ("dr-alias",),
    )


def _mappings(res: LambdaFunction, region: str, good: str) -> HandCheck:
    return HandCheck(
        f"event source mappings of {res.function} in {region}",
        f"aws lambda list-event-source-mappings --function-name {res.function} "
        f"--query 'EventSourceMappings[].[EventSourceArn,State]' --region {region}",
        good,
    )


def _concurrency(res: LambdaFunction, region: str, good: str) -> HandCheck:
    return HandCheck(
        f"reserved concurrency of {res.function} in {region}",
        f"aws lambda get-function-concurrency --function-name {res.function} "
        f"--query ReservedConcurrentExecutions --region {region}",
        good,
    )


def prechecks(res: LambdaFunction, ctx: RunContext) -> list[HandCheck]:
    p, d = ctx.region("primary"), ctx.region("dr")
    want = res.reserved_concurrency
    return [
        _alias(res, p),
        _alias(res, d),
        _mappings(res, p, "the primary's sources, each `Enabled`").covering(
            ("event-sources", "serving-side")
        ),
        _mappings(res, d, "a mapping for each source of the primary, each `Disabled`").covering(
            ("event-sources", "serving-side")
        ),
        HandCheck(
            f"concurrency the account has in {d}",
            "aws lambda get-account-settings --query "
            f"'AccountLimit.UnreservedConcurrentExecutions' --region {d}",
            f"at least {want} + 100 (Lambda keeps 100 unreserved)"
            if want is not None
            else "any: the plan reserves no concurrency",
            ("concurrency",),
        ),
    ]


def verifications(res: LambdaFunction, ctx: RunContext, action: str) -> dict[str, list[HandCheck]]:
    p, d = ctx.region("primary"), ctx.region("dr")
    if action == "failover":
        return {
            "set-concurrency": [_concurrency(res, d, f"`{res.reserved_concurrency}`")],
            "disable-primary-sources": [_mappings(res, p, "every mapping `Disabled`")],
            "enable-dr-sources": [_mappings(res, d, "every mapping `Enabled`")],
        }
    return {
        "disable-dr-sources": [_mappings(res, d, "every mapping `Disabled`")],
        "enable-primary-sources": [_mappings(res, p, "every mapping `Enabled`")],
        "restore-concurrency": [
            _concurrency(res, d, "what it had before the failover (`null` when none)")
        ],
    }
