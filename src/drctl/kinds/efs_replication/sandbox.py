"""Sandbox: an encrypted file system in regions.primary with a mount target per Availability
Zone (of the default VPC's first two), replicated to a new file system in regions.dr that has
mount targets too, ``ENABLED`` and synced.

The primary carries the tag ``drctl-sandbox-established: true``: it stands for one replicating
since long before the sandbox's clock started, so its configuration is ``ENABLED`` with a recent
``LastReplicatedTimestamp`` at once (``moto_efs_replication``). A plan naming a file system by
id gets that id; by Name, that Name tag.
"""

from __future__ import annotations

from typing import Any

from drctl.kinds.efs_replication.moto_efs_replication import ESTABLISHED_TAG, adopt_id
from drctl.kinds.efs_replication.topology import is_id
from drctl.kinds.sandboxing import SANDBOX_ACCOUNT, SandboxBuild
from drctl.plan.models import EfsReplication


def _mount_targets(b: SandboxBuild, side: str, fs_id: str) -> None:
    subnets = b.client("ec2", side).describe_subnets(
        Filters=[{"Name": "default-for-az", "Values": ["true"]}]
    )["Subnets"]
    efs = b.client("efs", side)
    for subnet in sorted(subnets, key=lambda s: str(s["AvailabilityZone"]))[:2]:
        efs.create_mount_target(FileSystemId=fs_id, SubnetId=subnet["SubnetId"])


def _named(b: SandboxBuild, side: str, fs_id: str, ref: str) -> str:
    """Give the new file system the plan's id or Name tag; returns its id."""
    if is_id(ref):
        adopt_id(SANDBOX_ACCOUNT, b.region(side), fs_id, ref)
        return ref
    b.client("efs", side).tag_resource(ResourceId=fs_id, Tags=[{"Key": "Name", "Value": ref}])
    return fs_id


def build(b: SandboxBuild, res: EfsReplication) -> None:
    home = b.client("efs", "primary")
    created: dict[str, Any] = home.create_file_system(
        CreationToken=f"drctl-sandbox-{res.name}",
        Encrypted=True,
        Backup=True,
        Tags=[{"Key": ESTABLISHED_TAG, "Value": "true"}],
    )
    primary = _named(b, "primary", str(created["FileSystemId"]), res.file_system)
    _mount_targets(b, "primary", primary)
    config = home.create_replication_configuration(
        SourceFileSystemId=primary, Destinations=[{"Region": b.region("dr")}]
    )
    copy = str(config["Destinations"][0]["FileSystemId"])
    if res.dr_file_system:
        copy = _named(b, "dr", copy, res.dr_file_system)
    _mount_targets(b, "dr", copy)
