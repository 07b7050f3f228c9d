"""A compliance policy's controls on a replicated bucket pair: default encryption and
server access logging on both buckets; and the AWS Config managed rules that watch those,
versioning on both, and replication on the primary.
"""

from __future__ import annotations

from drctl.aws.config_rules import ConfigRuleSpec, rule_name
from drctl.engine.context import RunContext
from drctl.engine.step import Check, CheckResult, failed, passed
from drctl.kinds.s3_bucket import api
from drctl.kinds.s3_bucket.checks import NAME
from drctl.kinds.steps import check_maker
from drctl.plan.models import S3Bucket
from drctl.plan.policies import Policy

TYPE = "AWS::S3::Bucket"


def _buckets(res: S3Bucket) -> dict[str, str]:
    return {"primary": res.primary, "dr": res.dr}


def checks(res: S3Bucket, ctx: RunContext, policy: Policy) -> list[Check]:
    check = check_maker(res.name, NAME, f"{res.name} (s3 {res.primary} -> {res.dr})")

    def encryption() -> CheckResult:
        found = {
            bucket: api.default_encryption(ctx.client("s3", side), bucket)
            for side, bucket in _buckets(res).items()
        }
        plain = [b for b, algorithm in found.items() if not algorithm]
        if plain:
            return failed(f"no default encryption on {', '.join(plain)}")
        return passed(", ".join(f"{b} {a}" for b, a in found.items()))

    def logging() -> CheckResult:
        found = {
            bucket: api.access_log_target(ctx.client("s3", side), bucket)
            for side, bucket in _buckets(res).items()
        }
        off = [b for b, target in found.items() if not target]
        if off:
            return failed(f"server access logging is off on {', '.join(off)}")
        return passed(", ".join(f"{b} logs to s3://{t}" for b, t in found.items()))

    return [
        check("policy-encryption", "default encryption on both buckets", encryption),
        check("policy-access-logging", "server access logging on both buckets", logging),
    ]


def rules(res: S3Bucket, ctx: RunContext, policy: Policy) -> list[ConfigRuleSpec]:
    """AWS Config knows a bucket by its name."""
    app = ctx.plan.app
    wanted = [
        (side, identifier, what)
        for side in ("primary", "dr")
        for identifier, what in (
            ("S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED", "default encryption"),
            ("S3_BUCKET_LOGGING_ENABLED", "server access logging"),
            ("S3_BUCKET_VERSIONING_ENABLED", "versioning"),
        )
    ] + [("primary", "S3_BUCKET_REPLICATION_ENABLED", "replication")]
    return [
        ConfigRuleSpec(
            name=rule_name(app, res.name, identifier, side),
            resource=res.name,
            side=side,
            identifier=identifier,
            resource_type=TYPE,
            resource_id=_buckets(res)[side],
            description=f"drctl {app}: {what} ({_buckets(res)[side]})",
        )
        for side, identifier, what in wanted
    ]


class S3Compliance:
    def checks(self, res: S3Bucket, ctx: RunContext, policy: Policy) -> list[Check]:
        return checks(res, ctx, policy)

    def rules(self, res: S3Bucket, ctx: RunContext, policy: Policy) -> list[ConfigRuleSpec]:
        return rules(res, ctx, policy)
