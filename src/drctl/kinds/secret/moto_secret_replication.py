"""Secrets Manager replication as AWS runs it: over time, with the replica's own KMS key, and
promotion of a replica (``StopReplicationToReplica``), which moto 5.2.5 does not implement.

moto marks every replica ``InSync`` the moment it is requested, reports the AWS managed key for
every replica whatever ``KmsKeyId`` was asked for, answers ``DescribeSecret`` of a replica with
the primary's ``ReplicationStatus`` and key, and has no ``StopReplicationToReplica``: a
failover that promotes the replica cannot run against it at all. This module models what AWS
does, on the sandbox's AWS clock (:data:`drctl.kinds.sandboxing.aws_time`).

Sources (Secrets Manager API reference and User Guide; botocore ``secretsmanager`` model):

* ``ReplicationStatusType`` (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_ReplicationStatusType.html):
  ``Status`` is ``InSync``, ``Failed`` or ``InProgress``; ``KmsKeyId`` is "Can be an ARN, Key
  ID, or Alias" of the replica's key. A new replica is ``InProgress`` until its first copy is
  made (``REPLICATION_SECONDS`` here, the sandbox's choice; AWS gives no figure).
* ``ReplicaRegionType`` (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_ReplicaRegionType.html):
  "If you don't include this field, Secrets Manager uses ``aws/secretsmanager``." A key that
  does not exist in the replica Region makes the replication ``Failed`` (the sandbox's status
  message names the key; AWS words it its own way).
* ``StopReplicationToReplica`` (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_StopReplicationToReplica.html):
  "Removes the link between the replica secret and the primary secret and promotes the replica
  to a primary secret in the replica Region. You must call this operation from the Region in
  which you want to promote the replica to a primary secret." It works while the primary's
  Region is down (the point of it: https://docs.aws.amazon.com/secretsmanager/latest/userguide/replicate-secrets.html).
  The promoted secret keeps its ARN, value, versions and the replica's key; the primary no longer
  lists the Region. On a secret that is not a replica: ``InvalidRequestException``.
* ``DescribeSecret`` of a replica (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DescribeSecret.html):
  ``PrimaryRegion`` names the primary's Region; its ``KmsKeyId`` is the replica's key.

* A new value reaches the replicas later: "If you turn on rotation for your primary secret,
  Secrets Manager rotates the secret in the primary Region, and the new secret value propagates
  to all of the associated replica secrets"
  (https://docs.aws.amazon.com/secretsmanager/latest/userguide/replicate-secrets.html), and
  replication is asynchronous, watched through ``DescribeSecret``'s ``ReplicationStatus``
  (https://docs.aws.amazon.com/secretsmanager/latest/userguide/cross-account-replicate-status.html:
  ``InProgress`` "Secrets Manager is copying the secret value from the primary to the
  replica", ``InSync`` "The replica holds the same secret value as the primary"). moto's replica
  reads the primary's versions live, so it is never behind. Here each replica keeps its own
  copy of the versions: a change of the primary's versions (``PutSecretValue``,
  ``UpdateSecret`` with a value, ``RotateSecret``, ``UpdateSecretVersionStage``) reaches it
  after ``VALUE_LAG_SECONDS`` of AWS time during which neither the primary's nor the replica's
  Region is out (the figure and the pause are the sandbox's choices: AWS documents neither),
  and the primary lists that Region ``InProgress`` meanwhile. ``GetSecretValue`` and
  ``DescribeSecret`` in the replica's Region answer the replica's own versions, and a
  promotion keeps those (what the replica had, not what the primary had). AWS documents
  ``Failed`` for a replication that cannot complete (a name taken, a KMS key missing or not
  permitted), not for a Region that is out: an outage leaves the change ``InProgress``.
* Dates: moto dates versions and changes on the wall clock and answers ``ListSecretVersionIds``
  with "now" for every version's ``CreatedDate``; here they are dated on the AWS clock and each
  version keeps its own ``CreatedDate``
  (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_SecretVersionsListEntry.html:
  "The date and time this version of the secret was created"). moto's
  ``UpdateSecretVersionStage`` moves the ``AWSCURRENT`` label but ``GetSecretValue`` kept
  answering the old version; here it answers the version the label is on.

A secret created with the tag ``drctl-sandbox-established: true`` stands for one replicated long
before the sandbox's clock started: the replicas it is created with are ``InSync`` at once
(replicas added later, or of a promoted copy that kept the tag, take their time).

Not modelled: a replica's metadata (description, tags, policy) lagging as its value does; a
new replica's first copy being unreadable before it is ``InSync`` (it is readable at once).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any, Final

from drctl.kinds.sandboxing import PatchSet, aws_time, unreachable

__all__ = [
    "ESTABLISHED_TAG",
    "REPLICATION_SECONDS",
    "VALUE_LAG_SECONDS",
    "install",
    "is_installed",
    "uninstall",
]

REPLICATION_SECONDS: Final = 30.0  # InProgress -> InSync for a new replica (AWS seconds)
VALUE_LAG_SECONDS: Final = 20.0  # a new value reaches a replica Region (AWS seconds, both up)
SERVICE: Final = "secretsmanager"
IN_PROGRESS_MESSAGE: Final = "Replication in progress"
# Backend calls that can change a primary's versions (and so must reach its replicas).
_WRITES: Final = (
    "put_secret_value",
    "update_secret",
    "rotate_secret",
    "update_secret_version_stage",
)
ESTABLISHED_TAG: Final = "drctl-sandbox-established"
DEFAULT_KEY: Final = "alias/aws/secretsmanager"

_patches = PatchSet()
_LONG_AGO: Final = datetime(2000, 1, 1).astimezone()


def _established(source: Any) -> bool:
    return any(
        t.get("Key") == ESTABLISHED_TAG and t.get("Value") == "true" for t in source.tags or []
    )


def _key_exists(account_id: str, region: str, key_id: str) -> bool:
    """Whether ``key_id`` (id, ARN, alias or alias ARN) names a key in ``region``; the AWS
    managed ``aws/secretsmanager`` key exists in every Region."""
    if key_id in (DEFAULT_KEY, "aws/secretsmanager"):
        return True
    from moto.kms.models import kms_backends

    backend = kms_backends[account_id][region]
    try:
        key = backend.describe_key(key_id)
    except Exception:
        return False
    return str(getattr(key, "key_state", "Enabled")) != "PendingDeletion"


def _drop(store: Any, name: str) -> None:
    """Remove the secret called ``name`` from a backend's store, whatever it is keyed by."""
    for key, secret in list(dict.items(store)):
        if secret.name == name:
            dict.pop(store, key)


def _replica_init(
    self: Any,
    source: Any,
    region: str,
    status: str | None = None,
    message: str | None = None,
    kms_key_id: str | None = None,
    established: bool = False,
) -> None:
    """Replacement for ``ReplicaSecret.__init__``: the replica's key, and when it started
    (long ago for the first replicas of an established secret)."""
    self.source = source
    self.arn = source.arn.replace(f":{source.region}:", f":{region}:")
    self.region = region
    self.kms_key_id = kms_key_id or DEFAULT_KEY
    self.status = status or "InSync"
    self.message = message or "Replication succeeded"
    self.has_replica = status is None
    if self.has_replica and not _key_exists(source.account_id, region, self.kms_key_id):
        self.status, self.has_replica = "Failed", False
        self.message = (
            f"Replication failed: the KMS key {self.kms_key_id} does not exist in {region} "
            "or is not usable."
        )
    self.started = _LONG_AGO if established else aws_time.now()
    # The replica's own copy of the versions, and the primary's changes on their way to it:
    # (when written, versions then, AWSCURRENT's version id then), oldest first.
    self.own_versions, self.own_default = _snapshot(source)
    self.pending = []


Snapshot = tuple[dict[str, dict[str, Any]], str | None]


def _snapshot(source: Any) -> Snapshot:
    """The primary's versions and current version id as they are now (a copy)."""
    return copy.deepcopy(dict(source.versions)), source.default_version_id


def _changed(secret: Any) -> None:
    """A write on the primary ``secret``: queue its versions for each replica it reaches."""
    for replica in getattr(secret, "replicas", []) or []:
        if not getattr(replica, "has_replica", False) or not hasattr(replica, "pending"):
            continue
        snap = _snapshot(secret)
        last = (
            replica.pending[-1][1:]
            if replica.pending
            else (
                replica.own_versions,
                replica.own_default,
            )
        )
        if snap != tuple(last):
            replica.pending.append((aws_time.now(), *snap))


def _due(written: datetime, regions: Iterable[str]) -> datetime | None:
    """When a change written at ``written`` reaches the replica: after ``VALUE_LAG_SECONDS``
    during which no Region of ``regions`` is out; None while an outage holds it back."""
    periods = sorted(
        (start, end)
        for region in set(regions)
        for start, end in unreachable.periods(SERVICE, region)
        if end is None or end > written
    )
    at, left = written, VALUE_LAG_SECONDS
    for start, end in periods:
        if start >= at + timedelta(seconds=left):
            break
        if start > at:
            left -= (start - at).total_seconds()
        if end is None:
            return None
        at = max(at, end)
    return at + timedelta(seconds=left)


def _settle(replica: Any) -> None:
    """Apply to the replica every queued change that has reached it by now."""
    now = aws_time.now()
    regions = (replica.source.region, replica.region)
    while replica.pending:
        due = _due(replica.pending[0][0], regions)
        if due is None or due > now:
            return
        _, replica.own_versions, replica.own_default = replica.pending.pop(0)


def _replica_versions(self: Any) -> dict[str, dict[str, Any]]:
    """The replica's own versions (what ``GetSecretValue`` in its Region answers)."""
    _settle(self)
    versions: dict[str, dict[str, Any]] = self.own_versions
    return versions


def _replica_default(self: Any) -> str | None:
    """The replica's own ``AWSCURRENT`` version id."""
    _settle(self)
    default: str | None = self.own_default
    return default


def _replica_config(self: Any) -> dict[str, Any]:
    """``ReplicationStatusType`` now: ``InProgress`` until the first copy is made, and while
    a change of the primary's versions has not reached the replica yet."""
    status, message = self.status, self.message
    if status == "InSync" and aws_time.now() < self.started + timedelta(
        seconds=REPLICATION_SECONDS
    ):
        status, message = "InProgress", IN_PROGRESS_MESSAGE
    if status == "InSync" and self.has_replica:
        _settle(self)
        if self.pending:
            status, message = "InProgress", IN_PROGRESS_MESSAGE
    return {
        "Region": self.region,
        "KmsKeyId": self.kms_key_id,
        "Status": status,
        "StatusMessage": message,
    }


def _replica_to_dict(self: Any) -> dict[str, Any]:
    """``DescribeSecret`` of a replica: its ARN, its key, the primary's Region."""
    dct: dict[str, Any] = self.source.to_dict()
    dct.pop("ReplicationStatus", None)
    dct["ARN"] = self.arn
    dct["PrimaryRegion"] = self.source.region
    dct.pop("KmsKeyId", None)
    if self.kms_key_id != DEFAULT_KEY:
        dct["KmsKeyId"] = self.kms_key_id
    stages = {vid: list(v["version_stages"]) for vid, v in self.versions.items()}
    for field in ("VersionIdsToStages", "SecretVersionsToStages"):
        dct.pop(field, None)
        if stages:
            dct[field] = stages
    return dct


def _tracking(original: Callable[..., Any]) -> Callable[..., Any]:
    """``original`` (a backend call that may write a primary's versions), then queue the
    change for the secret's replicas; the version labelled ``AWSCURRENT`` is then the one
    ``GetSecretValue`` answers."""

    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        from moto.secretsmanager.models import FakeSecret

        secret_id = kwargs.get("secret_id", args[0] if args else None)
        result = original(self, *args, **kwargs)
        secret = self.secrets.get(secret_id) if secret_id else None
        if isinstance(secret, FakeSecret):
            for version_id, version in secret.versions.items():
                if "AWSCURRENT" in version["version_stages"]:
                    # moto's UpdateSecretVersionStage moves the label but not the version
                    # GetSecretValue answers: a rotation's finishSecret would change nothing.
                    secret.set_default_version_id(version_id)
            _changed(secret)
        return result

    return call


def _create_replicas(
    self: Any, replica_regions: list[dict[str, str]], force_overwrite: bool
) -> list[Any]:
    """Replacement for ``FakeSecret.create_replicas`` honouring each Region's ``KmsKeyId``.
    A Region already replicated to is refused (``InvalidParameterException``: the sandbox's
    choice of code; moto would list the Region twice)."""
    from moto.secretsmanager import models
    from moto.secretsmanager.exceptions import InvalidParameterException

    replica_class: Any = models.ReplicaSecret
    secretsmanager_backends = models.secretsmanager_backends

    # Called from the constructor (CreateSecret's AddReplicaRegions) before ``replicas`` is
    # set: only those first replicas of an established secret are in sync already.
    first = not hasattr(self, "replicas")
    established = first and _established(self)
    current = {r.region for r in getattr(self, "replicas", [])}
    for config in replica_regions or []:
        if config["Region"] == self.region:
            raise InvalidParameterException("Invalid replica region.")
        if config["Region"] in current:
            raise InvalidParameterException(
                f"The secret is already replicated to the Region {config['Region']}."
            )
    replicas: list[Any] = []
    for config in replica_regions or []:
        region = config["Region"]
        key = config.get("KmsKeyId")
        backend = secretsmanager_backends[self.account_id][region]
        if self.name in backend.secrets and not force_overwrite:
            replica = replica_class(
                self,
                region,
                "Failed",
                f"Replication failed: Secret name {self.name} already exists in region {region}.",
                kms_key_id=key,
            )
        else:
            _drop(backend.secrets, self.name)
            replica = replica_class(self, region, kms_key_id=key, established=established)
            if replica.has_replica:
                backend.secrets[replica.arn] = replica
        replicas.append(replica)
    return replicas


class _AwsClockTime:
    """Stands for the ``time`` module in moto's Secrets Manager models, which dates versions
    (``CreatedDate``) and changes (``LastChangedDate``) with ``time.time()``: the sandbox's
    AWS clock instead of the wall clock, so those dates compare with the sandbox's time."""

    @staticmethod
    def time() -> float:
        return aws_time.now().timestamp()


def _list_version_ids(self: Any, secret_id: str) -> str:
    """``ListSecretVersionIds`` with each version's own ``CreatedDate`` (moto answers "now"
    for every version); in a replica's Region, the replica's versions."""
    secret = self.secrets[secret_id]
    versions = [
        {
            "CreatedDate": version["createdate"],
            "VersionId": version_id,
            "VersionStages": version["version_stages"],
        }
        for version_id, version in secret.versions.items()
    ]
    return json.dumps({"ARN": secret.arn, "Name": secret.name, "Versions": versions})


def _stop_replication(backend: Any, secret_id: str) -> str:
    """Promote the replica ``secret_id`` of this Region to a standalone primary secret."""
    from moto.secretsmanager.exceptions import InvalidRequestException
    from moto.secretsmanager.models import FakeSecret, ReplicaSecret

    replica: Any = backend.describe_secret(secret_id)
    if not isinstance(replica, ReplicaSecret):
        raise InvalidRequestException(
            f"The secret {secret_id} in {backend.region_name} is not a replica secret."
        )
    source = replica.source
    versions, current = replica.versions, replica.default_version_id  # what DR had
    promoted = FakeSecret(
        account_id=backend.account_id,
        region_name=backend.region_name,
        secret_id=source.secret_id,
        secret_version={},
        version_id="",
        description=source.description,
        tags=list(source.tags or []) or None,
        kms_key_id=str(getattr(replica, "kms_key_id", DEFAULT_KEY)),
        last_changed_date=source.last_changed_date,
        created_date=source.created_date,
    )
    promoted.arn = replica.arn
    promoted.versions = copy.deepcopy(versions)
    promoted.set_default_version_id(current)
    _drop(backend.secrets, source.name)
    backend.secrets[promoted.name] = promoted  # moto keys primaries by name, replicas by ARN
    source.replicas = [r for r in source.replicas if r is not replica]
    return str(promoted.arn)


def _stop_replication_response(self: Any) -> str:
    """The ``StopReplicationToReplica`` action (``{"ARN": ...}``)."""
    arn = _stop_replication(self.backend, self._get_param("SecretId"))
    return json.dumps({"ARN": arn})


def install() -> None:
    """Patch moto's Secrets Manager replication; idempotent."""
    if _patches.active:
        return
    from moto.secretsmanager import models
    from moto.secretsmanager.models import FakeSecret, ReplicaSecret, SecretsManagerBackend
    from moto.secretsmanager.responses import SecretsManagerResponse

    _patches.replace(models, "time", _AwsClockTime)
    _patches.replace(ReplicaSecret, "__init__", _replica_init)
    _patches.replace(ReplicaSecret, "config", property(_replica_config))
    _patches.replace(ReplicaSecret, "versions", property(_replica_versions))
    _patches.replace(ReplicaSecret, "default_version_id", property(_replica_default))
    _patches.replace(SecretsManagerBackend, "list_secret_version_ids", _list_version_ids)
    for name in _WRITES:
        _patches.replace(
            SecretsManagerBackend, name, _tracking(getattr(SecretsManagerBackend, name))
        )
    _patches.replace(ReplicaSecret, "to_dict", _replica_to_dict)
    _patches.replace(FakeSecret, "create_replicas", _create_replicas)
    _patches.replace(
        SecretsManagerResponse, "stop_replication_to_replica", _stop_replication_response
    )


def uninstall() -> None:
    """Restore moto's Secrets Manager behaviour."""
    _patches.restore_all()


def is_installed() -> bool:
    """Whether this extension is in effect."""
    return _patches.active
