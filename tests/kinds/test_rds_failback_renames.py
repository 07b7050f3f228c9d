"""rds-instance failback's renames on an AWS that takes minutes over them (``moto_rename``):
nothing is created under a name until its rename is through, and a run resumed after a crash
right after a rename neither renames twice nor creates too early."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from drctl.engine.runs import RunRecord
from drctl.kinds.rds_instance import api
from drctl.kinds.rds_instance import moto_rename as rename
from tests.support import run_action

HOME, DR = "us-east-1", "us-west-2"
PRIMARY, REPLICA = "shop-orders", "shop-orders-dr"


def _rds(region: str) -> Any:
    return boto3.client("rds", region_name=region)


def _describe(region: str, instance_id: str) -> dict[str, Any] | None:
    return api.describe_instance(_rds(region), instance_id)


def _names(region: str) -> list[str]:
    return sorted(
        i["DBInstanceIdentifier"] for i in _rds(region).describe_db_instances()["DBInstances"]
    )


def _ok(record: RunRecord) -> RunRecord:
    assert record.status == "succeeded", [(s.id, s.status, s.detail) for s in record.steps]
    return record


def _at(stamp: str | None) -> datetime:
    assert stamp is not None
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def test_creating_under_the_old_name_right_after_the_rename_is_what_aws_refuses(
    built_plan: Any, settings: Any
) -> None:
    """What the CLI's ``reprotect-dr`` used to do: rename the DR instance aside and create the
    replica of home under its name at once. AWS still holds the name (``renaming``)."""
    _ok(run_action(built_plan, settings, "failover"))
    home = _describe(HOME, PRIMARY)
    assert home is not None
    api.rename_instance(_rds(DR), REPLICA, f"{REPLICA}-aside")
    with pytest.raises(ClientError) as caught:
        _rds(DR).create_db_instance_read_replica(
            DBInstanceIdentifier=REPLICA, SourceDBInstanceIdentifier=home["DBInstanceArn"]
        )
    assert caught.value.response["Error"]["Code"] == "DBInstanceAlreadyExists"
    assert (_describe(DR, REPLICA) or {})["DBInstanceStatus"] == "renaming"


def test_failback_creates_under_each_name_only_once_its_rename_is_through(
    built_plan: Any, settings: Any
) -> None:
    over = _ok(run_action(built_plan, settings, "failover"))
    back = _ok(run_action(built_plan, settings, "failback", from_run=over.run_id))
    steps = {s.id: s for s in back.steps}
    for renamed, creating in (
        ("orders-db.retire-old-primary", "orders-db.reprotect"),
        ("orders-db.retire-dr", "orders-db.reprotect-dr"),
    ):
        step = steps[renamed]
        assert step.status == "succeeded"
        assert (_at(step.finished_at) - _at(step.started_at)).total_seconds() >= (
            rename.RENAMING_SECONDS
        )
        assert _at(steps[creating].started_at) >= _at(step.finished_at)
    suffix = back.run_id.rsplit("-", 1)[-1]
    assert f"{PRIMARY}-pre-failback-{suffix}" in _names(HOME)
    assert f"{REPLICA}-pre-failback-{suffix}" in _names(DR)
    dr = _describe(DR, REPLICA)
    assert dr is not None and dr["DBInstanceStatus"] == "available"
    assert dr["ReadReplicaSourceDBInstanceIdentifier"].endswith(f":db:{PRIMARY}")


@pytest.mark.parametrize(
    ("crashing", "step_id", "region"),
    [
        (PRIMARY, "orders-db.retire-old-primary", HOME),
        (REPLICA, "orders-db.retire-dr", DR),
    ],
)
def test_a_crash_right_after_a_rename_then_resume_renames_once_and_waits(
    built_plan: Any,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    crashing: str,
    step_id: str,
    region: str,
) -> None:
    """The rename call went out, then drctl died before journaling the step: the resumed run
    finds the instance ``renaming``, does not ask again (AWS would refuse it), waits for the
    rename to be through, and only then creates under the old name."""
    over = _ok(run_action(built_plan, settings, "failover"))
    real = api.rename_instance

    def rename_then_die(rds: Any, instance_id: str, new_id: str) -> None:
        real(rds, instance_id, new_id)
        if instance_id == crashing:
            raise RuntimeError("drctl died here")

    with monkeypatch.context() as patched:
        patched.setattr(api, "rename_instance", rename_then_die)
        first = run_action(built_plan, settings, "failback", from_run=over.run_id)
    assert first.status == "failed"
    assert {s.id: s.status for s in first.steps}[step_id] == "failed"
    assert (_describe(region, crashing) or {})["DBInstanceStatus"] == "renaming"

    resumed = _ok(
        run_action(built_plan, settings, "failback", from_run=over.run_id, resume=first.run_id)
    )
    step = next(s for s in resumed.steps if s.id == step_id)
    assert step.status == "succeeded"
    assert step.calls == [], step.calls  # no second rename
    assert "renaming already" in step.detail
    aside = f"{crashing}-pre-failback-{first.run_id.rsplit('-', 1)[-1]}"
    assert [n for n in _names(region) if n.startswith(f"{crashing}-pre-failback-")] == [aside]
    home = _describe(HOME, PRIMARY)
    dr = _describe(DR, REPLICA)
    assert home is not None and "ReadReplicaSourceDBInstanceIdentifier" not in home
    assert dr is not None and dr["ReadReplicaSourceDBInstanceIdentifier"] == home["DBInstanceArn"]
