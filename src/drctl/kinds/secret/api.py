"""Every Secrets Manager and KMS call of the ``secret`` kind: the secret on each side, its
replication, promotion of a replica, and the KMS keys that encrypt it."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from drctl.aws.errors import is_not_found

AWS_MANAGED_KEY = "alias/aws/secretsmanager"


def describe_secret(secretsmanager: Any, secret: str) -> dict[str, Any] | None:
    """The secret as its Region describes it, or None when it has none of that name."""
    try:
        return dict(secretsmanager.describe_secret(SecretId=secret))
    except ClientError as exc:
        if is_not_found(exc, "ResourceNotFoundException"):
            return None
        raise


def primary_region_of(desc: dict[str, Any], own_region: str) -> str:
    """The Region holding the primary of the secret described in ``own_region``: a replica
    names it in ``PrimaryRegion``; a primary is its own."""
    return str(desc.get("PrimaryRegion") or own_region)


def replication_to(desc: dict[str, Any], region: str) -> dict[str, Any] | None:
    """The ``ReplicationStatus`` entry of ``region`` in a primary's description."""
    for entry in desc.get("ReplicationStatus", []) or []:
        if entry.get("Region") == region:
            return dict(entry)
    return None


def key_of(desc: dict[str, Any]) -> str:
    """The KMS key the described secret is encrypted with (``aws/secretsmanager`` when none
    is named)."""
    return str(desc.get("KmsKeyId") or AWS_MANAGED_KEY)


def is_aws_managed(key: str) -> bool:
    return key in (AWS_MANAGED_KEY, "aws/secretsmanager") or key.endswith(
        ":alias/aws/secretsmanager"
    )


def replicate(secretsmanager: Any, secret: str, region: str, kms_key: str | None) -> None:
    """Replicate the secret to ``region``, overwriting a secret of that name there (the stale
    or promoted copy being replaced is the one this failback supersedes)."""
    target: dict[str, str] = {"Region": region}
    if kms_key and not is_aws_managed(kms_key):
        target["KmsKeyId"] = kms_key
    secretsmanager.replicate_secret_to_regions(
        SecretId=secret, AddReplicaRegions=[target], ForceOverwriteReplicaSecret=True
    )


def current_version(secretsmanager: Any, secret: str) -> dict[str, Any] | None:
    """The ``AWSCURRENT`` entry (``VersionId``, ``CreatedDate``) of ``ListSecretVersionIds``
    in the client's Region -- the version GetSecretValue answers there, read without reading
    the value; None when no version carries the label or the list cannot be read (a report,
    never a reason to stop: the caller promotes regardless)."""
    kwargs: dict[str, Any] = {"SecretId": secret}
    while True:
        try:
            page = secretsmanager.list_secret_version_ids(**kwargs)
        except ClientError:
            return None
        for version in page.get("Versions", []) or []:
            if "AWSCURRENT" in (version.get("VersionStages") or []):
                return dict(version)
        if not page.get("NextToken"):
            return None
        kwargs["NextToken"] = page["NextToken"]


def promote(secretsmanager: Any, secret: str) -> None:
    """Promote the replica of the client's Region to a standalone primary secret."""
    secretsmanager.stop_replication_to_replica(SecretId=secret)


def describe_key(kms: Any, key: str) -> dict[str, Any] | None:
    """``KeyMetadata`` of a key (id, ARN or alias) in the client's Region, or None."""
    try:
        return dict(kms.describe_key(KeyId=key)["KeyMetadata"])
    except ClientError as exc:
        if is_not_found(exc, "NotFoundException"):
            return None
        raise
