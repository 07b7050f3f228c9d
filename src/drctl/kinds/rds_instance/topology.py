"""Where a replica drctl creates goes: the place of the instance it replaces.

A cross-Region read replica created with no more than a source lands in the default VPC with
its default security group, the engine's default parameter group, single-AZ
(API_CreateDBInstanceReadReplica: "the default DBParameterGroup for the specified DB engine
for a cross-Region read replica"; no ``DBSubnetGroupName``: "the DB instance is created in
the default VPC"). Re-protecting must not quietly move a database out of its network,
security and tuning: so the replica copies, from the instance it replaces, its subnet group,
VPC security groups, parameter group, Multi-AZ, KMS key, instance class and storage type.

The parameter group is the original one, never drctl's fencing copy: an instance fenced by a
failover sits on ``drctl-fenced-<id>``, which is tagged with the group it replaced.

Where the instance being replaced is read from, in order: the instance itself (the old
primary renamed aside by ``retire-old-primary``, the DR instance before ``reprotect-dr``
renames it), else what the failover recorded when it promoted (its ``promote`` step's
``topology`` data), for an instance that did not survive.
"""

from __future__ import annotations

from typing import Any

from drctl.kinds.rds_instance import api

FIELDS = (
    "db_subnet_group",
    "vpc_security_group_ids",
    "parameter_group",
    "multi_az",
    "kms_key_id",
    "instance_class",
    "storage_type",
)


def of_instance(rds: Any, inst: dict[str, Any]) -> dict[str, Any]:
    """The placement of a described instance, with a fencing group resolved to its original."""
    group = api.parameter_group(inst)
    if api.is_fence_group(group):
        group = api.original_parameter_group(rds, str(group))
    return {
        "source": str(inst.get("DBInstanceIdentifier", "")),
        "db_subnet_group": (inst.get("DBSubnetGroup") or {}).get("DBSubnetGroupName"),
        "vpc_security_group_ids": [
            str(g["VpcSecurityGroupId"]) for g in inst.get("VpcSecurityGroups") or []
        ],
        "parameter_group": group,
        "multi_az": bool(inst.get("MultiAZ")),
        "kms_key_id": inst.get("KmsKeyId"),
        "instance_class": inst.get("DBInstanceClass"),
        "storage_type": inst.get("StorageType"),
    }


def recorded(
    failover_data: dict[str, dict[str, Any]], resource: str, side: str
) -> dict[str, Any] | None:
    """What the failover's promote step recorded for ``side``, or None."""
    topology = (failover_data.get(f"{resource}.promote") or {}).get("topology") or {}
    found = topology.get(side)
    return dict(found) if isinstance(found, dict) else None


def describe(topology: dict[str, Any]) -> str:
    """One line for people: where the replica goes."""
    groups = ", ".join(topology.get("vpc_security_group_ids") or []) or "default"
    parts = [
        f"subnet group {topology.get('db_subnet_group') or 'default VPC'}",
        f"security groups {groups}",
        f"parameter group {topology.get('parameter_group') or 'engine default'}",
        "Multi-AZ" if topology.get("multi_az") else "single-AZ",
        str(topology.get("instance_class") or "?"),
        str(topology.get("storage_type") or "?"),
    ]
    return ", ".join(parts)


def cli_flags(topology: dict[str, Any]) -> str:
    """The same placement as AWS CLI flags (for the printed command)."""
    flags = []
    if topology.get("instance_class"):
        flags.append(f"--db-instance-class {topology['instance_class']}")
    if topology.get("db_subnet_group"):
        flags.append(f"--db-subnet-group-name {topology['db_subnet_group']}")
    if topology.get("vpc_security_group_ids"):
        flags.append("--vpc-security-group-ids " + " ".join(topology["vpc_security_group_ids"]))
    if topology.get("parameter_group"):
        flags.append(f"--db-parameter-group-name {topology['parameter_group']}")
    flags.append("--multi-az" if topology.get("multi_az") else "--no-multi-az")
    if topology.get("storage_type"):
        flags.append(f"--storage-type {topology['storage_type']}")
    if topology.get("kms_key_id"):
        flags.append(f"--kms-key-id {topology['kms_key_id']}")
    return " ".join(flags)
