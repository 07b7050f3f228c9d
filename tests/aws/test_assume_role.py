"""`accounts:` in a plan: each side's clients come from sts:AssumeRole.

moto isolates accounts: resources created with credentials of account B are
invisible to account A. So a DR instance built through the DR role is found by
drctl's checks only if drctl really assumed that role.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from drctl.aws.session import role_session_name
from drctl.engine.settings import make_context
from drctl.plan.loader import load_plan_text
from tests.conftest import DEMO_PLAN
from tests.support import collect_checks

DR_ACCOUNT = "111122223333"  # AWS's documentation example account
ROLE = f"arn:aws:iam::{DR_ACCOUNT}:role/drctl-operator"


def plan_with_dr_role() -> Any:
    text = DEMO_PLAN.read_text().replace(
        "resources:",
        f"accounts:\n  dr:\n    role_arn: {ROLE}\n    external_id: dr-operations\n\nresources:",
        1,
    )
    return load_plan_text(text).plan


def test_dr_side_clients_assume_the_role_with_the_run_in_the_session_name(
    aws: None, settings: Any
) -> None:
    plan = plan_with_dr_role()
    ctx = make_context(plan, settings, run_id="20261124T120000Z-shop-failover-ab12")
    seen: list[dict[str, Any]] = []
    ctx.sessions._boto_session().events.register(
        "provide-client-params.sts.AssumeRole", lambda params, **_: seen.append(dict(params))
    )
    dr = ctx.client("sts", "dr").get_caller_identity()
    primary = ctx.client("sts", "primary").get_caller_identity()
    assert dr["Account"] == DR_ACCOUNT
    assert dr["Arn"].endswith(
        "assumed-role/drctl-operator/drctl-20261124T120000Z-shop-failover-ab12"
    )
    assert primary["Account"] != DR_ACCOUNT
    assert seen and seen[0]["ExternalId"] == "dr-operations"
    assert seen[0]["RoleArn"] == ROLE
    # One AssumeRole for many clients of that side.
    ctx.client("rds", "dr")
    ctx.client("s3", "dr")
    assert len(seen) == 1


def test_resources_in_the_dr_account_are_seen_only_through_the_role(
    aws: None, settings: Any
) -> None:
    plan = plan_with_dr_role()
    ctx = make_context(plan, settings, run_id="r1")
    ctx.client("rds", "dr").create_db_instance(
        DBInstanceIdentifier="shop-orders-dr",
        DBInstanceClass="db.t3.micro",
        Engine="mysql",
        MasterUsername="admin",
        MasterUserPassword="not-a-secret-1",
        AllocatedStorage=20,
    )
    # Not in the default account...
    default = boto3.client("rds", region_name="us-west-2")
    assert default.describe_db_instances()["DBInstances"] == []

    def replica_exists(context: Any) -> Any:
        check = next(
            c for c in collect_checks(plan, context, ["orders-db"]) if c.name == "replica-exists"
        )
        return check.run()

    # ...so drctl finds it through the role, and not without it.
    with_role = replica_exists(ctx)
    assert "not found" not in with_role.detail
    no_accounts = plan.model_copy(update={"accounts": None})
    without = replica_exists(make_context(no_accounts, settings))
    assert without.status.value == "fail" and "not found" in without.detail


@pytest.mark.parametrize(
    ("run_id", "expected"),
    [
        (None, "drctl"),
        ("20261124T120000Z-shop-failover-ab12", "drctl-20261124T120000Z-shop-failover-ab12"),
        ("a b/c", "drctl-a-b-c"),
        ("x" * 100, "drctl-" + "x" * 58),
    ],
)
def test_role_session_names_are_valid(run_id: str | None, expected: str) -> None:
    assert role_session_name(run_id) == expected
