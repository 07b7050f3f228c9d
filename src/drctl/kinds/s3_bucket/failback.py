"""Failback of ``s3-bucket``: re-protect DR -> primary, then bring home what DR received.

1. ``reprotect``: a replication rule on the DR bucket to the primary bucket (the
   primary's replication role is reused), so new writes flow home while traffic
   is still in DR.
2. ``sync-home``: objects written in DR before that rule existed are not
   replicated by S3; the newest ones missing from the primary are copied (up to
   ``SYNC_LIMIT``; beyond that the step says to run S3 Batch Replication).

The rule stays afterwards: with the original primary -> DR rule it makes a
two-way replication, which S3 supports and which keeps both sides in step.
"""

from __future__ import annotations

from drctl.engine.context import RunContext
from drctl.engine.step import Phase, Precheck, Step, StepOutcome, Verification
from drctl.errors import AwsError
from drctl.kinds.s3_bucket import api
from drctl.kinds.steps import aws_step
from drctl.plan.models import S3Bucket

NAME = "s3-bucket"
SYNC_LIMIT = 1000


def failback_steps(res: S3Bucket, ctx: RunContext) -> list[Step]:
    return [_reprotect(res, ctx), _sync_home(res, ctx)]


def _rule_id(res: S3Bucket) -> str:
    return f"drctl-{res.name}-to-primary"


def _reprotect(res: S3Bucket, ctx: RunContext) -> Step:
    dr, primary = ctx.client("s3", "dr"), ctx.client("s3", "primary")
    region = ctx.region("dr")

    def present() -> bool:
        return bool(api.enabled_rules_to(api.replication_rules(dr, res.dr), res.primary))

    def precheck() -> Precheck:
        done = present()
        now = "DR bucket replicates to the primary" if done else "no rule DR -> primary"
        return Precheck(done, now, f"enabled replication rule {res.dr} -> {res.primary}")

    def run() -> StepOutcome:
        config = api.replication_config(primary, res.primary)
        role = (config or {}).get("Role")
        if not role:
            raise AwsError(
                f"{res.name}: {res.primary} has no replication role to reuse for {res.dr} -> "
                f"{res.primary}",
                hint="add the rule by hand (aws s3api put-bucket-replication) and resume",
            )
        api.add_rule(dr, res.dr, _rule_id(res), res.primary, str(role))
        return StepOutcome(detail=f"rule {_rule_id(res)}: {res.dr} -> {res.primary}")

    def verify() -> Verification:
        return Verification(present(), f"replication {res.dr} -> {res.primary}")

    return aws_step(
        resource=res.name,
        kind=NAME,
        action="reprotect",
        phase=Phase.DATA,
        description=f"Replicate {res.dr} back to {res.primary}: add an enabled replication "
        "rule on the DR bucket (the primary's role reused)",
        cli=[
            f"aws s3api put-bucket-replication --bucket {res.dr} --replication-configuration "
            f"file://reverse.json --region {region}"
        ],
        where=f"{res.name} (s3 {region})",
        precheck=precheck,
        run=run,
        verify=verify,
        poll_seconds=10.0,
    )


def _sync_home(res: S3Bucket, ctx: RunContext) -> Step:
    dr, primary = ctx.client("s3", "dr"), ctx.client("s3", "primary")
    p_region = ctx.region("primary")

    def missing(limit: int) -> list[str]:
        newest = api.keys_newest_first(dr, res.dr, limit)
        return [k for k, _ in newest if not api.object_exists(primary, res.primary, k)]

    def precheck() -> Precheck:
        gaps = missing(20)
        if not gaps:
            return Precheck(True, f"the 20 newest objects of {res.dr} are in {res.primary}", "")
        return Precheck(False, f"{len(gaps)} of the 20 newest objects missing at home", "none")

    def run() -> StepOutcome:
        gaps = missing(SYNC_LIMIT)
        for key in gaps:
            api.copy_object(primary, res.dr, key, res.primary)
        note = f"copied {len(gaps)} objects {res.dr} -> {res.primary}"
        if len(gaps) == SYNC_LIMIT:
            note += f"; more may be missing: run S3 Batch Replication on {res.dr}"
        return StepOutcome(detail=note, data={"copied": len(gaps)})

    def verify() -> Verification:
        gaps = missing(20)
        return Verification(not gaps, f"{len(gaps)} of the 20 newest objects missing at home")

    return aws_step(
        resource=res.name,
        kind=NAME,
        action="sync-home",
        phase=Phase.DATA,
        description=f"Copy objects written in {res.dr} during the outage that are missing "
        f"from {res.primary} (S3 replicates only objects written after a rule exists)",
        cli=[
            f"aws s3 sync s3://{res.dr} s3://{res.primary} --source-region "
            f"{ctx.region('dr')} --region {p_region}"
        ],
        where=f"{res.name} (s3 {p_region})",
        precheck=precheck,
        run=run,
        verify=verify,
        poll_seconds=10.0,
    )
