"""Every S3 call of the s3-bucket kind: location, versioning, replication rules, object
sampling, failback (DR -> primary rule, copying home) and the replication-drill canary."""

from __future__ import annotations

from typing import Any, NamedTuple

from botocore.exceptions import ClientError

from drctl.aws.errors import error_code, is_not_found


def bucket_region(s3: Any, bucket: str) -> str | None:
    """The bucket's region, or None if it does not exist."""
    try:
        location = s3.get_bucket_location(Bucket=bucket).get("LocationConstraint")
    except ClientError as exc:
        if is_not_found(exc, "NoSuchBucket", "404", "NotFound"):
            return None
        raise
    # Legacy answers: None means us-east-1 and "EU" means eu-west-1.
    legacy = {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}
    return str(legacy.get(location, location))


def versioning_status(s3: Any, bucket: str) -> str:
    """ "Enabled", "Suspended", or "" for never enabled."""
    return str(s3.get_bucket_versioning(Bucket=bucket).get("Status", ""))


def replication_rules(s3: Any, bucket: str) -> list[dict[str, Any]]:
    try:
        config = s3.get_bucket_replication(Bucket=bucket)["ReplicationConfiguration"]
    except ClientError as exc:
        if is_not_found(exc, "ReplicationConfigurationNotFoundError"):
            return []
        raise
    return list(config.get("Rules", []))


def bucket_arn(bucket: str) -> str:
    return f"arn:aws:s3:::{bucket}"


REPLICATION_TRUST: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "s3.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def replication_needs(source: str, destination: str) -> list[tuple[str, str]]:
    """(action, resource) pairs a replication role needs for ``source`` -> ``destination``
    (S3 user guide, "Setting up permissions for live replication")."""
    return [
        ("s3:GetReplicationConfiguration", bucket_arn(source)),
        ("s3:ListBucket", bucket_arn(source)),
        ("s3:GetObjectVersionForReplication", f"{bucket_arn(source)}/*"),
        ("s3:GetObjectVersionAcl", f"{bucket_arn(source)}/*"),
        ("s3:GetObjectVersionTagging", f"{bucket_arn(source)}/*"),
        ("s3:ReplicateObject", f"{bucket_arn(destination)}/*"),
        ("s3:ReplicateDelete", f"{bucket_arn(destination)}/*"),
        ("s3:ReplicateTags", f"{bucket_arn(destination)}/*"),
    ]


def replication_policy(source: str, destination: str) -> dict[str, Any]:
    """The policy that allows exactly one direction of replication, and nothing else."""
    by_resource: dict[str, list[str]] = {}
    for action, resource in replication_needs(source, destination):
        by_resource.setdefault(resource, []).append(action)
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": actions, "Resource": resource}
            for resource, actions in by_resource.items()
        ],
    }


def enabled_rules_to(rules: list[dict[str, Any]], destination_bucket: str) -> list[dict[str, Any]]:
    """Enabled rules whose destination is ``destination_bucket`` (by ARN)."""
    arn = bucket_arn(destination_bucket)
    return [
        r
        for r in rules
        if r.get("Status") == "Enabled" and r.get("Destination", {}).get("Bucket") == arn
    ]


def default_encryption(s3: Any, bucket: str) -> str | None:
    """The default SSE algorithm, or None (all new buckets get SSE-S3 since 2023)."""
    try:
        config = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
    except ClientError as exc:
        if is_not_found(exc, "ServerSideEncryptionConfigurationNotFoundError"):
            return None
        raise
    rules = config.get("Rules", [])
    if not rules:
        return None
    return str(rules[0].get("ApplyServerSideEncryptionByDefault", {}).get("SSEAlgorithm"))


def access_log_target(s3: Any, bucket: str) -> str | None:
    """Where server access logs go (``bucket/prefix``), or None when logging is off."""
    logging = s3.get_bucket_logging(Bucket=bucket).get("LoggingEnabled")
    if not logging:
        return None
    return f"{logging.get('TargetBucket')}/{logging.get('TargetPrefix', '')}"


def newest_keys(s3: Any, bucket: str, limit: int = 20) -> list[str]:
    """Up to ``limit`` most recently modified keys, from a full (paginated) listing: the first
    page holds the first 1,000 keys in key order, not the newest."""
    return [key for key, _ in keys_newest_first(s3, bucket, limit)]


def replication_status(s3: Any, bucket: str, key: str) -> str | None:
    """The object's ``ReplicationStatus`` (PENDING, COMPLETED, FAILED, REPLICA) or None."""
    try:
        status = s3.head_object(Bucket=bucket, Key=key).get("ReplicationStatus")
    except ClientError as exc:
        if is_not_found(exc, "404", "NoSuchKey", "NotFound"):
            return None
        raise
    return str(status) if status else None


# ------------------------------------------------------------------ the replication role


def role_name_of(role: str) -> str:
    """The name in a role ARN (``arn:aws:iam::1:role/path/name`` -> ``name``), or the name."""
    return role.rsplit("/", 1)[-1] if role.startswith("arn:") else role


class RoleDocuments(NamedTuple):
    """What IAM evaluates for a role's requests (SCPs aside: they live in Organizations)."""

    trust: dict[str, Any]
    policies: list[dict[str, Any]]  # identity policies: inline, then attached
    boundary_arn: str | None  # the permissions boundary, when one is set
    boundary: dict[str, Any] | None


def role_documents(iam: Any, role: str) -> RoleDocuments | None:
    """A role's trust policy, identity policies and permissions boundary; None if absent."""
    name = role_name_of(role)
    try:
        found = iam.get_role(RoleName=name)["Role"]
    except ClientError as exc:
        if is_not_found(exc, "NoSuchEntity"):
            return None
        raise
    trust = _document(found.get("AssumeRolePolicyDocument"))
    documents = []
    for page in iam.get_paginator("list_role_policies").paginate(RoleName=name):
        for policy in page.get("PolicyNames", []):
            got = iam.get_role_policy(RoleName=name, PolicyName=policy)
            documents.append(_document(got.get("PolicyDocument")))
    for page in iam.get_paginator("list_attached_role_policies").paginate(RoleName=name):
        for attached in page.get("AttachedPolicies", []):
            documents.append(_policy_document(iam, attached["PolicyArn"]))
    boundary_arn = (found.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    boundary = _policy_document(iam, boundary_arn) if boundary_arn else None
    return RoleDocuments(trust, documents, boundary_arn, boundary)


def _policy_document(iam: Any, arn: str) -> dict[str, Any]:
    """A managed policy's default version (an empty document if it is gone: allows nothing)."""
    try:
        version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
        got = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]
    except ClientError as exc:
        if is_not_found(exc, "NoSuchEntity"):
            return {}
        raise
    return _document(got.get("Document"))


def _document(value: Any) -> dict[str, Any]:
    """A policy document as a dict (boto3 decodes most; some answers stay URL-encoded JSON)."""
    if isinstance(value, dict):
        return value
    import json
    from urllib.parse import unquote

    try:
        loaded = json.loads(unquote(str(value or "{}")))
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def create_replication_role(iam: Any, name: str, source: str, destination: str) -> str:
    """Create (or re-use) role ``name`` for S3, allowed exactly ``source`` -> ``destination``;
    its ARN. The policy is (re)written either way, so it never holds more than that."""
    import json

    try:
        arn = iam.create_role(
            RoleName=name,
            AssumeRolePolicyDocument=json.dumps(REPLICATION_TRUST),
            Description=f"S3 replication {source} -> {destination} (created by drctl)",
        )["Role"]["Arn"]
    except ClientError as exc:
        if error_code(exc) != "EntityAlreadyExists":
            raise
        arn = iam.get_role(RoleName=name)["Role"]["Arn"]
    iam.put_role_policy(
        RoleName=name,
        PolicyName=f"replicate-{source}-to-{destination}"[:128],
        PolicyDocument=json.dumps(replication_policy(source, destination)),
    )
    return str(arn)


def failed_replications(
    cloudwatch: Any, source: str, destination: str, rule_id: str, since: Any, until: Any
) -> float:
    """Sum of ``OperationsFailedReplication`` for one rule over [since, until)."""
    answer = cloudwatch.get_metric_statistics(
        Namespace="AWS/S3",
        MetricName="OperationsFailedReplication",
        Dimensions=[
            {"Name": "SourceBucket", "Value": source},
            {"Name": "DestinationBucket", "Value": destination},
            {"Name": "RuleId", "Value": rule_id},
        ],
        StartTime=since,
        EndTime=until,
        Period=300,
        Statistics=["Sum"],
    )
    return float(sum(p.get("Sum", 0.0) for p in answer.get("Datapoints", [])))


def object_exists(s3: Any, bucket: str, key: str) -> bool:
    """Whether ``key`` is in ``bucket`` (HeadObject: a missing key is an error, not False)."""
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if is_not_found(exc, "404", "NoSuchKey", "NotFound"):
            return False
        raise
    return True


# ------------------------------------------------------------------ failback: DR -> primary


def replication_config(s3: Any, bucket: str) -> dict[str, Any] | None:
    try:
        return dict(s3.get_bucket_replication(Bucket=bucket)["ReplicationConfiguration"])
    except ClientError as exc:
        if is_not_found(exc, "ReplicationConfigurationNotFoundError"):
            return None
        raise


def add_rule(s3: Any, bucket: str, rule_id: str, destination: str, role: str) -> None:
    """Add (or replace) rule ``rule_id`` replicating everything to ``destination``."""
    config = with_rule(replication_config(s3, bucket), rule_id, destination, role)
    s3.put_bucket_replication(Bucket=bucket, ReplicationConfiguration=config)


def with_rule(
    config: dict[str, Any] | None, rule_id: str, destination: str, role: str
) -> dict[str, Any]:
    """``config`` (a bucket's one replication configuration, None for none) with rule
    ``rule_id`` replicating everything to ``destination`` added or replaced, under ``role``:
    the other rules kept, the new one's priority above theirs."""
    current = config or {"Role": role, "Rules": []}
    rules = [r for r in current.get("Rules", []) if r.get("ID") != rule_id]
    priority = max((int(r.get("Priority", 0)) for r in rules), default=0) + 1
    rules.append(
        {
            "ID": rule_id,
            "Priority": priority,
            "Status": "Enabled",
            "Filter": {},
            "DeleteMarkerReplication": {"Status": "Enabled"},
            "Destination": {"Bucket": bucket_arn(destination)},
        }
    )
    return {"Role": role, "Rules": rules}


def keys_newest_first(s3: Any, bucket: str, limit: int) -> list[tuple[str, Any]]:
    """(key, LastModified) of up to ``limit`` newest objects (scans every page)."""
    found: list[tuple[str, Any]] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        found.extend((o["Key"], o["LastModified"]) for o in page.get("Contents", []))
    found.sort(key=lambda item: item[1], reverse=True)
    return found[:limit]


SYNCED_FROM = "drctl-synced-from-version"  # user metadata on a copy: the version it copies


def latest_versions(s3: Any, bucket: str) -> dict[str, dict[str, Any]]:
    """key -> its latest version ({VersionId, DeleteMarker, Size}), from every page."""
    latest: dict[str, dict[str, Any]] = {}
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        for entry in page.get("Versions", []):
            if entry.get("IsLatest"):
                latest[entry["Key"]] = {
                    "VersionId": entry.get("VersionId"),
                    "DeleteMarker": False,
                    "Size": int(entry.get("Size", 0)),
                }
        for entry in page.get("DeleteMarkers", []):
            if entry.get("IsLatest"):
                latest[entry["Key"]] = {
                    "VersionId": entry.get("VersionId"),
                    "DeleteMarker": True,
                    "Size": 0,
                }
    return latest


def synced_from(s3: Any, bucket: str, key: str) -> str | None:
    """The source version a drctl copy of ``key`` was made from, or None."""
    try:
        metadata = s3.head_object(Bucket=bucket, Key=key).get("Metadata", {})
    except ClientError as exc:
        if is_not_found(exc, "404", "NoSuchKey", "NotFound"):
            return None
        raise
    value = metadata.get(SYNCED_FROM)
    return str(value) if value else None


def copy_version(
    s3_home: Any,
    s3_source: Any,
    source_bucket: str,
    key: str,
    version_id: str,
    size: int,
    destination: str,
    *,
    multipart_threshold: int,
    part_size: int,
) -> int:
    """Copy one version home, keeping its metadata and marking the version it came from;
    objects over ``multipart_threshold`` go in parts (CopyObject takes at most 5 GB). The
    number of parts (1 for a plain copy)."""
    head = s3_source.head_object(Bucket=source_bucket, Key=key, VersionId=version_id)
    metadata = {**head.get("Metadata", {}), SYNCED_FROM: version_id}
    extra = {"ContentType": head["ContentType"]} if head.get("ContentType") else {}
    source = {"Bucket": source_bucket, "Key": key, "VersionId": version_id}
    if size <= multipart_threshold:
        s3_home.copy_object(
            Bucket=destination,
            Key=key,
            CopySource=source,
            Metadata=metadata,
            MetadataDirective="REPLACE",
            **extra,
        )
        return 1
    upload = s3_home.create_multipart_upload(
        Bucket=destination, Key=key, Metadata=metadata, **extra
    )["UploadId"]
    parts = []
    try:
        for number, start in enumerate(range(0, size, part_size), start=1):
            end = min(start + part_size, size) - 1
            got = s3_home.upload_part_copy(
                Bucket=destination,
                Key=key,
                UploadId=upload,
                PartNumber=number,
                CopySource=source,
                CopySourceRange=f"bytes={start}-{end}",
            )
            parts.append({"PartNumber": number, "ETag": got["CopyPartResult"]["ETag"]})
        s3_home.complete_multipart_upload(
            Bucket=destination, Key=key, UploadId=upload, MultipartUpload={"Parts": parts}
        )
    except Exception:
        s3_home.abort_multipart_upload(Bucket=destination, Key=key, UploadId=upload)
        raise
    return len(parts)


def delete_current(s3: Any, bucket: str, key: str) -> None:
    """Hide ``key`` behind a delete marker (versions are kept), as a delete in DR did."""
    s3.delete_object(Bucket=bucket, Key=key)


# ------------------------------------------------------------------ replication drill canary

CANARY_PREFIX = "drctl-canary/"


def canary_put(s3: Any, bucket: str, key: str, body: bytes) -> str | None:
    response = s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="text/plain")
    version = response.get("VersionId")
    return str(version) if version else None


def canary_remove_all_versions(s3: Any, bucket: str, key: str) -> int:
    """Delete every version and delete marker of ``key`` (a versioned bucket keeps them)."""
    removed = 0
    paginator = s3.get_paginator("list_object_versions")
    for page in paginator.paginate(Bucket=bucket, Prefix=key):
        for entry in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
            if entry["Key"] == key:
                s3.delete_object(Bucket=bucket, Key=key, VersionId=entry["VersionId"])
                removed += 1
    return removed


def bucket_names(s3: Any) -> list[str]:
    """Every bucket the account owns, in any Region (discovery)."""
    return [str(b["Name"]) for b in s3.list_buckets().get("Buckets", [])]


def replication_destinations(s3: Any, bucket: str) -> list[str]:
    """The buckets the bucket's enabled replication rules write to."""
    return [
        str(rule["Destination"]["Bucket"]).rsplit(":", 1)[-1]
        for rule in replication_rules(s3, bucket)
        if rule.get("Status") == "Enabled" and rule.get("Destination", {}).get("Bucket")
    ]
