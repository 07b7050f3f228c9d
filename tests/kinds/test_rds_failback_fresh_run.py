"""rds-instance failback started afresh (not resumed) while both home and DR take writes: the
promoted home of an unplanned failback that died before re-protecting DR is kept (it may hold
writes made since traffic came home), a stale old primary is still renamed aside, in a first
and in a second failover/failback cycle, and anything else waits for a person."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from drctl.engine.runs import RunRecord
from drctl.kinds.rds_instance import api
from tests.support import run_action

HOME, DR = "us-east-1", "us-west-2"
PRIMARY, REPLICA = "shop-orders", "shop-orders-dr"
ONLY = ["orders-db"]


def _rds(region: str) -> Any:
    return boto3.client("rds", region_name=region)


def _describe(region: str, instance_id: str) -> dict[str, Any]:
    found = api.describe_instance(_rds(region), instance_id)
    assert found is not None, f"{instance_id} missing in {region}"
    return found


def _names(region: str) -> list[str]:
    return sorted(
        i["DBInstanceIdentifier"] for i in _rds(region).describe_db_instances()["DBInstances"]
    )


def _statuses(record: RunRecord) -> dict[str, str]:
    return {s.id: s.status for s in record.steps}


def _ok(record: RunRecord) -> RunRecord:
    assert record.status == "succeeded", [(s.id, s.status, s.detail) for s in record.steps]
    return record


def _both_writable(region: str, instance_id: str) -> None:
    inst = _describe(region, instance_id)
    assert "ReadReplicaSourceDBInstanceIdentifier" not in inst
    assert api.writable(_rds(region), inst)[0], inst["DBParameterGroups"]


def _unfence_home(settings: Any) -> None:
    """The old primary as an unplanned failover leaves it when it survived the outage: back on
    its own parameter group, writable (no fence ever reached it)."""
    _rds(HOME).modify_db_instance(
        DBInstanceIdentifier=PRIMARY,
        DBParameterGroupName="drctl-sandbox-mysql80",
        ApplyImmediately=True,
    )
    settings.clock.advance(300)
    _both_writable(HOME, PRIMARY)


def _protected_at_home(home_resource_id: str | None = None) -> None:
    home, dr = _describe(HOME, PRIMARY), _describe(DR, REPLICA)
    assert "ReadReplicaSourceDBInstanceIdentifier" not in home
    assert dr["ReadReplicaSourceDBInstanceIdentifier"] == home["DBInstanceArn"]
    assert dr["DBInstanceStatus"] == "available"
    if home_resource_id is not None:
        assert home["DbiResourceId"] == home_resource_id  # the same instance: not replaced


def test_a_fresh_run_after_an_unplanned_failback_died_past_promote_home_keeps_home(
    built_plan: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    over = _ok(run_action(built_plan, settings, "failover", only=ONLY))
    real = api.rename_instance

    def die_before_renaming_dr(rds: Any, instance_id: str, new_id: str) -> None:
        if instance_id == REPLICA:
            raise RuntimeError("drctl died here")
        real(rds, instance_id, new_id)

    with monkeypatch.context() as patched:
        patched.setattr(api, "rename_instance", die_before_renaming_dr)
        first = run_action(
            built_plan, settings, "failback", mode="unplanned", from_run=over.run_id, only=ONLY
        )
    assert first.status == "failed"
    assert _statuses(first)["orders-db.promote-home"] == "succeeded"
    assert _statuses(first)["orders-db.retire-dr"] == "failed"
    _both_writable(HOME, PRIMARY)  # traffic may be home already: writes land here
    _both_writable(DR, REPLICA)  # never fenced: an unplanned failback
    live = _describe(HOME, PRIMARY)["DbiResourceId"]
    before = _names(HOME)

    fresh = _ok(
        run_action(
            built_plan, settings, "failback", mode="unplanned", from_run=over.run_id, only=ONLY
        )
    )
    assert fresh.run_id != first.run_id
    statuses = _statuses(fresh)
    for done in ("retire-old-primary", "reprotect", "promote-home"):
        assert statuses[f"orders-db.{done}"] == "skipped", fresh.steps
    retire = next(s for s in fresh.steps if s.id == "orders-db.retire-old-primary")
    assert "promoted replica of shop-orders-dr" in retire.detail
    assert statuses["orders-db.retire-dr"] == statuses["orders-db.reprotect-dr"] == "succeeded"
    assert _names(HOME) == before  # nothing renamed at home
    _protected_at_home(live)


def test_a_first_failback_still_renames_an_old_primary_that_survived_unfenced(
    built_plan: Any, settings: Any
) -> None:
    over = _ok(run_action(built_plan, settings, "failover", only=ONLY))
    _unfence_home(settings)
    _both_writable(DR, REPLICA)
    stale = _describe(HOME, PRIMARY)["DbiResourceId"]
    back = _ok(
        run_action(
            built_plan, settings, "failback", mode="unplanned", from_run=over.run_id, only=ONLY
        )
    )
    assert _statuses(back)["orders-db.retire-old-primary"] == "succeeded"
    aside = f"{PRIMARY}-pre-failback-{back.run_id.rsplit('-', 1)[-1]}"
    assert _describe(HOME, aside)["DbiResourceId"] == stale  # kept aside, not deleted
    _protected_at_home()
    assert _describe(HOME, PRIMARY)["DbiResourceId"] != stale


def test_a_second_cycle_renames_the_stale_home_that_names_the_same_dr_arn(
    built_plan: Any, settings: Any
) -> None:
    """After one full cycle home carries ``drctl:reprotected-from`` naming DR's ARN (ARNs
    are by name); in the second failover DR is a newer instance of that name. The stale home,
    writable again, is older than it: renamed aside, not taken for the live primary."""
    over = _ok(run_action(built_plan, settings, "failover", only=ONLY))
    _ok(run_action(built_plan, settings, "failback", from_run=over.run_id, only=ONLY))
    again = _ok(run_action(built_plan, settings, "failover", only=ONLY))
    _unfence_home(settings)
    home, dr = _describe(HOME, PRIMARY), _describe(DR, REPLICA)
    tags = {t["Key"]: t["Value"] for t in home.get("TagList") or []}
    assert tags["drctl:reprotected-from"] == dr["DBInstanceArn"]  # the stale tag
    assert home["InstanceCreateTime"] < dr["InstanceCreateTime"]
    back = _ok(
        run_action(
            built_plan, settings, "failback", mode="unplanned", from_run=again.run_id, only=ONLY
        )
    )
    assert _statuses(back)["orders-db.retire-old-primary"] == "succeeded"
    aside = f"{PRIMARY}-pre-failback-{back.run_id.rsplit('-', 1)[-1]}"
    assert _describe(HOME, aside)["DbiResourceId"] == home["DbiResourceId"]
    _protected_at_home()


def test_both_writable_with_a_newer_untagged_home_waits_for_a_person(
    built_plan: Any, settings: Any
) -> None:
    """A home instance made by hand after the failover, writable, beside a writable DR:
    nothing tells which holds the data. The run waits (exit 3) and renames nothing."""
    over = _ok(run_action(built_plan, settings, "failover", only=ONLY))
    rds = _rds(HOME)
    rds.modify_db_instance(
        DBInstanceIdentifier=PRIMARY, NewDBInstanceIdentifier="shop-orders-old",
        ApplyImmediately=True,
    )  # fmt: skip
    settings.clock.advance(900)
    rds.create_db_instance(
        DBInstanceIdentifier=PRIMARY, DBInstanceClass="db.t3.micro", Engine="mysql",
        MasterUsername="admin", MasterUserPassword="not-a-real-password", AllocatedStorage=20,
    )  # fmt: skip
    settings.clock.advance(60)
    _both_writable(HOME, PRIMARY)
    by_hand = _describe(HOME, PRIMARY)["DbiResourceId"]
    before = _names(HOME)
    held = run_action(
        built_plan, settings, "failback", mode="unplanned", from_run=over.run_id, only=ONLY
    )
    assert held.status == "waiting", [(s.id, s.status, s.detail) for s in held.steps]
    retire = next(s for s in held.steps if s.id == "orders-db.retire-old-primary")
    assert retire.status == "waiting"
    assert "cannot tell which holds the application's data" in retire.detail
    assert "shop-orders-dr" in retire.detail and "fence shop-orders-dr" in retire.detail
    assert all(s.calls == [] for s in held.steps)
    assert _names(HOME) == before
    assert _describe(HOME, PRIMARY)["DbiResourceId"] == by_hand
