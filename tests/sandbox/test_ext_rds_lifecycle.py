"""RDS instance lifecycle extension: parameter groups apply over time (and static ones only
after a reboot), reboots take time, read replicas are created over minutes and placed as AWS
places a cross-Region replica."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from drctl.engine.clock import FakeClock
from drctl.kinds.rds_instance import moto_lifecycle as lifecycle

PRIMARY_REGION = "us-east-1"
DR_REGION = "us-west-2"
ClientFactory = Callable[..., Any]


def _source(rds: Any, engine: str = "mysql", encrypted: bool = False) -> dict[str, Any]:
    created: dict[str, Any] = rds.create_db_instance(
        DBInstanceIdentifier="orders",
        DBInstanceClass="db.t3.micro",
        Engine=engine,
        EngineVersion="8.0.35" if engine == "mysql" else "16.3",
        MasterUsername="admin",
        MasterUserPassword="not-a-real-password",
        AllocatedStorage=20,
        BackupRetentionPeriod=7,
        StorageEncrypted=encrypted,
    )["DBInstance"]
    return created


def _describe(rds: Any, identifier: str = "orders") -> dict[str, Any]:
    found: dict[str, Any] = rds.describe_db_instances(DBInstanceIdentifier=identifier)[
        "DBInstances"
    ][0]
    return found


def _apply_state(rds: Any) -> tuple[str, str, str]:
    inst = _describe(rds)
    group = inst["DBParameterGroups"][0]
    return (
        inst["DBInstanceStatus"],
        group["DBParameterGroupName"],
        group["ParameterApplyStatus"],
    )


def _group(rds: Any, name: str, method: str) -> None:
    rds.create_db_parameter_group(
        DBParameterGroupName=name, DBParameterGroupFamily="mysql8.0", Description="test"
    )
    rds.modify_db_parameter_group(
        DBParameterGroupName=name,
        Parameters=[{"ParameterName": "read_only", "ParameterValue": "1", "ApplyMethod": method}],
    )


def test_a_new_dynamic_group_is_applying_then_in_sync(
    aws: ClientFactory, aws_clock: FakeClock
) -> None:
    rds = aws("rds")
    _source(rds)
    _group(rds, "ro", "immediate")
    rds.modify_db_instance(
        DBInstanceIdentifier="orders", DBParameterGroupName="ro", ApplyImmediately=True
    )
    assert _apply_state(rds) == ("modifying", "ro", "applying")
    with pytest.raises(ClientError) as busy:
        rds.modify_db_instance(DBInstanceIdentifier="orders", BackupRetentionPeriod=3)
    assert busy.value.response["Error"]["Code"] == "InvalidDBInstanceState"

    aws_clock.advance(lifecycle.MODIFY_SECONDS)
    assert _apply_state(rds) == ("available", "ro", "in-sync")


def test_a_static_parameter_waits_for_a_reboot(aws: ClientFactory, aws_clock: FakeClock) -> None:
    rds = aws("rds")
    _source(rds)
    _group(rds, "ro-static", "pending-reboot")
    rds.modify_db_instance(
        DBInstanceIdentifier="orders", DBParameterGroupName="ro-static", ApplyImmediately=True
    )
    aws_clock.advance(lifecycle.MODIFY_SECONDS)
    assert _apply_state(rds) == ("available", "ro-static", "pending-reboot")
    aws_clock.advance(3600)  # no reboot: it stays pending
    assert _apply_state(rds)[2] == "pending-reboot"
    stopped = lifecycle.writes_stopped_at(_backend_instance())
    assert stopped is None  # read_only is not in effect until the group is in-sync

    rds.reboot_db_instance(DBInstanceIdentifier="orders")
    assert _apply_state(rds) == ("rebooting", "ro-static", "pending-reboot")
    aws_clock.advance(lifecycle.REBOOT_SECONDS)
    assert _apply_state(rds) == ("available", "ro-static", "in-sync")
    assert lifecycle.writes_stopped_at(_backend_instance()) is not None


def _backend_instance(region: str = PRIMARY_REGION, identifier: str = "orders") -> Any:
    from moto.rds.models import rds_backends

    return rds_backends["123456789012"][region].databases[identifier]


def test_a_cross_region_replica_is_created_over_minutes_in_the_default_vpc(
    aws: ClientFactory, aws_clock: FakeClock
) -> None:
    primary, dr = aws("rds", PRIMARY_REGION), aws("rds", DR_REGION)
    primary.create_db_parameter_group(
        DBParameterGroupName="custom", DBParameterGroupFamily="mysql8.0", Description="x"
    )
    source = _source(primary)
    primary.modify_db_instance(
        DBInstanceIdentifier="orders", DBParameterGroupName="custom", ApplyImmediately=True
    )
    aws_clock.advance(lifecycle.MODIFY_SECONDS)
    ec2 = aws("ec2", DR_REGION)
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]
    default_sg = ec2.describe_security_groups(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc["VpcId"]]},
            {"Name": "group-name", "Values": ["default"]},
        ]
    )["SecurityGroups"][0]["GroupId"]

    dr.create_db_instance_read_replica(
        DBInstanceIdentifier="orders-dr", SourceDBInstanceIdentifier=source["DBInstanceArn"]
    )
    seen = []
    for _ in range(12):
        seen.append(_describe(dr, "orders-dr")["DBInstanceStatus"])
        aws_clock.advance(60)
    assert seen[0] == "creating" and seen[-1] == "available"
    assert seen.index("available") >= 5  # minutes, not instant
    replica = _describe(dr, "orders-dr")
    assert "DBSubnetGroup" not in replica
    assert [g["VpcSecurityGroupId"] for g in replica["VpcSecurityGroups"]] == [default_sg]
    assert replica["DBParameterGroups"][0]["DBParameterGroupName"] == "default.mysql8.0"


def test_an_encrypted_cross_region_replica_needs_a_key_in_its_region(aws: ClientFactory) -> None:
    primary, dr = aws("rds", PRIMARY_REGION), aws("rds", DR_REGION)
    source = _source(primary, encrypted=True)
    with pytest.raises(ClientError) as refused:
        dr.create_db_instance_read_replica(
            DBInstanceIdentifier="orders-dr", SourceDBInstanceIdentifier=source["DBInstanceArn"]
        )
    assert refused.value.response["Error"]["Code"] == "InvalidParameterCombination"


def test_a_default_parameter_group_cannot_be_copied(aws: ClientFactory) -> None:
    """AWS: "You can't copy a default DB parameter group. Instead, create a new custom DB
    parameter group" (CopyDBParameterGroup); moto copies it. A custom group still copies."""
    rds = aws("rds")
    _source(rds)
    assert _describe(rds)["DBParameterGroups"][0]["DBParameterGroupName"] == "default.mysql8.0"
    with pytest.raises(ClientError) as refused:
        rds.copy_db_parameter_group(
            SourceDBParameterGroupIdentifier="default.mysql8.0",
            TargetDBParameterGroupIdentifier="copy",
            TargetDBParameterGroupDescription="a copy",
        )
    assert refused.value.response["Error"]["Code"] == "InvalidParameterValue"
    names = [
        g["DBParameterGroupName"] for g in rds.describe_db_parameter_groups()["DBParameterGroups"]
    ]
    assert "copy" not in names
    _group(rds, "custom", "immediate")
    rds.copy_db_parameter_group(
        SourceDBParameterGroupIdentifier="custom",
        TargetDBParameterGroupIdentifier="copy",
        TargetDBParameterGroupDescription="a copy",
    )
    copied = rds.describe_db_parameter_groups(DBParameterGroupName="copy")["DBParameterGroups"]
    assert copied[0]["DBParameterGroupFamily"] == "mysql8.0"


def test_reboot_is_refused_while_modifying(aws: ClientFactory, aws_clock: FakeClock) -> None:
    rds = aws("rds")
    _source(rds)
    _group(rds, "ro", "immediate")
    rds.modify_db_instance(
        DBInstanceIdentifier="orders", DBParameterGroupName="ro", ApplyImmediately=True
    )
    with pytest.raises(ClientError) as refused:
        rds.reboot_db_instance(DBInstanceIdentifier="orders")
    assert refused.value.response["Error"]["Code"] == "InvalidDBInstanceState"


def _subnet_group(aws: ClientFactory, region: str, name: str) -> str:
    """A DB subnet group and a security group in ``region``'s default VPC; the group's id."""
    ec2, rds = aws("ec2", region), aws("rds", region)
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]
    subnets = [
        s["SubnetId"] for s in ec2.describe_subnets()["Subnets"] if s["VpcId"] == vpc["VpcId"]
    ]
    rds.create_db_subnet_group(
        DBSubnetGroupName=name, DBSubnetGroupDescription="test", SubnetIds=subnets[:2]
    )
    return str(
        ec2.create_security_group(GroupName=name, Description="test", VpcId=vpc["VpcId"])["GroupId"]
    )


def test_a_restored_copy_lands_where_the_request_says_else_in_the_defaults(
    aws: ClientFactory, aws_clock: FakeClock
) -> None:
    """API_RestoreDBInstanceFromDBSnapshot: the default security group and parameter group,
    single-AZ, the default VPC -- unless named. moto kept the source's subnet group, which
    does not exist in the copy's Region."""
    primary, dr = aws("rds", PRIMARY_REGION), aws("rds", DR_REGION)
    _subnet_group(aws, PRIMARY_REGION, "app-db")
    primary.create_db_instance(
        DBInstanceIdentifier="orders", DBInstanceClass="db.t3.medium", Engine="mysql",
        MasterUsername="admin", MasterUserPassword="sandbox-only-password",
        AllocatedStorage=20, MultiAZ=True, DBSubnetGroupName="app-db",
    )  # fmt: skip
    primary.create_db_snapshot(DBInstanceIdentifier="orders", DBSnapshotIdentifier="snap")
    arn = primary.describe_db_snapshots(DBSnapshotIdentifier="snap")["DBSnapshots"][0][
        "DBSnapshotArn"
    ]
    dr.copy_db_snapshot(
        SourceDBSnapshotIdentifier=arn, TargetDBSnapshotIdentifier="snap-dr",
        SourceRegion=PRIMARY_REGION,
    )  # fmt: skip
    dr.restore_db_instance_from_db_snapshot(
        DBInstanceIdentifier="plain", DBSnapshotIdentifier="snap-dr"
    )
    plain = _describe(dr, "plain")
    assert "DBSubnetGroup" not in plain
    assert plain["MultiAZ"] is False
    assert plain["DBParameterGroups"][0]["DBParameterGroupName"].startswith("default.mysql")
    ec2 = aws("ec2", DR_REGION)
    default_sg = ec2.describe_security_groups(
        Filters=[{"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"]
    assert [g["VpcSecurityGroupId"] for g in plain["VpcSecurityGroups"]] in [
        [g["GroupId"]] for g in default_sg
    ]
    security_group = _subnet_group(aws, DR_REGION, "app-db-dr")
    dr.restore_db_instance_from_db_snapshot(
        DBInstanceIdentifier="placed", DBSnapshotIdentifier="snap-dr",
        DBSubnetGroupName="app-db-dr", VpcSecurityGroupIds=[security_group],
    )  # fmt: skip
    placed = _describe(dr, "placed")
    assert placed["DBSubnetGroup"]["DBSubnetGroupName"] == "app-db-dr"
    assert [g["VpcSecurityGroupId"] for g in placed["VpcSecurityGroups"]] == [security_group]
