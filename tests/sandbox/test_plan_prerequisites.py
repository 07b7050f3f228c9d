"""A sandbox built from a plan satisfies that plan: its drills pass, and ``drctl check`` says
so before they run.

For every example plan, on a fresh sandbox: ``drctl check`` is green and ``drctl test
--allow-disruptive`` passes every drill. Then one prerequisite is broken the way it breaks on
AWS (the stop-condition alarm deleted, backup replication stopped) and both ``check`` and the
drill fail, naming it. Runs as the CLI does in this process: on the sandbox's AWS clock.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from drctl.engine.settings import default_settings, make_context
from drctl.kinds.sandboxing import SANDBOX_ACCOUNT
from drctl.plan.loader import load_plan
from tests.conftest import EXAMPLES
from tests.support import build_sandbox, invoke

PLANS = sorted(EXAMPLES.glob("*.yaml"))
FULL = EXAMPLES / "full.yaml"
WORKLOAD_ACCOUNT = "210987654321"  # full.yaml's accounts:


def _built(path: Path) -> Any:
    loaded = load_plan(path)
    for inc in loaded.includes:  # a plan of plans: its included plans are built too
        build_sandbox(inc.loaded.plan, default_settings())
    build_sandbox(loaded.plan, default_settings())  # on the sandbox's AWS clock, as the CLI
    return loaded


def _check(path: Path) -> tuple[int, dict[tuple[str, str], dict[str, Any]]]:
    result = invoke("-o", "json", "check", "--plan", str(path))
    checks = json.loads(result.stdout)["checks"]
    return result.exit_code, {(c["resource"], c["check"]): c for c in checks}


def _test(path: Path, *drills: str) -> tuple[int, dict[str, dict[str, Any]]]:
    args = [arg for name in drills for arg in ("--drill", name)]
    result = invoke("-o", "json", "test", "--plan", str(path), "--allow-disruptive", *args)
    return result.exit_code, {d["name"]: d for d in json.loads(result.stdout)["drills"]}


def _ctx(loaded: Any) -> Any:
    """Clients as drctl makes them: through the plan's roles, in each side's account."""
    return make_context(loaded.plan, default_settings())


@pytest.mark.parametrize("path", PLANS, ids=lambda p: p.stem)
def test_a_fresh_sandbox_passes_checks_drills_failover_failback_and_checks_again(
    path: Path, aws: None
) -> None:
    loaded = _built(path)
    assert loaded.plan.drills, f"{path.name} has no drills to prove"
    code, checks = _check(path)
    failing = {k: c["detail"] for k, c in checks.items() if c["status"] in ("fail", "error")}
    assert code == 0 and not failing, failing
    code, drills = _test(path)
    assert code == 0, {n: (d["status"], d["detail"], d["checks"]) for n, d in drills.items()}
    assert [d.name for d in loaded.plan.drills] == list(drills)
    assert {d["status"] for d in drills.values()} == {"pass"}
    # What check covered for the drills is what the sandbox built, read back from AWS.
    ctx = _ctx(loaded)
    for drill in loaded.plan.drills:
        if drill.type.value != "restore":
            continue
        res = next(r for r in loaded.plan.resources if r.name == drill.resource)
        if res.kind == "backup-vault":
            assert checks[(res.name, "restore-source")]["status"] == "pass"
            points = ctx.client("backup", "dr").list_recovery_points_by_backup_vault(
                BackupVaultName=res.dr_vault, ByResourceArn=res.resources[0]
            )["RecoveryPoints"]
            assert "COMPLETED" in {p["Status"] for p in points}
            tables = ctx.client("dynamodb", "dr").list_tables()["TableNames"]
            assert not [t for t in tables if "-drill-" in t]  # the drill deleted its restore
        elif res.recovery == "replica":
            assert checks[(res.name, "backup-replication")]["status"] == "pass"
            backups = ctx.client("rds", "dr").describe_db_instance_automated_backups()
            replicated = backups["DBInstanceAutomatedBackups"]
            assert [(b["DBInstanceIdentifier"], b["Status"]) for b in replicated] == [
                (res.primary, "replicating")
            ]
        else:
            assert checks[(res.name, "restore-snapshot")]["status"] == "pass"
    for exp in loaded.plan.experiments:
        cloudwatch = ctx.client("cloudwatch", exp.region.value)
        for condition in exp.stop_conditions:
            [alarm] = cloudwatch.describe_alarms(AlarmNames=[condition.alarm])["MetricAlarms"]
            assert alarm["StateValue"] == "OK"
            assert checks[(exp.name, f"stop-condition-{condition.alarm}")]["status"] == "pass"
        role = ctx.client("iam", exp.region.value).get_role(RoleName="shop-fis")["Role"]
        assert role["Arn"] == exp.role_arn
        assert checks[(exp.name, "fis-role")]["status"] == "pass"
    # Then the story goes on, from the command line as an operator runs it: failover,
    # failback, and the checks green again once home (tests/test_examples.py reads each
    # state back resource by resource).
    approve = [
        a for r in loaded.plan.resources if r.kind == "manual" for a in ("--approve", r.name)
    ]
    for action in ("failover", "failback"):
        ran = invoke("-o", "json", action, "--plan", str(path), "--yes", *approve)
        assert ran.exit_code == 0, ran.output
        assert json.loads(ran.stdout)["status"] == "succeeded"
    code, checks = _check(path)
    failing = {k: c["detail"] for k, c in checks.items() if c["status"] in ("fail", "error")}
    assert code == 0 and not failing, failing


def test_a_deleted_stop_condition_alarm_fails_check_and_the_experiment_drill(
    aws: None,
) -> None:
    loaded = _built(FULL)
    _ctx(loaded).client("cloudwatch", "primary").delete_alarms(AlarmNames=["shop-high-error-rate"])
    code, checks = _check(FULL)
    assert code == 1
    broken = checks[("stop-half-web", "stop-condition-shop-high-error-rate")]
    assert broken["status"] == "fail"
    assert (
        "alarm shop-high-error-rate of experiment stop-half-web does not exist in us-east-1"
        in (broken["detail"])
    )
    assert [k for k, c in checks.items() if c["status"] == "fail"] == [
        ("stop-half-web", "stop-condition-shop-high-error-rate")
    ]
    code, drills = _test(FULL, "web-chaos")
    assert code == 1
    assert drills["web-chaos"]["status"] == "error"
    assert "shop-high-error-rate does not exist in us-east-1" in drills["web-chaos"]["detail"]


def test_stopped_backup_replication_fails_check_and_the_restore_drill(aws: None) -> None:
    loaded = _built(FULL)
    ctx = _ctx(loaded)
    arn = ctx.client("rds", "primary").describe_db_instances(DBInstanceIdentifier="shop-orders")[
        "DBInstances"
    ][0]["DBInstanceArn"]
    ctx.client("rds", "dr").stop_db_instance_automated_backups_replication(SourceDBInstanceArn=arn)
    code, checks = _check(FULL)
    assert code == 1
    broken = checks[("orders-db", "backup-replication")]
    assert broken["status"] == "fail"
    assert "automated backups of shop-orders are not replicated to us-west-2" in broken["detail"]
    assert "start-db-instance-automated-backups-replication" in broken["detail"]
    code, drills = _test(FULL, "orders-restore")
    assert code == 1
    cases = {c["name"]: c for c in drills["orders-restore"]["checks"]}
    assert (
        "automated backups of shop-orders are not replicated to us-west-2"
        in (cases["orders-db.restore"]["detail"])
    )


def _assert_full_plan_resources_land_in_the_accounts_of_its_roles(ctx: Any) -> None:
    """Read-only, on a fresh build of full.yaml (asserted before a test breaks something)."""
    import boto3

    for side in ("primary", "dr"):
        identity = ctx.client("sts", side).get_caller_identity()
        assert identity["Account"] == WORKLOAD_ACCOUNT
        assert ":assumed-role/drctl-operator/" in identity["Arn"]
    # The role exists in its account, trusting the operator's account with the external id.
    role = ctx.client("iam", "dr").get_role(RoleName="drctl-operator")["Role"]
    [statement] = role["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"AWS": f"arn:aws:iam::{SANDBOX_ACCOUNT}:root"}
    assert statement["Condition"] == {"StringEquals": {"sts:ExternalId": "dr-operations"}}
    policy = ctx.client("iam", "dr").get_role_policy(
        RoleName="drctl-operator", PolicyName="drctl-operator"
    )["PolicyDocument"]
    assert "rds:PromoteReadReplica" in policy["Statement"][0]["Action"]
    # Each side's resources are in that account, none in the operator's own.
    dr_ids = [
        i["DBInstanceIdentifier"]
        for i in ctx.client("rds", "dr").describe_db_instances()["DBInstances"]
    ]
    assert "shop-orders-dr" in dr_ids
    own = boto3.client("rds", region_name="us-west-2")
    assert own.describe_db_instances()["DBInstances"] == []
    own_primary = boto3.client("rds", region_name="us-east-1")
    assert own_primary.describe_db_instances()["DBInstances"] == []
    topics = ctx.client("sns", "dr").list_topics()["Topics"]
    assert {"TopicArn": "arn:aws:sns:us-west-2:210987654321:shop-dr"} in topics


def _assert_check_only_a_resource_leaves_out_the_experiments() -> None:
    """Read-only (``check`` without ``--publish``), on a fresh build of full.yaml."""
    result = invoke("-o", "json", "check", "--plan", str(FULL), "--only", "orders-db")
    assert result.exit_code == 0, result.output
    names = {(c["resource"], c["check"]) for c in json.loads(result.stdout)["checks"]}
    assert ("orders-db", "backup-replication") in names
    assert not any(resource == "stop-half-web" for resource, _ in names)


def test_full_plan_in_the_accounts_of_its_roles_check_only_and_a_missing_fis_role(
    aws: None,
) -> None:
    """Three stories on one build of full.yaml: its resources land in the accounts of its
    roles, ``check --only`` a resource leaves out the experiments (both read-only, asserted
    first), then a deleted FIS role fails check."""
    loaded = _built(FULL)
    ctx = _ctx(loaded)
    _assert_full_plan_resources_land_in_the_accounts_of_its_roles(ctx)
    _assert_check_only_a_resource_leaves_out_the_experiments()
    iam = ctx.client("iam", "primary")
    iam.delete_role_policy(RoleName="shop-fis", PolicyName="fis-actions")
    iam.delete_role(RoleName="shop-fis")
    code, checks = _check(FULL)
    assert code == 1
    assert checks[("stop-half-web", "fis-role")]["detail"] == (
        "FIS role arn:aws:iam::210987654321:role/shop-fis of experiment stop-half-web does not "
        "exist in the account of regions.primary"
    )
