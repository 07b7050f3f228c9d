"""EFS replication extension: a configuration is ENABLING, then ENABLED on the sandbox's AWS
clock, with a LastReplicatedTimestamp only after its first sync and advancing every sync
while the source's Region answers; the destination is read-only (REPLICATING); deletion from
either side takes minutes (DELETING) and leaves the destination writeable; the local-only mode
leaves the other Region's half in ERROR; replication to an existing file system needs its
overwrite protection DISABLED; calls at the wrong time get AWS's error codes. File system
policies (moto_efs_policy): validated, the lockout safety check, PolicyNotFound for the
default, DeleteFileSystemPolicy, AWS's codes for unknown or unavailable file systems, and none
of it answered by a Region that is down."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import BotoCoreError, ClientError

from drctl.kinds.efs_replication import moto_efs_policy
from drctl.kinds.efs_replication import moto_efs_replication as ext
from drctl.sandbox.outages import outages
from tests.sandbox.conftest import DR_REGION, PRIMARY_REGION, ClientFactory


@pytest.fixture(autouse=True)
def no_outage_left() -> Iterator[None]:
    yield
    outages.clear()


def _fs(client: Any, token: str, **kwargs: Any) -> str:
    return str(client.create_file_system(CreationToken=token, **kwargs)["FileSystemId"])


def _dest(client: Any, fs_id: str) -> dict[str, Any]:
    [rep] = client.describe_replication_configurations(FileSystemId=fs_id)["Replications"]
    return dict(rep["Destinations"][0])


def _guard(client: Any, fs_id: str) -> str:
    fs = client.describe_file_systems(FileSystemId=fs_id)["FileSystems"][0]
    return str(fs["FileSystemProtection"]["ReplicationOverwriteProtection"])


def _code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def _replicated(aws: ClientFactory) -> tuple[Any, Any, str, str]:
    home, dr = aws("efs", PRIMARY_REGION), aws("efs", DR_REGION)
    source = _fs(home, "src", Encrypted=True)
    made = home.create_replication_configuration(
        SourceFileSystemId=source, Destinations=[{"Region": DR_REGION}]
    )
    return home, dr, source, str(made["Destinations"][0]["FileSystemId"])


def test_a_new_configuration_is_enabling_then_enabled_then_synced(
    aws: ClientFactory, aws_clock: Any
) -> None:
    home, dr, source, copy = _replicated(aws)
    assert _dest(home, source)["Status"] == "ENABLING"
    assert "LastReplicatedTimestamp" not in _dest(dr, copy), "never synced yet"
    fs = dr.describe_file_systems(FileSystemId=copy)["FileSystems"][0]
    assert fs["Encrypted"] is True, "a new destination is created encrypted"
    assert _guard(dr, copy) == "REPLICATING" and _guard(home, source) == "ENABLED"
    aws_clock.advance(ext.ENABLING_SECONDS)
    assert _dest(home, source)["Status"] == "ENABLED"
    assert "LastReplicatedTimestamp" not in _dest(home, source)
    aws_clock.advance(ext.SYNC_SECONDS)
    first = _dest(dr, copy)["LastReplicatedTimestamp"]
    aws_clock.advance(ext.SYNC_SECONDS)
    assert _dest(dr, copy)["LastReplicatedTimestamp"] - first == timedelta(seconds=ext.SYNC_SECONDS)


def test_no_sync_completes_while_the_source_region_is_out(
    aws: ClientFactory, aws_clock: Any
) -> None:
    _, dr, _, copy = _replicated(aws)
    aws_clock.advance(ext.ENABLING_SECONDS + ext.SYNC_SECONDS)
    before = _dest(dr, copy)["LastReplicatedTimestamp"]
    outages.add(PRIMARY_REGION)
    aws_clock.advance(4 * ext.SYNC_SECONDS)
    assert _dest(dr, copy)["LastReplicatedTimestamp"] == before, "seen from DR, frozen"
    outages.clear(PRIMARY_REGION)
    aws_clock.advance(ext.SYNC_SECONDS)
    assert _dest(dr, copy)["LastReplicatedTimestamp"] > before


def test_deleting_from_the_destination_takes_minutes_then_it_is_writeable(
    aws: ClientFactory, aws_clock: Any
) -> None:
    home, dr, source, copy = _replicated(aws)
    aws_clock.advance(ext.ENABLING_SECONDS)
    dr.delete_replication_configuration(SourceFileSystemId=source)
    assert _dest(dr, copy)["Status"] == "DELETING"
    assert _dest(home, source)["Status"] == "DELETING"
    assert _guard(dr, copy) == "REPLICATING", "read-only until the deletion is done"
    aws_clock.advance(ext.DELETING_SECONDS)
    for client, fs_id in ((home, source), (dr, copy)):
        with pytest.raises(ClientError) as exc:
            client.describe_replication_configurations(FileSystemId=fs_id)
        assert _code(exc) == "ReplicationNotFound"
    assert _guard(dr, copy) == "ENABLED"


def test_local_only_deletion_leaves_the_other_half_in_error(
    aws: ClientFactory, aws_clock: Any
) -> None:
    home, dr, source, copy = _replicated(aws)
    outages.add(PRIMARY_REGION)
    with pytest.raises(ClientError) as exc:  # both halves, one Region silent
        dr.delete_replication_configuration(SourceFileSystemId=source)
    assert _code(exc) == "BadRequest" and "LOCAL_CONFIGURATION_ONLY" in str(exc.value)
    dr.delete_replication_configuration(
        SourceFileSystemId=source, DeletionMode="LOCAL_CONFIGURATION_ONLY"
    )
    aws_clock.advance(ext.DELETING_SECONDS)
    assert _guard(dr, copy) == "ENABLED"
    outages.clear(PRIMARY_REGION)
    stale = _dest(home, source)
    assert stale["Status"] == "ERROR" and DR_REGION in stale["StatusMessage"]
    with pytest.raises(ClientError) as exc:  # still part of a configuration
        home.update_file_system_protection(
            FileSystemId=source, ReplicationOverwriteProtection="DISABLED"
        )
    assert _code(exc) == "ReplicationAlreadyExists"
    home.delete_replication_configuration(
        SourceFileSystemId=source, DeletionMode="LOCAL_CONFIGURATION_ONLY"
    )
    aws_clock.advance(ext.DELETING_SECONDS)
    home.update_file_system_protection(
        FileSystemId=source, ReplicationOverwriteProtection="DISABLED"
    )
    assert _guard(home, source) == "DISABLED"


def test_replicating_to_an_existing_file_system_needs_its_protection_disabled(
    aws: ClientFactory, aws_clock: Any
) -> None:
    home, dr = aws("efs", PRIMARY_REGION), aws("efs", DR_REGION)
    source = _fs(home, "src", Encrypted=True)
    target = _fs(dr, "dst", Encrypted=True)
    wanted = [{"Region": DR_REGION, "FileSystemId": target}]
    with pytest.raises(ClientError) as exc:
        home.create_replication_configuration(SourceFileSystemId=source, Destinations=wanted)
    assert _code(exc) == "ValidationException"
    dr.update_file_system_protection(FileSystemId=target, ReplicationOverwriteProtection="DISABLED")
    made = home.create_replication_configuration(SourceFileSystemId=source, Destinations=wanted)
    assert made["Destinations"][0]["FileSystemId"] == target
    assert _guard(dr, target) == "REPLICATING"
    with pytest.raises(ClientError) as exc:  # one configuration per file system
        home.create_replication_configuration(SourceFileSystemId=source, Destinations=wanted)
    assert _code(exc) == "ReplicationAlreadyExists"
    with pytest.raises(ClientError) as exc:
        dr.update_file_system_protection(
            FileSystemId=target, ReplicationOverwriteProtection="ENABLED"
        )
    assert _code(exc) == "ReplicationAlreadyExists"
    with pytest.raises(ClientError) as exc:
        dr.delete_file_system(FileSystemId=target)
    assert _code(exc) == "FileSystemInUse"


def test_wrong_calls_get_aws_error_codes(aws: ClientFactory, aws_clock: Any) -> None:
    home, dr = aws("efs", PRIMARY_REGION), aws("efs", DR_REGION)
    plain = _fs(home, "plain")
    encrypted_dest = _fs(dr, "plain-dst")
    source = _fs(home, "enc", Encrypted=True)
    dr.update_file_system_protection(
        FileSystemId=encrypted_dest, ReplicationOverwriteProtection="DISABLED"
    )
    cases = [
        (lambda: home.describe_replication_configurations(FileSystemId=plain),
         "ReplicationNotFound"),
        (lambda: home.describe_replication_configurations(FileSystemId="fs-0123456789"),
         "FileSystemNotFound"),
        (lambda: home.delete_replication_configuration(SourceFileSystemId=plain),
         "ReplicationNotFound"),
        (lambda: home.create_replication_configuration(
            SourceFileSystemId="fs-0123456789", Destinations=[{"Region": DR_REGION}]),
         "FileSystemNotFound"),
        (lambda: home.create_replication_configuration(
            SourceFileSystemId=source,
            Destinations=[{"Region": DR_REGION, "FileSystemId": encrypted_dest}]),
         "ConflictException"),  # the destination is not encrypted
        (lambda: home.update_file_system_protection(
            FileSystemId=plain, ReplicationOverwriteProtection="REPLICATING"),
         "BadRequest"),
    ]  # fmt: skip
    for call, code in cases:
        with pytest.raises(ClientError) as exc:
            call()
        assert _code(exc) == code


def test_a_configuration_over_the_moto_server(server: ClientFactory, aws_clock: Any) -> None:
    home, dr, source, copy = _replicated(server)
    aws_clock.advance(ext.ENABLING_SECONDS + ext.SYNC_SECONDS)
    assert _dest(dr, copy)["Status"] == "ENABLED"
    dr.delete_replication_configuration(SourceFileSystemId=source)
    aws_clock.advance(ext.DELETING_SECONDS)
    assert _guard(dr, copy) == "ENABLED"
    assert home.describe_file_systems(FileSystemId=source)["FileSystems"][0]["FileSystemId"]


DENY_WRITES = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "DrctlWriteFence20261130T120000Z",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": ["elasticfilesystem:ClientWrite"],
        }
    ],
}


def _no_policy(client: Any, fs_id: str) -> bool:
    with pytest.raises(ClientError) as exc:
        client.describe_file_system_policy(FileSystemId=fs_id)
    return _code(exc) == "PolicyNotFound"


def test_a_policy_is_put_read_back_and_deleted_to_the_default(aws: ClientFactory) -> None:
    home = aws("efs", PRIMARY_REGION)
    fs_id = _fs(home, "fenced")
    assert _no_policy(home, fs_id), "the default policy: PolicyNotFound"
    home.delete_file_system_policy(FileSystemId=fs_id)  # none to delete: still fine
    put = home.put_file_system_policy(FileSystemId=fs_id, Policy=json.dumps(DENY_WRITES))
    assert put["FileSystemId"] == fs_id
    read = home.describe_file_system_policy(FileSystemId=fs_id)
    assert json.loads(read["Policy"]) == DENY_WRITES
    home.delete_file_system_policy(FileSystemId=fs_id)
    assert _no_policy(home, fs_id)


def test_a_malformed_policy_is_refused_and_the_old_one_kept(aws: ClientFactory) -> None:
    home = aws("efs", PRIMARY_REGION)
    fs_id = _fs(home, "strict")
    home.put_file_system_policy(FileSystemId=fs_id, Policy=json.dumps(DENY_WRITES))
    statement = DENY_WRITES["Statement"][0]
    bad = [
        "not json",
        json.dumps({"Version": "2012-10-17"}),  # no statement
        json.dumps({"Statement": [{**statement, "Effect": "Maybe"}]}),
        json.dumps({"Statement": [{k: v for k, v in statement.items() if k != "Principal"}]}),
        json.dumps({"Statement": [statement] * 200}),  # over the 20,000 characters
    ]
    assert len(bad[-1]) > moto_efs_policy.MAX_POLICY_CHARS
    for policy in bad:
        with pytest.raises(ClientError) as exc:
            home.put_file_system_policy(FileSystemId=fs_id, Policy=policy)
        assert _code(exc) == "InvalidPolicyException", policy[:60]
    read = home.describe_file_system_policy(FileSystemId=fs_id)
    assert json.loads(read["Policy"]) == DENY_WRITES


def test_the_lockout_safety_check_unless_bypassed(aws: ClientFactory) -> None:
    home = aws("efs", PRIMARY_REGION)
    fs_id = _fs(home, "locked")
    lockout = json.dumps(
        {
            "Statement": [
                {
                    "Effect": "Deny",
                    "Principal": {"AWS": "*"},
                    "Action": "elasticfilesystem:PutFileSystemPolicy",
                }
            ]
        }
    )
    with pytest.raises(ClientError) as exc:
        home.put_file_system_policy(FileSystemId=fs_id, Policy=lockout)
    assert _code(exc) == "InvalidPolicyException" and "lock" in str(exc.value)
    assert _no_policy(home, fs_id)
    home.put_file_system_policy(
        FileSystemId=fs_id, Policy=lockout, BypassPolicyLockoutSafetyCheck=True
    )
    assert home.describe_file_system_policy(FileSystemId=fs_id)["Policy"] == lockout


def test_policy_calls_on_an_unknown_or_unavailable_file_system(aws: ClientFactory) -> None:
    from moto.efs.models import efs_backends

    home = aws("efs", PRIMARY_REGION)
    policy = json.dumps(DENY_WRITES)
    for call in (
        lambda: home.describe_file_system_policy(FileSystemId="fs-0123456789"),
        lambda: home.put_file_system_policy(FileSystemId="fs-0123456789", Policy=policy),
        lambda: home.delete_file_system_policy(FileSystemId="fs-0123456789"),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert _code(exc) == "FileSystemNotFound"
    fs_id = _fs(home, "going")
    account = home.describe_file_systems(FileSystemId=fs_id)["FileSystems"][0]["OwnerId"]
    efs_backends[account][PRIMARY_REGION].file_systems_by_id[fs_id].life_cycle_state = "deleting"
    for call in (
        lambda: home.put_file_system_policy(FileSystemId=fs_id, Policy=policy),
        lambda: home.delete_file_system_policy(FileSystemId=fs_id),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert _code(exc) == "IncorrectFileSystemLifeCycleState"


def test_a_region_that_is_down_answers_no_policy_call(aws: ClientFactory) -> None:
    home = aws("efs", PRIMARY_REGION)
    fs_id = _fs(home, "far")
    outages.add(PRIMARY_REGION)
    with pytest.raises((ClientError, BotoCoreError)):
        home.put_file_system_policy(FileSystemId=fs_id, Policy=json.dumps(DENY_WRITES))
    assert outages.refused()
    outages.clear(PRIMARY_REGION)
    assert _no_policy(home, fs_id), "nothing was put while it was down"


def test_policies_over_the_moto_server(server: ClientFactory) -> None:
    home = server("efs", PRIMARY_REGION)
    fs_id = _fs(home, "served")
    home.put_file_system_policy(FileSystemId=fs_id, Policy=json.dumps(DENY_WRITES))
    assert json.loads(home.describe_file_system_policy(FileSystemId=fs_id)["Policy"])
    home.delete_file_system_policy(FileSystemId=fs_id)
    assert _no_policy(home, fs_id)
