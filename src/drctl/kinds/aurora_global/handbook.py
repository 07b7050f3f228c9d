"""``aurora-global`` by hand: the readiness checks and step verifications as AWS CLI commands."""

from __future__ import annotations

from drctl.engine.context import RunContext
from drctl.kinds.global_cluster import hand_verifications
from drctl.kinds.handbook import HandCheck, metric_cli
from drctl.plan.models import AuroraGlobal


def _members(res: AuroraGlobal, region: str) -> str:
    return (
        f"aws rds describe-global-clusters --global-cluster-identifier {res.global_cluster} "
        "--query 'GlobalClusters[0].[Status,StorageEncrypted,FailoverState,"
        "GlobalClusterMembers[].[DBClusterArn,IsWriter,SynchronizationStatus]]' "
        f"--region {region}"
    )


def prechecks(res: AuroraGlobal, ctx: RunContext) -> list[HandCheck]:
    p, d = ctx.region("primary"), ctx.region("dr")
    return [
        HandCheck(
            f"global cluster {res.global_cluster}",
            _members(res, p),
            f'`"available"`, `true`, no failover state, the member in {p} with IsWriter '
            f"`true`, the member in {d} with IsWriter `false` and, for Aurora PostgreSQL, "
            '`"connected"`',
            ("global-cluster", "writer", "secondary", "encryption", "switchover-ready"),
        ),
        HandCheck(
            f"replication lag of the {d} member",
            metric_cli(
                "AWS/RDS",
                "AuroraGlobalDBReplicationLag",
                {"DBClusterIdentifier": f"<cluster-id-of-the-{d}-member>"},
                "Maximum",
                d,
            ),
            f"milliseconds at most {ctx.objectives.rpo_seconds * 1000} (the RPO); for Aurora "
            "PostgreSQL read AuroraGlobalDBRPOLag instead",
            ("replication-lag",),
        ),
    ]


def verifications(res: AuroraGlobal, ctx: RunContext, action: str) -> dict[str, list[HandCheck]]:
    return hand_verifications(lambda region: _members(res, region), ctx, action)
