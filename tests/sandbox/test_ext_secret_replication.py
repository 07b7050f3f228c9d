"""Secrets Manager extension: a new replica is InProgress, then InSync on the sandbox's AWS
clock; each replica keeps the KMS key it was given (a missing key fails it); DescribeSecret of
a replica names its primary's Region and its own key; StopReplicationToReplica promotes a
replica in place (ARN, value and key kept) and refuses a primary. A new value reaches a replica
after a lag (InProgress meanwhile), not while either Region is out, and a promotion keeps what
the replica had."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from drctl.kinds.secret import moto_secret_replication as ext
from drctl.sandbox.outages import outages
from tests.sandbox.conftest import DR_REGION, PRIMARY_REGION, ClientFactory


@pytest.fixture(autouse=True)
def no_outage_left() -> Iterator[None]:
    yield
    outages.clear()


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


def _synced(aws: ClientFactory, aws_clock: Any) -> tuple[Any, Any]:
    home, dr = _replicated(aws)
    aws_clock.advance(ext.REPLICATION_SECONDS)
    assert _status(home)["Status"] == "InSync"
    return home, dr


def _value(client: Any) -> str:
    return str(client.get_secret_value(SecretId="app/db")["SecretString"])


@pytest.mark.parametrize("write", ["put", "update", "rotation"])
def test_a_new_value_reaches_the_replica_after_a_lag(
    aws: ClientFactory, aws_clock: Any, write: str
) -> None:
    home, dr = _synced(aws, aws_clock)
    old = dr.get_secret_value(SecretId="app/db")
    if write == "put":
        home.put_secret_value(SecretId="app/db", SecretString="v2")
    elif write == "update":
        home.update_secret(SecretId="app/db", SecretString="v2")
    else:  # what a rotation function's setSecret/finishSecret steps call
        pending = home.put_secret_value(
            SecretId="app/db", SecretString="v2", VersionStages=["AWSPENDING"]
        )["VersionId"]
        home.update_secret_version_stage(
            SecretId="app/db",
            VersionStage="AWSCURRENT",
            MoveToVersionId=pending,
            RemoveFromVersionId=old["VersionId"],
        )
    new = home.get_secret_value(SecretId="app/db")
    assert new["VersionId"] != old["VersionId"]
    assert _status(home)["Status"] == "InProgress"
    aws_clock.advance(ext.VALUE_LAG_SECONDS - 1)
    behind = dr.get_secret_value(SecretId="app/db")
    assert (behind["VersionId"], behind.get("SecretString")) == (
        old["VersionId"],
        old["SecretString"],
    )
    assert list(dr.describe_secret(SecretId="app/db")["VersionIdsToStages"]) == [old["VersionId"]]
    [listed] = dr.list_secret_version_ids(SecretId="app/db")["Versions"]
    assert (listed["VersionId"], listed["CreatedDate"]) == (old["VersionId"], old["CreatedDate"])
    assert _status(home)["Status"] == "InProgress"
    aws_clock.advance(1)
    assert _status(home)["Status"] == "InSync"
    now = dr.get_secret_value(SecretId="app/db")
    assert (now["VersionId"], now.get("SecretString")) == (
        new["VersionId"],
        new.get("SecretString"),
    )
    written = aws_clock.now() - timedelta(seconds=ext.VALUE_LAG_SECONDS)
    assert now["CreatedDate"] == written, "versions are dated on the AWS clock"


def test_nothing_replicates_while_the_replica_region_is_out(
    aws: ClientFactory, aws_clock: Any
) -> None:
    home, dr = _synced(aws, aws_clock)
    aws_clock.advance(5)
    home.put_secret_value(SecretId="app/db", SecretString="v2")
    aws_clock.advance(5)
    outages.add(DR_REGION)
    aws_clock.advance(10 * ext.VALUE_LAG_SECONDS)
    assert _status(home)["Status"] == "InProgress", "no Failed: AWS documents none for this"
    outages.clear(DR_REGION)
    aws_clock.advance(ext.VALUE_LAG_SECONDS - 5 - 1)
    assert _status(home)["Status"] == "InProgress"
    assert _value(dr) == "v1"
    aws_clock.advance(1)
    assert _status(home)["Status"] == "InSync"
    assert _value(dr) == "v2"


def test_a_promotion_during_the_lag_keeps_what_the_replica_had(
    aws: ClientFactory, aws_clock: Any
) -> None:
    home, dr = _synced(aws, aws_clock)
    home.put_secret_value(SecretId="app/db", SecretString="v2")
    aws_clock.advance(1)
    outages.add(PRIMARY_REGION)
    aws_clock.advance(10 * ext.VALUE_LAG_SECONDS)
    dr.stop_replication_to_replica(SecretId="app/db")
    outages.clear(PRIMARY_REGION)
    assert _value(dr) == "v1", "the write never reached DR"
    assert _value(home) == "v2"
    assert "ReplicationStatus" not in home.describe_secret(SecretId="app/db")
