"""The ElastiCache global datastore extension against the API reference: the Region-prefixed
id, states over the sandbox's AWS clock (creating, associating, modifying, disassociating,
deleting), the error codes AWS returns for calls at the wrong time, each member group's
``GlobalReplicationGroupInfo`` and the secondary's lag metric. Each test reads AWS state back
with describe calls; one runs through a moto server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from drctl.engine.clock import FakeClock
from drctl.kinds.elasticache_global import moto_global_datastore as ext
from drctl.kinds.sandboxing import aws_time
from tests.sandbox.conftest import ClientFactory

HOME, AWAY = "us-east-1", "us-west-2"


@pytest.fixture
def fake() -> Iterator[FakeClock]:
    clock = FakeClock()
    aws_time.follow(clock.now)
    yield clock
    aws_time.reset()


def _primary(client: Any, group: str = "cache") -> None:
    client.create_replication_group(
        ReplicationGroupId=group,
        ReplicationGroupDescription="primary",
        Engine="redis",
        EngineVersion="7.1",
        CacheNodeType="cache.r7g.large",
        NumCacheClusters=2,
        AutomaticFailoverEnabled=True,
        TransitEncryptionEnabled=True,
        AtRestEncryptionEnabled=True,
    )


def _code(caught: pytest.ExceptionInfo[ClientError]) -> str:
    return str(caught.value.response["Error"]["Code"])


def _glob(client: Any, gid: str) -> dict[str, Any]:
    found = client.describe_global_replication_groups(
        GlobalReplicationGroupId=gid, ShowMemberInfo=True
    )
    return dict(found["GlobalReplicationGroups"][0])


def _members(client: Any, gid: str) -> dict[str, tuple[str, str]]:
    return {
        m["ReplicationGroupId"]: (m["Role"], m["Status"]) for m in _glob(client, gid)["Members"]
    }


def _info(client: Any, group: str) -> dict[str, str] | None:
    found = client.describe_replication_groups(ReplicationGroupId=group)["ReplicationGroups"][0]
    info = found.get("GlobalReplicationGroupInfo")
    return dict(info) if info else None


@pytest.fixture
def pair(aws: ClientFactory, fake: FakeClock) -> tuple[Any, Any, str]:
    """A datastore formed and joined over time: (home client, away client, id)."""
    home, away = aws("elasticache", HOME), aws("elasticache", AWAY)
    _primary(home)
    gid = home.create_global_replication_group(
        GlobalReplicationGroupIdSuffix="sessions", PrimaryReplicationGroupId="cache"
    )["GlobalReplicationGroup"]["GlobalReplicationGroupId"]
    fake.advance(ext.CREATE_SECONDS)
    away.create_replication_group(
        ReplicationGroupId="cache-away",
        ReplicationGroupDescription="s",
        GlobalReplicationGroupId=gid,
    )
    fake.advance(ext.ASSOCIATE_SECONDS)
    return home, away, gid


def test_the_id_carries_the_region_prefix_and_creation_takes_time(
    aws: ClientFactory, fake: FakeClock
) -> None:
    home = aws("elasticache", HOME)
    _primary(home)
    made = home.create_global_replication_group(
        GlobalReplicationGroupIdSuffix="sessions", PrimaryReplicationGroupId="cache"
    )["GlobalReplicationGroup"]
    gid = made["GlobalReplicationGroupId"]
    assert gid == f"{ext.region_prefix(HOME)}-sessions" and len(gid.split("-")[0]) == 5
    assert ext.region_prefix(HOME) != ext.region_prefix(AWAY)
    assert _glob(home, gid)["Status"] == "creating"
    assert _glob(home, gid)["TransitEncryptionEnabled"] is True
    assert _info(home, "cache") == {
        "GlobalReplicationGroupId": gid,
        "GlobalReplicationGroupMemberRole": "PRIMARY",
    }
    with pytest.raises(ClientError) as caught:  # a secondary cannot join a datastore creating
        aws("elasticache", AWAY).create_replication_group(
            ReplicationGroupId="x", ReplicationGroupDescription="x", GlobalReplicationGroupId=gid
        )
    assert _code(caught) == "InvalidGlobalReplicationGroupState"
    fake.advance(ext.CREATE_SECONDS)
    assert _glob(home, gid)["Status"] == "available"
    with pytest.raises(ClientError) as caught:
        home.create_global_replication_group(
            GlobalReplicationGroupIdSuffix="sessions", PrimaryReplicationGroupId="cache"
        )
    assert _code(caught) == "InvalidReplicationGroupState"  # already in a datastore


def test_members_only_with_show_member_info_and_unknown_ids_not_found(
    pair: tuple[Any, Any, str],
) -> None:
    home, away, gid = pair
    bare = home.describe_global_replication_groups(GlobalReplicationGroupId=gid)
    assert "Members" not in bare["GlobalReplicationGroups"][0]
    with pytest.raises(ClientError) as caught:
        away.describe_global_replication_groups(GlobalReplicationGroupId="abcde-nothing")
    assert _code(caught) == "GlobalReplicationGroupNotFoundFault"


def test_a_secondary_associates_over_time_with_the_datastores_engine(
    aws: ClientFactory, fake: FakeClock
) -> None:
    home, away = aws("elasticache", HOME), aws("elasticache", AWAY)
    _primary(home)
    gid = home.create_global_replication_group(
        GlobalReplicationGroupIdSuffix="s", PrimaryReplicationGroupId="cache"
    )["GlobalReplicationGroup"]["GlobalReplicationGroupId"]
    fake.advance(ext.CREATE_SECONDS)
    away.create_replication_group(
        ReplicationGroupId="cache-away",
        ReplicationGroupDescription="s",
        GlobalReplicationGroupId=gid,
    )
    group = away.describe_replication_groups(ReplicationGroupId="cache-away")["ReplicationGroups"][
        0
    ]
    assert group["Status"] == "creating"
    assert (group["CacheNodeType"], group["AtRestEncryptionEnabled"]) == ("cache.r7g.large", True)
    assert _members(away, gid)["cache-away"] == ("SECONDARY", "associating")
    assert _glob(away, gid)["Status"] == "modifying"
    fake.advance(ext.ASSOCIATE_SECONDS)
    assert _members(away, gid)["cache-away"] == ("SECONDARY", "associated")
    assert _info(away, "cache-away") == {
        "GlobalReplicationGroupId": gid,
        "GlobalReplicationGroupMemberRole": "SECONDARY",
    }
    with pytest.raises(ClientError) as caught:  # one member per Region
        away.create_replication_group(
            ReplicationGroupId="other",
            ReplicationGroupDescription="s",
            GlobalReplicationGroupId=gid,
        )
    assert _code(caught) == "InvalidParameterValue"


def test_failover_is_modifying_then_swaps_the_roles(
    pair: tuple[Any, Any, str], fake: FakeClock
) -> None:
    home, away, gid = pair
    away.failover_global_replication_group(
        GlobalReplicationGroupId=gid, PrimaryRegion=AWAY, PrimaryReplicationGroupId="cache-away"
    )
    assert _glob(away, gid)["Status"] == "modifying"
    assert _members(away, gid)["cache-away"][0] == "SECONDARY"  # not yet
    with pytest.raises(ClientError) as caught:
        away.failover_global_replication_group(
            GlobalReplicationGroupId=gid, PrimaryRegion=AWAY, PrimaryReplicationGroupId="cache-away"
        )
    assert _code(caught) == "InvalidGlobalReplicationGroupState"
    fake.advance(ext.FAILOVER_SECONDS)
    assert _glob(away, gid)["Status"] == "available"
    assert _members(home, gid) == {
        "cache": ("SECONDARY", "associated"),
        "cache-away": ("PRIMARY", "associated"),
    }
    assert _info(home, "cache")["GlobalReplicationGroupMemberRole"] == "SECONDARY"  # type: ignore[index]
    with pytest.raises(ClientError) as caught:  # already the primary
        away.failover_global_replication_group(
            GlobalReplicationGroupId=gid, PrimaryRegion=AWAY, PrimaryReplicationGroupId="cache-away"
        )
    assert _code(caught) == "InvalidParameterValue"
    with pytest.raises(ClientError) as caught:  # not a member
        away.failover_global_replication_group(
            GlobalReplicationGroupId=gid, PrimaryRegion=AWAY, PrimaryReplicationGroupId="nope"
        )
    assert _code(caught) == "InvalidParameterValue"


def test_a_primary_only_datastore_cannot_fail_over(aws: ClientFactory, fake: FakeClock) -> None:
    home = aws("elasticache", HOME)
    _primary(home)
    gid = home.create_global_replication_group(
        GlobalReplicationGroupIdSuffix="s", PrimaryReplicationGroupId="cache"
    )["GlobalReplicationGroup"]["GlobalReplicationGroupId"]
    fake.advance(ext.CREATE_SECONDS)
    with pytest.raises(ClientError) as caught:
        home.failover_global_replication_group(
            GlobalReplicationGroupId=gid, PrimaryRegion=HOME, PrimaryReplicationGroupId="cache"
        )
    assert _code(caught) == "InvalidGlobalReplicationGroupState"


def test_disassociate_leaves_a_standalone_group_and_a_primary_only_datastore(
    pair: tuple[Any, Any, str], fake: FakeClock
) -> None:
    home, away, gid = pair
    with pytest.raises(ClientError) as caught:  # the primary cannot leave
        away.disassociate_global_replication_group(
            GlobalReplicationGroupId=gid, ReplicationGroupId="cache", ReplicationGroupRegion=HOME
        )
    assert _code(caught) == "InvalidParameterValue"
    away.disassociate_global_replication_group(
        GlobalReplicationGroupId=gid, ReplicationGroupId="cache-away", ReplicationGroupRegion=AWAY
    )
    assert _members(away, gid)["cache-away"] == ("SECONDARY", "disassociating")
    assert _glob(away, gid)["Status"] == "modifying"
    fake.advance(ext.DISASSOCIATE_SECONDS)
    assert _info(away, "cache-away") is None
    assert away.describe_global_replication_groups()["GlobalReplicationGroups"] == []
    assert _members(home, gid) == {"cache": ("PRIMARY", "associated")}


def test_with_the_primarys_region_out_a_promotion_works_and_a_disassociation_is_refused(
    pair: tuple[Any, Any, str], fake: FakeClock
) -> None:
    """The user guide documents promotion "If the primary cluster or AWS Region becomes
    unavailable", from "any AWS Region that contains a secondary cluster"; it documents no
    disassociation then, which the sandbox therefore refuses."""
    from drctl.sandbox.outages import outages

    _, away, gid = pair
    outages.add(HOME)
    try:
        with pytest.raises(ClientError) as caught:
            away.disassociate_global_replication_group(
                GlobalReplicationGroupId=gid,
                ReplicationGroupId="cache-away",
                ReplicationGroupRegion=AWAY,
            )
        assert _code(caught) == "InvalidGlobalReplicationGroupState"
        assert _members(away, gid)["cache-away"] == ("SECONDARY", "associated")  # unchanged
        away.failover_global_replication_group(
            GlobalReplicationGroupId=gid, PrimaryRegion=AWAY, PrimaryReplicationGroupId="cache-away"
        )
        assert _glob(away, gid)["Status"] == "modifying"
        fake.advance(ext.FAILOVER_SECONDS)
        assert _members(away, gid) == {
            "cache": ("SECONDARY", "associated"),  # the old primary follows once back
            "cache-away": ("PRIMARY", "associated"),
        }
        assert _info(away, "cache-away") == {
            "GlobalReplicationGroupId": gid,
            "GlobalReplicationGroupMemberRole": "PRIMARY",
        }
    finally:
        outages.clear()


def test_delete_needs_the_secondaries_gone_and_keeps_the_primary(
    pair: tuple[Any, Any, str], fake: FakeClock
) -> None:
    home, away, gid = pair
    with pytest.raises(ClientError) as caught:
        home.delete_global_replication_group(
            GlobalReplicationGroupId=gid, RetainPrimaryReplicationGroup=True
        )
    assert _code(caught) == "InvalidGlobalReplicationGroupState"
    with pytest.raises(ClientError) as caught:  # a member group cannot be deleted
        away.delete_replication_group(ReplicationGroupId="cache-away")
    assert _code(caught) == "InvalidReplicationGroupState"
    away.disassociate_global_replication_group(
        GlobalReplicationGroupId=gid, ReplicationGroupId="cache-away", ReplicationGroupRegion=AWAY
    )
    fake.advance(ext.DISASSOCIATE_SECONDS)
    home.delete_global_replication_group(
        GlobalReplicationGroupId=gid, RetainPrimaryReplicationGroup=True
    )
    assert _glob(home, gid)["Status"] == "deleting"
    fake.advance(ext.DELETE_SECONDS)
    assert home.describe_global_replication_groups()["GlobalReplicationGroups"] == []
    assert _info(home, "cache") is None
    group = home.describe_replication_groups(ReplicationGroupId="cache")["ReplicationGroups"][0]
    assert group["Status"] == "available"


def test_a_deleted_group_is_gone_after_deleting_with_its_final_snapshot(
    aws: ClientFactory, fake: FakeClock
) -> None:
    home = aws("elasticache", HOME)
    _primary(home)
    home.delete_replication_group(ReplicationGroupId="cache", FinalSnapshotIdentifier="last")
    assert home.describe_replication_groups()["ReplicationGroups"][0]["Status"] == "deleting"
    with pytest.raises(ClientError) as caught:  # its id is not free yet
        _primary(home)
    assert _code(caught) == "ReplicationGroupAlreadyExists"
    fake.advance(ext.DELETE_GROUP_SECONDS)
    assert home.describe_replication_groups()["ReplicationGroups"] == []
    [snapshot] = home.describe_snapshots()["Snapshots"]
    assert snapshot["SnapshotName"] == "last"


def test_the_secondary_publishes_its_lag_every_minute(
    pair: tuple[Any, Any, str], aws: ClientFactory, fake: FakeClock
) -> None:
    _, away, gid = pair
    ext.set_lag("cache-away", 2.5)
    fake.advance(180)
    _glob(away, gid)  # AWS publishes on its own; the sandbox when the datastore is read
    cw = aws("cloudwatch", AWAY)
    now = aws_time.now()

    def points(cluster: str, region_cw: Any) -> list[float]:
        found = region_cw.get_metric_statistics(
            Namespace="AWS/ElastiCache",
            MetricName="GlobalDatastoreReplicationLag",
            Dimensions=[{"Name": "CacheClusterId", "Value": cluster}],
            StartTime=now - timedelta(minutes=3),
            EndTime=now + timedelta(minutes=1),
            Period=60,
            Statistics=["Maximum"],
        )["Datapoints"]
        return [p["Maximum"] for p in found]

    assert points("cache-away-001", cw) and set(points("cache-away-001", cw)) == {2.5}
    assert points("cache-001", aws("cloudwatch", HOME)) == []  # a primary has no lag


def test_the_lag_is_there_for_a_reader_of_cloudwatch_alone(
    pair: tuple[Any, Any, str], aws: ClientFactory, fake: FakeClock
) -> None:
    """AWS publishes every minute whoever reads; a wait loop that polls CloudWatch only (a
    Step Functions execution) sees the minutes since the last ElastiCache call too."""
    _, away, gid = pair
    _glob(away, gid)
    fake.advance(300)  # no ElastiCache call meanwhile
    now = aws_time.now()
    found = aws("cloudwatch", AWAY).get_metric_statistics(
        Namespace="AWS/ElastiCache",
        MetricName="GlobalDatastoreReplicationLag",
        Dimensions=[{"Name": "CacheClusterId", "Value": "cache-away-001"}],
        StartTime=now - timedelta(minutes=4),
        EndTime=now + timedelta(minutes=1),
        Period=60,
        Statistics=["Maximum"],
    )["Datapoints"]
    assert len(found) >= 4
    assert {p["Maximum"] for p in found} == {ext.DEFAULT_LAG_SECONDS}


def test_the_lag_grows_while_the_primarys_region_is_out(
    pair: tuple[Any, Any, str], aws: ClientFactory, fake: FakeClock
) -> None:
    from drctl.sandbox.outages import outages

    _, away, gid = pair
    fake.advance(60)
    _glob(away, gid)
    outages.add(HOME)
    try:
        fake.advance(300)
        _glob(away, gid)  # read in the secondary's Region, which answers
    finally:
        outages.clear()
    now = aws_time.now()
    found = aws("cloudwatch", AWAY).get_metric_statistics(
        Namespace="AWS/ElastiCache",
        MetricName="GlobalDatastoreReplicationLag",
        Dimensions=[{"Name": "CacheClusterId", "Value": "cache-away-001"}],
        StartTime=now - timedelta(minutes=8),
        EndTime=now + timedelta(minutes=1),
        Period=60,
        Statistics=["Maximum"],
    )["Datapoints"]
    lags = [p["Maximum"] for p in sorted(found, key=lambda p: p["Timestamp"])]
    assert lags[0] == ext.DEFAULT_LAG_SECONDS  # before the outage
    assert lags[-1] >= 299  # five minutes of nothing arriving
    assert lags == sorted(lags)


def test_the_calls_work_through_a_moto_server(server: ClientFactory, fake: FakeClock) -> None:
    home, away = server("elasticache", HOME), server("elasticache", AWAY)
    _primary(home)
    gid = home.create_global_replication_group(
        GlobalReplicationGroupIdSuffix="s", PrimaryReplicationGroupId="cache"
    )["GlobalReplicationGroup"]["GlobalReplicationGroupId"]
    fake.advance(ext.CREATE_SECONDS)
    away.create_replication_group(
        ReplicationGroupId="cache-away",
        ReplicationGroupDescription="s",
        GlobalReplicationGroupId=gid,
    )
    fake.advance(ext.ASSOCIATE_SECONDS)
    away.failover_global_replication_group(
        GlobalReplicationGroupId=gid, PrimaryRegion=AWAY, PrimaryReplicationGroupId="cache-away"
    )
    fake.advance(ext.FAILOVER_SECONDS)
    assert _members(home, gid)["cache-away"] == ("PRIMARY", "associated")
