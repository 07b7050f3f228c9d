"""S3 replication that actually replicates.

moto stores a bucket's replication configuration but copies nothing and never reports
``ReplicationStatus``, so a DR drill cannot tell whether its data reached the DR Region, nor
measure how far behind it is. This module copies each new object as S3 replication does and
reports the status the way ``HeadObject``/``GetObject`` do on AWS.

Behaviour, and where it comes from (S3 API reference and the botocore ``s3/2006-03-01`` model):

- Which rules apply (``ReplicationRule``): rules with ``Status`` Enabled whose ``Filter``
  (``Prefix``, ``Tag``, or ``And`` of both) or legacy V1 ``Prefix`` matches the object.
  "If there are two or more rules with the same destination bucket, then objects will be
  replicated according to the rule with the highest priority. The higher the number, the
  higher the priority." Rules naming different buckets all apply (multi-destination).
  Objects encrypted with SSE-KMS replicate only where the rule's ``SourceSelectionCriteria``
  enables ``SseKmsEncryptedObjects``.
- What is copied: body, ETag, user metadata and system headers such as Content-Type, object
  tags, ACL, encryption and checksum; the replica keeps the source's version ID and takes the
  rule's ``Destination.StorageClass`` if one is set.
- ``x-amz-replication-status`` (``HeadObjectOutput.ReplicationStatus``): PENDING until every
  destination has the copy, then COMPLETED, or FAILED if any destination could not take it
  (missing or unversioned bucket); replicas report REPLICA.
- Replicas are never replicated again, so two buckets replicating to each other do not loop
  (AWS only syncs replica *metadata* changes, with replica modification sync, which is not
  simulated here).
- Delete markers (``DeleteMarkerReplication``): a DELETE without a version ID on a versioned
  bucket replicates its delete marker when the matching rule enables it; never for rules whose
  filter has a tag ("Amazon S3 does not support replicating delete markers for tag-based
  rules"); V1 rules (no ``Filter``) replicate delete markers, per the S3 User Guide's backward
  compatibility notes. Deleting a specific version is never replicated.

Timing: ``set_replication_delay(0)`` (the default) copies before the write's response
returns; a positive delay copies on a background ``threading.Timer`` so a drill can measure
replication lag against a PENDING status.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from moto.s3.models import FakeKey, S3Backend, s3_backends
from moto.s3.responses import S3Response

from drctl.kinds.sandboxing import PatchSet

__all__ = [
    "REPLICATION_STATUS_HEADER",
    "Destination",
    "get_replication_delay",
    "install",
    "is_installed",
    "pending_replications",
    "replication_status",
    "set_replication_delay",
    "uninstall",
    "wait_for_replication",
]

REPLICATION_STATUS_HEADER: Final = "x-amz-replication-status"
PENDING: Final = "PENDING"
COMPLETED: Final = "COMPLETED"
FAILED: Final = "FAILED"
REPLICA: Final = "REPLICA"

_STATUS_ATTR: Final = "_drctl_replication_status"
_BUCKET_ARN_PREFIX: Final = "arn:aws:s3:::"

_log = logging.getLogger(__name__)
_patches = PatchSet()
_lock = threading.RLock()
_timers: set[threading.Timer] = set()
_delay_seconds = 0.0


@dataclass(frozen=True)
class Destination:
    """Where one matching rule sends an object."""

    bucket: str
    storage_class: str | None
    priority: int


def set_replication_delay(seconds: float) -> None:
    """Delay each copy by ``seconds`` (0 copies synchronously, before the write returns)."""
    global _delay_seconds
    if seconds < 0:
        raise ValueError(f"replication delay must be >= 0, got {seconds}")
    _delay_seconds = float(seconds)


def get_replication_delay() -> float:
    """The delay currently applied to every copy."""
    return _delay_seconds


def pending_replications() -> int:
    """How many delayed copies have not run yet."""
    with _lock:
        return sum(1 for timer in _timers if timer.is_alive())


def wait_for_replication(timeout: float = 5.0) -> bool:
    """Block until scheduled copies have run; False if some were still pending at ``timeout``."""
    with _lock:
        timers = list(_timers)
    for timer in timers:
        timer.join(timeout)
    return pending_replications() == 0


def replication_status(key: Any) -> str | None:
    """The ``ReplicationStatus`` S3 would report for a moto ``FakeKey``, if any."""
    status = getattr(key, _STATUS_ATTR, None)
    return status if isinstance(status, str) else None


# --- rule evaluation -------------------------------------------------------------------------


def _rules(bucket: Any) -> list[Mapping[str, Any]]:
    config = getattr(bucket, "replication", None) or {}
    rules = config.get("Rule") or []
    return [rules] if isinstance(rules, Mapping) else list(rules)


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
        candidate = Destination(
            bucket=_bucket_name(str(destination.get("Bucket", ""))),
            storage_class=destination.get("StorageClass"),
            priority=_priority(rule),
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


# --- copying ---------------------------------------------------------------------------------


def _owning_backend(backend: Any, bucket: Any) -> Any:
    """The backend of the account that owns ``bucket`` (cross-account destinations)."""
    if bucket.account_id == backend.account_id:
        return backend
    return s3_backends[bucket.account_id][bucket.partition]


def _copy_object(backend: Any, source: Any, destination: Destination) -> None:
    bucket = backend.get_bucket(destination.bucket)
    if not bucket.is_versioned:
        raise RuntimeError(f"destination bucket {destination.bucket} is not versioned")
    target = _owning_backend(backend, bucket)
    replica = target.put_object(
        destination.bucket,
        source.name,
        source.value,
        storage=destination.storage_class or source.storage_class,
        etag=source.etag.strip('"'),
        multipart=source.multipart,
        encryption=source.encryption,
        kms_key_id=source.kms_key_id,
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


def _replicate_object(backend: Any, source: Any, destinations: list[Destination]) -> None:
    failed = False
    with _lock:
        for destination in destinations:
            try:
                _copy_object(backend, source, destination)
            except Exception as exc:  # AWS reports any per-destination failure as FAILED.
                _log.info("replication of %s to %s failed: %s", source.name, destination, exc)
                failed = True
        setattr(source, _STATUS_ATTR, FAILED if failed else COMPLETED)


def _replicate_delete_marker(
    delete_object: Callable[..., Any],
    backend: Any,
    bucket_names: list[str],
    key_name: str,
    version_id: str,
) -> None:
    with _lock:
        for name in bucket_names:
            try:
                bucket = backend.get_bucket(name)
                target = _owning_backend(backend, bucket)
                if not bucket.is_versioned or key_name not in bucket.keys:
                    continue
                # The unpatched method, so the replicated marker is not replicated onward.
                delete_object(target, name, key_name)
                bucket.keys[key_name]._version_id = version_id
            except Exception as exc:
                _log.info("delete marker replication of %s to %s failed: %s", key_name, name, exc)


def _run_later(action: Callable[[], None]) -> None:
    """Run ``action`` now, or after the configured delay on a background timer."""
    if _delay_seconds <= 0:
        action()
        return

    def fire() -> None:
        try:
            action()
        except Exception:  # a background copy must never take the process down
            _log.exception("delayed S3 replication failed")
        finally:
            with _lock:
                _timers.discard(timer)

    timer = threading.Timer(_delay_seconds, fire)
    timer.daemon = True
    with _lock:
        _timers.add(timer)
    timer.start()


def replicate_new_object(backend: Any, bucket_name: str, key_name: str) -> None:
    """Replicate the current version of ``bucket_name/key_name`` as the bucket's rules say."""
    bucket = backend.get_bucket(bucket_name)
    key = bucket.keys.get(key_name)
    if not isinstance(key, FakeKey) or replication_status(key) == REPLICA:
        return
    destinations = destinations_for_object(backend, bucket, key)
    if not destinations:
        return
    setattr(key, _STATUS_ATTR, PENDING)
    _run_later(functools.partial(_replicate_object, backend, key, destinations))


# --- moto patches ----------------------------------------------------------------------------

_Handler = Callable[..., Any]


def _is_success(response: Any) -> bool:
    return isinstance(response, tuple) and bool(response) and response[0] == 200


def _after_write(handler: _Handler) -> _Handler:
    """Wrap an ``S3Response`` write handler so a successful write triggers replication."""

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
    """Wrap ``S3Backend.delete_object`` to replicate the delete markers it creates."""

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
            rules = [
                r
                for r in _rules(self.get_bucket(bucket_name))
                if _replicates_delete_markers(r, key_name)
            ]
            names = [d.bucket for d in _highest_priority_per_bucket(rules)]
            if names:
                _run_later(
                    functools.partial(
                        _replicate_delete_marker,
                        delete_object,
                        self,
                        names,
                        key_name,
                        meta["version-id"],
                    )
                )
        return result

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


def _iter_patches() -> Iterator[tuple[object, str, object]]:
    yield S3Response, "put_object", _after_write(S3Response.put_object)
    yield S3Response, "copy_object", _after_write(S3Response.copy_object)
    yield (
        S3Response,
        "_key_response_post",
        _after_complete_multipart(S3Response._key_response_post),
    )
    yield S3Backend, "delete_object", _with_delete_marker_replication(S3Backend.delete_object)
    yield FakeKey, "response_dict", _with_status_header(vars(FakeKey)["response_dict"])


def install() -> None:
    """Patch moto's S3 classes; idempotent."""
    if _patches.active:
        return
    for owner, name, replacement in _iter_patches():
        _patches.replace(owner, name, replacement)


def uninstall() -> None:
    """Restore moto's S3 behaviour, cancel delayed copies and reset the delay to 0."""
    with _lock:
        for timer in _timers:
            timer.cancel()
        _timers.clear()
    set_replication_delay(0)
    _patches.restore_all()


def is_installed() -> bool:
    """Whether this extension is in effect."""
    return _patches.active
