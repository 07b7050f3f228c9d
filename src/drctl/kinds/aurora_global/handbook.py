"""``aurora-global`` by hand: the readiness checks and step verifications as AWS CLI commands."""

from __future__ import annotations

from drctl.engine.context import RunContext
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
    p, d = ctx.region("primary"), ctx.region("dr")
    if action == "failover":
        return {
            "switch-writer": [
                HandCheck(
                    f"the writer is in {d}",
                    _members(res, d),
                    f'`"available"`, no failover state, and the member in {d} with IsWriter `true`',
                )
            ]
        }
    return {
        "await-home-resync": [
            HandCheck(
                f"the {p} member is back in the global cluster",
                _members(res, d),
                f"a member in {p} (IsWriter `false`), synchronized",
            )
        ],
        "switch-writer-home": [
            HandCheck(
                f"the writer is home in {p}",
                _members(res, p),
                f'`"available"`, no failover state, and the member in {p} with IsWriter `true`',
            )
        ],
    }
