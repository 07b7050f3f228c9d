"""The Aurora global switchover/failover extension against the API reference: asynchronous over
the sandbox's AWS clock, ``FailoverState`` while it runs, preconditions and error codes, and the
old primary resynchronizing after a failover. Each test reads AWS state back with
``DescribeGlobalClusters``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from drctl.engine.clock import FakeClock
from drctl.kinds.aurora_global import moto_global_failover as ext
from drctl.kinds.sandboxing import aws_time
from drctl.sandbox.outages import outages
from tests.sandbox.conftest import ClientFactory

VERSION = "8.0.mysql_aurora.3.05.2"
HOME = "arn:aws:rds:us-east-1:123456789012:cluster:g-home"
AWAY = "arn:aws:rds:eu-west-1:123456789012:cluster:g-away"


@pytest.fixture
def fake() -> Iterator[FakeClock]:
    clock = FakeClock()
    aws_time.follow(clock.now)
    yield clock
    aws_time.reset()


@pytest.fixture
def rds(aws: ClientFactory, fake: FakeClock) -> Any:
    """A global cluster: writer in us-east-1, secondary in eu-west-1; the eu-west-1 client."""
    return _build(aws, VERSION, VERSION)


def _build(aws: ClientFactory, home_version: str, away_version: str) -> Any:
    home, away = aws("rds", "us-east-1"), aws("rds", "eu-west-1")
    home.create_global_cluster(
        GlobalClusterIdentifier="g", Engine="aurora-mysql", EngineVersion=home_version
    )
    home.create_db_cluster(
        DBClusterIdentifier="g-home", Engine="aurora-mysql", EngineVersion=home_version,
        GlobalClusterIdentifier="g", MasterUsername="admin", MasterUserPassword="sandbox-only",
    )  # fmt: skip
    away.create_db_cluster(
        DBClusterIdentifier="g-away", Engine="aurora-mysql", EngineVersion=away_version,
        GlobalClusterIdentifier="g",
    )  # fmt: skip
    return away


def _glob(rds: Any) -> dict[str, Any]:
    return dict(rds.describe_global_clusters(GlobalClusterIdentifier="g")["GlobalClusters"][0])


def _view(rds: Any) -> tuple[str, str | None, str, dict[str, str]]:
    """(Status, FailoverState.Status, writer, {member: SynchronizationStatus})."""
    glob = _glob(rds)
    members = glob["GlobalClusterMembers"]
    writer = next(m["DBClusterArn"] for m in members if m["IsWriter"])
    state = glob.get("FailoverState") or {}
    sync = {m["DBClusterArn"]: m["SynchronizationStatus"] for m in members}
    return glob["Status"], state.get("Status"), writer, sync


def _code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def test_switchover_goes_through_every_state_and_keeps_the_old_writer_in_sync(
    rds: Any, fake: FakeClock
) -> None:
    answer = rds.switchover_global_cluster(
        GlobalClusterIdentifier="g", TargetDbClusterIdentifier=AWAY
    )
    state = answer["GlobalCluster"]["FailoverState"]
    assert state == {
        "Status": "pending", "FromDbClusterArn": HOME, "ToDbClusterArn": AWAY,
        "IsDataLossAllowed": False,
    }  # fmt: skip
    assert _view(rds)[:3] == ("switching-over", "pending", HOME)
    fake.advance(ext.VERIFY_SECONDS)
    assert _view(rds)[:3] == ("switching-over", "switching-over", HOME)
    fake.advance(ext.SWITCHOVER_SECONDS - 1)
    assert _view(rds)[2] == HOME  # the writer moves only when the switchover completes
    fake.advance(1)
    status, moving, writer, sync = _view(rds)
    assert (status, moving, writer) == ("available", None, AWAY)
    assert sync == {HOME: "connected", AWAY: "connected"}
    assert "FailoverState" not in _glob(rds)


def test_failover_leaves_the_old_primary_resyncing_for_a_while(rds: Any, fake: FakeClock) -> None:
    rds.failover_global_cluster(
        GlobalClusterIdentifier="g", TargetDbClusterIdentifier=AWAY, AllowDataLoss=True
    )
    assert _view(rds)[:2] == ("failing-over", "pending")
    assert _glob(rds)["FailoverState"]["IsDataLossAllowed"] is True
    fake.advance(ext.VERIFY_SECONDS)
    assert _view(rds)[:2] == ("failing-over", "failing-over")
    fake.advance(ext.FAILOVER_SECONDS)
    status, _, writer, sync = _view(rds)
    assert (status, writer, sync[HOME]) == ("available", AWAY, "pending-resync")
    with pytest.raises(ClientError) as back:
        rds.switchover_global_cluster(GlobalClusterIdentifier="g", TargetDbClusterIdentifier=HOME)
    assert _code(back) == "InvalidDBClusterStateFault" and "pending-resync" in str(back.value)
    fake.advance(ext.RESYNC_SECONDS)
    assert _view(rds)[3][HOME] == "connected"
    rds.switchover_global_cluster(GlobalClusterIdentifier="g", TargetDbClusterIdentifier=HOME)
    assert _view(rds)[0] == "switching-over"


@pytest.mark.parametrize("second", ["switchover", "failover"])
def test_a_second_call_while_one_is_in_flight_gets_the_state_fault(
    rds: Any, fake: FakeClock, second: str
) -> None:
    rds.switchover_global_cluster(GlobalClusterIdentifier="g", TargetDbClusterIdentifier=AWAY)
    fake.advance(ext.VERIFY_SECONDS + 1)
    with pytest.raises(ClientError) as again:
        if second == "switchover":
            rds.switchover_global_cluster(
                GlobalClusterIdentifier="g", TargetDbClusterIdentifier=AWAY
            )
        else:
            rds.failover_global_cluster(
                GlobalClusterIdentifier="g", TargetDbClusterIdentifier=AWAY, AllowDataLoss=True
            )
    assert _code(again) == "InvalidGlobalClusterStateFault"
    assert _view(rds)[:2] == ("switching-over", "switching-over")  # the first one goes on


def test_switchover_needs_matching_engine_versions_failover_does_not(
    aws: ClientFactory, fake: FakeClock
) -> None:
    rds = _build(aws, VERSION, "8.0.mysql_aurora.3.04.0")
    with pytest.raises(ClientError) as refused:
        rds.switchover_global_cluster(GlobalClusterIdentifier="g", TargetDbClusterIdentifier=AWAY)
    assert _code(refused) == "InvalidGlobalClusterStateFault"
    assert "3.04.0" in str(refused.value) and _view(rds)[:3] == ("available", None, HOME)
    rds.failover_global_cluster(
        GlobalClusterIdentifier="g", TargetDbClusterIdentifier=AWAY, AllowDataLoss=True
    )
    assert _view(rds)[0] == "failing-over"


def test_switchover_is_refused_while_the_writer_region_is_down_failover_is_not(
    rds: Any, fake: FakeClock
) -> None:
    outages.add("rds@us-east-1")  # the writer cannot be synchronized with: no switchover
    try:
        with pytest.raises(ClientError) as refused:
            rds.switchover_global_cluster(
                GlobalClusterIdentifier="g", TargetDbClusterIdentifier=AWAY
            )
        assert _code(refused) == "InvalidDBClusterStateFault"
        assert "does not answer" in str(refused.value)
        assert _view(rds)[:3] == ("available", None, HOME)  # nothing started
        rds.failover_global_cluster(  # the documented path in a Regional outage
            GlobalClusterIdentifier="g", TargetDbClusterIdentifier=AWAY, AllowDataLoss=True
        )
        fake.advance(ext.VERIFY_SECONDS + ext.FAILOVER_SECONDS)
        assert _view(rds)[:3] == ("available", None, AWAY)
    finally:
        outages.clear()


def test_failover_parameters_follow_the_api_reference(rds: Any) -> None:
    with pytest.raises(ClientError) as both:
        rds.failover_global_cluster(
            GlobalClusterIdentifier="g", TargetDbClusterIdentifier=AWAY,
            AllowDataLoss=True, Switchover=True,
        )  # fmt: skip
    assert _code(both) == "InvalidParameterCombination"
    # Neither flag: "Switching over - Specify the Switchover parameter or omit it".
    answer = rds.failover_global_cluster(
        GlobalClusterIdentifier="g", TargetDbClusterIdentifier=AWAY
    )
    assert answer["GlobalCluster"]["FailoverState"]["IsDataLossAllowed"] is False
    assert _view(rds)[0] == "switching-over"


def test_unknown_clusters_strangers_and_the_current_writer_are_refused(rds: Any) -> None:
    with pytest.raises(ClientError) as unknown:
        rds.switchover_global_cluster(
            GlobalClusterIdentifier="nope", TargetDbClusterIdentifier=AWAY
        )
    assert _code(unknown) == "GlobalClusterNotFoundFault"
    with pytest.raises(ClientError) as missing:
        rds.switchover_global_cluster(GlobalClusterIdentifier="g", TargetDbClusterIdentifier="nope")
    assert _code(missing) == "DBClusterNotFoundFault"
    with pytest.raises(ClientError) as stranger:
        rds.switchover_global_cluster(
            GlobalClusterIdentifier="g", TargetDbClusterIdentifier=AWAY.replace("g-away", "other")
        )
    assert _code(stranger) == "InvalidParameterValue"
    with pytest.raises(ClientError) as already:
        rds.switchover_global_cluster(GlobalClusterIdentifier="g", TargetDbClusterIdentifier=HOME)
    assert "already the primary" in str(already.value)
    assert _view(rds)[:3] == ("available", None, HOME)


def test_through_the_server_on_scaled_time(server: ClientFactory) -> None:
    """The server serves the same states; at 1 AWS minute = 0.1 s they pass in a second."""
    import time

    aws_time.set_scale(600.0)
    try:
        rds = _build(server, VERSION, VERSION)
        rds.switchover_global_cluster(GlobalClusterIdentifier="g", TargetDbClusterIdentifier=AWAY)
        seen = []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            status, moving, writer, _ = _view(rds)
            if not seen or seen[-1] != (status, moving):
                seen.append((status, moving))
            if status == "available":
                break
            time.sleep(0.02)
        assert seen == [
            ("switching-over", "pending"), ("switching-over", "switching-over"),
            ("available", None),
        ]  # fmt: skip
        assert writer == AWAY
    finally:
        aws_time.reset()
