"""Which AWS operations change state, and the request ids of those a step makes.

The journal keeps the request id of every mutating call so an operator (or AWS
support) can find it in CloudTrail. The dry-run guard uses the same
classification to refuse any mutating call while ``--dry-run`` is on: a
promise that dry-run "makes no mutating call" is enforced, not hoped for.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

READ_PREFIXES = (
    "Describe", "Get", "List", "Head", "Test", "Query", "Scan", "BatchGet",
    "Lookup", "Search", "Select", "Simulate", "Estimate", "Validate", "Check",
)  # fmt: skip


def is_mutating(operation: str) -> bool:
    return not operation.startswith(READ_PREFIXES)


_local = threading.local()


@contextmanager
def recording() -> Iterator[list[dict[str, Any]]]:
    """Collect the mutating calls made by this thread inside the block."""
    previous = getattr(_local, "calls", None)
    calls: list[dict[str, Any]] = []
    _local.calls = calls
    try:
        yield calls
    finally:
        _local.calls = previous


def record_call(service: str, operation: str, region: str | None, request_id: str | None) -> None:
    calls = getattr(_local, "calls", None)
    if calls is not None:
        calls.append(
            {"service": service, "operation": operation, "region": region, "request_id": request_id}
        )


# Every call, reads too, from every thread: what ``drctl iam-policy`` is tested against. Off
# unless a block asks for it (one list append per call while on).
_audit_lock = threading.Lock()
_audits: list[list[dict[str, Any]]] = []

# Request parameters that name the resource a call acts on (kept in the audit so a test can
# compare them with the policy's resource ARNs), and the ones that change the IAM action
# (S3: a VersionId makes GetObject need s3:GetObjectVersion).
AUDITED_PARAMS = (
    "DBInstanceIdentifier", "DBClusterIdentifier", "GlobalClusterIdentifier",
    "DBSnapshotIdentifier", "Bucket", "TableName", "AutoScalingGroupName", "VersionId",
)  # fmt: skip


@contextmanager
def auditing() -> Iterator[list[dict[str, Any]]]:
    """Collect every AWS call (service, operation, region, side, naming parameters) made by any
    thread inside the block."""
    calls: list[dict[str, Any]] = []
    with _audit_lock:
        _audits.append(calls)
    try:
        yield calls
    finally:
        with _audit_lock:
            _audits.remove(calls)


def audit_call(
    service: str, operation: str, region: str | None, side: str | None, params: dict[str, Any]
) -> None:
    if not _audits:
        return
    entry = {
        "service": service,
        "operation": operation,
        "region": region,
        "side": side,
        "params": {k: params[k] for k in AUDITED_PARAMS if isinstance(params.get(k), str)},
    }
    with _audit_lock:
        for calls in _audits:
            calls.append(entry)
