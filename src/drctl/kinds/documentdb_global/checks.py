"""Readiness of a DocumentDB global cluster: the checks every global cluster shares (writer
home, secondary in DR, encrypted, lag within the RPO, a switchover would be accepted) and
DocumentDB's own: the engine is ``docdb`` at a version with global clusters, and the primary
cluster keeps backups and has deletion protection (a global cluster's data lives in its
members: deleting the primary cluster takes the writer with it).

Sources: "Overview of Amazon DocumentDB global clusters" -- global clusters are not supported
on DocumentDB 3.6 (https://docs.aws.amazon.com/documentdb/latest/developerguide/global-clusters.html);
``DBCluster.BackupRetentionPeriod`` (1 to 35 days) and ``DeletionProtection`` in the API
reference (https://docs.aws.amazon.com/documentdb/latest/developerguide/API_DBCluster.html).
"""

from __future__ import annotations

from typing import Any

from drctl.engine.context import RunContext
from drctl.engine.gate import LagReading
from drctl.engine.step import Check, CheckResult, failed, passed
from drctl.kinds import global_cluster
from drctl.kinds.documentdb_global import lag as lag_module
from drctl.kinds.documentdb_global.switchover import FLAVOR, NAME
from drctl.kinds.global_cluster import deletion_protected, describe, on_member
from drctl.kinds.steps import check_maker, lag_within_rpo
from drctl.plan.models import DocumentDbGlobal

ENGINE = "docdb"
# Major versions with global clusters (3.6 has none).
GLOBAL_VERSIONS = ("4.", "5.", "8.")


def checks(res: DocumentDbGlobal, ctx: RunContext) -> list[Check]:
    rpo = ctx.objectives.rpo_seconds
    check = check_maker(res.name, NAME, f"{res.name} (docdb {res.global_cluster})")

    def engine() -> CheckResult:
        g = describe(FLAVOR, res, ctx)
        if g is None:
            return failed("global cluster not found")
        name, version = str(g.get("Engine")), str(g.get("EngineVersion") or "")
        if name != ENGINE:
            return failed(f"engine {name}, not {ENGINE}: this is no DocumentDB global cluster")
        if not version.startswith(GLOBAL_VERSIONS):
            return failed(f"engine version {version or 'unknown'} has no global clusters")
        return passed(f"{ENGINE} {version}")

    def backups(cluster: dict[str, Any]) -> CheckResult:
        who, days = cluster["DBClusterIdentifier"], int(cluster.get("BackupRetentionPeriod") or 0)
        if days < 1:
            return failed(f"{who} keeps no automated backups", days, 1)
        return passed(f"{who} keeps backups {days} days", days, 1)

    def lag_check() -> CheckResult:
        seconds, metric = lag_module.lag_seconds(FLAVOR, res, ctx)
        if seconds is None:  # unknown is not zero: fail closed
            return failed(f"no {metric} datapoint in the last 10 minutes: lag unknown", None, rpo)
        return lag_within_rpo(seconds, rpo, what=metric, missing="")

    extra = [
        check("engine", "DocumentDB engine with global clusters", engine),
        check(
            "backups",
            "automated backups on the primary cluster",
            on_member(FLAVOR, res, ctx, "primary", backups),
        ),
        check(
            "deletion-protection",
            "deletion protection on the primary cluster",
            on_member(FLAVOR, res, ctx, "primary", deletion_protected),
        ),
    ]
    return global_cluster.checks(FLAVOR, res, ctx, lag_check, extra)


def lag(res: DocumentDbGlobal, ctx: RunContext) -> LagReading:
    return global_cluster.lag_reading(FLAVOR, res, ctx, lag_module.NAMESPACE)
