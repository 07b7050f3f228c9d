"""Every plan in examples/ validates, builds in the sandbox, passes its checks, fails over
and fails back -- the AWS state after each described back per resource kind, and the checks
green again once home."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from drctl.engine.checks import run_checks, summarize
from drctl.engine.clock import FakeClock
from drctl.engine.settings import default_settings, make_context
from drctl.kinds.sandboxing import aws_time
from drctl.plan.loader import load_plan
from drctl.plan.schema import plan_json_schema
from tests.conftest import EXAMPLES, REPO
from tests.support import build_sandbox, collect_checks, run_action

SCENARIOS = sorted(p for p in EXAMPLES.glob("*.yaml") if p.name != "full.yaml")


def test_the_four_scenarios_of_the_guide_are_there() -> None:
    assert {p.stem for p in SCENARIOS} == {
        "ecommerce-warm-standby",
        "ecommerce-warm-standby-arc",  # the same scenario, traffic on ARC routing controls
        "hipaa-healthcare",
        "global-active-active",
        "serverless-warm-standby",  # secret, Lambda triggers, EventBridge jobs
        "startup-backup-restore",
        "payments-custom-steps",  # custom steps: a Lambda function, a runbook, a command
        "organisation",  # plans of plans: organisation/platform.yaml, then storefront.yaml
    }


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_example_validates_without_warnings(path: Path) -> None:
    loaded = load_plan(path)
    assert loaded.warnings == []


def test_committed_schema_is_current() -> None:
    committed = json.loads((REPO / "docs" / "plan.schema.json").read_text())
    assert committed == plan_json_schema(), "run: drctl plan schema -o docs/plan.schema.json"


def _promoted_or_restored(plan: Any) -> None:
    """Describe the DR side back after failover, per kind."""
    dr = plan.regions.dr
    for res in plan.resources:
        if res.kind == "rds-instance":
            inst = boto3.client("rds", region_name=dr).describe_db_instances(
                DBInstanceIdentifier=res.dr
            )["DBInstances"][0]
            assert inst["DBInstanceStatus"] == "available"
            assert "ReadReplicaSourceDBInstanceIdentifier" not in inst
        elif res.kind == "aurora-global":
            glob = boto3.client("rds", region_name=dr).describe_global_clusters(
                GlobalClusterIdentifier=res.global_cluster
            )["GlobalClusters"][0]
            writer = next(m for m in glob["GlobalClusterMembers"] if m["IsWriter"])
            assert f":{dr}:" in writer["DBClusterArn"]
        elif res.kind == "elasticache-global":
            # Planned: the DR group leads the datastore, home follows it.
            group = boto3.client("elasticache", region_name=dr).describe_replication_groups(
                ReplicationGroupId=res.dr
            )["ReplicationGroups"][0]
            assert group["GlobalReplicationGroupInfo"]["GlobalReplicationGroupMemberRole"] == (
                "PRIMARY"
            )
        elif res.kind == "autoscaling-group":
            group = boto3.client("autoscaling", region_name=dr).describe_auto_scaling_groups(
                AutoScalingGroupNames=[res.dr]
            )["AutoScalingGroups"][0]
            assert group["DesiredCapacity"] == res.desired
            in_service = [i for i in group["Instances"] if i["LifecycleState"] == "InService"]
            assert len(in_service) >= res.desired
        elif res.kind == "ecs-service":
            svc = boto3.client("ecs", region_name=dr).describe_services(
                cluster=res.cluster, services=[res.service]
            )["services"][0]
            assert svc["desiredCount"] == res.desired
        elif res.kind == "global-accelerator":
            ga = boto3.client("globalaccelerator", region_name="us-west-2")
            groups = ga.list_endpoint_groups(ListenerArn=res.listener)["EndpointGroups"]
            dials = {g["EndpointGroupRegion"]: g["TrafficDialPercentage"] for g in groups}
            assert dials == {plan.regions.primary: 0.0, dr: 100.0}, dials
            status = ga.describe_accelerator(AcceleratorArn=res.accelerator)["Accelerator"]
            assert status["Status"] == "DEPLOYED"
        elif res.kind == "dynamodb-table":
            table = boto3.client("dynamodb", region_name=dr).describe_table(TableName=res.table)
            assert table["Table"]["TableStatus"] == "ACTIVE"
        elif res.kind == "secret":
            # Planned: replication stays; the DR replica follows the primary, InSync.
            home = boto3.client("secretsmanager", region_name=plan.regions.primary)
            status = home.describe_secret(SecretId=res.secret)["ReplicationStatus"]
            assert [(s["Region"], s["Status"]) for s in status] == [(dr, "InSync")]
        elif res.kind == "eventbridge-rules":
            for region, names, state in (
                (dr, res.dr, "ENABLED"),
                (plan.regions.primary, res.primary, "DISABLED"),
            ):
                events = boto3.client("events", region_name=region)
                states = {
                    events.describe_rule(Name=n, EventBusName=res.event_bus)["State"] for n in names
                }
                assert states == {state}, (region, states)
        elif res.kind == "lambda-function":
            lam = boto3.client("lambda", region_name=dr)
            mappings = lam.list_event_source_mappings()["EventSourceMappings"]
            assert {m["State"] for m in mappings} == {"Enabled"}
            concurrency = lam.get_function_concurrency(FunctionName=res.function)
            assert concurrency.get("ReservedConcurrentExecutions") == res.reserved_concurrency
        elif res.kind == "custom" and res.failover.run.command is None:
            assert _custom_flag(plan, res) == "dr"  # what the sandbox's function/runbook set
        elif res.kind == "backup-vault":
            # DR backs up what runs there and copies it to the primary vault.
            assert _copy_home_targets(plan, res) == [
                f"arn:aws:backup:{plan.regions.primary}:123456789012:backup-vault:{res.vault}"
            ]


def _copy_home_targets(plan: Any, res: Any) -> list[str]:
    """Where the backup plan failover creates in DR copies to ([]: no such plan)."""
    backup = boto3.client("backup", region_name=plan.regions.dr)
    name = f"drctl-{res.name}-copy-home"
    found = [
        p for p in backup.list_backup_plans()["BackupPlansList"] if p["BackupPlanName"] == name
    ]
    return [
        action["DestinationBackupVaultArn"]
        for p in found
        for rule in backup.get_backup_plan(BackupPlanId=p["BackupPlanId"])["BackupPlan"]["Rules"]
        for action in rule.get("CopyActions", [])
    ]


def _custom_flag(plan: Any, res: Any) -> str | None:
    """The flag the sandbox's stand-in for a custom resource's function or runbook flips."""
    action = res.failover.run.invoke or res.failover.run.automation
    region = plan.regions.dr if action.side.value == "dr" else plan.regions.primary
    ssm = boto3.client("ssm", region_name=region)
    try:
        return str(ssm.get_parameter(Name=f"/drctl-sandbox/{res.name}")["Parameter"]["Value"])
    except ssm.exceptions.ParameterNotFound:
        return None


def _dials(plan: Any) -> dict[str, dict[str, float]]:
    """Global Accelerator traffic dials per listener, by endpoint group Region."""
    ga = boto3.client("globalaccelerator", region_name="us-west-2")
    return {
        res.listener: {
            g["EndpointGroupRegion"]: g["TrafficDialPercentage"]
            for g in ga.list_endpoint_groups(ListenerArn=res.listener)["EndpointGroups"]
        }
        for res in plan.resources
        if res.kind == "global-accelerator"
    }


def _home_again(plan: Any, dials_before: dict[str, dict[str, float]]) -> None:
    """Describe both sides back after failback: the primary region serves, DR protects it,
    traffic is dialled as it was before the failover (active-active: both at 100)."""
    primary, dr = plan.regions.primary, plan.regions.dr
    for res in plan.resources:
        if res.kind == "rds-instance" and res.recovery == "replica":
            home = boto3.client("rds", region_name=primary).describe_db_instances(
                DBInstanceIdentifier=res.primary
            )["DBInstances"][0]
            assert home["DBInstanceStatus"] == "available"
            assert "ReadReplicaSourceDBInstanceIdentifier" not in home
            replica = boto3.client("rds", region_name=dr).describe_db_instances(
                DBInstanceIdentifier=res.dr
            )["DBInstances"][0]
            assert replica["ReadReplicaSourceDBInstanceIdentifier"] == home["DBInstanceArn"]
        elif res.kind == "aurora-global":
            glob = boto3.client("rds", region_name=primary).describe_global_clusters(
                GlobalClusterIdentifier=res.global_cluster
            )["GlobalClusters"][0]
            writer = next(m for m in glob["GlobalClusterMembers"] if m["IsWriter"])
            assert f":{primary}:" in writer["DBClusterArn"]
        elif res.kind == "elasticache-global":
            glob = boto3.client("elasticache", region_name=primary)
            [store] = glob.describe_global_replication_groups(ShowMemberInfo=True)[
                "GlobalReplicationGroups"
            ]
            roles = {(m["ReplicationGroupRegion"], m["Role"]) for m in store["Members"]}
            assert roles == {(primary, "PRIMARY"), (dr, "SECONDARY")}
        elif res.kind == "custom" and res.failback and res.failback.run.command is None:
            assert _custom_flag(plan, res) == "primary"
        elif res.kind == "backup-vault":
            assert _copy_home_targets(plan, res) == []  # the original direction only
    assert _dials(plan) == dials_before


def _not_passing(plan: Any, settings: Any) -> list[tuple[str, str, str, str]]:
    results = run_checks(collect_checks(plan, make_context(plan, settings)))
    return [
        (c.resource, c.name, r.status.value, r.detail)
        for c, r in results
        if r.status.value in ("fail", "error")
    ]


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_scenario_builds_checks_fails_over_and_back_in_the_sandbox(
    path: Path, aws: None, tmp_path: Path
) -> None:
    loaded = load_plan(path)
    # A plan of plans runs its included plans too (each built, checked, read back).
    plans = [(inc.prefix, inc.loaded.plan) for inc in loaded.includes] + [("", loaded.plan)]
    settings = default_settings(state_dir=tmp_path / "state", clock=FakeClock())
    aws_time.follow(settings.clock.now)  # AWS moves through its states as the run waits
    for _, plan in plans:
        build_sandbox(plan, settings)

    results = run_checks(
        [c for _, plan in plans for c in collect_checks(plan, make_context(plan, settings))]
    )
    summary = summarize(results)
    failing = [(c.resource, c.name, r.detail) for c, r in results if r.status.value != "pass"]
    assert summary["fail"] == 0 and summary["error"] == 0, failing

    manual = [p + r.name for p, plan in plans for r in plan.resources if r.kind == "manual"]
    dials_before = [_dials(plan) for _, plan in plans]
    record = run_action(loaded, settings, "failover", approve=manual, accept_data_loss=False)
    assert record.status == "succeeded", [(s.id, s.status, s.detail) for s in record.steps]
    assert record.rto_seconds is not None
    for _, plan in plans:
        _promoted_or_restored(plan)

    back = run_action(loaded, settings, "failback", approve=manual, accept_data_loss=False)
    assert back.status == "succeeded", [(s.id, s.status, s.detail) for s in back.steps]
    for (_, plan), dials in zip(plans, dials_before, strict=True):
        _home_again(plan, dials)
    settings.clock.sleep(600)  # fresh metrics for the checks (a replica publishes per minute)
    for _, plan in plans:
        assert _not_passing(plan, settings) == []
