"""EFS replication as AWS runs it, over AWS time: replication configurations, their states, the
destination's overwrite protection, and deletion from either side -- none of which moto 5.2.5
implements (its EFS has file systems and mount targets only: ``CreateReplicationConfiguration``
and the rest answer "not implemented", and ``DescribeFileSystems`` has no
``FileSystemProtection``). This module models them on the sandbox's AWS clock
(:data:`drctl.kinds.sandboxing.aws_time`).

Sources (EFS API reference and User Guide; botocore ``efs`` model for the shapes):

* ``CreateReplicationConfiguration``
  (https://docs.aws.amazon.com/efs/latest/ug/API_CreateReplicationConfiguration.html): one
  destination only; "A file system can be part of only one replication configuration"
  (``ReplicationAlreadyExists`` otherwise); to a new file system (created encrypted, with the
  given ``KmsKeyId`` or the EFS default key) or to an existing one, whose "replication
  overwrite protection must be disabled"; an encrypted source and an unencrypted destination:
  ``ConflictException``. The destination is ``ENABLING`` for ``ENABLING_SECONDS`` (the sandbox's
  figure; AWS gives none), then ``ENABLED``.
* ``Destination.LastReplicatedTimestamp``
  (https://docs.aws.amazon.com/efs/latest/ug/API_Destination.html): "the time when the most
  recent sync was successfully completed"; absent until the first sync. Here a sync completes
  every ``SYNC_SECONDS`` once ``ENABLED`` (AWS: "most file systems ... RPO of 15 minutes",
  https://docs.aws.amazon.com/efs/latest/ug/replication-use-cases.html), and none completes
  while the source's Region is out (the sandbox's outage layer,
  :data:`drctl.kinds.sandboxing.unreachable`): the timestamp stays at the last sync before.
* ``FileSystemProtection.ReplicationOverwriteProtection``
  (https://docs.aws.amazon.com/efs/latest/ug/API_FileSystemProtectionDescription.html,
  ``UpdateFileSystemProtection``): ``ENABLED`` by default (writeable, cannot be a
  destination), ``DISABLED`` (may become a destination), ``REPLICATING`` (a destination:
  read-only). Changing it on a file system in a replication configuration:
  ``ReplicationAlreadyExists`` (the code the API lists for the call); ``REPLICATING`` cannot
  be set by a caller (``BadRequest``, the sandbox's choice).
* ``DeleteReplicationConfiguration``
  (https://docs.aws.amazon.com/efs/latest/ug/API_DeleteReplicationConfiguration.html and
  https://docs.aws.amazon.com/efs/latest/ug/delete-replications.html): callable "from either
  the source or the destination file system", named by the *source* file system's id;
  ``ALL_CONFIGURATIONS`` (default) deletes both Regions' records, ``LOCAL_CONFIGURATION_ONLY``
  only the caller's ("leaves the configuration in the other ... Region unrecoverable"; for a
  same-Region replication: ``BadRequest``). "Deleting a replication configuration and changing
  the destination file system to be writeable can take several minutes": the destination is
  ``DELETING`` for ``DELETING_SECONDS``, still read-only; then the record is gone and the
  destination's protection is ``ENABLED`` again (writeable). ``ALL_CONFIGURATIONS`` while the
  other Region does not answer is refused with ``BadRequest`` naming it (the sandbox's choice:
  AWS documents only that such a "configuration or permissions issue" calls for the local
  mode). A record whose other side was deleted locally shows ``ERROR``.
* ``DescribeReplicationConfigurations``: by a source or destination file system of the
  caller's Region (``FileSystemNotFound`` for an unknown id, ``ReplicationNotFound`` for one in
  no configuration), or every configuration the Region records.
* ``DeleteFileSystem`` of a file system in a replication configuration is refused
  (``FileSystemInUse``, the sandbox's choice of code: the guide says only "You cannot delete").

A source file system created with the tag ``drctl-sandbox-established: true`` stands for one
replicating since long before the sandbox's clock started: the first configuration created
from it is ``ENABLED`` at once with a recent ``LastReplicatedTimestamp`` (later ones take their
time).

Not modelled: file data (a sync has nothing to copy), ``PAUSED``/``PAUSING``, cross-account
replication (``RoleArn``), throughput limits.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from drctl.kinds.sandboxing import PatchSet, aws_time, unreachable

__all__ = [
    "DELETING_SECONDS",
    "ENABLING_SECONDS",
    "ESTABLISHED_TAG",
    "SYNC_SECONDS",
    "install",
    "is_installed",
    "uninstall",
]

ENABLING_SECONDS: Final = 180.0  # ENABLING -> ENABLED of a new configuration (AWS seconds)
SYNC_SECONDS: Final = 300.0  # a sync completes this often while ENABLED
DELETING_SECONDS: Final = 240.0  # DELETING -> gone, the destination writeable
ESTABLISHED_TAG: Final = "drctl-sandbox-established"
SERVICE: Final = "elasticfilesystem"  # the outage layer's name for EFS (its signing name)

_patches = PatchSet()
_PATHS: Final = (
    "/2015-02-01/file-systems/replication-configurations",
    "/2015-02-01/file-systems/<file_system_id>/replication-configuration",
    "/2015-02-01/file-systems/<file_system_id>/protection",
)
_ATTR: Final = "_drctl_replications"  # per-backend list of the configurations it records


@dataclass(eq=False)
class Replication:
    """One replication configuration, recorded in the source's and the destination's Region."""

    account_id: str
    source_id: str
    source_region: str
    source_arn: str
    original_source_arn: str
    dest_id: str
    dest_region: str
    dest_arn: str
    created: datetime
    enabled_at: datetime
    sides: set[str] = field(default_factory=set)  # Regions still recording it
    deleting: dict[str, datetime] = field(default_factory=dict)  # Region -> deletion start
    stopped_at: datetime | None = None  # when the first deletion began: no sync after it

    def other(self, region: str) -> str:
        return self.dest_region if region == self.source_region else self.source_region


def _errors() -> Any:
    """The error classes, defined lazily (moto is imported only once the sandbox installs)."""
    from moto.efs.exceptions import EFSError

    class ReplicationNotFound(EFSError):
        code = 404

        def __init__(self, msg: str) -> None:
            super().__init__("ReplicationNotFound", msg)

    class ReplicationAlreadyExists(EFSError):
        code = 409

        def __init__(self, msg: str) -> None:
            super().__init__("ReplicationAlreadyExists", msg)

    class ValidationException(EFSError):
        code = 400

        def __init__(self, msg: str) -> None:
            super().__init__("ValidationException", msg)

    class ConflictException(EFSError):
        code = 409

        def __init__(self, msg: str) -> None:
            super().__init__("ConflictException", msg)

    class IncorrectFileSystemLifeCycleState(EFSError):
        code = 409

        def __init__(self, msg: str) -> None:
            super().__init__("IncorrectFileSystemLifeCycleState", msg)

    return {
        "IncorrectFileSystemLifeCycleState": IncorrectFileSystemLifeCycleState,
        "ReplicationNotFound": ReplicationNotFound,
        "ReplicationAlreadyExists": ReplicationAlreadyExists,
        "ValidationException": ValidationException,
        "ConflictException": ConflictException,
    }


_ERRORS: dict[str, Any] = {}


def _error(code: str, message: str) -> Exception:
    if not _ERRORS:
        _ERRORS.update(_errors())
    if code in _ERRORS:
        return _ERRORS[code](message)  # type: ignore[no-any-return]
    from moto.efs import exceptions

    if code == "FileSystemNotFound":
        return exceptions.FileSystemNotFound(message)
    if code == "FileSystemInUse":
        return exceptions.FileSystemInUse(message)
    return exceptions.BadRequest(message)


def _backend(account_id: str, region: str) -> Any:
    from moto.efs.models import efs_backends

    return efs_backends[account_id][region]


def _recorded(backend: Any) -> list[Replication]:
    """The configurations ``backend``'s Region records (settled to now)."""
    found: list[Replication] = backend.__dict__.setdefault(_ATTR, [])
    for rep in list(found):
        _settle(rep)
    return list(backend.__dict__.get(_ATTR, []))


def _down(region: str, at: datetime) -> bool:
    """Whether ``region``'s EFS was out at ``at`` (a sync completing as it went out counts)."""
    return any(
        start < at and (end is None or at < end)
        for start, end in unreachable.periods(SERVICE, region)
    )


def _settle(rep: Replication) -> None:
    """Finish the deletions that are due: the Region's record goes, and a destination whose
    record went is writeable again (protection ``ENABLED``)."""
    now = aws_time.now()
    for region, started in list(rep.deleting.items()):
        if now < started + timedelta(seconds=DELETING_SECONDS):
            continue
        del rep.deleting[region]
        rep.sides.discard(region)
        backend = _backend(rep.account_id, region)
        records = backend.__dict__.get(_ATTR, [])
        if rep in records:
            records.remove(rep)
        if region == rep.dest_region:
            dest = backend.file_systems_by_id.get(rep.dest_id)
            if dest is not None:
                dest._drctl_protection = "ENABLED"


def _last_sync(rep: Replication) -> datetime | None:
    """When the newest sync completed: every ``SYNC_SECONDS`` after ``ENABLED``, none while
    the source's Region is out, none after the configuration began to go."""
    end = min(aws_time.now(), rep.stopped_at) if rep.stopped_at else aws_time.now()
    if end <= rep.enabled_at:
        return None
    k = int((end - rep.enabled_at).total_seconds() // SYNC_SECONDS)
    while k >= 1:
        at = rep.enabled_at + timedelta(seconds=k * SYNC_SECONDS)
        if not _down(rep.source_region, at):
            return at
        k -= 1
    return None


def _status(rep: Replication, region: str) -> tuple[str, str | None]:
    if region in rep.deleting:
        return "DELETING", None
    if rep.source_region != rep.dest_region and rep.other(region) not in rep.sides:
        return "ERROR", (
            f"The replication configuration was deleted in {rep.other(region)}: delete this "
            "one as well."
        )
    if aws_time.now() < rep.enabled_at:
        return "ENABLING", None
    return "ENABLED", None


def _describe(rep: Replication, region: str) -> dict[str, Any]:
    """``ReplicationConfigurationDescription`` as ``region`` records it."""
    status, message = _status(rep, region)
    dest: dict[str, Any] = {
        "Status": status,
        "FileSystemId": rep.dest_id,
        "Region": rep.dest_region,
        "OwnerId": rep.account_id,
    }
    last = _last_sync(rep)
    if last is not None:
        dest["LastReplicatedTimestamp"] = last.timestamp()
    if message:
        dest["StatusMessage"] = message
    return {
        "SourceFileSystemId": rep.source_id,
        "SourceFileSystemRegion": rep.source_region,
        "SourceFileSystemArn": rep.source_arn,
        "OriginalSourceFileSystemArn": rep.original_source_arn,
        "CreationTime": rep.created.timestamp(),
        "Destinations": [dest],
        "SourceFileSystemOwnerId": rep.account_id,
    }


def _fs_id(ref: str) -> str:
    """A file system id from an id or an ARN (``...:file-system/fs-...``)."""
    return ref.rsplit("/", 1)[-1] if ref.startswith("arn:") else ref


def _involving(backend: Any, fs_id: str) -> Replication | None:
    """The configuration ``backend``'s Region records with its file system ``fs_id`` as
    source or destination (a file system is part of one at most)."""
    region = backend.region_name
    for rep in _recorded(backend):
        if (fs_id, region) in ((rep.source_id, rep.source_region), (rep.dest_id, rep.dest_region)):
            return rep
    return None


def protection(fs: Any) -> str:
    """``ReplicationOverwriteProtection`` of a moto file system now."""
    backend = fs._context
    rep = _involving(backend, fs.file_system_id)
    if rep is not None and rep.dest_id == fs.file_system_id:
        return "REPLICATING"
    return str(fs.__dict__.get("_drctl_protection", "ENABLED"))


def _established(backend: Any, fs_id: str) -> bool:
    tags = backend.list_tags_for_resource(fs_id)
    return any(t.get("Key") == ESTABLISHED_TAG and t.get("Value") == "true" for t in tags)


def create(backend: Any, source_ref: str, destinations: list[dict[str, Any]]) -> Replication:
    """``CreateReplicationConfiguration`` in ``backend``'s Region."""
    source_id = _fs_id(source_ref)
    source = backend.file_systems_by_id.get(source_id)
    if source is None:
        raise _error("FileSystemNotFound", f"File system '{source_id}' does not exist.")
    if len(destinations or []) != 1:
        raise _error("ValidationException", "Only one destination configuration is supported.")
    if _involving(backend, source_id) is not None:
        raise _error(
            "ReplicationAlreadyExists",
            f"File system {source_id} is already part of a replication configuration.",
        )
    if source.life_cycle_state != "available":
        raise _error(
            "IncorrectFileSystemLifeCycleState", f"File system {source_id} is not available."
        )
    wanted = destinations[0]
    region = str(wanted.get("Region") or backend.region_name)
    there = _backend(backend.account_id, region)
    dest_ref = wanted.get("FileSystemId")
    if dest_ref:
        dest_id = _fs_id(str(dest_ref))
        dest = there.file_systems_by_id.get(dest_id)
        if dest is None:
            raise _error("FileSystemNotFound", f"File system '{dest_id}' does not exist.")
        if _involving(there, dest_id) is not None:
            raise _error(
                "ReplicationAlreadyExists",
                f"File system {dest_id} is already part of a replication configuration.",
            )
        if protection(dest) != "DISABLED":
            raise _error(
                "ValidationException",
                f"Replication overwrite protection of destination file system {dest_id} is "
                "enabled: disable it (UpdateFileSystemProtection) to replicate to it.",
            )
        if source.encrypted and not dest.encrypted:
            raise _error(
                "ConflictException",
                f"Source file system {source_id} is encrypted but destination {dest_id} is not.",
            )
    else:
        dest = there.create_file_system(
            creation_token=f"replication-{uuid.uuid4()}",
            performance_mode=source.performance_mode,
            encrypted=True,
            kms_key_id=wanted.get("KmsKeyId") or "",
            throughput_mode=source.throughput_mode,
            provisioned_throughput_in_mibps=source.provisioned_throughput_in_mibps,
            availability_zone_name=wanted.get("AvailabilityZoneName") or "",
            backup=False,
            tags=[],
        )
    now = aws_time.now()
    first = not source.__dict__.get("_drctl_replicated", False)
    source._drctl_replicated = True
    created = now - timedelta(days=1) if first and _established(backend, source_id) else now
    original = next(
        (r.original_source_arn for r in _recorded(there) if r.source_id == dest.file_system_id),
        source.file_system_arn,
    )
    rep = Replication(
        account_id=backend.account_id,
        source_id=source_id,
        source_region=backend.region_name,
        source_arn=source.file_system_arn,
        original_source_arn=original,
        dest_id=dest.file_system_id,
        dest_region=region,
        dest_arn=dest.file_system_arn,
        created=created,
        enabled_at=created + timedelta(seconds=ENABLING_SECONDS),
        sides={backend.region_name, region},
    )
    backend.__dict__.setdefault(_ATTR, []).append(rep)
    if there is not backend:
        there.__dict__.setdefault(_ATTR, []).append(rep)
    return rep


def describe(backend: Any, fs_ref: str | None) -> list[Replication]:
    """``DescribeReplicationConfigurations`` in ``backend``'s Region."""
    if not fs_ref:
        return _recorded(backend)
    fs_id = _fs_id(fs_ref)
    if fs_id not in backend.file_systems_by_id:
        raise _error("FileSystemNotFound", f"File system '{fs_id}' does not exist.")
    rep = _involving(backend, fs_id)
    if rep is None:
        raise _error(
            "ReplicationNotFound",
            f"Replication configuration not found for file system {fs_id}.",
        )
    return [rep]


def delete(backend: Any, source_ref: str, mode: str | None) -> None:
    """``DeleteReplicationConfiguration`` in ``backend``'s Region (source or destination)."""
    source_id = _fs_id(source_ref)
    region = backend.region_name
    rep = next((r for r in _recorded(backend) if r.source_id == source_id), None)
    if rep is None:
        if source_id in backend.file_systems_by_id:
            raise _error(
                "ReplicationNotFound",
                f"File system {source_id} is not the source of a replication configuration.",
            )
        raise _error("FileSystemNotFound", f"File system '{source_id}' does not exist.")
    mode = mode or "ALL_CONFIGURATIONS"
    same_region = rep.source_region == rep.dest_region
    if mode == "LOCAL_CONFIGURATION_ONLY" and same_region:
        raise _error("BadRequest", "LOCAL_CONFIGURATION_ONLY is not for same-Region replication.")
    now = aws_time.now()
    targets = {region} if mode == "LOCAL_CONFIGURATION_ONLY" else set(rep.sides)
    other = rep.other(region)
    if other in targets and other != region and unreachable.since(SERVICE, other) is not None:
        raise _error(
            "BadRequest",
            f"Unable to delete the replication configuration in {other}: the Region does not "
            "answer. Use DeletionMode LOCAL_CONFIGURATION_ONLY to delete it in this Region only.",
        )
    for side in targets:
        rep.deleting.setdefault(side, now)  # a repeated delete changes nothing
    rep.stopped_at = rep.stopped_at or now


def update_protection(backend: Any, fs_ref: str, value: str) -> str:
    """``UpdateFileSystemProtection``."""
    fs_id = _fs_id(fs_ref)
    fs = backend.file_systems_by_id.get(fs_id)
    if fs is None:
        raise _error("FileSystemNotFound", f"File system '{fs_id}' does not exist.")
    if value not in ("ENABLED", "DISABLED"):
        raise _error("BadRequest", f"ReplicationOverwriteProtection cannot be set to {value}.")
    if _involving(backend, fs_id) is not None:
        raise _error(
            "ReplicationAlreadyExists",
            f"File system {fs_id} is part of a replication configuration.",
        )
    fs._drctl_protection = value
    return value


# ----------------------------------------------------------------- moto responses and models


def _create_response(self: Any) -> tuple[str, dict[str, Any]]:
    rep = create(
        self.efs_backend, self._get_param("SourceFileSystemId"), self._get_param("Destinations")
    )
    return json.dumps(_describe(rep, self.efs_backend.region_name)), {
        "status": 200,
        "Content-Type": "application/json",
    }


def _describe_response(self: Any) -> tuple[str, dict[str, Any]]:
    found = describe(self.efs_backend, self._get_param("FileSystemId"))
    region = self.efs_backend.region_name
    body = {"Replications": [_describe(r, region) for r in found]}
    return json.dumps(body), {"Content-Type": "application/json"}


def _delete_response(self: Any) -> tuple[str, dict[str, Any]]:
    mode = self.querystring.get("deletionMode", [None])[0]
    delete(self.efs_backend, self._get_param("SourceFileSystemId"), mode)
    return "", {"status": 204, "Content-Type": "application/json"}


def _protection_response(self: Any) -> tuple[str, dict[str, Any]]:
    value = update_protection(
        self.efs_backend,
        self._get_param("FileSystemId"),
        str(self._get_param("ReplicationOverwriteProtection")),
    )
    return json.dumps({"ReplicationOverwriteProtection": value}), {
        "Content-Type": "application/json"
    }


def _info_json(original: Any) -> Any:
    def info_json(self: Any) -> dict[str, Any]:
        found: dict[str, Any] = original(self)
        found["FileSystemProtection"] = {"ReplicationOverwriteProtection": protection(self)}
        return found

    return info_json


def _delete_file_system(original: Any) -> Any:
    def delete_file_system(self: Any, file_system_id: str) -> None:
        if _involving(self, file_system_id) is not None:
            raise _error(
                "FileSystemInUse",
                f"File system {file_system_id} is part of a replication configuration: "
                "delete the configuration first.",
            )
        original(self, file_system_id)

    return delete_file_system


def install() -> None:
    """Add EFS replication to moto; idempotent."""
    if _patches.active:
        return
    from moto.efs import urls
    from moto.efs.models import EFSBackend, FileSystem
    from moto.efs.responses import EFSResponse

    _patches.replace(FileSystem, "info_json", _info_json(FileSystem.info_json))
    _patches.replace(
        EFSBackend, "delete_file_system", _delete_file_system(EFSBackend.delete_file_system)
    )
    _patches.replace(EFSResponse, "create_replication_configuration", _create_response)
    _patches.replace(EFSResponse, "describe_replication_configurations", _describe_response)
    _patches.replace(EFSResponse, "delete_replication_configuration", _delete_response)
    _patches.replace(EFSResponse, "update_file_system_protection", _protection_response)
    # The server's URL map (the in-process stub dispatches every EFS path already).
    for path in _PATHS:
        _patches.add_item(urls.url_paths, path, urls.response.dispatch)


def uninstall() -> None:
    """Restore moto's EFS."""
    _patches.restore_all()


def is_installed() -> bool:
    """Whether this extension is in effect."""
    return _patches.active


def adopt_id(account_id: str, region: str, fs_id: str, wanted: str) -> None:
    """Give the moto file system ``fs_id`` the id ``wanted`` (a plan that names its file
    system by id: moto draws ids at random). Sandbox building only."""
    backend = _backend(account_id, region)
    fs = backend.file_systems_by_id.pop(fs_id)
    fs.file_system_id = wanted
    fs.file_system_arn = fs.file_system_arn.replace(fs_id, wanted)
    backend.file_systems_by_id[wanted] = fs
    tags = backend.tagging_service.list_tags_for_resource(fs_id)["Tags"]
    backend.tagging_service.tag_resource(wanted, tags)
    for rep in backend.__dict__.get(_ATTR, []):  # the configurations it is part of
        if (rep.source_id, rep.source_region) == (fs_id, region):
            rep.source_id, rep.source_arn = wanted, fs.file_system_arn
            rep.original_source_arn = rep.original_source_arn.replace(fs_id, wanted)
        if (rep.dest_id, rep.dest_region) == (fs_id, region):
            rep.dest_id, rep.dest_arn = wanted, fs.file_system_arn
