"""The IAM action an AWS API call needs: ``service:Operation`` -> ``prefix:Action``.

Most IAM actions are named after their operation. The exceptions drctl meets are listed here
(the Service Authorization Reference is the source): S3's object and bucket-configuration
actions are not named after the REST operations, a few operations spell an acronym differently
from botocore, and an S3 call on one version of an object needs the ``...Version`` action.
``drctl iam-policy`` is tested by mapping every recorded call through this function.
"""

from __future__ import annotations

import re

# S3 API operation -> IAM action (Service Authorization Reference, "Amazon S3").
S3_ACTIONS = {
    "GetBucketReplication": "GetReplicationConfiguration",
    "PutBucketReplication": "PutReplicationConfiguration",
    "GetBucketEncryption": "GetEncryptionConfiguration",
    "PutBucketEncryption": "PutEncryptionConfiguration",
    "GetBucketLogging": "GetBucketLogging",
    "HeadObject": "GetObject",
    "HeadBucket": "ListBucket",
    "ListObjectsV2": "ListBucket",
    "ListObjects": "ListBucket",
    "ListObjectVersions": "ListBucketVersions",
    "CopyObject": "PutObject",
    "DeleteObjects": "DeleteObject",
    "ListBuckets": "ListAllMyBuckets",
    "CreateMultipartUpload": "PutObject",
    "UploadPart": "PutObject",
    "CompleteMultipartUpload": "PutObject",
}
# An S3 object call with a VersionId needs the version's own action.
S3_VERSIONED = {"GetObject": "GetObjectVersion", "DeleteObject": "DeleteObjectVersion"}
# botocore spells these differently from IAM.
SPELLING = {"TestDnsAnswer": "TestDNSAnswer"}
# Operations whose IAM action has another name, by service.
RENAMED = {("lambda", "Invoke"): "InvokeFunction"}
# botocore service name -> IAM service prefix, where they differ.
PREFIXES = {
    "monitoring": "cloudwatch",
    "tagging": "tag",
    "resourcegroupstaggingapi": "tag",
    "efs": "elasticfilesystem",
    # DocumentDB's management calls are authorized as rds: actions ("Identity and access
    # management for Amazon DocumentDB", developer guide).
    "docdb": "rds",
}


def iam_action(service: str, operation: str, *, versioned: bool = False) -> str:
    """The IAM action for one call (``versioned``: the request named a VersionId)."""
    prefix = PREFIXES.get(service, service)
    name = RENAMED.get((service, operation), SPELLING.get(operation, operation))
    if service == "s3":
        name = S3_ACTIONS.get(name, name)
        if versioned:
            name = S3_VERSIONED.get(name, name)
    else:
        name = re.sub(r"Db(?=[A-Z])", "DB", name)
    return f"{prefix}:{name}"
