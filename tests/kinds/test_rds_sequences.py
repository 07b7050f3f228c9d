"""Sequences of failovers and failbacks of the demo plan, read back with describe calls after
every action: whatever the history, exactly one DB instance takes writes, the replica
replicates from it once the plan is protected again, and nothing that should take writes is
fenced. (A drill's tag once made a fenced home look like the primary: failback reported
success with the home instance read-only and DR rebuilt as its replica.)"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from drctl.engine.runs import RunRecord
from drctl.sandbox.outages import outages
from tests.support import run_action

HOME, AWAY = ("us-east-1", "shop-orders"), ("us-west-2", "shop-orders-dr")
READ_ONLY = {("read_only", "1"), ("default_transaction_read_only", "on")}


@pytest.fixture(autouse=True)
def no_outage_left() -> Iterator[None]:
    yield
    outages.clear()


def _instances() -> list[tuple[str, dict[str, Any]]]:
    """Every DB instance of the deployment in both regions (renamed-aside ones included)."""
    found = []
    for region in (HOME[0], AWAY[0]):
        rds = boto3.client("rds", region_name=region)
        for inst in rds.describe_db_instances()["DBInstances"]:
            if inst["DBInstanceIdentifier"].startswith("shop-orders"):
                found.append((region, inst))
    return found


def _read_only(region: str, inst: dict[str, Any]) -> bool:
    """Whether its parameter group, as applied, stops writes (read back, parameter by
    parameter; a drctl fencing group is read like any other)."""
    group = inst["DBParameterGroups"][0]
    if group["ParameterApplyStatus"] != "in-sync":
        return False  # not in effect yet
    params = boto3.client("rds", region_name=region).describe_db_parameters(
        DBParameterGroupName=group["DBParameterGroupName"], Source="user"
    )["Parameters"]
    return bool({(p["ParameterName"], p.get("ParameterValue")) for p in params} & READ_ONLY)


def _writable() -> list[str]:
    return [
        inst["DBInstanceIdentifier"]
        for region, inst in _instances()
        if not inst.get("ReadReplicaSourceDBInstanceIdentifier")
        and inst["DBInstanceStatus"] == "available"
        and not _read_only(region, inst)
    ]


def _describe(where: tuple[str, str]) -> dict[str, Any]:
    region, name = where
    rds = boto3.client("rds", region_name=region)
    return dict(rds.describe_db_instances(DBInstanceIdentifier=name)["DBInstances"][0])


def _assert_failed_over() -> None:
    """DR takes the writes; the old primary takes none (fenced, read back)."""
    assert _writable() == [AWAY[1]]
    assert _read_only(HOME[0], _describe(HOME))


def _assert_protected_at_home() -> None:
    """Home takes the writes, on a group that lets it; DR replicates from it."""
    assert _writable() == [HOME[1]]
    home = _describe(HOME)
    assert not _read_only(HOME[0], home)
    assert not home["DBParameterGroups"][0]["DBParameterGroupName"].startswith("drctl-fenced-")
    dr = _describe(AWAY)
    assert dr["ReadReplicaSourceDBInstanceIdentifier"] == home["DBInstanceArn"]
    assert dr["DBInstanceStatus"] == "available"


def _ok(record: RunRecord) -> RunRecord:
    assert record.status == "succeeded", [(s.id, s.status, s.detail) for s in record.steps]
    return record


def test_a_drill_failover_then_failback(built_plan: Any, settings: Any) -> None:
    _assert_protected_at_home()
    over = _ok(run_action(built_plan, settings, "failover"))
    _assert_failed_over()
    _ok(run_action(built_plan, settings, "failback", from_run=over.run_id))
    _assert_protected_at_home()


def test_failover_failback_failover_failback(built_plan: Any, settings: Any) -> None:
    for _ in range(2):
        over = _ok(run_action(built_plan, settings, "failover"))
        _assert_failed_over()
        _ok(run_action(built_plan, settings, "failback", from_run=over.run_id))
        _assert_protected_at_home()
    # Each failback kept what it replaced, renamed aside and read-only: still one writer.
    asides = [i["DBInstanceIdentifier"] for _, i in _instances() if "-pre-failback-" in
              i["DBInstanceIdentifier"]]  # fmt: skip
    assert len(asides) == 4


def test_unplanned_failover_with_the_primary_region_out_then_failback(
    built_plan: Any, settings: Any
) -> None:
    outages.add(HOME[0])
    over = run_action(built_plan, settings, "failover", mode="unplanned")
    # Recovered in DR; fencing the old primary waits for its region.
    assert over.status == "waiting", [(s.id, s.status, s.detail) for s in over.steps]
    fence = next(s for s in over.steps if s.id == "orders-db.fence-old-primary")
    assert fence.status == "waiting"
    outages.clear()
    # The region is back: the old primary still takes writes until the run is resumed.
    assert sorted(_writable()) == sorted([HOME[1], AWAY[1]])
    _ok(run_action(built_plan, settings, "failover", mode="unplanned", resume=over.run_id))
    _assert_failed_over()
    _ok(run_action(built_plan, settings, "failback", from_run=over.run_id))
    _assert_protected_at_home()
