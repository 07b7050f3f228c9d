"""PromoteReadReplica extension: promotion takes minutes and detaches the replica the way AWS
does, only at the end."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from drctl.engine.clock import FakeClock
from drctl.kinds.rds_instance import moto_lifecycle as lifecycle
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


def _ready(clock: FakeClock) -> None:
    """Let a new read replica finish ``creating`` (AWS: minutes)."""
    clock.advance(lifecycle.CREATE_REPLICA_SECONDS)


def _promoted(clock: FakeClock) -> None:
    """Let a promotion run to its end (modifying, rebooting, backing-up)."""
    clock.advance(
        rds_promote.MODIFYING_SECONDS
        + rds_promote.REBOOTING_SECONDS
        + rds_promote.BACKING_UP_SECONDS
    )


def _describe(rds: Any, identifier: str) -> dict[str, Any]:
    instance: dict[str, Any] = rds.describe_db_instances(DBInstanceIdentifier=identifier)[
        "DBInstances"
    ][0]
    return instance


def test_promote_same_region_replica_clears_links_on_both_sides(
    aws: ClientFactory, aws_clock: FakeClock
) -> None:
    rds = aws("rds")
    _create_source(rds)
    rds.create_db_instance_read_replica(
        DBInstanceIdentifier="orders-ro", SourceDBInstanceIdentifier="orders"
    )
    _ready(aws_clock)
    assert _describe(rds, "orders")["ReadReplicaDBInstanceIdentifiers"] == ["orders-ro"]

    rds.promote_read_replica(DBInstanceIdentifier="orders-ro")
    _promoted(aws_clock)

    promoted = _describe(rds, "orders-ro")
    assert "ReadReplicaSourceDBInstanceIdentifier" not in promoted
    assert promoted["DBInstanceStatus"] == "available"
    assert promoted["BackupRetentionPeriod"] == rds_promote.DEFAULT_BACKUP_RETENTION_DAYS
    assert _describe(rds, "orders").get("ReadReplicaDBInstanceIdentifiers", []) == []


def test_promote_cross_region_replica_detaches_from_source_in_other_region(
    aws: ClientFactory, aws_clock: FakeClock
) -> None:
    primary, dr = aws("rds", PRIMARY_REGION), aws("rds", DR_REGION)
    source = _create_source(primary)
    dr.create_db_instance_read_replica(
        DBInstanceIdentifier="orders-dr", SourceDBInstanceIdentifier=source["DBInstanceArn"]
    )
    _ready(aws_clock)
    replica = _describe(dr, "orders-dr")
    assert replica["ReadReplicaSourceDBInstanceIdentifier"] == source["DBInstanceArn"]
    assert _describe(primary, "orders")["ReadReplicaDBInstanceIdentifiers"] == [
        replica["DBInstanceArn"]
    ]

    dr.promote_read_replica(DBInstanceIdentifier="orders-dr", BackupRetentionPeriod=14)
    _promoted(aws_clock)

    promoted = _describe(dr, "orders-dr")
    assert "ReadReplicaSourceDBInstanceIdentifier" not in promoted
    assert promoted["BackupRetentionPeriod"] == 14
    assert promoted["DBInstanceStatus"] == "available"
    assert _describe(primary, "orders").get("ReadReplicaDBInstanceIdentifiers", []) == []


def test_promote_keeps_other_replicas_of_the_source(
    aws: ClientFactory, aws_clock: FakeClock
) -> None:
    primary, dr = aws("rds", PRIMARY_REGION), aws("rds", DR_REGION)
    source = _create_source(primary)
    primary.create_db_instance_read_replica(
        DBInstanceIdentifier="orders-ro", SourceDBInstanceIdentifier="orders"
    )
    dr.create_db_instance_read_replica(
        DBInstanceIdentifier="orders-dr", SourceDBInstanceIdentifier=source["DBInstanceArn"]
    )
    _ready(aws_clock)

    dr.promote_read_replica(DBInstanceIdentifier="orders-dr")
    _promoted(aws_clock)

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


def test_promoting_twice_is_rejected_the_second_time(
    aws: ClientFactory, aws_clock: FakeClock
) -> None:
    rds = aws("rds")
    _create_source(rds)
    rds.create_db_instance_read_replica(
        DBInstanceIdentifier="orders-ro", SourceDBInstanceIdentifier="orders"
    )
    _ready(aws_clock)
    rds.promote_read_replica(DBInstanceIdentifier="orders-ro")

    with pytest.raises(ClientError) as while_modifying:
        rds.promote_read_replica(DBInstanceIdentifier="orders-ro")
    assert while_modifying.value.response["Error"]["Code"] == "InvalidDBInstanceState"
    assert "modifying" in while_modifying.value.response["Error"]["Message"]

    _promoted(aws_clock)
    with pytest.raises(ClientError) as caught:
        rds.promote_read_replica(DBInstanceIdentifier="orders-ro")

    assert caught.value.response["Error"]["Code"] == "InvalidDBInstanceState"
    assert caught.value.response["Error"]["Message"] == rds_promote.NOT_A_REPLICA_MESSAGE


def test_promotion_moves_through_aws_states_and_unlinks_only_at_the_end(
    aws: ClientFactory, aws_clock: FakeClock
) -> None:
    primary, dr = aws("rds", PRIMARY_REGION), aws("rds", DR_REGION)
    source = _create_source(primary)
    dr.create_db_instance_read_replica(
        DBInstanceIdentifier="orders-dr", SourceDBInstanceIdentifier=source["DBInstanceArn"]
    )
    assert _describe(dr, "orders-dr")["DBInstanceStatus"] == "creating"
    _ready(aws_clock)

    started = dr.promote_read_replica(DBInstanceIdentifier="orders-dr")["DBInstance"]
    assert started["DBInstanceStatus"] == "modifying"
    seen = []
    for _ in range(40):
        inst = _describe(dr, "orders-dr")
        state = (inst["DBInstanceStatus"], "ReadReplicaSourceDBInstanceIdentifier" in inst)
        if not seen or seen[-1] != state:
            seen.append(state)
        aws_clock.advance(15)
    assert seen == [
        ("modifying", True),
        ("rebooting", True),
        ("backing-up", True),
        ("available", False),
    ]
    assert _describe(primary, "orders").get("ReadReplicaDBInstanceIdentifiers", []) == []


def test_promoting_a_missing_instance_is_not_found(aws: ClientFactory) -> None:
    with pytest.raises(ClientError) as caught:
        aws("rds").promote_read_replica(DBInstanceIdentifier="nope")

    assert caught.value.response["Error"]["Code"] == "DBInstanceNotFound"


def test_backup_retention_outside_0_to_35_is_rejected(
    aws: ClientFactory, aws_clock: FakeClock
) -> None:
    rds = aws("rds")
    _create_source(rds)
    rds.create_db_instance_read_replica(
        DBInstanceIdentifier="orders-ro", SourceDBInstanceIdentifier="orders"
    )
    _ready(aws_clock)

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


def test_promote_through_threaded_server(server: ClientFactory, aws_clock: FakeClock) -> None:
    primary, dr = server("rds", PRIMARY_REGION), server("rds", DR_REGION)
    source = _create_source(primary, "ledger")
    dr.create_db_instance_read_replica(
        DBInstanceIdentifier="ledger-dr", SourceDBInstanceIdentifier=source["DBInstanceArn"]
    )
    _ready(aws_clock)

    dr.promote_read_replica(DBInstanceIdentifier="ledger-dr")
    assert _describe(dr, "ledger-dr")["DBInstanceStatus"] == "modifying"
    _promoted(aws_clock)

    assert "ReadReplicaSourceDBInstanceIdentifier" not in _describe(dr, "ledger-dr")
    assert _describe(primary, "ledger").get("ReadReplicaDBInstanceIdentifiers", []) == []
    with pytest.raises(ClientError) as caught:
        primary.promote_read_replica(DBInstanceIdentifier="ledger")
    assert caught.value.response["Error"]["Code"] == "InvalidDBInstanceState"
