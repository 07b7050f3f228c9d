"""Rename extension: ``ModifyDBInstance`` with ``NewDBInstanceIdentifier`` takes minutes, as on
AWS; the old name stays taken (``renaming``) until the new one takes effect, then a reboot."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from drctl.engine.clock import FakeClock
from drctl.kinds.rds_instance import moto_lifecycle as lifecycle
from drctl.kinds.rds_instance import moto_rename as rename

PRIMARY_REGION = "us-east-1"
DR_REGION = "us-west-2"
ClientFactory = Callable[..., Any]


def _create(rds: Any, identifier: str = "orders") -> dict[str, Any]:
    instance: dict[str, Any] = rds.create_db_instance(
        DBInstanceIdentifier=identifier,
        DBInstanceClass="db.t3.micro",
        Engine="mysql",
        MasterUsername="admin",
        MasterUserPassword="not-a-real-password",
        AllocatedStorage=20,
        BackupRetentionPeriod=7,
        Tags=[{"Key": "team", "Value": "orders"}],
    )["DBInstance"]
    return instance


def _ids(rds: Any) -> dict[str, str]:
    """Every instance the Region lists: identifier -> status."""
    return {
        i["DBInstanceIdentifier"]: i["DBInstanceStatus"]
        for i in rds.describe_db_instances()["DBInstances"]
    }


def _rename(rds: Any, old: str = "orders", new: str = "orders-aside") -> dict[str, Any]:
    answer: dict[str, Any] = rds.modify_db_instance(
        DBInstanceIdentifier=old, NewDBInstanceIdentifier=new, ApplyImmediately=True
    )["DBInstance"]
    return answer


def _code(caught: pytest.ExceptionInfo[ClientError]) -> str:
    return str(caught.value.response["Error"]["Code"])


def test_the_old_name_holds_while_renaming_then_the_new_one_reboots(
    aws: ClientFactory, aws_clock: FakeClock
) -> None:
    rds = aws("rds")
    created = _create(rds)
    answer = _rename(rds)
    assert answer["DBInstanceIdentifier"] == "orders"
    assert answer["DBInstanceStatus"] == "renaming"

    aws_clock.advance(rename.RENAMING_SECONDS - 1)
    assert _ids(rds) == {"orders": "renaming"}
    with pytest.raises(ClientError) as caught:
        rds.describe_db_instances(DBInstanceIdentifier="orders-aside")
    assert _code(caught) == "DBInstanceNotFound"

    aws_clock.advance(1)
    assert _ids(rds) == {"orders-aside": "rebooting"}
    with pytest.raises(ClientError) as caught:
        rds.describe_db_instances(DBInstanceIdentifier="orders")
    assert _code(caught) == "DBInstanceNotFound"

    aws_clock.advance(rename.REBOOTING_SECONDS)
    renamed = rds.describe_db_instances(DBInstanceIdentifier="orders-aside")["DBInstances"][0]
    assert renamed["DBInstanceStatus"] == "available"
    assert renamed["DBInstanceArn"].endswith(":db:orders-aside")
    assert renamed["DbiResourceId"] == created["DbiResourceId"]  # the same instance
    tags = rds.list_tags_for_resource(ResourceName=renamed["DBInstanceArn"])["TagList"]
    assert {"Key": "team", "Value": "orders"} in tags  # tags stay with the instance


def test_creating_under_either_name_while_renaming_is_refused(
    aws: ClientFactory, aws_clock: FakeClock
) -> None:
    rds = aws("rds")
    _create(rds)
    _create(rds, "other")
    _rename(rds)
    for name in ("orders", "orders-aside"):
        with pytest.raises(ClientError) as caught:
            rds.create_db_instance_read_replica(
                DBInstanceIdentifier=name, SourceDBInstanceIdentifier="other"
            )
        assert _code(caught) == "DBInstanceAlreadyExists"
        with pytest.raises(ClientError) as caught:
            _create(rds, name)
        assert _code(caught) == "DBInstanceAlreadyExists"
    assert _ids(rds) == {"orders": "renaming", "other": "available"}

    aws_clock.advance(rename.RENAMING_SECONDS)
    rds.create_db_instance_read_replica(
        DBInstanceIdentifier="orders", SourceDBInstanceIdentifier="other"
    )
    assert _ids(rds) == {"orders": "creating", "orders-aside": "rebooting", "other": "available"}


def test_a_second_rename_or_modify_while_renaming_is_invalid_state(
    aws: ClientFactory, aws_clock: FakeClock
) -> None:
    rds = aws("rds")
    _create(rds)
    _rename(rds)
    with pytest.raises(ClientError) as caught:
        _rename(rds, "orders", "orders-again")
    assert _code(caught) == "InvalidDBInstanceState"
    with pytest.raises(ClientError) as caught:
        rds.modify_db_instance(
            DBInstanceIdentifier="orders", BackupRetentionPeriod=3, ApplyImmediately=True
        )
    assert _code(caught) == "InvalidDBInstanceState"
    aws_clock.advance(rename.RENAMING_SECONDS + rename.REBOOTING_SECONDS)
    assert _ids(rds) == {"orders-aside": "available"}  # the first rename only


def test_renaming_to_a_taken_name_is_refused(aws: ClientFactory, aws_clock: FakeClock) -> None:
    """moto replaced the instance that had the name; AWS: "You cannot use an existing DB
    instance name when renaming an instance"."""
    rds = aws("rds")
    _create(rds)
    _create(rds, "orders-aside")
    with pytest.raises(ClientError) as caught:
        _rename(rds)
    assert _code(caught) == "DBInstanceAlreadyExists"
    _create(rds, "third")
    _rename(rds, "third", "reserved")
    with pytest.raises(ClientError) as caught:
        _rename(rds, "orders", "reserved")  # taken by a rename under way
    assert _code(caught) == "DBInstanceAlreadyExists"
    assert _ids(rds) == {"orders": "available", "orders-aside": "available", "third": "renaming"}


def test_a_renamed_source_keeps_its_cross_region_replica(
    aws: ClientFactory, aws_clock: FakeClock
) -> None:
    primary, dr = aws("rds", PRIMARY_REGION), aws("rds", DR_REGION)
    source = _create(primary)
    dr.create_db_instance_read_replica(
        DBInstanceIdentifier="orders-dr", SourceDBInstanceIdentifier=source["DBInstanceArn"]
    )
    aws_clock.advance(lifecycle.CREATE_REPLICA_SECONDS)
    _rename(primary)
    aws_clock.advance(rename.RENAMING_SECONDS + rename.REBOOTING_SECONDS)
    renamed = primary.describe_db_instances(DBInstanceIdentifier="orders-aside")["DBInstances"][0]
    replica = dr.describe_db_instances(DBInstanceIdentifier="orders-dr")["DBInstances"][0]
    assert replica["ReadReplicaSourceDBInstanceIdentifier"] == renamed["DBInstanceArn"]
    assert renamed["ReadReplicaDBInstanceIdentifiers"] == [replica["DBInstanceArn"]]


def test_a_rename_without_apply_immediately_is_left_to_moto(aws: ClientFactory) -> None:
    """AWS waits for the maintenance window, which the sandbox does not model."""
    rds = aws("rds")
    _create(rds)
    rds.modify_db_instance(DBInstanceIdentifier="orders", NewDBInstanceIdentifier="orders-aside")
    assert _ids(rds) == {"orders-aside": "available"}
