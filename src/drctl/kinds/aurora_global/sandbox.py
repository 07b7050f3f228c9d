"""Sandbox: an encrypted Aurora global database -- writer cluster in regions.primary, secondary
in regions.dr, both on the same engine version -- and a lag datapoint well inside the RPO, on
the metric AWS publishes for the engine (see ``checks.lag_metric``)."""

from __future__ import annotations

from typing import Any

from drctl.aws.cloudwatch import put_metric
from drctl.kinds.aurora_global.checks import lag_metric
from drctl.kinds.sandboxing import SandboxBuild
from drctl.plan.models import AuroraGlobal

LAG_MS = 900.0
ENGINE_VERSIONS = {
    "aurora-mysql": "8.0.mysql_aurora.3.05.2",
    "aurora-postgresql": "15.4",
}


def build(
    b: SandboxBuild,
    res: AuroraGlobal,
    engine: str = "aurora-mysql",
    versions: tuple[str, str] | None = None,
) -> None:
    """``versions`` (primary, dr) lets a test build members whose engine versions differ."""
    primary_version, dr_version = versions or (ENGINE_VERSIONS[engine],) * 2
    primary = b.client("rds", "primary")
    primary.create_global_cluster(
        GlobalClusterIdentifier=res.global_cluster,
        Engine=engine,
        EngineVersion=primary_version,
        StorageEncrypted=True,
    )
    kwargs: dict[str, Any]
    for side, version in (("primary", primary_version), ("dr", dr_version)):
        kwargs = {
            "DBClusterIdentifier": f"{res.global_cluster}-{b.region(side)}",
            "Engine": engine,
            "EngineVersion": version,
            "GlobalClusterIdentifier": res.global_cluster,
            "StorageEncrypted": True,
            "Tags": b.tag_list(),
        }
        if side == "primary":
            kwargs.update(MasterUsername="admin", MasterUserPassword="sandbox-only-password")
        b.client("rds", side).create_db_cluster(**kwargs)
    put_metric(
        b.client("cloudwatch", "dr"),
        namespace="AWS/RDS",
        metric=lag_metric(engine),
        dimensions={"DBClusterIdentifier": f"{res.global_cluster}-{b.region('dr')}"},
        value=LAG_MS,
        unit="Milliseconds",
        at=b.clock.now(),
    )
