"""``rds-instance`` by hand: the readiness checks and step verifications as AWS CLI commands."""

from __future__ import annotations

from drctl.engine.context import RunContext
from drctl.kinds.handbook import HandCheck, metric_cli
from drctl.plan.durations import format_seconds
from drctl.plan.models import RdsInstance


def _describe(instance: str, query: str, region: str) -> str:
    return (
        f"aws rds describe-db-instances --db-instance-identifier {instance} "
        f"--query 'DBInstances[0].{query}' --region {region}"
    )


def _lag(instance: str, region: str) -> str:
    return metric_cli(
        "AWS/RDS", "ReplicaLag", {"DBInstanceIdentifier": instance}, "Maximum", region
    )


def prechecks(res: RdsInstance, ctx: RunContext) -> list[HandCheck]:
    p, d = ctx.region("primary"), ctx.region("dr")
    rpo = ctx.objectives.rpo_seconds
    if res.recovery == "snapshot":
        return [
            HandCheck(
                f"primary {res.primary} available with backups",
                _describe(res.primary, "[DBInstanceStatus,BackupRetentionPeriod]", p),
                '`"available"` and a retention of 1 day or more',
                ("primary",),
            ),
            HandCheck(
                f"newest snapshot of {res.primary} in {d}",
                f"aws rds describe-db-snapshots --region {d} --query "
                f"\"reverse(sort_by(DBSnapshots[?DBInstanceIdentifier=='{res.primary}' && "
                "Status=='available'], &SnapshotCreateTime))[0].[DBSnapshotIdentifier,"
                'SnapshotCreateTime]"',
                f"a snapshot created less than {format_seconds(rpo)} (the RPO) ago",
                ("dr-snapshot",),
            ),
            HandCheck(
                f"the name {res.dr} is free in {d}",
                f"aws rds describe-db-instances --filters Name=db-instance-id,Values={res.dr} "
                f"--query 'DBInstances[].DBInstanceIdentifier' --region {d}",
                "`[]` (an instance already there is used as is)",
                ("restore-target",),
            ),
            _placement(res, d),
        ]
    return [
        HandCheck(
            f"primary {res.primary} in {p}",
            _describe(
                res.primary,
                "[DBInstanceStatus,BackupRetentionPeriod,StorageEncrypted,"
                "DBParameterGroups[0].DBParameterGroupName]",
                p,
            ),
            '`"available"`, a retention of 1 day or more, `true`, and a parameter group that '
            "is not `drctl-fenced-*` (the primary takes writes)",
            ("primary-exists", "available", "backups", "encryption", "primary-writable"),
        ),
        HandCheck(
            f"read replica {res.dr} in {d}",
            _describe(
                res.dr,
                "[DBInstanceStatus,ReadReplicaSourceDBInstanceIdentifier,StorageEncrypted]",
                d,
            ),
            f'`"available"`, the ARN of {res.primary} in {p}, `true`',
            ("replica-exists", "replica-source", "available", "encryption"),
        ),
        HandCheck(
            f"replica lag of {res.dr}",
            _lag(res.dr, d),
            f"a number of seconds at most {rpo} (the RPO); `null` means no datapoint: find out "
            "why before failing over",
            ("replica-lag",),
        ),
    ]


def _fenced(instance: str, region: str) -> HandCheck:
    return HandCheck(
        f"{instance} is fenced (read-only)",
        _describe(
            instance,
            "DBParameterGroups[0].[DBParameterGroupName,ParameterApplyStatus]",
            region,
        ),
        f'`["drctl-fenced-{instance}", "in-sync"]`',
    )


def _writable(instance: str, region: str) -> HandCheck:
    return HandCheck(
        f"{instance} is a standalone writable instance",
        _describe(instance, "[DBInstanceStatus,ReadReplicaSourceDBInstanceIdentifier]", region),
        '`["available", null]`: available, replicating from nothing',
    )


def _replica_of(instance: str, source: str, region: str) -> HandCheck:
    return HandCheck(
        f"{instance} replicates from {source}",
        _describe(instance, "[DBInstanceStatus,ReadReplicaSourceDBInstanceIdentifier]", region),
        f'`"available"` and the ARN of {source}',
    )


def _drained(instance: str, region: str) -> HandCheck:
    return HandCheck(
        f"{instance} caught up",
        _lag(instance, region),
        "`0.0` from a datapoint taken after the fence was in-sync",
    )


def verifications(res: RdsInstance, ctx: RunContext, action: str) -> dict[str, list[HandCheck]]:
    p, d = ctx.region("primary"), ctx.region("dr")
    if action == "failover":
        return {
            "fence": [_fenced(res.primary, p)],
            "fence-old-primary": [_fenced(res.primary, p)],
            "drain": [_drained(res.dr, d)],
            "promote": [_writable(res.dr, d)],
            "restore": [
                HandCheck(
                    f"{res.dr} restored in {d}",
                    _describe(res.dr, "[DBInstanceStatus,Endpoint.Address]", d),
                    '`"available"` and an endpoint address to point the app at',
                )
            ],
        }
    renamed = _renamed_aside(res.primary, p, "until the instance that replaces it is created")
    if res.recovery == "snapshot":
        return _snapshot_failback(res, ctx, renamed)
    return {
        "retire-old-primary": [renamed],
        "reprotect": [_replica_of(res.primary, res.dr, p)],
        "fence-dr": [_fenced(res.dr, d)],
        "drain": [_drained(res.primary, p)],
        "promote-home": [_writable(res.primary, p)],
        "retire-dr": [_renamed_aside(res.dr, d, "until the replica of home is created")],
        "reprotect-dr": [_replica_of(res.dr, res.primary, d)],
    }


def _renamed_aside(instance: str, region: str, until: str) -> HandCheck:
    return HandCheck(
        f"{instance} was renamed aside (kept)",
        f"aws rds describe-db-instances --region {region} --query "
        f"\"DBInstances[?starts_with(DBInstanceIdentifier, '{instance}')].DBInstanceIdentifier\"",
        f"`{instance}-pre-failback-<run id>` and no instance named `{instance}` ({until})",
    )


def _placement(res: RdsInstance, region: str) -> HandCheck:
    """Where the restore lands: the plan's subnet group (and security groups), in DR."""
    if res.dr_subnet_group is None:
        return HandCheck(
            f"the default VPC in {region} (no dr_subnet_group in the plan)",
            f"aws ec2 describe-vpcs --filters Name=is-default,Values=true "
            f"--query 'Vpcs[].VpcId' --region {region}",
            "one VPC id (the restore lands there, in its default security group)",
            ("restore-placement",),
        )
    groups = " ".join(res.dr_security_groups)
    tail = (
        f" && aws ec2 describe-security-groups --group-ids {groups} "
        f"--query 'SecurityGroups[].GroupId' --region {region}"
        if groups
        else ""
    )
    return HandCheck(
        f"DB subnet group {res.dr_subnet_group} in {region}",
        f"aws rds describe-db-subnet-groups --db-subnet-group-name {res.dr_subnet_group} "
        f"--query 'DBSubnetGroups[].SubnetGroupStatus' --region {region}{tail}",
        "`Complete`" + (f", and the security groups {groups} listed" if groups else ""),
        ("restore-placement",),
    )


def _snapshots(prefix: str, region: str, target: str) -> HandCheck:
    return HandCheck(
        f"snapshots {prefix}* in {region}",
        f"aws rds describe-db-snapshots --snapshot-type manual --region {region} --query "
        f"\"DBSnapshots[?starts_with(DBSnapshotIdentifier, '{prefix}')]"
        '.[DBSnapshotIdentifier,Status,SnapshotCreateTime]"',
        target,
    )


def _snapshot_failback(
    res: RdsInstance, ctx: RunContext, renamed: HandCheck
) -> dict[str, list[HandCheck]]:
    """A database restored from a snapshot goes home the same way: fence and snapshot the DR
    instance, copy the snapshot home, restore it as the primary, retire the DR instance, and
    take a fresh snapshot copy for the next failover."""
    p, d = ctx.region("primary"), ctx.region("dr")
    prefix = f"drctl-{ctx.plan.app}-{res.name}-"
    fresh = _snapshots(prefix, d, "a snapshot of the restored primary, `available`, taken now")
    return {
        "fence-dr": [_fenced(res.dr, d)],
        "snapshot-dr": [
            _snapshots(
                f"{prefix}failback-",
                d,
                "the failback snapshot of the DR instance, `available`, taken after the fence",
            )
        ],
        "copy-home": [_snapshots(f"{prefix}failback-", p, "its copy (`...-home`), `available`")],
        "retire-old-primary": [renamed],
        "restore-home": [
            HandCheck(
                f"{res.primary} restored in {p}",
                _describe(res.primary, "[DBInstanceStatus,Endpoint.Address]", p),
                '`"available"` and the endpoint the app points at again',
            )
        ],
        "retire-dr": [_renamed_aside(res.dr, d, "free for the next restore")],
        "snapshot": [fresh],
        "copy-to-dr": [fresh],
    }
