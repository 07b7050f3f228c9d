"""PromoteReadReplica extension: promotion detaches the replica the way AWS does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from drctl.kinds.rds_instance import moto_promote as rds_promote

PRIMARY_REGION = "us-east-1"
DR_REGION = "us-west-2"
ClientFactory = Callable[..., Any]


def _create_source(rds: Any, identifier: str = "orders") -> dict[str, Any]:
    instance: dict[str, Any] = rds.create_db_instance(
        DBInstanceIdentifier=identifier,
        DBInstanceClass="db.t3.micro",
        Engine="postgres",
        MasterUsername="admin",
        MasterUserPassword="not-a-real-password",
        AllocatedStorage=20,
        BackupRetentionPeriod=7,
    )["DBInstance"]
    return instance


def _describe(rds: Any, identifier: str) -> dict[str, Any]:
    instance: dict[str, Any] = rds.describe_db_instances(DBInstanceIdentifier=identifier)[
        "DBInstances"
    ][0]
    return instance


def test_promote_same_region_replica_clears_links_on_both_sides(aws: ClientFactory) -> None:
    rds = aws("rds")
    _create_source(rds)
    rds.create_db_instance_read_replica(
        DBInstanceIdentifier="orders-ro", SourceDBInstanceIdentifier="orders"
    )
    assert _describe(rds, "orders")["ReadReplicaDBInstanceIdentifiers"] == ["orders-ro"]

    rds.promote_read_replica(DBInstanceIdentifier="orders-ro")

    promoted = _describe(rds, "orders-ro")
    assert "ReadReplicaSourceDBInstanceIdentifier" not in promoted
    assert promoted["DBInstanceStatus"] == "available"
    assert promoted["BackupRetentionPeriod"] == rds_promote.DEFAULT_BACKUP_RETENTION_DAYS
    assert _describe(rds, "orders").get("ReadReplicaDBInstanceIdentifiers", []) == []


def test_promote_cross_region_replica_detaches_from_source_in_other_region(
    aws: ClientFactory,
) -> None:
    primary, dr = aws("rds", PRIMARY_REGION), aws("rds", DR_REGION)
    source = _create_source(primary)
    dr.create_db_instance_read_replica(
        DBInstanceIdentifier="orders-dr", SourceDBInstanceIdentifier=source["DBInstanceArn"]
    )
    replica = _describe(dr, "orders-dr")
    assert replica["ReadReplicaSourceDBInstanceIdentifier"] == source["DBInstanceArn"]
    assert _describe(primary, "orders")["ReadReplicaDBInstanceIdentifiers"] == [
        replica["DBInstanceArn"]
    ]

    dr.promote_read_replica(DBInstanceIdentifier="orders-dr", BackupRetentionPeriod=14)

    promoted = _describe(dr, "orders-dr")
    assert "ReadReplicaSourceDBInstanceIdentifier" not in promoted
    assert promoted["BackupRetentionPeriod"] == 14
    assert promoted["DBInstanceStatus"] == "available"
    assert _describe(primary, "orders").get("ReadReplicaDBInstanceIdentifiers", []) == []


def test_promote_keeps_other_replicas_of_the_source(aws: ClientFactory) -> None:
    primary, dr = aws("rds", PRIMARY_REGION), aws("rds", DR_REGION)
    source = _create_source(primary)
    primary.create_db_instance_read_replica(
        DBInstanceIdentifier="orders-ro", SourceDBInstanceIdentifier="orders"
    )
    dr.create_db_instance_read_replica(
        DBInstanceIdentifier="orders-dr", SourceDBInstanceIdentifier=source["DBInstanceArn"]
    )

    dr.promote_read_replica(DBInstanceIdentifier="orders-dr")

    assert _describe(primary, "orders")["ReadReplicaDBInstanceIdentifiers"] == ["orders-ro"]
    assert _describe(primary, "orders-ro")["ReadReplicaSourceDBInstanceIdentifier"] == "orders"


def test_promoting_a_non_replica_is_rejected(aws: ClientFactory) -> None:
    rds = aws("rds")
    _create_source(rds)

    with pytest.raises(ClientError) as caught:
        rds.promote_read_replica(DBInstanceIdentifier="orders")

    error = caught.value.response["Error"]
    assert error["Code"] == "InvalidDBInstanceState"
    assert error["Message"] == rds_promote.NOT_A_REPLICA_MESSAGE
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert _describe(rds, "orders")["BackupRetentionPeriod"] == 7


def test_promoting_twice_is_rejected_the_second_time(aws: ClientFactory) -> None:
    rds = aws("rds")
    _create_source(rds)
    rds.create_db_instance_read_replica(
        DBInstanceIdentifier="orders-ro", SourceDBInstanceIdentifier="orders"
    )
    rds.promote_read_replica(DBInstanceIdentifier="orders-ro")

    with pytest.raises(ClientError) as caught:
        rds.promote_read_replica(DBInstanceIdentifier="orders-ro")

    assert caught.value.response["Error"]["Code"] == "InvalidDBInstanceState"


def test_promoting_a_missing_instance_is_not_found(aws: ClientFactory) -> None:
    with pytest.raises(ClientError) as caught:
        aws("rds").promote_read_replica(DBInstanceIdentifier="nope")

    assert caught.value.response["Error"]["Code"] == "DBInstanceNotFound"


def test_backup_retention_outside_0_to_35_is_rejected(aws: ClientFactory) -> None:
    rds = aws("rds")
    _create_source(rds)
    rds.create_db_instance_read_replica(
        DBInstanceIdentifier="orders-ro", SourceDBInstanceIdentifier="orders"
    )

    with pytest.raises(ClientError) as caught:
        rds.promote_read_replica(DBInstanceIdentifier="orders-ro", BackupRetentionPeriod=36)

    assert caught.value.response["Error"]["Code"] == "InvalidParameterValue"
    assert _describe(rds, "orders-ro")["ReadReplicaSourceDBInstanceIdentifier"] == "orders"


def test_deleting_a_cross_region_replica_unlinks_it(aws: ClientFactory) -> None:
    primary, dr = aws("rds", PRIMARY_REGION), aws("rds", DR_REGION)
    source = _create_source(primary)
    dr.create_db_instance_read_replica(
        DBInstanceIdentifier="orders-dr", SourceDBInstanceIdentifier=source["DBInstanceArn"]
    )

    dr.delete_db_instance(DBInstanceIdentifier="orders-dr", SkipFinalSnapshot=True)

    assert _describe(primary, "orders").get("ReadReplicaDBInstanceIdentifiers", []) == []


def test_install_is_idempotent_and_uninstall_restores_moto(aws: ClientFactory) -> None:
    from moto.rds.models import RDSBackend

    from drctl.sandbox import extensions

    patched = RDSBackend.promote_read_replica
    extensions.install()
    extensions.install()
    assert RDSBackend.promote_read_replica is patched

    extensions.uninstall()
    try:
        assert RDSBackend.promote_read_replica is not patched
        assert not rds_promote.is_installed()
    finally:
        extensions.install()


def test_promote_through_threaded_server(server: ClientFactory) -> None:
    primary, dr = server("rds", PRIMARY_REGION), server("rds", DR_REGION)
    source = _create_source(primary, "ledger")
    dr.create_db_instance_read_replica(
        DBInstanceIdentifier="ledger-dr", SourceDBInstanceIdentifier=source["DBInstanceArn"]
    )

    dr.promote_read_replica(DBInstanceIdentifier="ledger-dr")

    assert "ReadReplicaSourceDBInstanceIdentifier" not in _describe(dr, "ledger-dr")
    assert _describe(primary, "ledger").get("ReadReplicaDBInstanceIdentifiers", []) == []
    with pytest.raises(ClientError) as caught:
        primary.promote_read_replica(DBInstanceIdentifier="ledger")
    assert caught.value.response["Error"]["Code"] == "InvalidDBInstanceState"
