"""Failover of a replicated bucket: nothing to switch in S3 itself; verify that recent objects are
readable in the DR bucket, and read S3 replication latency for the RPO gate.
"""

from __future__ import annotations

from typing import Any

from drctl.aws import cloudwatch
from drctl.engine.context import RunContext
from drctl.engine.declarative import Probe, SdkCall, SfnStep, equals
from drctl.engine.step import (
    Phase,
    Precheck,
    Step,
    StepOutcome,
    Verification,
)
from drctl.errors import AwsError, DrctlError
from drctl.kinds.s3_bucket import api
from drctl.kinds.s3_bucket.checks import NAME, SAMPLE_SIZE
from drctl.kinds.steps import aws_step
from drctl.plan.models import S3Bucket


def failover(res: S3Bucket, ctx: RunContext) -> list[Step]:
    return [verify_dr_step(res, ctx)]


def lag(res: S3Bucket, ctx: RunContext) -> Any:
    """S3 publishes ReplicationLatency only for rules with replication metrics (or
    RTC) on; without them the lag of S3 replication cannot be measured."""
    from drctl.engine.gate import LagReading

    rules = api.enabled_rules_to(
        api.replication_rules(ctx.client("s3", "primary"), res.primary), res.dr
    )
    measured = [
        r for r in rules if r.get("Destination", {}).get("Metrics", {}).get("Status") == "Enabled"
    ]
    source = f"CloudWatch AWS/S3 ReplicationLatency {res.primary} -> {res.dr}"
    if not measured:
        return LagReading(res.name, NAME, None, source, "replication metrics not enabled")
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
        res.name, NAME, seconds, source, "" if seconds is not None else "no datapoint"
    )


def verify_dr_step(res: S3Bucket, ctx: RunContext) -> Step:
    dr_client = ctx.client("s3", "dr")
    d_region = ctx.region("dr")
    sample: list[str] = []

    def precheck() -> Precheck:
        return Precheck(False, f"DR bucket {res.dr} not yet verified", "DR bucket ready to serve")

    def run() -> StepOutcome:
        region = api.bucket_region(dr_client, res.dr)
        if region is None:
            raise AwsError(f"{res.name}: DR bucket {res.dr} not found")
        if region != d_region:
            raise AwsError(f"{res.name}: DR bucket {res.dr} is in {region}, not {d_region}")
        if api.versioning_status(dr_client, res.dr) != "Enabled":
            raise AwsError(f"{res.name}: versioning is not enabled on DR bucket {res.dr}")
        try:
            sample.extend(api.newest_keys(ctx.client("s3", "primary"), res.primary, SAMPLE_SIZE))
            note = f"sampled the {len(sample)} newest objects of {res.primary}"
        except DrctlError as exc:
            note = f"primary not readable ({exc.message}); objects not compared"
        except Exception as exc:
            note = f"primary not readable ({type(exc).__name__}); objects not compared"
        return StepOutcome(detail=f"DR bucket {res.dr} exists and is versioned; {note}")

    def verify() -> Verification:
        missing = [k for k in sample if not api.object_exists(dr_client, res.dr, k)]
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
        kind=NAME,
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
        # Declaratively: the DR bucket answers in its Region and is versioned (the CLI also
        # compares the primary's newest objects, which needs a loop over keys).
        sfn=lambda: SfnStep(
            verify=Probe(
                SdkCall("s3", "getBucketVersioning", {"Bucket": res.dr}, d_region),
                equals("$.Status", "Enabled"),
            )
        ),
    )
