"""Sandbox: two versioned, encrypted buckets with a replication rule primary -> DR."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from drctl.kinds.sandboxing import SandboxBuild, ignore_codes
from drctl.plan.models import S3Bucket

REPLICATION_ROLE = "drctl-sandbox-s3-replication"
SAMPLE_OBJECTS = ("index.html", "img/logo.png", "data/catalog.json")
_TRUST = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
    '"Principal":{"Service":"s3.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
)


def build(b: SandboxBuild, res: S3Bucket) -> None:
    for side, bucket in (("primary", res.primary), ("dr", res.dr)):
        s3 = b.client("s3", side)
        region = b.region(side)
        kwargs: dict[str, Any] = {"Bucket": bucket}
        if region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
        ignore_codes(s3.create_bucket, "BucketAlreadyOwnedByYou", **kwargs)
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        s3.put_bucket_encryption(
            Bucket=bucket,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
        )
    primary = b.client("s3", "primary")
    primary.put_bucket_replication(
        Bucket=res.primary,
        ReplicationConfiguration={
            "Role": replication_role(b),
            "Rules": [
                {
                    "ID": f"drctl-{res.name}-to-dr",
                    "Priority": 1,
                    "Status": "Enabled",
                    "Filter": {},
                    "DeleteMarkerReplication": {"Status": "Enabled"},
                    "Destination": {"Bucket": f"arn:aws:s3:::{res.dr}"},
                }
            ],
        },
    )
    for key in SAMPLE_OBJECTS:
        primary.put_object(Bucket=res.primary, Key=key, Body=f"sandbox object {key}".encode())


def replication_role(b: SandboxBuild) -> str:
    iam = b.client("iam", "global")
    try:
        return str(
            iam.create_role(RoleName=REPLICATION_ROLE, AssumeRolePolicyDocument=_TRUST)["Role"][
                "Arn"
            ]
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "EntityAlreadyExists":
            raise
        return str(iam.get_role(RoleName=REPLICATION_ROLE)["Role"]["Arn"])
