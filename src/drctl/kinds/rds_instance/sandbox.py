"""Sandbox: an encrypted MySQL primary with backups, and its cross-region read replica.

Both sit where a real deployment's do, not in AWS's defaults: in each region a DB subnet
group (the default VPC's subnets), a security group of their own and a custom parameter
group (one custom parameter), Multi-AZ on gp3 storage. A replica drctl creates must land in
the same place (kinds/rds_instance/topology.py); defaults would show.

A plan whose ``restore`` drill names the instance also gets what that drill restores from:
the primary's automated backups replicated to regions.dr (``recovery: replica``), or a
snapshot copied there (``recovery: snapshot``, built for every such instance).
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from drctl.aws.cloudwatch import put_metric
from drctl.kinds.rds_instance.moto_lifecycle import ESTABLISHED_TAG
from drctl.kinds.sandboxing import SandboxBuild, ignore_codes
from drctl.plan.models import RdsInstance

REPLICA_LAG_SECONDS = 2.0
KMS_ALIAS = "alias/drctl-sandbox-rds"


def build(b: SandboxBuild, res: RdsInstance) -> None:
    arn = ensure_primary(b, res.primary)
    if res.recovery == "snapshot":
        if res.dr_subnet_group:
            ensure_subnet_group(b, "dr", res.dr_subnet_group)  # where the plan restores to
        copy_snapshot_to_dr(b, res, arn)
        return
    subnets, groups, params = placement(b, "dr")
    ignore_codes(
        b.client("rds", "dr").create_db_instance_read_replica,
        "DBInstanceAlreadyExists",
        "DBInstanceAlreadyExistsFault",
        DBInstanceIdentifier=res.dr,
        SourceDBInstanceIdentifier=arn,  # cross-region: the source's ARN, called in the DR region
        DBInstanceClass="db.t3.medium",
        KmsKeyId=kms_key(b, "dr"),  # an encrypted replica needs a key in its own region
        SourceRegion=b.region("primary"),
        DBSubnetGroupName=subnets,
        VpcSecurityGroupIds=groups,
        DBParameterGroupName=params,
        MultiAZ=True,
        StorageType="gp3",
        # A deployment that already exists: replicating, not being created.
        Tags=[{"Key": ESTABLISHED_TAG, "Value": "true"}, *b.tag_list()],
    )
    publish_replica_lag(b, res.dr, REPLICA_LAG_SECONDS)
    if restore_drilled(b, res):
        replicate_backups(b, arn)


def restore_drilled(b: SandboxBuild, res: RdsInstance) -> bool:
    """Whether a ``restore`` drill of the plan names this instance."""
    return any(d.type.value == "restore" and d.resource == res.name for d in b.plan.drills)


def replicate_backups(b: SandboxBuild, primary_arn: str) -> None:
    """Replicate the primary's automated backups to regions.dr (encrypted with the DR key), as
    the restore drill needs: without it the drill has nothing to restore from."""
    from drctl.kinds.rds_instance import api

    ignore_codes(
        api.start_replication,
        "InvalidDBInstanceAutomatedBackupState",  # already replicating to regions.dr
        rds_dr=b.client("rds", "dr"),
        source_arn=primary_arn,
        kms_key_id=kms_key(b, "dr"),
    )


def copy_snapshot_to_dr(b: SandboxBuild, res: RdsInstance, primary_arn: str) -> None:
    """Backup-and-restore: no replica, a fresh snapshot copied to DR (as drctl backup does)."""
    from drctl.kinds.rds_instance import api

    snapshot_id = f"drctl-sandbox-{res.name}"
    api.create_snapshot(
        b.client("rds", "primary"), res.primary, snapshot_id, {"drctl:resource": res.name}
    )
    arn = primary_arn.replace(":db:", ":snapshot:").rsplit(":", 1)[0] + f":{snapshot_id}"
    api.copy_to_region(
        b.client("rds", "dr"), arn, b.region("primary"), f"{snapshot_id}-dr", encrypted=True
    )


def ensure_primary(b: SandboxBuild, instance_id: str) -> str:
    rds = b.client("rds", "primary")
    try:
        found = rds.describe_db_instances(DBInstanceIdentifier=instance_id)["DBInstances"][0]
        return str(found["DBInstanceArn"])
    except ClientError:
        pass
    subnets, groups, params = placement(b, "primary")
    created = rds.create_db_instance(
        DBSubnetGroupName=subnets,
        VpcSecurityGroupIds=groups,
        DBParameterGroupName=params,
        StorageType="gp3",
        DBInstanceIdentifier=instance_id,
        DBInstanceClass="db.t3.medium",
        Engine="mysql",
        EngineVersion="8.0.35",
        MasterUsername="admin",
        MasterUserPassword="sandbox-only-password",
        AllocatedStorage=20,
        StorageEncrypted=True,
        BackupRetentionPeriod=7,
        MultiAZ=True,
        Tags=b.tag_list(),
    )["DBInstance"]
    return str(created["DBInstanceArn"])


SUBNET_GROUP = "drctl-sandbox-db"
SECURITY_GROUP = "drctl-sandbox-db"
PARAMETER_GROUP = "drctl-sandbox-mysql80"


def placement(b: SandboxBuild, side: str) -> tuple[str, list[str], str]:
    """(DB subnet group, [security group id], parameter group) of ``side``'s region, made
    once: what a real deployment uses instead of the default VPC's defaults."""
    ec2, rds = b.client("ec2", side), b.client("rds", side)
    vpc = ensure_subnet_group(b, side, SUBNET_GROUP)
    found = ec2.describe_security_groups(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc["VpcId"]]},
            {"Name": "group-name", "Values": [SECURITY_GROUP]},
        ]
    )["SecurityGroups"]
    group = (
        found[0]["GroupId"]
        if found
        else ec2.create_security_group(
            GroupName=SECURITY_GROUP, Description="drctl sandbox databases", VpcId=vpc["VpcId"]
        )["GroupId"]
    )
    if ignore_codes(
        rds.create_db_parameter_group,
        "DBParameterGroupAlreadyExists",
        "DBParameterGroupAlreadyExistsFault",
        DBParameterGroupName=PARAMETER_GROUP,
        DBParameterGroupFamily="mysql8.0",
        Description="drctl sandbox: the application's tuning",
    ):
        rds.modify_db_parameter_group(
            DBParameterGroupName=PARAMETER_GROUP,
            Parameters=[
                {
                    "ParameterName": "max_connections",
                    "ParameterValue": "500",
                    "ApplyMethod": "immediate",
                }
            ],
        )
    return SUBNET_GROUP, [str(group)], PARAMETER_GROUP


def ensure_subnet_group(b: SandboxBuild, side: str, name: str) -> dict[str, Any]:
    """A DB subnet group over the default VPC's subnets; the VPC."""
    ec2 = b.client("ec2", side)
    vpc: dict[str, Any] = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])[
        "Vpcs"
    ][0]
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])
    ignore_codes(
        b.client("rds", side).create_db_subnet_group,
        "DBSubnetGroupAlreadyExists",
        "DBSubnetGroupAlreadyExistsFault",
        DBSubnetGroupName=name,
        DBSubnetGroupDescription="drctl sandbox databases",
        SubnetIds=[s["SubnetId"] for s in subnets["Subnets"]][:3],
    )
    return vpc


def kms_key(b: SandboxBuild, side: str) -> str:
    kms = b.client("kms", side)
    for entry in kms.list_aliases().get("Aliases", []):
        if entry.get("AliasName") == KMS_ALIAS and entry.get("TargetKeyId"):
            return str(entry["TargetKeyId"])
    key: dict[str, Any] = kms.create_key(Description="drctl sandbox RDS key")["KeyMetadata"]
    kms.create_alias(AliasName=KMS_ALIAS, TargetKeyId=key["KeyId"])
    return str(key["KeyId"])


def publish_replica_lag(b: SandboxBuild, replica_id: str, seconds: float) -> None:
    """Publish the ReplicaLag datapoint RDS itself publishes for a read replica."""
    put_metric(
        b.client("cloudwatch", "dr"),
        namespace="AWS/RDS",
        metric="ReplicaLag",
        dimensions={"DBInstanceIdentifier": replica_id},
        value=seconds,
        unit="Seconds",
        at=b.clock.now(),
    )
