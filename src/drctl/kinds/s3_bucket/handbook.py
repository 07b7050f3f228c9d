"""``s3-bucket`` by hand: the readiness checks and step verifications as AWS CLI commands."""

from __future__ import annotations

from drctl.engine.context import RunContext
from drctl.kinds.handbook import LAST_10_MINUTES, HandCheck
from drctl.plan.models import S3Bucket


def _versioning(bucket: str, region: str) -> HandCheck:
    return HandCheck(
        f"versioning on {bucket}",
        f"aws s3api get-bucket-versioning --bucket {bucket} --query Status --region {region}",
        '`"Enabled"`',
        ("versioning",),
    )


def _replication(source: str, destination: str, region: str, covers: tuple[str, ...]) -> HandCheck:
    return HandCheck(
        f"replication {source} -> {destination}",
        f"aws s3api get-bucket-replication --bucket {source} --query "
        "\"ReplicationConfiguration.[Role,Rules[?Status=='Enabled'].[ID,Destination.Bucket,"
        f'SourceSelectionCriteria.SseKmsEncryptedObjects.Status]]" --region {region}',
        f"an IAM role ARN and an enabled rule to `arn:aws:s3:::{destination}`; when the bucket "
        'uses SSE-KMS, `"Enabled"` for KMS-encrypted objects',
        covers,
    )


def _encryption(bucket: str, region: str) -> HandCheck:
    return HandCheck(
        f"default encryption on {bucket}",
        f"aws s3api get-bucket-encryption --bucket {bucket} --query "
        "'ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault' "
        f"--region {region}",
        '`"SSEAlgorithm": "AES256"` or `"aws:kms"`',
        ("encryption",),
    )


def prechecks(res: S3Bucket, ctx: RunContext) -> list[HandCheck]:
    p, d = ctx.region("primary"), ctx.region("dr")
    return [
        HandCheck(
            f"bucket {res.primary} in {p}",
            f"aws s3api head-bucket --bucket {res.primary} --region {p}",
            f'exit status 0 and `"BucketRegion": "{p}"`',
            ("primary-bucket",),
        ),
        HandCheck(
            f"bucket {res.dr} in {d}",
            f"aws s3api head-bucket --bucket {res.dr} --region {d}",
            f'exit status 0 and `"BucketRegion": "{d}"`',
            ("dr-bucket",),
        ),
        _versioning(res.primary, p),
        _versioning(res.dr, d),
        _replication(res.primary, res.dr, p, ("replication", "kms")),
        HandCheck(
            "the replication role",
            "aws iam get-role --role-name <replication-role-name> --query Role.Arn",
            "the same ARN as the rule's role (it must allow s3:Replicate* on the DR bucket)",
            ("replication-role",),
        ),
        HandCheck(
            "objects that failed to replicate",
            "aws cloudwatch get-metric-statistics --namespace AWS/S3 --metric-name "
            f"OperationsFailedReplication --dimensions Name=SourceBucket,Value={res.primary} "
            f"Name=DestinationBucket,Value={res.dr} Name=RuleId,Value=<rule-id> "
            f"--statistics Sum --period 300 {LAST_10_MINUTES} --query 'Datapoints[].Sum' "
            f"--region {p}",
            "`[]` or only zeros",
            ("failed-replication",),
        ),
        _encryption(res.primary, p),
        _encryption(res.dr, d),
    ]


def _objects(bucket: str, region: str) -> HandCheck:
    return HandCheck(
        f"objects in {bucket}",
        f"aws s3api list-objects-v2 --bucket {bucket} --max-items 20 --query "
        f"'Contents[].[Key,LastModified]' --region {region}",
        "recent objects, the newest written shortly before the failover",
    )


def verifications(res: S3Bucket, ctx: RunContext, action: str) -> dict[str, list[HandCheck]]:
    p, d = ctx.region("primary"), ctx.region("dr")
    if action == "failover":
        return {"verify-dr": [_versioning(res.dr, d), _objects(res.dr, d)]}
    return {
        "reprotect": [_replication(res.dr, res.primary, d, ())],
        "sync-home": [
            HandCheck(
                f"{res.primary} holds what {res.dr} holds",
                f"aws s3 ls s3://{res.primary} --recursive --summarize --region {p}",
                f"the same Total Objects and Total Size as `aws s3 ls s3://{res.dr} --recursive "
                f"--summarize --region {d}`",
            )
        ],
    }
