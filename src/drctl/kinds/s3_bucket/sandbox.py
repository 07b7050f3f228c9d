"""Sandbox: two versioned, encrypted buckets with a replication rule primary -> DR."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from drctl.kinds.s3_bucket import api
from drctl.kinds.sandboxing import SandboxBuild, ignore_codes
from drctl.plan.models import S3Bucket

SAMPLE_OBJECTS = ("index.html", "img/logo.png", "data/catalog.json")
# User metadata marking seed objects as older than the sandbox (moto_replication reads it).
ESTABLISHED_METADATA = "drctl-sandbox-established"


def build(b: SandboxBuild, res: S3Bucket) -> None:
    for side, bucket in (("primary", res.primary), ("dr", res.dr)):
        s3 = b.client("s3", side)
        region = b.region(side)
        kwargs: dict[str, Any] = {"Bucket": bucket}
        if region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
        ignore_codes(s3.create_bucket, "BucketAlreadyOwnedByYou", **kwargs)
        s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": b.tag_list()})
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
            "Role": replication_role(b, res),
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
        # Seed data stands for objects written (and replicated) long before the sandbox's
        # clock started: the extension completes them at once.
        primary.put_object(
            Bucket=res.primary,
            Key=key,
            Body=f"sandbox object {key}".encode(),
            Metadata={ESTABLISHED_METADATA: "true"},
        )


def role_name(res: S3Bucket) -> str:
    return f"drctl-sandbox-{res.name}-s3-replication"


def replication_role(b: SandboxBuild, res: S3Bucket) -> str:
    """The primary -> DR replication role, allowed exactly that direction."""
    iam = b.client("iam", "global")
    name = role_name(res)
    try:
        arn = str(
            iam.create_role(
                RoleName=name, AssumeRolePolicyDocument=json.dumps(api.REPLICATION_TRUST)
            )["Role"]["Arn"]
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "EntityAlreadyExists":
            raise
        arn = str(iam.get_role(RoleName=name)["Role"]["Arn"])
    iam.put_role_policy(
        RoleName=name,
        PolicyName="replicate-to-dr",
        PolicyDocument=json.dumps(api.replication_policy(res.primary, res.dr)),
    )
    return arn
