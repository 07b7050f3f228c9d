"""``drctl failback`` when both RDS instances take writes and nothing tells which holds the
data: it renames neither, exits 3 (waiting for a person) and says what to decide."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3

from drctl.kinds.rds_instance import moto_rename
from drctl.kinds.sandboxing import aws_time
from tests.conftest import DEMO_PLAN

PLAN = str(DEMO_PLAN)


def _names() -> list[str]:
    found = boto3.client("rds", region_name="us-east-1").describe_db_instances()["DBInstances"]
    return sorted(i["DBInstanceIdentifier"] for i in found)


def test_both_writable_and_home_newer_without_the_tag_exits_3(
    built_now: Any, drctl: Any, tmp_path: Path
) -> None:
    state = str(tmp_path / "state")
    over = drctl("--state-dir", state, "failover", "--plan", PLAN, "--only", "orders-db", "--yes")
    assert over.exit_code == 0, over.output
    rds = boto3.client("rds", region_name="us-east-1")
    rds.modify_db_instance(
        DBInstanceIdentifier="shop-orders", NewDBInstanceIdentifier="shop-orders-by-hand",
        ApplyImmediately=True,
    )  # fmt: skip
    aws_time.wait(moto_rename.RENAMING_SECONDS + moto_rename.REBOOTING_SECONDS)
    rds.create_db_instance(
        DBInstanceIdentifier="shop-orders", DBInstanceClass="db.t3.micro", Engine="mysql",
        MasterUsername="admin", MasterUserPassword="not-a-real-password", AllocatedStorage=20,
    )  # fmt: skip
    aws_time.wait(60)
    before = _names()
    back = drctl(
        "--state-dir", state, "failback", "--plan", PLAN, "--mode", "unplanned",
        "--only", "orders-db", "--yes",
    )  # fmt: skip
    assert back.exit_code == 3, back.output
    text = " ".join(back.output.split())
    assert "cannot tell which holds the application's data" in text
    assert "fence shop-orders-dr" in text
    assert _names() == before  # nothing renamed
