"""``documentdb-global`` by hand: the readiness checks and step verifications as AWS CLI
commands."""

from __future__ import annotations

from drctl.engine.context import RunContext
from drctl.kinds.documentdb_global.lag import METRIC, NAMESPACE
from drctl.kinds.global_cluster import hand_verifications
from drctl.kinds.handbook import HandCheck, metric_cli
from drctl.plan.models import DocumentDbGlobal


def _members(res: DocumentDbGlobal, region: str) -> str:
    return (
        f"aws docdb describe-global-clusters --global-cluster-identifier {res.global_cluster} "
        "--query 'GlobalClusters[0].[Status,Engine,EngineVersion,StorageEncrypted,FailoverState,"
        "GlobalClusterMembers[].[DBClusterArn,IsWriter,SynchronizationStatus]]' "
        f"--region {region}"
    )


def prechecks(res: DocumentDbGlobal, ctx: RunContext) -> list[HandCheck]:
    p, d = ctx.region("primary"), ctx.region("dr")
    primary = f"{res.global_cluster}-{p}"
    return [
        HandCheck(
            f"global cluster {res.global_cluster}",
            _members(res, p),
            f'`"available"`, `"docdb"`, a version 4.0 or later, `true`, no failover state, the '
            f"member in {p} with IsWriter `true`, the member in {d} with IsWriter `false` and "
            '`"connected"`',
            ("global-cluster", "engine", "writer", "secondary", "encryption", "switchover-ready"),
        ),
        HandCheck(
            f"backups and deletion protection of the {p} member",
            f"aws docdb describe-db-clusters --db-cluster-identifier {primary} "
            "--query 'DBClusters[0].[BackupRetentionPeriod,DeletionProtection,Status]' "
            f"--region {p}",
            f'at least `1` (days), `true`, `"available"` (the {p} member\'s identifier is in '
            "the first command's ARN)",
            ("backups", "deletion-protection"),
        ),
        HandCheck(
            f"replication lag of the {d} member",
            metric_cli(
                NAMESPACE,
                METRIC,
                {"DBClusterIdentifier": f"<cluster-id-of-the-{d}-member>"},
                "Maximum",
                d,
            ),
            f"milliseconds at most {ctx.objectives.rpo_seconds * 1000} (the RPO); no datapoint "
            "means the lag is unknown: do not fail over as planned",
            ("replication-lag",),
        ),
    ]


def verifications(
    res: DocumentDbGlobal, ctx: RunContext, action: str
) -> dict[str, list[HandCheck]]:
    return hand_verifications(lambda region: _members(res, region), ctx, action)
