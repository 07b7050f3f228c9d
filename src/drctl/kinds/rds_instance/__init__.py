"""``rds-instance``: a primary DB instance protected in regions.dr.

``recovery: replica`` (the default): a cross-region read replica in regions.dr. Readiness:
both exist, the replica really replicates from *that* primary, both are available, backups
and storage encryption are on, and the replica's lag (CloudWatch ``ReplicaLag``) is within
the RPO. Failover fences the primary and promotes the replica (``replica.py``, ``fencing.py``);
failback re-protects and comes home (``failback.py``).

``recovery: snapshot`` (backup and restore): ``drctl backup`` snapshots the primary and
copies the snapshot to regions.dr (``backup.py``); failover restores the newest copy
(``snapshot.py``); failback fences it, snapshots it and restores the copy home
(``snapshot_failback.py``). ``drctl cleanup`` deletes what failbacks kept aside (``cleanup.py``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from drctl.engine.context import RunContext
from drctl.engine.gate import LagReading
from drctl.engine.step import Check, Step
from drctl.kinds.contract import IamActions, Kind
from drctl.kinds.rds_instance import (
    alarms,
    backup,
    checks,
    cleanup,
    compliance,
    discover,
    failback,
    fencing,
    replica,
    restore,
    snapshot,
)
from drctl.kinds.sandboxing import SandboxBuild
from drctl.plan.models import RdsInstance


def _lag(res: RdsInstance, ctx: RunContext) -> LagReading | None:
    if res.recovery == "snapshot":
        return None  # no replication: the snapshot's age is checked instead
    return fencing.lag(res, ctx)


class RdsInstanceKind(Kind):
    name = "rds-instance"
    model = RdsInstance
    moto_extensions = (
        "moto_lifecycle",
        "moto_promote",
        "moto_rename",
        "moto_replica_metrics",
        "moto_backup_replication",
    )
    iam_actions: ClassVar[IamActions] = {
        "check": (
            "rds:DescribeDBInstances",
            "rds:DescribeDBSubnetGroups",  # a snapshot restore's placement exists
            "ec2:DescribeSecurityGroups",
            "rds:DescribeDBParameters",
            "rds:DescribeDBSnapshots",
            "rds:DescribeDBInstanceAutomatedBackups",  # a restore drill's source
            "cloudwatch:GetMetricStatistics",
        ),
        "failover": (
            "rds:DescribeDBInstances",
            "rds:DescribeDBParameterGroups",
            "rds:CreateDBParameterGroup",
            "rds:CopyDBParameterGroup",
            "rds:DescribeDBParameters",
            "rds:ModifyDBParameterGroup",
            "rds:ModifyDBInstance",
            "rds:RebootDBInstance",
            "rds:PromoteReadReplica",
            "rds:ListTagsForResource",  # a fencing group's original (the replica placement)
            "rds:DescribeDBSnapshots",
            "rds:RestoreDBInstanceFromDBSnapshot",
            "cloudwatch:GetMetricStatistics",
        ),
        "failback": (
            "rds:DescribeDBInstances",
            "rds:DescribeDBParameterGroups",
            "rds:CreateDBParameterGroup",
            "rds:CopyDBParameterGroup",
            "rds:DescribeDBParameters",
            "rds:ModifyDBParameterGroup",
            "rds:ModifyDBInstance",
            "rds:RebootDBInstance",
            "rds:CreateDBInstanceReadReplica",
            "rds:PromoteReadReplica",
            "rds:CreateDBSnapshot",  # recovery: snapshot -- the DR instance's data, home
            "rds:DescribeDBSnapshots",
            "rds:CopyDBSnapshot",
            "rds:RestoreDBInstanceFromDBSnapshot",
            "rds:AddTagsToResource",
            "rds:ListTagsForResource",
            "kms:DescribeKey",
            "kms:CreateGrant",
            "cloudwatch:GetMetricStatistics",
        ),
        "backup": (
            "rds:DescribeDBInstances",
            "rds:CreateDBSnapshot",
            "rds:DescribeDBSnapshots",
            "rds:CopyDBSnapshot",
        ),
        "restore": (
            "rds:DescribeDBInstances",
            "rds:DescribeDBInstanceAutomatedBackups",
            "rds:DescribeDBSnapshots",
            "rds:RestoreDBInstanceToPointInTime",
            "rds:RestoreDBInstanceFromDBSnapshot",
            "rds:StartDBInstanceAutomatedBackupsReplication",
            "rds:DeleteDBInstance",
            "rds:AddTagsToResource",
        ),
        # compliance rules|status: the instances' DbiResourceId, which AWS Config knows them by
        "compliance": ("rds:DescribeDBInstances",),
        "cleanup": (
            "rds:DescribeDBInstances",
            "rds:DeleteDBInstance",
            "rds:CreateDBSnapshot",  # the final snapshot DeleteDBInstance takes
        ),
        "discover": ("rds:DescribeDBInstances",),
    }

    lag = staticmethod(_lag)
    backup = backup.SnapshotBackup()
    restore = restore.RdsRestore()
    cleanup = cleanup.RdsCleanup()
    alarms = staticmethod(alarms.alarms)
    compliance = compliance.RdsCompliance()
    discover = staticmethod(discover.discover)

    def checks(self, res: RdsInstance, ctx: RunContext) -> list[Check]:
        if res.recovery == "snapshot":
            return snapshot.checks(res, ctx)
        return checks.checks(res, ctx)

    def failover(self, res: RdsInstance, ctx: RunContext) -> list[Step]:
        if res.recovery == "snapshot":
            return snapshot.failover(res, ctx)
        return replica.failover(res, ctx)

    def failback(self, res: RdsInstance, ctx: RunContext) -> list[Step]:
        if res.recovery == "snapshot":
            return snapshot.failback(res, ctx)
        return failback.failback_steps(res, ctx)

    def build_sandbox(self, b: SandboxBuild, res: Any) -> None:
        from drctl.kinds.rds_instance import sandbox

        sandbox.build(b, res)


KIND = RdsInstanceKind()
