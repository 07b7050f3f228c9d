"""`failover` drill: refused without --allow-disruptive (nothing moves)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3

from tests.conftest import DEMO_PLAN

DRILLS = """
drills:
  - name: full-failover
    type: failover
"""


def test_refused_without_allow_disruptive(built_now: Any, drctl: Any, tmp_path: Path) -> None:
    plan = tmp_path / "shop.yaml"
    plan.write_text(DEMO_PLAN.read_text() + DRILLS)
    result = drctl("-o", "json", "test", "--plan", str(plan))
    assert result.exit_code == 1
    [drill] = json.loads(result.stdout)["drills"]
    assert drill["status"] == "error" and "--allow-disruptive" in drill["detail"]
    inst = boto3.client("rds", region_name="us-west-2").describe_db_instances(
        DBInstanceIdentifier="shop-orders-dr"
    )["DBInstances"][0]
    assert inst.get("ReadReplicaSourceDBInstanceIdentifier")  # still a replica
