"""Sandbox: an encrypted DocumentDB 5.0 global cluster -- the writer cluster in regions.primary
(automated backups kept 7 days, deletion protection on), a secondary in regions.dr -- and a
``GlobalClusterReplicationLag`` datapoint well inside the RPO."""

from __future__ import annotations

from drctl.aws.cloudwatch import put_metric
from drctl.kinds.documentdb_global.lag import METRIC, NAMESPACE
from drctl.kinds.sandboxing import SandboxBuild
from drctl.plan.models import DocumentDbGlobal

ENGINE_VERSION = "5.0.0"
LAG_MS = 700.0
BACKUP_DAYS = 7


def build(b: SandboxBuild, res: DocumentDbGlobal, versions: tuple[str, str] | None = None) -> None:
    """``versions`` (primary, dr) lets a test build members whose engine versions differ."""
    primary_version, dr_version = versions or (ENGINE_VERSION,) * 2
    b.client("docdb", "primary").create_global_cluster(
        GlobalClusterIdentifier=res.global_cluster,
        Engine="docdb",
        EngineVersion=primary_version,
        StorageEncrypted=True,
    )
    for side, version in (("primary", primary_version), ("dr", dr_version)):
        kwargs = {
            "DBClusterIdentifier": f"{res.global_cluster}-{b.region(side)}",
            "Engine": "docdb",
            "EngineVersion": version,
            "GlobalClusterIdentifier": res.global_cluster,
            "StorageEncrypted": True,
            "BackupRetentionPeriod": BACKUP_DAYS,
        }
        if side == "primary":
            kwargs.update(
                MasterUsername="catalog",
                MasterUserPassword="sandbox-only-password",
                DeletionProtection=True,
            )
        b.client("docdb", side).create_db_cluster(**kwargs)
    put_metric(
        b.client("cloudwatch", "dr"),
        namespace=NAMESPACE,
        metric=METRIC,
        dimensions={"DBClusterIdentifier": f"{res.global_cluster}-{b.region('dr')}"},
        value=LAG_MS,
        unit="Milliseconds",
        at=b.clock.now(),
    )
