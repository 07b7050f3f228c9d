"""The write fence of a planned failover: a file system policy on the primary file system that
denies ``elasticfilesystem:ClientWrite`` to every principal, placed before the failover waits
for its last sync, so nothing the primary accepts after that sync is lost -- and lifted by the
failback once the home file system is the source again.

What AWS documents (EFS User Guide, "Using IAM to control access to file systems",
https://docs.aws.amazon.com/efs/latest/ug/iam-access-control-nfs-efs.html; "Creating file
system policies", https://docs.aws.amazon.com/efs/latest/ug/create-file-system-policy.html;
API reference ``PutFileSystemPolicy``):

* When an NFS client connects, EFS evaluates the file system policy with the client's identity
  policies; ``ClientWrite`` is the write permission. An explicit ``Deny`` wins over any
  ``Allow``, so a deny for the principal ``{"AWS": "*"}`` covers clients mounted with IAM
  authorisation (the mount helper's ``iam`` option) and anonymous ones alike.
* A file system without a policy of its own has the default policy -- full access for any
  anonymous client of a mount target -- and ``DescribeFileSystemPolicy`` answers
  ``PolicyNotFound``. An explicit policy replaces the default one: a fence on such a file
  system carries a statement standing for it minus writing (``ClientMount`` and
  ``ClientRootAccess`` for every principal), or readers could no longer mount.
* "Amazon EFS file system policy changes can take several minutes to take effect": the
  failover counts only a sync that completed :data:`FENCE_SETTLE_SECONDS` after the fence.
* The lockout safety check refuses a policy that would stop its caller from calling
  ``PutFileSystemPolicy`` again; the fence denies no API action, so the check passes and
  ``BypassPolicyLockoutSafetyCheck`` is never set.

What the fence does not do: it governs NFS clients only -- API calls (changing the policy back,
deleting the file system) answer to IAM identity policies; AWS does not document whether a
client already connected loses write access at once (the policy is evaluated "when a client
connects"), so it backs up the plan's own fences (writers stopped), it does not replace them;
and what an application wrote but its NFS client had not yet flushed fails to flush (never in
EFS, so never in the copy either).

The fence keeps the policy the file system had: its statements stay in the fenced policy, and
drctl's own are told apart by their ``Sid``, so a rerun finds the fence (and its time) in AWS
and never fences twice, and the failback restores the earlier policy statement for statement
-- or deletes the policy when there was none.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from drctl.errors import AwsError

FENCE_SID = "DrctlWriteFence"  # followed by the fence's time, e.g. DrctlWriteFence20261130T120000Z
STANDIN_SID = "DrctlDefaultAccess"  # the default policy's access minus writing
FENCE_SETTLE_SECONDS = 300.0  # AWS: "several minutes" for a policy change (drctl's figure)
MAX_POLICY_CHARS = 20_000  # "EFS file system policies have a 20,000 character limit"
_TIME = "%Y%m%dT%H%M%SZ"
_FENCE = re.compile(rf"^{FENCE_SID}(\d{{8}}T\d{{6}}Z)$")


def _statements(doc: dict[str, Any]) -> list[dict[str, Any]]:
    found = doc.get("Statement") or []
    return [dict(s) for s in (found if isinstance(found, list) else [found])]


def _ours(statement: dict[str, Any]) -> bool:
    sid = str(statement.get("Sid", ""))
    return sid == STANDIN_SID or bool(_FENCE.match(sid))


def fenced_at(policy: str | None) -> datetime | None:
    """When the fence in ``policy`` was placed, or None when it has none."""
    if policy is None:
        return None
    for statement in _statements(json.loads(policy)):
        match = _FENCE.match(str(statement.get("Sid", "")))
        if match:
            return datetime.strptime(match.group(1), _TIME).replace(tzinfo=UTC)
    return None


def has_ours(policy: str | None) -> bool:
    """Whether ``policy`` holds a statement drctl added (the fence or the default's stand-in)."""
    return policy is not None and any(_ours(s) for s in _statements(json.loads(policy)))


def standin_statement(arn: str) -> dict[str, Any]:
    """The default policy's access minus writing, for a fenced file system that had none."""
    return {
        "Sid": STANDIN_SID,
        "Effect": "Allow",
        "Principal": {"AWS": "*"},
        "Action": ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientRootAccess"],
        "Resource": arn,
    }


def fence_statements(arn: str, at: datetime, *, standin: bool) -> list[dict[str, Any]]:
    """The deny of ``ClientWrite`` (its Sid carries ``at``), after the default policy's
    stand-in when the file system had no policy."""
    every = {"AWS": "*"}
    found: list[dict[str, Any]] = [standin_statement(arn)] if standin else []
    found.append(
        {
            "Sid": FENCE_SID + at.astimezone(UTC).strftime(_TIME),
            "Effect": "Deny",
            "Principal": every,
            "Action": ["elasticfilesystem:ClientWrite"],
            "Resource": arn,
        }
    )
    return found


def with_fence(policy: str | None, arn: str, at: datetime) -> str:
    """``policy`` (None: the default one) with the fence added, every statement of it kept."""
    doc: dict[str, Any] = (
        json.loads(policy) if policy is not None else {"Version": "2012-10-17", "Statement": []}
    )
    doc["Statement"] = _statements(doc) + fence_statements(arn, at, standin=policy is None)
    text = json.dumps(doc)
    if len(text) > MAX_POLICY_CHARS:
        raise AwsError(
            f"the file system policy with drctl's write fence would be {len(text)} characters, "
            f"over EFS's limit of {MAX_POLICY_CHARS}",
            hint="shorten the file system's policy (aws efs describe-file-system-policy), "
            "then run the failover again",
        )
    return text


def without_fence(policy: str) -> str | None:
    """``policy`` with drctl's statements removed: the policy before the fence, or None when
    there was none (the default policy: delete the file system's policy)."""
    doc = json.loads(policy)
    statements = [s for s in _statements(doc) if not _ours(s)]
    if not statements and any(s.get("Sid") == STANDIN_SID for s in _statements(doc)):
        return None
    doc["Statement"] = statements
    return json.dumps(doc)
