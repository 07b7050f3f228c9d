"""Secrets Manager extension: a new replica is InProgress, then InSync on the sandbox's AWS
clock; each replica keeps the KMS key it was given (a missing key fails it); DescribeSecret of
a replica names its primary's Region and its own key; StopReplicationToReplica promotes a
replica in place (ARN, value and key kept) and refuses a primary."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from drctl.kinds.secret import moto_secret_replication as ext
from tests.sandbox.conftest import DR_REGION, PRIMARY_REGION, ClientFactory


def _replicated(aws: ClientFactory, key: str | None = None) -> tuple[Any, Any]:
    home, dr = aws("secretsmanager", PRIMARY_REGION), aws("secretsmanager", DR_REGION)
    target = {"Region": DR_REGION, **({"KmsKeyId": key} if key else {})}
    home.create_secret(Name="app/db", SecretString="v1", AddReplicaRegions=[target])
    return home, dr


def _status(home: Any) -> dict[str, Any]:
    return dict(home.describe_secret(SecretId="app/db")["ReplicationStatus"][0])


def test_a_replica_is_in_progress_then_in_sync(aws: ClientFactory, aws_clock: Any) -> None:
    home, _ = _replicated(aws)
    assert _status(home)["Status"] == "InProgress"
    aws_clock.advance(ext.REPLICATION_SECONDS - 1)
    assert _status(home)["Status"] == "InProgress"
    aws_clock.advance(1)
    assert _status(home)["Status"] == "InSync"
    assert _status(home)["KmsKeyId"] == "alias/aws/secretsmanager"


def test_the_replica_keeps_its_own_key(aws: ClientFactory, aws_clock: Any) -> None:
    key = aws("kms", DR_REGION).create_key()["KeyMetadata"]["Arn"]
    home, dr = _replicated(aws, key)
    assert _status(home)["KmsKeyId"] == key
    replica = dr.describe_secret(SecretId="app/db")
    assert replica["PrimaryRegion"] == PRIMARY_REGION
    assert replica["KmsKeyId"] == key
    assert "ReplicationStatus" not in replica


def test_a_key_missing_in_the_replica_region_fails_the_replication(
    aws: ClientFactory, aws_clock: Any
) -> None:
    missing = f"arn:aws:kms:{DR_REGION}:123456789012:key/00000000-0000-4000-8000-000000000000"
    home, dr = _replicated(aws, missing)
    status = _status(home)
    assert status["Status"] == "Failed" and missing in status["StatusMessage"]
    with pytest.raises(ClientError):
        dr.describe_secret(SecretId="app/db")


def test_stop_replication_promotes_the_replica_in_place(aws: ClientFactory, aws_clock: Any) -> None:
    key = aws("kms", DR_REGION).create_key()["KeyMetadata"]["Arn"]
    home, dr = _replicated(aws, key)
    arn = dr.describe_secret(SecretId="app/db")["ARN"]
    assert dr.stop_replication_to_replica(SecretId="app/db")["ARN"] == arn
    promoted = dr.describe_secret(SecretId="app/db")
    assert "PrimaryRegion" not in promoted and promoted["ARN"] == arn
    assert promoted["KmsKeyId"] == key
    assert dr.get_secret_value(SecretId="app/db")["SecretString"] == "v1"
    assert "ReplicationStatus" not in home.describe_secret(SecretId="app/db")
    dr.put_secret_value(SecretId="app/db", SecretString="v2")
    assert home.get_secret_value(SecretId="app/db")["SecretString"] == "v1", "no longer linked"


def test_stop_replication_on_a_primary_is_refused(aws: ClientFactory, aws_clock: Any) -> None:
    home, _ = _replicated(aws)
    with pytest.raises(ClientError) as err:
        home.stop_replication_to_replica(SecretId="app/db")
    assert err.value.response["Error"]["Code"] == "InvalidRequestException"


def test_replicating_again_to_a_region_is_refused(aws: ClientFactory, aws_clock: Any) -> None:
    home, _ = _replicated(aws)
    with pytest.raises(ClientError) as err:
        home.replicate_secret_to_regions(
            SecretId="app/db", AddReplicaRegions=[{"Region": DR_REGION}]
        )
    assert err.value.response["Error"]["Code"] == "InvalidParameterException"


def test_force_overwrite_replaces_a_standalone_copy(aws: ClientFactory, aws_clock: Any) -> None:
    home, dr = aws("secretsmanager", PRIMARY_REGION), aws("secretsmanager", DR_REGION)
    home.create_secret(Name="app/db", SecretString="home")
    dr.create_secret(Name="app/db", SecretString="stale")
    home.replicate_secret_to_regions(
        SecretId="app/db",
        AddReplicaRegions=[{"Region": DR_REGION}],
        ForceOverwriteReplicaSecret=True,
    )
    aws_clock.advance(ext.REPLICATION_SECONDS)
    assert _status(home)["Status"] == "InSync"
    assert dr.describe_secret(SecretId="app/db")["PrimaryRegion"] == PRIMARY_REGION
    assert dr.get_secret_value(SecretId="app/db")["SecretString"] == "home"


def test_uninstall_restores_moto(aws: ClientFactory) -> None:
    assert ext.is_installed()
    ext.uninstall()
    try:
        home, _ = _replicated(aws)
        assert _status(home)["Status"] == "InSync"  # moto's own: at once
    finally:
        ext.install()


def test_stop_replication_is_served_by_the_sandbox_server(server: ClientFactory) -> None:
    home = server("secretsmanager", PRIMARY_REGION)
    home.create_secret(Name="s", SecretString="v", AddReplicaRegions=[{"Region": DR_REGION}])
    dr = server("secretsmanager", DR_REGION)
    dr.stop_replication_to_replica(SecretId="s")
    assert "PrimaryRegion" not in dr.describe_secret(SecretId="s")
