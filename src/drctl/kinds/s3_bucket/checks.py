"""Readiness of a replicated bucket: both buckets in their regions, versioning on, an enabled
replication rule primary -> DR, encryption.
"""

from __future__ import annotations

from drctl.engine.context import RunContext
from drctl.engine.step import (
    Check,
    CheckResult,
    failed,
    passed,
    warned,
)
from drctl.kinds.s3_bucket import api
from drctl.kinds.steps import check_maker
from drctl.plan.models import S3Bucket

NAME = "s3-bucket"
SAMPLE_SIZE = 20


def checks(res: S3Bucket, ctx: RunContext) -> list[Check]:
    sides = {"primary": res.primary, "dr": res.dr}

    def region_of(side: str) -> str | None:
        return ctx.memo.get(
            ("s3", "region", sides[side]),
            lambda: api.bucket_region(ctx.client("s3", side), sides[side]),
        )

    def bucket_check(side: str) -> CheckResult:
        bucket, expected = sides[side], ctx.region(side)
        region = region_of(side)
        if region is None:
            return failed(f"bucket {bucket} not found")
        if region != expected:
            return failed(f"bucket {bucket} is in {region}, expected {expected}", region, expected)
        return passed(f"bucket {bucket} in {region}")

    def versioning() -> CheckResult:
        states = {}
        for side, bucket in sides.items():
            if region_of(side) is None:
                return failed(f"bucket {bucket} not found")
            states[bucket] = (
                api.versioning_status(ctx.client("s3", side), bucket) or "never enabled"
            )
        off = {b: s for b, s in states.items() if s != "Enabled"}
        text = ", ".join(f"{b} {s}" for b, s in states.items())
        if off:
            return failed(f"versioning must be on for replication: {text}")
        return passed(f"versioning enabled: {text}")

    def replication() -> CheckResult:
        if region_of("primary") is None:
            return failed(f"bucket {res.primary} not found")
        rules = api.replication_rules(ctx.client("s3", "primary"), res.primary)
        if not rules:
            return failed(f"{res.primary} has no replication configuration")
        enabled = api.enabled_rules_to(rules, res.dr)
        if not enabled:
            targets = sorted({r.get("Destination", {}).get("Bucket", "?") for r in rules})
            return failed(
                f"no enabled replication rule from {res.primary} to {res.dr} "
                f"(rules point to {', '.join(targets)})"
            )
        ids = ", ".join(str(r.get("ID", "?")) for r in enabled)
        return passed(f"{len(enabled)} enabled rule(s) {res.primary} -> {res.dr}: {ids}")

    def encryption() -> CheckResult:
        missing = []
        for side, bucket in sides.items():
            if region_of(side) is None:
                return failed(f"bucket {bucket} not found")
            if api.default_encryption(ctx.client("s3", side), bucket) is None:
                missing.append(bucket)
        if missing:
            return warned(f"no default encryption on {', '.join(missing)}")
        return passed("default encryption on both buckets")

    check = check_maker(res.name, NAME, f"{res.name} (s3)")

    return [
        check(
            "primary-bucket",
            "primary bucket exists in regions.primary",
            lambda: bucket_check("primary"),
        ),
        check("dr-bucket", "DR bucket exists in regions.dr", lambda: bucket_check("dr")),
        check("versioning", "versioning enabled on both buckets", versioning),
        check("replication", "enabled replication rule primary -> DR", replication),
        check("encryption", "default encryption on both buckets", encryption),
    ]
