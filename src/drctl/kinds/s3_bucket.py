"""``s3-bucket``: a primary bucket replicating to a bucket in the DR region.

Readiness: both buckets exist in the right regions, versioning is on for both
(replication requires it), and an enabled replication rule sends primary ->
DR. Failover moves nothing -- S3 replication already did -- so its step
verifies the DR bucket: it exists, is versioned, and (when the primary still
answers) holds the primary's most recent objects.
"""

from __future__ import annotations

from typing import Any

from drctl.aws import cloudwatch, s3
from drctl.engine.step import (
    Check,
    CheckResult,
    Phase,
    Precheck,
    Step,
    StepOutcome,
    Verification,
    failed,
    passed,
    warned,
)
from drctl.errors import AwsError, DrctlError
from drctl.kinds.base import KindContext, aws_check, aws_step
from drctl.kinds.registry import register
from drctl.plan.models import S3Bucket

KIND = "s3-bucket"
SAMPLE_SIZE = 20


@register(KIND)
class S3BucketKind:
    def checks(self, res: S3Bucket, ctx: KindContext) -> list[Check]:
        sides = {"primary": res.primary, "dr": res.dr}

        def region_of(side: str) -> str | None:
            return ctx.memo.get(
                ("s3", "region", sides[side]),
                lambda: s3.bucket_region(ctx.client("s3", side), sides[side]),
            )

        def bucket_check(side: str) -> CheckResult:
            bucket, expected = sides[side], ctx.region(side)
            region = region_of(side)
            if region is None:
                return failed(f"bucket {bucket} not found")
            if region != expected:
                return failed(
                    f"bucket {bucket} is in {region}, expected {expected}", region, expected
                )
            return passed(f"bucket {bucket} in {region}")

        def versioning() -> CheckResult:
            states = {}
            for side, bucket in sides.items():
                if region_of(side) is None:
                    return failed(f"bucket {bucket} not found")
                states[bucket] = (
                    s3.versioning_status(ctx.client("s3", side), bucket) or "never enabled"
                )
            off = {b: s for b, s in states.items() if s != "Enabled"}
            text = ", ".join(f"{b} {s}" for b, s in states.items())
            if off:
                return failed(f"versioning must be on for replication: {text}")
            return passed(f"versioning enabled: {text}")

        def replication() -> CheckResult:
            if region_of("primary") is None:
                return failed(f"bucket {res.primary} not found")
            rules = s3.replication_rules(ctx.client("s3", "primary"), res.primary)
            if not rules:
                return failed(f"{res.primary} has no replication configuration")
            enabled = s3.enabled_rules_to(rules, res.dr)
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
                if s3.default_encryption(ctx.client("s3", side), bucket) is None:
                    missing.append(bucket)
            if missing:
                return warned(f"no default encryption on {', '.join(missing)}")
            return passed("default encryption on both buckets")

        def check(name: str, description: str, fn: Any) -> Check:
            return aws_check(
                resource=res.name,
                kind=KIND,
                name=name,
                description=description,
                where=f"{res.name} (s3)",
                run=fn,
            )

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

    def failover(self, res: S3Bucket, ctx: KindContext) -> list[Step]:
        return [verify_dr_step(res, ctx)]

    def lag(self, res: S3Bucket, ctx: KindContext) -> Any:
        """S3 publishes ReplicationLatency only for rules with replication metrics (or
        RTC) on; without them the lag of S3 replication cannot be measured."""
        from drctl.engine.gate import LagReading

        rules = s3.enabled_rules_to(
            s3.replication_rules(ctx.client("s3", "primary"), res.primary), res.dr
        )
        measured = [
            r
            for r in rules
            if r.get("Destination", {}).get("Metrics", {}).get("Status") == "Enabled"
        ]
        source = f"CloudWatch AWS/S3 ReplicationLatency {res.primary} -> {res.dr}"
        if not measured:
            return LagReading(res.name, KIND, None, source, "replication metrics not enabled")
        seconds = cloudwatch.latest_maximum(
            ctx.client("cloudwatch", "primary"),
            namespace="AWS/S3",
            metric="ReplicationLatency",
            dimensions={
                "SourceBucket": res.primary,
                "DestinationBucket": res.dr,
                "RuleId": str(measured[0].get("ID", "")),
            },
            now=ctx.clock.now(),
        )
        return LagReading(
            res.name, KIND, seconds, source, "" if seconds is not None else "no datapoint"
        )

    def failback(self, res: S3Bucket, ctx: KindContext) -> list[Step]:
        from drctl.kinds.s3_failback import failback_steps

        return failback_steps(res, ctx)


def verify_dr_step(res: S3Bucket, ctx: KindContext) -> Step:
    dr_client = ctx.client("s3", "dr")
    d_region = ctx.region("dr")
    sample: list[str] = []

    def precheck() -> Precheck:
        return Precheck(False, f"DR bucket {res.dr} not yet verified", "DR bucket ready to serve")

    def run() -> StepOutcome:
        region = s3.bucket_region(dr_client, res.dr)
        if region is None:
            raise AwsError(f"{res.name}: DR bucket {res.dr} not found")
        if region != d_region:
            raise AwsError(f"{res.name}: DR bucket {res.dr} is in {region}, not {d_region}")
        if s3.versioning_status(dr_client, res.dr) != "Enabled":
            raise AwsError(f"{res.name}: versioning is not enabled on DR bucket {res.dr}")
        try:
            sample.extend(s3.newest_keys(ctx.client("s3", "primary"), res.primary, SAMPLE_SIZE))
            note = f"sampled the {len(sample)} newest objects of {res.primary}"
        except DrctlError as exc:
            note = f"primary not readable ({exc.message}); objects not compared"
        except Exception as exc:
            note = f"primary not readable ({type(exc).__name__}); objects not compared"
        return StepOutcome(detail=f"DR bucket {res.dr} exists and is versioned; {note}")

    def verify() -> Verification:
        missing = [k for k in sample if not s3.object_exists(dr_client, res.dr, k)]
        if missing and ctx.mode == "planned":
            return Verification(
                False, f"{len(missing)} of {len(sample)} newest objects not yet in {res.dr}"
            )
        if missing:
            return Verification(
                True,
                f"{len(missing)} of {len(sample)} newest objects missing from {res.dr} "
                "(data-loss window of an unplanned failover)",
            )
        return Verification(True, f"{len(sample)}/{len(sample)} sampled objects present")

    return aws_step(
        resource=res.name,
        kind=KIND,
        action="verify-dr",
        phase=Phase.DATA,
        description=f"Verify DR bucket {res.dr} in {d_region}: exists, versioned, holds the "
        "primary's newest objects",
        cli=[
            f"aws s3api get-bucket-versioning --bucket {res.dr} --region {d_region}",
            f"aws s3api list-objects-v2 --bucket {res.dr} --max-items {SAMPLE_SIZE} "
            f"--region {d_region}",
        ],
        where=f"{res.name} (s3 {d_region})",
        precheck=precheck,
        run=run,
        verify=verify,
        mutating=False,
        poll_seconds=10.0,
    )
