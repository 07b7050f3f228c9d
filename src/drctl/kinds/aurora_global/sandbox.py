"""Sandbox: an encrypted Aurora MySQL global database -- writer cluster in regions.primary,
secondary in regions.dr -- and a replication-lag datapoint well inside the RPO."""

from __future__ import annotations

from drctl.aws.cloudwatch import put_metric
from drctl.kinds.sandboxing import SandboxBuild
from drctl.plan.models import AuroraGlobal

LAG_MS = 900.0


def build(b: SandboxBuild, res: AuroraGlobal) -> None:
    primary = b.client("rds", "primary")
    primary.create_global_cluster(
        GlobalClusterIdentifier=res.global_cluster,
        Engine="aurora-mysql",
        EngineVersion="8.0.mysql_aurora.3.05.2",
        StorageEncrypted=True,
    )
    for side in ("primary", "dr"):
        kwargs = {
            "DBClusterIdentifier": f"{res.global_cluster}-{b.region(side)}",
            "Engine": "aurora-mysql",
            "EngineVersion": "8.0.mysql_aurora.3.05.2",
            "GlobalClusterIdentifier": res.global_cluster,
            "StorageEncrypted": True,
        }
        if side == "primary":
            kwargs.update(MasterUsername="admin", MasterUserPassword="sandbox-only-password")
        b.client("rds", side).create_db_cluster(**kwargs)
    put_metric(
        b.client("cloudwatch", "dr"),
        namespace="AWS/RDS",
        metric="AuroraGlobalDBReplicationLag",
        dimensions={"DBClusterIdentifier": f"{res.global_cluster}-{b.region('dr')}"},
        value=LAG_MS,
        unit="Milliseconds",
        at=b.clock.now(),
    )
