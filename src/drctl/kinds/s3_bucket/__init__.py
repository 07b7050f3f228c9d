"""``s3-bucket``: a primary bucket replicating to a bucket in the DR region.

Readiness: both buckets exist in the right regions, versioning is on for both
(replication requires it), and an enabled replication rule sends primary ->
DR. Failover moves nothing -- S3 replication already did -- so its step
verifies the DR bucket: it exists, is versioned, and (when the primary still
answers) holds the primary's most recent objects.
"""

from __future__ import annotations

from typing import Any, ClassVar

from drctl.engine.context import RunContext
from drctl.engine.step import Check, Step
from drctl.kinds.contract import IamActions, Kind
from drctl.kinds.s3_bucket import canary, checks, compliance, discover, failback, failover
from drctl.kinds.sandboxing import SandboxBuild
from drctl.plan.models import S3Bucket


class S3BucketKind(Kind):
    name = "s3-bucket"
    model = S3Bucket
    iam_actions: ClassVar[IamActions] = {
        "check": (
            "s3:GetBucketLocation",
            "s3:GetBucketVersioning",
            "s3:GetReplicationConfiguration",
            "s3:GetEncryptionConfiguration",
            "s3:GetBucketLogging",
            "s3:ListBucket",
            "s3:GetObject",
            "iam:GetRole",
            "iam:ListRolePolicies",
            "iam:GetRolePolicy",
            "iam:ListAttachedRolePolicies",
            "iam:GetPolicy",
            "iam:GetPolicyVersion",
            "cloudwatch:GetMetricStatistics",
        ),
        "failover": (
            "s3:GetReplicationConfiguration",  # the RPO gate reads the replication rule
            "s3:GetBucketLocation",
            "s3:GetBucketVersioning",
            "s3:ListBucket",
            "s3:GetObject",
        ),
        "failback": (
            "s3:GetReplicationConfiguration",
            "s3:PutReplicationConfiguration",
            "iam:PassRole",
            "iam:CreateRole",
            "iam:GetRole",
            "iam:PutRolePolicy",
            "iam:ListRolePolicies",
            "iam:GetRolePolicy",
            "iam:ListAttachedRolePolicies",
            "iam:GetPolicy",
            "iam:GetPolicyVersion",
            "s3:ListBucket",
            "s3:ListBucketVersions",
            "s3:GetObject",
            "s3:GetObjectVersion",
            "s3:PutObject",
            "s3:DeleteObject",
            "s3:AbortMultipartUpload",
        ),
        "canary": (
            "s3:PutObject",
            "s3:GetObject",
            "s3:ListBucketVersions",
            "s3:DeleteObject",
            "s3:DeleteObjectVersion",
        ),
        "discover": (
            "s3:ListAllMyBuckets",
            "s3:GetBucketLocation",
            "s3:GetReplicationConfiguration",
        ),
    }
    moto_extensions = ("moto_replication",)
    lag = staticmethod(failover.lag)
    canary = canary.S3Canary()
    compliance = compliance.S3Compliance()
    discover = staticmethod(discover.discover)

    def checks(self, res: Any, ctx: RunContext) -> list[Check]:
        return checks.checks(res, ctx)

    def failover(self, res: Any, ctx: RunContext) -> list[Step]:
        return failover.failover(res, ctx)

    def failback(self, res: Any, ctx: RunContext) -> list[Step]:
        return failback.failback_steps(res, ctx)

    def build_sandbox(self, b: SandboxBuild, res: Any) -> None:
        from drctl.kinds.s3_bucket import sandbox

        sandbox.build(b, res)


KIND = S3BucketKind()
