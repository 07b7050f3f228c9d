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
    assert result.exit_code == 3  # refused, like every other refusal
    [drill] = json.loads(result.stdout)["drills"]
    assert drill["status"] == "refused" and "--allow-disruptive" in drill["detail"]
    inst = boto3.client("rds", region_name="us-west-2").describe_db_instances(
        DBInstanceIdentifier="shop-orders-dr"
    )["DBInstances"][0]
    assert inst.get("ReadReplicaSourceDBInstanceIdentifier")  # still a replica


def test_allowed_it_fails_over_and_back_measuring_both(
    built_now: Any, drctl: Any, tmp_path: Path
) -> None:
    plan = tmp_path / "shop.yaml"
    plan.write_text(DEMO_PLAN.read_text() + DRILLS)
    result = drctl("-o", "json", "test", "--plan", str(plan), "--allow-disruptive")
    [drill] = json.loads(result.stdout)["drills"]
    cases = {c["name"]: c for c in drill["checks"]}
    assert cases["failover.rto"]["status"] == "pass"
    # Failback creates the home replica (minutes on AWS, as the sandbox models) before the
    # switch, while DR still serves: preparation, not in its RTO, which is within the 15m.
    assert cases["failback.rto"]["status"] == "pass"
    assert cases["failback.rto"]["observed"] <= cases["failback.rto"]["expected"]
    assert result.exit_code == (0 if drill["status"] == "pass" else 1), result.output
    assert cases["failover.rto"]["expected"] == 900
    assert drill["measured"]["rto_seconds"] == cases["failover.rto"]["observed"]
    # Home again and protected: the DR instance replicates from the primary once more.
    inst = boto3.client("rds", region_name="us-west-2").describe_db_instances(
        DBInstanceIdentifier="shop-orders-dr"
    )["DBInstances"][0]
    assert inst["ReadReplicaSourceDBInstanceIdentifier"].endswith(":db:shop-orders")
    runs = json.loads(drctl("-o", "json", "runs", "list", "--app", "shop").stdout)["runs"]
    assert {r["action"] for r in runs} == {"drill", "failover", "failback"}
