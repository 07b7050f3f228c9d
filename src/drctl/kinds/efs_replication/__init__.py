"""``efs-replication``: an EFS file system replicated to regions.dr.

Readiness: a replication configuration from the primary file system to the DR Region,
``ENABLED``, its last sync (``LastReplicatedTimestamp``) within the RPO, both file systems
encrypted, mount targets for the DR copy, automatic backups noted. Failover deletes the
replication so the DR copy becomes writeable -- when planned, after fencing writes on the
primary (a file system policy denying ClientWrite) and a sync that completed after the fence;
from DR alone, unfenced, and saying what was lost when the primary's Region is down.
Failback replicates DR back to the home file system, stops that, lifts the fence (the home
file system's own policy back, or none), and replicates home to DR again.
"""

from __future__ import annotations

from typing import Any, ClassVar

from drctl.engine.context import RunContext
from drctl.engine.step import Check, Step
from drctl.kinds.contract import IamActions, Kind
from drctl.kinds.efs_replication import checks, failback, failover
from drctl.kinds.sandboxing import SandboxBuild
from drctl.plan.models import EfsReplication

_READ = (
    "elasticfilesystem:DescribeFileSystems",
    "elasticfilesystem:DescribeReplicationConfigurations",
)


class EfsReplicationKind(Kind):
    name = "efs-replication"
    model = EfsReplication
    iam_actions: ClassVar[IamActions] = {
        "check": (*_READ, "elasticfilesystem:DescribeBackupPolicy"),
        "failover": (
            *_READ,
            "elasticfilesystem:DescribeFileSystemPolicy",
            "elasticfilesystem:PutFileSystemPolicy",
            "elasticfilesystem:TagResource",
            "elasticfilesystem:DeleteReplicationConfiguration",
        ),
        "failback": (
            *_READ,
            "elasticfilesystem:DescribeFileSystemPolicy",
            "elasticfilesystem:PutFileSystemPolicy",
            "elasticfilesystem:DeleteFileSystemPolicy",
            "elasticfilesystem:UpdateFileSystemProtection",
            "elasticfilesystem:CreateReplicationConfiguration",
            "elasticfilesystem:DeleteReplicationConfiguration",
        ),
    }
    moto_extensions = ("moto_efs_replication", "moto_efs_policy")
    lag = staticmethod(checks.lag)

    def checks(self, res: Any, ctx: RunContext) -> list[Check]:
        return checks.checks(res, ctx)

    def failover(self, res: Any, ctx: RunContext) -> list[Step]:
        return failover.failover(res, ctx)

    def failback(self, res: Any, ctx: RunContext) -> list[Step]:
        return failback.failback(res, ctx)

    def build_sandbox(self, b: SandboxBuild, res: Any) -> None:
        from drctl.kinds.efs_replication import sandbox

        sandbox.build(b, res)


KIND = EfsReplicationKind()
