"""S3 replication that replicates the way S3 does: through the rule's role, over time.

moto stores a bucket's replication configuration but copies nothing and never reports
``ReplicationStatus``. This module copies each new object as S3 replication does, on the
sandbox's AWS clock (:data:`drctl.kinds.sandboxing.aws_time`), and reports what AWS reports.

Behaviour, and where it comes from (S3 user guide and API reference, botocore ``s3/2006-03-01``):

- Which rules apply (``ReplicationRule``): rules with ``Status`` Enabled whose ``Filter``
  (``Prefix``, ``Tag``, or ``And`` of both) or legacy V1 ``Prefix`` matches the object; the
  highest ``Priority`` wins per destination bucket; rules naming different buckets all apply.
  SSE-KMS objects replicate only where ``SourceSelectionCriteria.SseKmsEncryptedObjects`` is
  Enabled, and fail without a ``Destination.EncryptionConfiguration.ReplicaKmsKeyID``
  (https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-config-for-kms-objects.html).
- Only objects written after the rule exists replicate: rules are read when the object is
  written, never backfilled ("objects that existed before you added the replication
  configuration" need S3 Batch Replication,
  https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-what-is-isnot-replicated.html).
- The rule's IAM role does the work: S3 assumes it (its trust policy must let
  ``s3.amazonaws.com`` call ``sts:AssumeRole``) and it needs ``s3:GetReplicationConfiguration``
  and ``s3:ListBucket`` on the source bucket, ``s3:GetObjectVersionForReplication`` on the
  source object and ``s3:ReplicateObject`` (``s3:ReplicateDelete`` for delete markers) on the
  destination (https://docs.aws.amazon.com/AmazonS3/latest/userguide/setting-repl-config-perm-overview.html).
  The policies attached to the role in moto's IAM backend are evaluated; a missing role or a
  missing permission fails the object, and "Amazon S3 doesn't retry" a FAILED replication
  (https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-status.html).
- ``ReplicationStatus`` (``x-amz-replication-status``): PENDING from the write until every
  destination has a copy, then COMPLETED, or FAILED if any destination could not take it
  (missing or unversioned bucket, role); replicas report REPLICA and are never replicated
  again, so two buckets replicating to each other do not loop.
- What is copied: body, ETag, metadata, tags, ACL, encryption, checksum; the replica keeps the
  source's version ID and takes ``Destination.StorageClass`` if set.
- Delete markers (``DeleteMarkerReplication``) replicate when the rule enables it, never for
  tag-based rules; V1 rules replicate them; deleting a specific version never replicates
  (https://docs.aws.amazon.com/AmazonS3/latest/userguide/delete-marker-replication.html).
- Time: each operation completes ``base delay + size / throughput`` AWS seconds after the
  write (the sandbox's choice: S3 replicates most objects in seconds, RTC promises 99.99 % in
  15 minutes, https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-time-control.html).
  Nothing runs in the background: every S3 or CloudWatch request first applies what is due at
  ``aws_time.now()`` (``settle``), so a reader sees the state current at that AWS time.
- Replication metrics (rules with ``Destination.Metrics`` or ``ReplicationTime`` Enabled)
  are published to CloudWatch in the source bucket's Region, namespace ``AWS/S3``,
  dimensions ``SourceBucket``, ``DestinationBucket``, ``RuleId``:
  ``OperationsPendingReplication`` and ``BytesPendingReplication`` when an operation is queued
  or ends, ``ReplicationLatency`` (seconds) when one completes, ``OperationsFailedReplication``
  when one fails (https://docs.aws.amazon.com/AmazonS3/latest/userguide/repl-metrics.html).

Objects written with the user metadata ``drctl-sandbox-established: true`` (the sandbox
builder's seed data, which stands for objects written long before the sandbox's clock started)
complete at once.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from moto.s3.models import FakeKey, S3Backend, s3_backends
from moto.s3.responses import S3Response

from drctl.kinds.s3_bucket.sandbox import ESTABLISHED_METADATA
from drctl.kinds.sandboxing import PatchSet, aws_time

__all__ = [
    "ESTABLISHED_METADATA",
    "REPLICATION_STATUS_HEADER",
    "Destination",
    "get_replication_delay",
    "install",
    "is_installed",
    "pending_replications",
    "replication_status",
    "set_replication_delay",
    "settle",
    "uninstall",
    "wait_for_replication",
]

REPLICATION_STATUS_HEADER: Final = "x-amz-replication-status"
PENDING: Final = "PENDING"
COMPLETED: Final = "COMPLETED"
FAILED: Final = "FAILED"
REPLICA: Final = "REPLICA"

# AWS seconds an operation takes: a fixed part, plus the bytes at this throughput.
DEFAULT_DELAY_SECONDS: Final = 2.0
THROUGHPUT_BYTES_PER_SECOND: Final = 100 * 1024 * 1024

_STATUS_ATTR: Final = "_drctl_replication_status"
_BUCKET_ARN_PREFIX: Final = "arn:aws:s3:::"
_NAMESPACE: Final = "AWS/S3"

_log = logging.getLogger(__name__)
_patches = PatchSet()
_lock = threading.RLock()
_local = threading.local()
_delay_seconds = DEFAULT_DELAY_SECONDS


@dataclass(frozen=True)
class Destination:
    """Where one matching rule sends an object."""

    bucket: str
    storage_class: str | None
    priority: int
    rule_id: str = ""
    metrics: bool = False
    replica_kms_key: str | None = None


@dataclass
class _Operation:
    """One replication S3 owes: an object version or a delete marker, to its destinations."""

    backend: Any
    bucket: Any  # the source FakeBucket (a reset replaces it: the operation is then dropped)
    key_name: str
    version_id: str
    source: Any  # the FakeKey, or None for a delete marker
    role: str
    destinations: list[Destination]
    queued: datetime
    due: datetime
    size: int
    failed: list[str] = field(default_factory=list)


_queue: list[_Operation] = []


def set_replication_delay(seconds: float) -> None:
    """The fixed AWS seconds each replication takes from now on (before size is added)."""
    global _delay_seconds
    if seconds < 0:
        raise ValueError(f"replication delay must be >= 0, got {seconds}")
    _delay_seconds = float(seconds)


def get_replication_delay() -> float:
    """The fixed delay currently applied to every replication."""
    return _delay_seconds


def pending_replications() -> int:
    """How many replications are still owed at the current AWS time."""
    settle()
    with _lock:
        return len(_queue)


def wait_for_replication(timeout: float = 5.0) -> bool:
    """Wait (real time) until nothing is owed; False if something still was at ``timeout``."""
    deadline = time.monotonic() + timeout
    while pending_replications():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.01)
    return True


def replication_status(key: Any) -> str | None:
    """The ``ReplicationStatus`` S3 would report for a moto ``FakeKey``, if any."""
    status = getattr(key, _STATUS_ATTR, None)
    return status if isinstance(status, str) else None


# --- rule evaluation -------------------------------------------------------------------------


def _rules(bucket: Any) -> list[Mapping[str, Any]]:
    config = getattr(bucket, "replication", None) or {}
    rules = config.get("Rule") or []
    return [rules] if isinstance(rules, Mapping) else list(rules)


def _role(bucket: Any) -> str:
    config = getattr(bucket, "replication", None) or {}
    return str(config.get("Role") or "")


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _filter_parts(rule: Mapping[str, Any]) -> tuple[str, list[Mapping[str, Any]]]:
    """The (prefix, tags) a rule selects on, for both V1 and V2 configurations."""
    if "Filter" not in rule:
        return rule.get("Prefix") or "", []
    flt = rule.get("Filter") or {}
    if "And" in flt:
        both = flt.get("And") or {}
        return both.get("Prefix") or "", _as_list(both.get("Tag"))
    return flt.get("Prefix") or "", _as_list(flt.get("Tag"))


def _priority(rule: Mapping[str, Any]) -> int:
    try:
        return int(rule.get("Priority", 0))
    except (TypeError, ValueError):
        return 0


def _bucket_name(destination_bucket: str) -> str:
    return destination_bucket.removeprefix(_BUCKET_ARN_PREFIX).split(":::")[-1]


def _enabled(element: Any) -> bool:
    return isinstance(element, Mapping) and element.get("Status") == "Enabled"


def _object_tags(backend: Any, key: Any) -> dict[str, str]:
    tags = backend.tagger.list_tags_for_resource(key.arn).get("Tags", [])
    return {tag["Key"]: tag["Value"] for tag in tags}


def _rule_selects(rule: Mapping[str, Any], key: Any, tags: Mapping[str, str]) -> bool:
    if rule.get("Status") != "Enabled":
        return False
    prefix, wanted_tags = _filter_parts(rule)
    if not key.name.startswith(prefix):
        return False
    if any(tags.get(str(tag.get("Key"))) != tag.get("Value") for tag in wanted_tags):
        return False
    if key.encryption == "aws:kms":
        criteria = rule.get("SourceSelectionCriteria") or {}
        return _enabled(criteria.get("SseKmsEncryptedObjects"))
    return True


def _highest_priority_per_bucket(matches: list[Mapping[str, Any]]) -> list[Destination]:
    chosen: dict[str, Destination] = {}
    for rule in matches:
        destination = rule.get("Destination") or {}
        encryption = destination.get("EncryptionConfiguration") or {}
        candidate = Destination(
            bucket=_bucket_name(str(destination.get("Bucket", ""))),
            storage_class=destination.get("StorageClass"),
            priority=_priority(rule),
            rule_id=str(rule.get("ID") or ""),
            metrics=_enabled(destination.get("Metrics"))
            or _enabled(destination.get("ReplicationTime")),
            replica_kms_key=encryption.get("ReplicaKmsKeyID"),
        )
        current = chosen.get(candidate.bucket)
        if current is None or candidate.priority > current.priority:
            chosen[candidate.bucket] = candidate
    return list(chosen.values())


def destinations_for_object(backend: Any, bucket: Any, key: Any) -> list[Destination]:
    """Where S3 would replicate ``key``, one entry per destination bucket."""
    tags = _object_tags(backend, key)
    return _highest_priority_per_bucket([r for r in _rules(bucket) if _rule_selects(r, key, tags)])


def _replicates_delete_markers(rule: Mapping[str, Any], key_name: str) -> bool:
    if rule.get("Status") != "Enabled":
        return False
    prefix, tags = _filter_parts(rule)
    if not key_name.startswith(prefix):
        return False
    if "Filter" not in rule:
        return True
    return not tags and _enabled(rule.get("DeleteMarkerReplication"))


# --- the role --------------------------------------------------------------------------------


def _iam_role(account_id: str, partition: str, arn: str) -> Any:
    from moto.iam.models import iam_backends

    try:
        return iam_backends[account_id][partition].get_role_by_arn(arn)
    except Exception:  # moto's NotFoundException: the role does not exist
        return None


def _trusts_s3(role: Any) -> bool:
    """Whether the role's trust policy lets S3 assume it."""
    try:
        document = json.loads(role.assume_role_policy_document)
    except (TypeError, ValueError):
        return False
    for statement in _as_list(document.get("Statement")):
        actions = {str(a) for a in _as_list(statement.get("Action"))}
        principal = statement.get("Principal") or {}
        services = _as_list(principal.get("Service")) if isinstance(principal, Mapping) else []
        if (
            statement.get("Effect") == "Allow"
            and actions & {"sts:AssumeRole", "sts:*", "*"}
            and "s3.amazonaws.com" in services
        ):
            return True
    return False


def role_denial(
    account_id: str, partition: str, role_arn: str, needs: list[tuple[str, str]]
) -> str | None:
    """Why the role cannot do ``needs`` ([(action, resource ARN)]), or None when it can.

    Evaluates the role's inline and attached policies as IAM does: an explicit Deny in any
    policy wins, otherwise some policy must Allow; and a permissions boundary, when the role
    has one, must allow the action too (the effective permissions are the intersection)."""
    from moto.iam.access_control import IAMPolicy, PermissionResult

    if not role_arn:
        return "the replication configuration names no role"
    role = _iam_role(account_id, partition, role_arn)
    if role is None:
        return f"role {role_arn} does not exist"
    if not _trusts_s3(role):
        return f"role {role_arn} does not trust s3.amazonaws.com"
    policies = [IAMPolicy(doc) for doc in role.policies.values()]
    policies += [IAMPolicy(policy) for policy in role.managed_policies.values()]
    boundary = _boundary(account_id, partition, role)
    for action, resource in needs:
        results = [p.is_action_permitted(action, resource) for p in policies]
        if PermissionResult.DENIED in results or PermissionResult.PERMITTED not in results:
            return f"role {role_arn} is not allowed {action} on {resource}"
        if boundary is not None and boundary.is_action_permitted(action, resource) != (
            PermissionResult.PERMITTED
        ):
            return f"role {role_arn}'s permissions boundary does not allow {action} on {resource}"
    return None


def _boundary(account_id: str, partition: str, role: Any) -> Any:
    """The role's permissions boundary as moto's IAMPolicy, or None when it has none (a
    boundary whose policy is gone allows nothing)."""
    from moto.iam.access_control import IAMPolicy
    from moto.iam.models import iam_backends

    arn = getattr(role, "permissions_boundary_arn", None)
    if not arn:
        return None
    policy = iam_backends[account_id][partition].managed_policies.get(arn)
    return IAMPolicy(policy if policy is not None else json.dumps({"Statement": []}))


def _needs(op: _Operation, destination: str) -> list[tuple[str, str]]:
    source = op.bucket.name
    replicate = "s3:ReplicateObject" if op.source is not None else "s3:ReplicateDelete"
    return [
        ("s3:GetReplicationConfiguration", f"{_BUCKET_ARN_PREFIX}{source}"),
        ("s3:ListBucket", f"{_BUCKET_ARN_PREFIX}{source}"),
        ("s3:GetObjectVersionForReplication", f"{_BUCKET_ARN_PREFIX}{source}/{op.key_name}"),
        (replicate, f"{_BUCKET_ARN_PREFIX}{destination}/{op.key_name}"),
    ]


# --- metrics ---------------------------------------------------------------------------------


def _publish(op: _Operation, destination: Destination, at: datetime, **values: float) -> None:
    """Put replication metrics for one rule in the source bucket's region (CloudWatch)."""
    if not destination.metrics:
        return
    from moto.cloudwatch.models import cloudwatch_backends

    dimensions = [
        {"Name": "SourceBucket", "Value": op.bucket.name},
        {"Name": "DestinationBucket", "Value": destination.bucket},
        {"Name": "RuleId", "Value": destination.rule_id},
    ]
    units = {
        "ReplicationLatency": "Seconds",
        "BytesPendingReplication": "Bytes",
        "OperationsPendingReplication": "Count",
        "OperationsFailedReplication": "Count",
    }
    backend = cloudwatch_backends[op.bucket.account_id][op.bucket.region_name]
    backend.put_metric_data(
        _NAMESPACE,
        [
            {
                "MetricName": name,
                "Dimensions": dimensions,
                "Timestamp": at.astimezone(UTC).replace(tzinfo=None),  # moto keeps naive UTC
                "Value": float(value),
                "Unit": units[name],
            }
            for name, value in values.items()
        ],
    )


def _publish_pending(op: _Operation, at: datetime) -> None:
    for destination in op.destinations:
        same_rule = [
            o
            for o in _queue
            if o.bucket is op.bucket
            and any(d.rule_id == destination.rule_id for d in o.destinations)
        ]
        _publish(
            op,
            destination,
            at,
            OperationsPendingReplication=len(same_rule),
            BytesPendingReplication=sum(o.size for o in same_rule),
        )


# --- copying ---------------------------------------------------------------------------------


def _owning_backend(backend: Any, bucket: Any) -> Any:
    """The backend of the account that owns ``bucket`` (cross-account destinations)."""
    if bucket.account_id == backend.account_id:
        return backend
    return s3_backends[bucket.account_id][bucket.partition]


def _destination_bucket(backend: Any, name: str) -> Any:
    bucket = backend.get_bucket(name)
    if not bucket.is_versioned:
        raise RuntimeError(f"destination bucket {name} is not versioned")
    return bucket


def _copy_object(backend: Any, source: Any, destination: Destination) -> None:
    bucket = _destination_bucket(backend, destination.bucket)
    if source.encryption == "aws:kms" and not destination.replica_kms_key:
        raise RuntimeError("SSE-KMS object and no ReplicaKmsKeyID for the destination")
    target = _owning_backend(backend, bucket)
    replica = target.put_object(
        destination.bucket,
        source.name,
        source.value,
        storage=destination.storage_class or source.storage_class,
        etag=source.etag.strip('"'),
        multipart=source.multipart,
        encryption=source.encryption,
        kms_key_id=destination.replica_kms_key or source.kms_key_id,
        bucket_key_enabled=source.bucket_key_enabled,
        lock_mode=source.lock_mode,
        lock_legal_status=source.lock_legal_status,
        lock_until=source.lock_until,
        checksum_value=source.checksum_value,
    )
    # The version ID must be set before tags are copied: moto keys tags by an ARN built from it.
    replica._version_id = source.version_id
    replica.set_metadata(dict(source.metadata), replace=True)
    replica.set_acl(source.acl)
    replica.website_redirect_location = source.website_redirect_location
    replica.checksum_algorithm = source.checksum_algorithm
    replica.checksum_type = source.checksum_type
    replica.checksum_parts = source.checksum_parts
    target.tagger.tag_resource(
        replica.arn, [{"Key": k, "Value": v} for k, v in _object_tags(backend, source).items()]
    )
    setattr(replica, _STATUS_ATTR, REPLICA)


def _copy_delete_marker(op: _Operation, destination: Destination) -> None:
    bucket = _destination_bucket(op.backend, destination.bucket)
    if op.key_name not in bucket.keys:
        return  # nothing there to hide
    target = _owning_backend(op.backend, bucket)
    _original_delete_object(target, destination.bucket, op.key_name)
    bucket.keys[op.key_name]._version_id = op.version_id


def _complete(op: _Operation) -> None:
    """Carry out ``op`` at its due time: each destination gets its copy, or the op fails."""
    for destination in op.destinations:
        denial = role_denial(
            op.bucket.account_id, op.bucket.partition, op.role, _needs(op, destination.bucket)
        )
        try:
            if denial is not None:
                raise PermissionError(denial)
            if op.source is not None:
                _copy_object(op.backend, op.source, destination)
            else:
                _copy_delete_marker(op, destination)
        except Exception as exc:  # AWS reports any per-destination failure as FAILED
            _log.info("replication of %s to %s failed: %s", op.key_name, destination.bucket, exc)
            op.failed.append(f"{destination.bucket}: {exc}")
            _publish(op, destination, op.due, OperationsFailedReplication=1)
        else:
            latency = (op.due - op.queued).total_seconds()
            _publish(op, destination, op.due, ReplicationLatency=latency)
    if op.source is not None:
        setattr(op.source, _STATUS_ATTR, FAILED if op.failed else COMPLETED)


def settle() -> None:
    """Apply every replication due at ``aws_time.now()``, oldest first."""
    if getattr(_local, "settling", False):
        return
    _local.settling = True
    try:
        with _lock:
            now = aws_time.now()
            due = sorted((o for o in _queue if o.due <= now), key=lambda o: o.due)
            for op in due:
                _queue.remove(op)
                if op.backend.buckets.get(op.bucket.name) is not op.bucket:
                    continue  # the bucket was deleted or moto was reset
                _complete(op)
                _publish_pending(op, op.due)
    finally:
        _local.settling = False


def _enqueue(op: _Operation) -> None:
    with _lock:
        _queue.append(op)
        _publish_pending(op, op.queued)
    settle()


def _duration(size: int, established: bool) -> timedelta:
    if established:
        return timedelta(0)
    return timedelta(seconds=_delay_seconds + size / THROUGHPUT_BYTES_PER_SECOND)


def replicate_new_object(backend: Any, bucket_name: str, key_name: str) -> None:
    """Queue the current version of ``bucket_name/key_name`` as the bucket's rules say."""
    bucket = backend.get_bucket(bucket_name)
    key = bucket.keys.get(key_name)
    if not isinstance(key, FakeKey) or replication_status(key) == REPLICA:
        return
    destinations = destinations_for_object(backend, bucket, key)
    if not destinations:
        return
    setattr(key, _STATUS_ATTR, PENDING)
    now = aws_time.now()
    metadata = {str(k).lower().removeprefix("x-amz-meta-"): v for k, v in key.metadata.items()}
    established = str(metadata.get(ESTABLISHED_METADATA, "")).lower() == "true"
    _enqueue(
        _Operation(
            backend=backend,
            bucket=bucket,
            key_name=key_name,
            version_id=str(key.version_id),
            source=key,
            role=_role(bucket),
            destinations=destinations,
            queued=now,
            due=now + _duration(key.size, established),
            size=int(key.size),
        )
    )


# --- moto patches ----------------------------------------------------------------------------

_Handler = Callable[..., Any]
_original_delete_object: _Handler = S3Backend.delete_object


def _is_success(response: Any) -> bool:
    return isinstance(response, tuple) and bool(response) and response[0] == 200


def _after_write(handler: _Handler) -> _Handler:
    """Wrap an ``S3Response`` write handler so a successful write queues replication."""

    @functools.wraps(handler)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        response = handler(self, *args, **kwargs)
        if _is_success(response):
            replicate_new_object(self.backend, self.bucket_name, self.parse_key_name())
        return response

    return wrapper


def _after_complete_multipart(handler: _Handler) -> _Handler:
    """Wrap ``S3Response._key_response_post``: only CompleteMultipartUpload writes an object."""

    @functools.wraps(handler)
    def wrapper(
        self: Any, request: Any, body: bytes, bucket_name: str, query: Any, key_name: str
    ) -> Any:
        response = handler(self, request, body, bucket_name, query, key_name)
        if query.get("uploadId") and _is_success(response):
            replicate_new_object(self.backend, bucket_name, key_name)
        return response

    return wrapper


def _with_delete_marker_replication(delete_object: _Handler) -> _Handler:
    """Wrap ``S3Backend.delete_object`` to queue the delete markers it creates."""

    @functools.wraps(delete_object)
    def wrapper(
        self: Any,
        bucket_name: str,
        key_name: str,
        version_id: str | None = None,
        bypass: bool = False,
    ) -> Any:
        result = delete_object(self, bucket_name, key_name, version_id=version_id, bypass=bypass)
        _, meta = result
        if version_id is None and meta.get("delete-marker") == "true":
            bucket = self.get_bucket(bucket_name)
            rules = [r for r in _rules(bucket) if _replicates_delete_markers(r, key_name)]
            destinations = _highest_priority_per_bucket(rules)
            if destinations:
                now = aws_time.now()
                _enqueue(
                    _Operation(
                        backend=self,
                        bucket=bucket,
                        key_name=key_name,
                        version_id=str(meta["version-id"]),
                        source=None,
                        role=_role(bucket),
                        destinations=destinations,
                        queued=now,
                        due=now + _duration(0, False),
                        size=0,
                    )
                )
        return result

    return wrapper


def _settling_first(method: _Handler) -> _Handler:
    """Wrap a backend read so what is due at the current AWS time is applied before it."""

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        settle()
        return method(self, *args, **kwargs)

    return wrapper


def _with_status_header(response_dict: property) -> property:
    """Add ``x-amz-replication-status`` to the headers GetObject and HeadObject send."""
    getter = response_dict.fget
    assert getter is not None

    def headers(self: Any) -> dict[str, Any]:
        result: dict[str, Any] = getter(self)
        status = replication_status(self)
        if status is not None:
            result[REPLICATION_STATUS_HEADER] = status
        return result

    return property(headers)


_RULE_FIELDS: Final = (
    "ID",
    "Priority",
    "Prefix",
    "Filter",
    "Status",
    "SourceSelectionCriteria",
    "ExistingObjectReplication",
    "Destination",
    "DeleteMarkerReplication",
)


def get_bucket_replication(self: Any) -> Any:
    """``GetBucketReplication`` as stored. moto answers every rule with ``Filter`` Prefix ""
    and ``DeleteMarkerReplication`` Disabled and drops ``SourceSelectionCriteria``, so a
    read-modify-write of the configuration (adding the failback rule) would silently change
    the rules already there."""
    from moto.core.responses import ActionResult
    from moto.s3.exceptions import ReplicationConfigurationNotFoundError

    self.data["Action"] = "GetBucketReplication"
    replication = self.backend.get_bucket_replication(self.bucket_name)
    if not replication:
        raise ReplicationConfigurationNotFoundError(bucket_name=self.bucket_name)
    rules = []
    for stored in _as_list(replication.get("Rule")):
        rule = {name: stored[name] for name in _RULE_FIELDS if name in stored}
        both = (rule.get("Filter") or {}).get("And")
        if isinstance(both, Mapping) and "Tag" in both:  # the XML element; the shape's "Tags"
            both = {k: v for k, v in both.items() if k != "Tag"} | {"Tags": _as_list(both["Tag"])}
            rule["Filter"] = {"And": both}
        rules.append(rule)
    return self.serialized(
        ActionResult({"ReplicationConfiguration": {"Role": replication["Role"], "Rules": rules}})
    )


def _iter_patches() -> Iterator[tuple[object, str, object]]:
    from moto.cloudwatch.models import CloudWatchBackend

    yield S3Response, "put_object", _after_write(S3Response.put_object)
    yield S3Response, "copy_object", _after_write(S3Response.copy_object)
    yield (
        S3Response,
        "_key_response_post",
        _after_complete_multipart(S3Response._key_response_post),
    )
    yield S3Response, "get_bucket_replication", get_bucket_replication
    yield S3Backend, "delete_object", _with_delete_marker_replication(S3Backend.delete_object)
    yield S3Backend, "get_bucket", _settling_first(S3Backend.get_bucket)
    yield FakeKey, "response_dict", _with_status_header(vars(FakeKey)["response_dict"])
    for name in ("get_metric_statistics", "get_metric_data"):
        yield CloudWatchBackend, name, _settling_first(getattr(CloudWatchBackend, name))


def install() -> None:
    """Patch moto's S3 (and CloudWatch reads, to publish what is due); idempotent."""
    if _patches.active:
        return
    for owner, name, replacement in _iter_patches():
        _patches.replace(owner, name, replacement)


def uninstall() -> None:
    """Restore moto, forget what is owed and reset the delay."""
    with _lock:
        _queue.clear()
    set_replication_delay(DEFAULT_DELAY_SECONDS)
    _patches.restore_all()


def is_installed() -> bool:
    """Whether this extension is in effect."""
    return _patches.active
