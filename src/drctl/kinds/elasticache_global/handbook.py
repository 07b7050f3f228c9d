"""``elasticache-global`` by hand: the readiness checks and step verifications as AWS CLI
commands."""

from __future__ import annotations

from drctl.engine.context import RunContext
from drctl.kinds.elasticache_global.api import suffix_of
from drctl.kinds.handbook import HandCheck, metric_cli
from drctl.plan.models import ElastiCacheGlobal


def _datastore(res: ElastiCacheGlobal, region: str) -> str:
    return (
        "aws elasticache describe-global-replication-groups --show-member-info --query "
        f'"GlobalReplicationGroups[?ends_with(GlobalReplicationGroupId, '
        f"'-{suffix_of(res.global_datastore)}')].[GlobalReplicationGroupId,Status,Engine,"
        'EngineVersion,CacheNodeType,Members[].[ReplicationGroupId,Role,Status]]" '
        f"--region {region}"
    )


def _group(group: str, region: str) -> str:
    return (
        f"aws elasticache describe-replication-groups --replication-group-id {group} --query "
        "'ReplicationGroups[0].[Status,GlobalReplicationGroupInfo,CacheNodeType,"
        f"TransitEncryptionEnabled,AtRestEncryptionEnabled]' --region {region}"
    )


def prechecks(res: ElastiCacheGlobal, ctx: RunContext) -> list[HandCheck]:
    p, d = ctx.region("primary"), ctx.region("dr")
    return [
        HandCheck(
            f"global datastore {res.global_datastore}",
            _datastore(res, p),
            f'`"available"`, {res.primary} `PRIMARY` and {res.dr} `SECONDARY`, both `"associated"`',
            ("global-datastore", "primary-member", "dr-member"),
        ),
        HandCheck(
            f"{res.primary} in {p}",
            _group(res.primary, p),
            "`available`, the datastore's node type, `true` twice (in transit, at rest)",
            ("engine", "encryption"),
        ),
        HandCheck(
            f"{res.dr} in {d}",
            _group(res.dr, d),
            "`available`, the datastore's node type, `true` twice (in transit, at rest)",
            ("engine", "encryption"),
        ),
        HandCheck(
            f"replication lag of {res.dr}",
            metric_cli(
                "AWS/ElastiCache",
                "GlobalDatastoreReplicationLag",
                {"CacheClusterId": f"{res.dr}-001"},
                "Maximum",
                d,
            ),
            f"seconds at most {ctx.objectives.rpo_seconds} (the RPO); no datapoint means not "
            "replicating",
            ("replication-lag",),
        ),
    ]


def verifications(
    res: ElastiCacheGlobal, ctx: RunContext, action: str
) -> dict[str, list[HandCheck]]:
    p, d = ctx.region("primary"), ctx.region("dr")
    if action == "failover":
        return {
            "promote-dr": [
                HandCheck(
                    f"{res.dr} is the primary",
                    _datastore(res, d),
                    f'`"available"` and {res.dr} `PRIMARY`',
                )
            ],
        }
    return {
        "retire-old-datastore": [
            HandCheck(
                f"{res.primary} is out of the old datastore",
                _group(res.primary, p),
                "no GlobalReplicationGroupInfo (`null`), or a member of the datastore with "
                f"{res.dr}",
            )
        ],
        "form-datastore": [
            HandCheck(
                f"{res.dr} leads a datastore",
                _datastore(res, d),
                f'`"available"` with {res.dr} `PRIMARY`',
            )
        ],
        "rebuild-home": [
            HandCheck(
                f"{res.primary} is an associated secondary",
                _datastore(res, d),
                f'{res.primary} `SECONDARY` and `"associated"`',
            )
        ],
        "promote-home": [
            HandCheck(
                f"{res.primary} is the primary again",
                _datastore(res, p),
                f'`"available"` and {res.primary} `PRIMARY`, {res.dr} `SECONDARY`',
            )
        ],
    }
