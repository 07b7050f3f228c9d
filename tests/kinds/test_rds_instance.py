"""rds-instance: readiness failing on broken state, fencing before promotion, the RPO gate,
failback with re-protect, and ``recovery: snapshot`` (drctl backup, the DR copy against the RPO,
restore on failover) -- each with the AWS state described back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from drctl.aws import cloudwatch
from drctl.engine.clock import FakeClock
from drctl.engine.gate import enforce
from drctl.engine.settings import default_settings, make_context
from drctl.errors import GateRefused
from drctl.kinds.sandboxing import aws_time
from drctl.plan.loader import load_plan
from drctl.sandbox.builders import SandboxBuilder
from tests.conftest import EXAMPLES
from tests.support import collect_checks, invoke, rpo_gate, run_action

SNAPSHOT_PLAN = EXAMPLES / "startup-backup-restore.yaml"


@pytest.fixture(autouse=True)
def aws_follows_the_clock(clock: FakeClock, request: pytest.FixtureRequest) -> Iterator[None]:
    """The sandbox's AWS time is the engine's fake clock: a poll's sleep moves AWS on.
    (Tests on the system clock -- the CLI's -- keep AWS on wall time.)"""
    if not {"built_now", "built"} & set(request.fixturenames):
        aws_time.follow(clock.now)
    yield
    aws_time.reset()


def _results(loaded: Any, settings: Any, resource: str) -> dict[str, Any]:
    ctx = make_context(loaded.plan, settings)
    return {c.name: c.run() for c in collect_checks(loaded.plan, ctx, [resource])}


def _rds(region: str) -> Any:
    return boto3.client("rds", region_name=region)


def _instance(region: str, instance_id: str) -> dict[str, Any]:
    return dict(
        _rds(region).describe_db_instances(DBInstanceIdentifier=instance_id)["DBInstances"][0]
    )


def _group(inst: dict[str, Any]) -> str:
    return str(inst["DBParameterGroups"][0]["DBParameterGroupName"])


def _run(
    loaded: Any,
    settings: Any,
    action: str,
    mode: str = "planned",
    from_run: str | None = None,
) -> Any:
    return run_action(loaded, settings, action, mode=mode, from_run=from_run)


def _lag(settings: Any, seconds: float) -> None:
    cloudwatch.put_metric(
        boto3.client("cloudwatch", region_name="us-west-2"),
        namespace="AWS/RDS",
        metric="ReplicaLag",
        dimensions={"DBInstanceIdentifier": "shop-orders-dr"},
        value=seconds,
        unit="Seconds",
        at=settings.clock.now() + timedelta(seconds=1),
    )


def test_rds_backups_off_and_lag_above_the_rpo_fail(built_plan: Any, settings: Any) -> None:
    boto3.client("rds", region_name="us-east-1").modify_db_instance(
        DBInstanceIdentifier="shop-orders", BackupRetentionPeriod=0, ApplyImmediately=True
    )
    cloudwatch.put_metric(
        boto3.client("cloudwatch", region_name="us-west-2"),
        namespace="AWS/RDS",
        metric="ReplicaLag",
        dimensions={"DBInstanceIdentifier": "shop-orders-dr"},
        value=600.0,
        unit="Seconds",
        at=settings.clock.now() + timedelta(seconds=1),
    )
    results = _results(built_plan, settings, "orders-db")
    assert results["backups"].status.value == "fail"
    lag = results["replica-lag"]
    assert lag.status.value == "fail" and lag.observed == 600.0 and lag.threshold == 300


def test_rds_replica_of_another_primary_fails(
    built_plan: Any, settings: Any, clock: FakeClock
) -> None:
    rds = boto3.client("rds", region_name="us-west-2")
    rds.promote_read_replica(DBInstanceIdentifier="shop-orders-dr")
    clock.advance(600)
    results = _results(built_plan, settings, "orders-db")
    failing = {n for n, r in results.items() if r.status.value == "fail"}
    assert "replica-source" in failing


def test_planned_failover_fences_the_primary_before_promoting(
    built_plan: Any, settings: Any
) -> None:
    record = _run(built_plan, settings, "failover")
    assert record.status == "succeeded"
    steps = {s.id: s for s in record.steps}
    assert steps["orders-db.fence"].finished_at <= steps["orders-db.promote"].started_at
    primary = _instance("us-east-1", "shop-orders")
    assert _group(primary) == "drctl-fenced-shop-orders"
    assert primary["DBParameterGroups"][0]["ParameterApplyStatus"] == "in-sync"
    params = _rds("us-east-1").describe_db_parameters(
        DBParameterGroupName="drctl-fenced-shop-orders", Source="user"
    )["Parameters"]
    # A copy of the sandbox's own group: its custom parameter kept, read_only added.
    assert {(p["ParameterName"], p["ParameterValue"]) for p in params} == {
        ("read_only", "1"),
        ("max_connections", "500"),
    }
    assert steps["orders-db.fence"].data["original_parameter_group"] == "drctl-sandbox-mysql80"
    assert "ReadReplicaSourceDBInstanceIdentifier" not in _instance("us-west-2", "shop-orders-dr")


def test_a_primary_on_a_default_parameter_group_is_fenced_with_a_new_group_of_its_family(
    built_plan: Any, settings: Any, clock: FakeClock
) -> None:
    """AWS refuses to copy a default group: the fence is a new group of the same family with
    read_only set, tagged with the default group it replaced, and the failback puts the
    default group back."""
    rds = _rds("us-east-1")
    # moto knows a default group once an instance on it is described (AWS has them all).
    rds.create_db_instance(
        DBInstanceIdentifier="other", DBInstanceClass="db.t3.micro", Engine="mysql",
        EngineVersion="8.0.35", MasterUsername="admin", MasterUserPassword="not-a-secret-1",
        AllocatedStorage=20,
    )  # fmt: skip
    rds.describe_db_instances(DBInstanceIdentifier="other")
    rds.modify_db_instance(
        DBInstanceIdentifier="shop-orders",
        DBParameterGroupName="default.mysql8.0",
        ApplyImmediately=True,
    )
    clock.advance(600)
    assert _group(_instance("us-east-1", "shop-orders")) == "default.mysql8.0"
    record = _run(built_plan, settings, "failover")
    assert record.status == "succeeded", [s.detail for s in record.steps]
    primary = _instance("us-east-1", "shop-orders")
    assert _group(primary) == "drctl-fenced-shop-orders"
    assert primary["DBParameterGroups"][0]["ParameterApplyStatus"] == "in-sync"
    [group] = rds.describe_db_parameter_groups(DBParameterGroupName="drctl-fenced-shop-orders")[
        "DBParameterGroups"
    ]
    assert group["DBParameterGroupFamily"] == "mysql8.0"
    params = rds.describe_db_parameters(
        DBParameterGroupName="drctl-fenced-shop-orders", Source="user"
    )["Parameters"]
    assert {(p["ParameterName"], p["ParameterValue"]) for p in params} == {("read_only", "1")}
    tags = rds.list_tags_for_resource(ResourceName=group["DBParameterGroupArn"])["TagList"]
    assert {"Key": "drctl:original-parameter-group", "Value": "default.mysql8.0"} in tags
    steps = {s.id: s for s in record.steps}
    assert steps["orders-db.fence"].data["original_parameter_group"] == "default.mysql8.0"


def test_unplanned_failover_promotes_first_and_fences_the_old_primary_after(
    built_plan: Any, settings: Any
) -> None:
    record = _run(built_plan, settings, "failover", mode="unplanned")
    assert record.status == "succeeded"
    order = [s.id for s in sorted(record.steps, key=lambda s: s.started_at or "")]
    assert order.index("orders-db.promote") < order.index("api.shift-traffic")
    assert order.index("api.shift-traffic") < order.index("orders-db.fence-old-primary")
    assert _group(_instance("us-east-1", "shop-orders")) == "drctl-fenced-shop-orders"


def test_unreachable_old_primary_leaves_the_fence_pending(
    built_plan: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from drctl.kinds.rds_instance import api as rds

    real = rds.describe_instance

    def region_down(client: Any, instance_id: str) -> Any:
        if client.meta.region_name == "us-east-1":
            from drctl.errors import AwsError

            raise AwsError("us-east-1 is not answering (EndpointConnectionError)")
        return real(client, instance_id)

    monkeypatch.setattr(rds, "describe_instance", region_down)
    record = _run(built_plan, settings, "failover", mode="unplanned")
    steps = {s.id: s for s in record.steps}
    assert steps["api.shift-traffic"].status == "succeeded"  # traffic moved regardless
    assert steps["orders-db.fence-old-primary"].status == "waiting"
    assert record.status == "waiting" and "unreachable" in (record.error or "")
    assert record.rto_seconds is None or record.rto_seconds >= 0


def test_rpo_gate_refuses_a_planned_failover_when_lag_exceeds_the_rpo(
    built_plan: Any, settings: Any
) -> None:
    ctx = make_context(built_plan.plan, settings)
    gate = rpo_gate(built_plan.plan, ctx)
    readings = {r.resource: r for r in gate.readings}
    assert readings["orders-db"].seconds == 2.0
    # S3 publishes replication latency only when the rule has replication metrics on.
    assert readings["assets"].seconds is None
    assert readings["assets"].detail == "replication metrics not enabled"
    enforce(gate, mode="planned", accept_data_loss=False)  # 2s: fine

    _lag(settings, 420.0)
    gate = rpo_gate(built_plan.plan, make_context(built_plan.plan, settings))
    assert gate.over and gate.data_loss_window_seconds == 420.0
    with pytest.raises(GateRefused) as refused:
        enforce(gate, mode="planned", accept_data_loss=False)
    assert refused.value.exit_code == 3
    assert "orders-db (rds-instance): lag 7m" in refused.value.message
    enforce(gate, mode="unplanned", accept_data_loss=False)
    enforce(gate, mode="planned", accept_data_loss=True)


def test_rpo_gate_through_the_cli(built_now: Any, tmp_path: Any) -> None:
    import json

    from drctl.engine.settings import default_settings
    from tests.conftest import DEMO_PLAN
    from tests.support import invoke as drctl

    _lag(default_settings(), 900.0)
    refused = drctl("failover", "--plan", str(DEMO_PLAN), "--yes")
    assert refused.exit_code == 3 and "replication lag is above the RPO" in refused.stderr
    assert "ReadReplicaSourceDBInstanceIdentifier" in _instance("us-west-2", "shop-orders-dr")
    accepted = drctl("-o", "json", "failover", "--plan", str(DEMO_PLAN), "--yes",
                     "--accept-data-loss")  # fmt: skip
    assert accepted.exit_code == 0, accepted.output
    assert json.loads(accepted.stdout)["data_loss_window_seconds"] == 900.0


def test_failback_reprotects_moves_home_and_reprotects_dr(built_plan: Any, settings: Any) -> None:
    failover = _run(built_plan, settings, "failover")
    assert failover.status == "succeeded"
    s3_dr = boto3.client("s3", region_name="us-west-2")
    s3_dr.put_object(Bucket="shop-assets-usw2", Key="written-in-dr.txt", Body=b"during outage")

    back = _run(built_plan, settings, "failback", from_run=failover.run_id)
    assert back.status == "succeeded", [(s.id, s.status, s.detail) for s in back.steps]
    home = _instance("us-east-1", "shop-orders")
    assert "ReadReplicaSourceDBInstanceIdentifier" not in home  # the writable primary again
    assert home["DBInstanceStatus"] == "available"
    dr = _instance("us-west-2", "shop-orders-dr")
    assert dr["ReadReplicaSourceDBInstanceIdentifier"].endswith(":db:shop-orders")
    old = [
        i["DBInstanceIdentifier"] for i in _rds("us-east-1").describe_db_instances()["DBInstances"]
    ]
    assert any(i.startswith("shop-orders-pre-failback-") for i in old)  # kept, not deleted

    s3_home = boto3.client("s3", region_name="us-east-1")
    assert s3_home.head_object(Bucket="shop-assets-use1", Key="written-in-dr.txt")
    rules = s3_dr.get_bucket_replication(Bucket="shop-assets-usw2")["ReplicationConfiguration"]
    assert any(
        r["Status"] == "Enabled" and r["Destination"]["Bucket"] == "arn:aws:s3:::shop-assets-use1"
        for r in rules["Rules"]
    )
    r53 = boto3.client("route53", region_name="us-east-1")
    zone = r53.list_hosted_zones_by_name(DNSName="shop.example.com.")["HostedZones"][0]
    sets = r53.list_resource_record_sets(HostedZoneId=zone["Id"])["ResourceRecordSets"]
    primary = next(r for r in sets if r.get("Failover") == "PRIMARY")
    hc = r53.get_health_check(HealthCheckId=primary["HealthCheckId"])["HealthCheck"]
    assert not hc["HealthCheckConfig"].get("Inverted")
    answer = r53.test_dns_answer(
        HostedZoneId=zone["Id"], RecordName="api.shop.example.com.", RecordType="A"
    )["RecordData"]
    assert answer == [v["Value"] for v in primary["ResourceRecords"]]

    again = _run(built_plan, settings, "failback", from_run=failover.run_id)
    assert again.status == "succeeded", [(s.id, s.status, s.detail) for s in again.steps]
    assert all(s.calls == [] for s in again.steps), [(s.id, s.calls) for s in again.steps]


# ------------------------------------------------------------------ recovery: snapshot


@pytest.fixture
def built(aws: None, tmp_path: Path) -> tuple[Any, Any]:
    loaded = load_plan(SNAPSHOT_PLAN)
    settings = default_settings(state_dir=tmp_path / "state")
    ctx = make_context(loaded.plan, settings)
    SandboxBuilder(loaded.plan, ctx.sessions, settings.clock).build()
    return loaded, settings


def _checks(loaded: Any, settings: Any) -> dict[str, Any]:
    ctx = make_context(loaded.plan, settings)
    return {c.name: c.run() for c in collect_checks(loaded.plan, ctx, ["app-db"])}


def _dr_snapshots() -> list[dict[str, Any]]:
    rds = boto3.client("rds", region_name="us-west-2")
    return list(rds.describe_db_snapshots()["DBSnapshots"])


def test_checks_pass_with_a_fresh_copy_and_fail_without_one(built: tuple[Any, Any]) -> None:
    loaded, settings = built
    results = _checks(loaded, settings)
    assert {n: r.status.value for n, r in results.items()} == {
        "primary": "pass",
        "dr-snapshot": "pass",
        "restore-target": "pass",
        "restore-placement": "pass",  # the example names its DR subnet group
    }
    assert results["dr-snapshot"].threshold == 3600
    rds = boto3.client("rds", region_name="us-west-2")
    for snap in _dr_snapshots():
        rds.delete_db_snapshot(DBSnapshotIdentifier=snap["DBSnapshotIdentifier"])
    missing = _checks(loaded, settings)["dr-snapshot"]
    assert missing.status.value == "fail" and "drctl backup" in missing.detail


def test_a_copy_older_than_the_rpo_fails(built: tuple[Any, Any], monkeypatch: Any) -> None:
    loaded, settings = built
    from datetime import timedelta

    later = settings.clock.now() + timedelta(hours=2)
    monkeypatch.setattr(settings.clock, "now", lambda: later)
    stale = _checks(loaded, settings)["dr-snapshot"]
    assert stale.status.value == "fail" and "over the RPO of 1h" in stale.detail


def test_the_data_age_of_a_copy_is_its_original_snapshots(
    built: tuple[Any, Any], monkeypatch: Any
) -> None:
    """A snapshot taken now and copied two hours later holds two-hour-old data: the age is
    OriginalSnapshotCreateTime's (API_DBSnapshot), not the copy's SnapshotCreateTime."""
    loaded, settings = built
    primary, dr = _rds("us-east-1"), _rds("us-west-2")
    for snap in _dr_snapshots():
        dr.delete_db_snapshot(DBSnapshotIdentifier=snap["DBSnapshotIdentifier"])
    primary.create_db_snapshot(DBInstanceIdentifier="startup-prod", DBSnapshotIdentifier="late")
    original = primary.describe_db_snapshots(DBSnapshotIdentifier="late")["DBSnapshots"][0]
    later = settings.clock.now() + timedelta(hours=2)
    aws_time.follow(lambda: later)
    dr.copy_db_snapshot(
        SourceDBSnapshotIdentifier=original["DBSnapshotArn"], TargetDBSnapshotIdentifier="late-dr",
        SourceRegion="us-east-1", KmsKeyId="alias/aws/rds",
    )  # fmt: skip
    copy = dr.describe_db_snapshots(DBSnapshotIdentifier="late-dr")["DBSnapshots"][0]
    assert copy["OriginalSnapshotCreateTime"] == original["SnapshotCreateTime"]
    assert copy["SnapshotCreateTime"] >= original["SnapshotCreateTime"] + timedelta(hours=2)
    monkeypatch.setattr(settings.clock, "now", lambda: later + timedelta(minutes=1))
    aged = _checks(loaded, settings)["dr-snapshot"]
    assert aged.status.value == "fail" and "over the RPO of 1h" in aged.detail
    assert aged.observed >= 2 * 3600
    record = run_action(loaded, settings, "failover", only=["app-db"])
    restore = next(s for s in record.steps if s.id == "app-db.restore")
    assert restore.data["data_loss_window_seconds"] >= 2 * 3600


def _security_group(region: str, name: str) -> str:
    ec2 = boto3.client("ec2", region_name=region)
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]
    return str(
        ec2.create_security_group(GroupName=name, Description="app db", VpcId=vpc["VpcId"])[
            "GroupId"
        ]
    )


def test_the_restore_goes_into_the_plans_subnet_group_and_security_groups(
    built: tuple[Any, Any], tmp_path: Path
) -> None:
    _, settings = built
    group = _security_group("us-west-2", "startup-db")
    text = SNAPSHOT_PLAN.read_text().replace(
        "    dr_subnet_group: startup-db-usw2",
        f"    dr_subnet_group: startup-db-usw2\n    dr_security_groups: [{group}]",
    )
    plan = tmp_path / "startup.yaml"
    plan.write_text(text)
    loaded = load_plan(plan)
    assert _checks(loaded, settings)["restore-placement"].status.value == "pass"
    record = run_action(loaded, settings, "failover", only=["app-db"])
    assert record.status == "succeeded", [(s.id, s.detail) for s in record.steps]
    restored = _instance("us-west-2", "startup-dr-restored")
    assert restored["DBSubnetGroup"]["DBSubnetGroupName"] == "startup-db-usw2"
    assert [g["VpcSecurityGroupId"] for g in restored["VpcSecurityGroups"]] == [group]


def test_a_restore_placement_that_does_not_exist_fails_the_check(
    built: tuple[Any, Any], tmp_path: Path
) -> None:
    _, settings = built
    text = SNAPSHOT_PLAN.read_text().replace(
        "    dr_subnet_group: startup-db-usw2",
        "    dr_subnet_group: nowhere\n    dr_security_groups: [sg-0123456789abcdef0]",
    )
    plan = tmp_path / "startup.yaml"
    plan.write_text(text)
    result = _checks(load_plan(plan), settings)["restore-placement"]
    assert result.status.value == "fail"
    assert "DB subnet group nowhere" in result.detail
    assert "security group sg-0123456789abcdef0" in result.detail
    unplaced = tmp_path / "unplaced.yaml"
    unplaced.write_text(
        "".join(
            line
            for line in SNAPSHOT_PLAN.read_text().splitlines(keepends=True)
            if "dr_subnet_group" not in line
        )
    )
    warned = _checks(load_plan(unplaced), settings)["restore-placement"]
    assert warned.status.value == "warn" and "default VPC" in warned.detail


def test_restore_placement_needs_snapshot_recovery(tmp_path: Path) -> None:
    plan = tmp_path / "bad.yaml"
    text = (EXAMPLES / "ecommerce-warm-standby.yaml").read_text()
    plan.write_text(
        text.replace(
            "    dr: shop-orders-dr\n", "    dr: shop-orders-dr\n    dr_subnet_group: db\n", 1
        )
    )
    result = invoke("plan", "validate", str(plan))
    assert result.exit_code == 2, result.output
    assert "need recovery: snapshot" in result.output


def test_failover_restores_the_newest_copy(built: tuple[Any, Any]) -> None:
    loaded, settings = built
    record = run_action(loaded, settings, "failover")
    assert record.status == "succeeded", [(s.id, s.detail) for s in record.steps]
    restore = next(s for s in record.steps if s.id == "app-db.restore")
    assert restore.data["snapshot"] == "drctl-sandbox-app-db-dr"
    inst = boto3.client("rds", region_name="us-west-2").describe_db_instances(
        DBInstanceIdentifier="startup-dr-restored"
    )["DBInstances"][0]
    assert inst["DBInstanceStatus"] == "available"
    again = run_action(loaded, settings, "failover")
    assert next(s for s in again.steps if s.id == "app-db.restore").status == "skipped"


def test_drctl_backup_snapshots_and_copies(built: tuple[Any, Any], tmp_path: Path) -> None:
    plan = str(SNAPSHOT_PLAN)
    dry = invoke("-o", "json", "--state-dir", str(tmp_path / "s"), "backup", "--plan", plan,
                 "--dry-run")  # fmt: skip
    assert dry.exit_code == 0, dry.output
    assert [s["action"] for s in json.loads(dry.stdout)["steps"]] == ["snapshot", "copy-to-dr"]
    before = len(_dr_snapshots())
    done = invoke("-o", "json", "--state-dir", str(tmp_path / "s"), "backup", "--plan",
                  str(SNAPSHOT_PLAN), "--yes")  # fmt: skip
    assert done.exit_code == 0, done.output
    doc = json.loads(done.stdout)
    copy = next(s for s in doc["steps"] if s["action"] == "copy-to-dr")
    assert copy["status"] == "succeeded"
    snapshots = _dr_snapshots()
    assert len(snapshots) == before + 1
    newest = max(snapshots, key=lambda s: s["SnapshotCreateTime"])
    assert newest["DBSnapshotIdentifier"].startswith("drctl-startup-app-db-")
    assert newest["Encrypted"] is True
    assert {t["Key"]: t["Value"] for t in newest["TagList"]}["drctl:app"] == "startup"


def test_backup_of_a_plan_without_snapshot_recovery_is_bad_input(aws: None) -> None:
    from tests.conftest import DEMO_PLAN

    result = invoke("backup", "--plan", str(DEMO_PLAN), "--yes")
    assert result.exit_code == 2 and "nothing drctl backup applies to" in result.stderr


# ------------------------------------------------------------------ fail closed, fencing, home


def test_rpo_gate_refuses_when_replication_is_not_running(
    built_plan: Any, settings: Any, clock: FakeClock
) -> None:
    _rds("us-east-1").stop_db_instance(DBInstanceIdentifier="shop-orders")
    clock.advance(120)  # the next minutes' datapoints are -1
    gate = rpo_gate(built_plan.plan, make_context(built_plan.plan, settings))
    reading = {r.resource: r for r in gate.readings}["orders-db"]
    assert reading.seconds is None and "-1" in reading.detail
    with pytest.raises(GateRefused) as refused:
        enforce(gate, mode="planned", accept_data_loss=False)
    assert "orders-db (rds-instance): lag unknown (ReplicaLag is -1" in refused.value.message
    enforce(gate, mode="planned", accept_data_loss=True)
    enforce(gate, mode="unplanned", accept_data_loss=False)


def test_check_fails_on_a_fenced_primary(built_plan: Any, settings: Any) -> None:
    rds = _rds("us-east-1")
    rds.create_db_parameter_group(
        DBParameterGroupName="ro", DBParameterGroupFamily="mysql8.0", Description="read only"
    )
    rds.modify_db_parameter_group(
        DBParameterGroupName="ro",
        Parameters=[
            {"ParameterName": "read_only", "ParameterValue": "1", "ApplyMethod": "immediate"}
        ],
    )
    assert _results(built_plan, settings, "orders-db")["primary-writable"].status.value == "pass"
    rds.modify_db_instance(DBInstanceIdentifier="shop-orders", DBParameterGroupName="ro")
    result = _results(built_plan, settings, "orders-db")["primary-writable"]
    assert result.status.value == "fail" and "read_only=1" in result.detail


def _topology() -> tuple[list[str], list[str]]:
    """(writable primaries, fenced instances) among shop-orders / shop-orders-dr, described."""
    writable, fenced = [], []
    for region, name in (("us-east-1", "shop-orders"), ("us-west-2", "shop-orders-dr")):
        inst = _instance(region, name)
        group = _group(inst)
        if group.startswith(("drctl-fenced-", "drctl-readonly-")):
            fenced.append(name)
        elif "ReadReplicaSourceDBInstanceIdentifier" not in inst:
            writable.append(name)
    return writable, fenced


def test_failover_and_failback_twice_leave_one_writable_primary_replicated(
    built_plan: Any, settings: Any
) -> None:
    for _ in range(2):
        over = _run(built_plan, settings, "failover")
        assert over.status == "succeeded", [(s.id, s.status, s.detail) for s in over.steps]
        assert _topology() == (["shop-orders-dr"], ["shop-orders"])
        back = _run(built_plan, settings, "failback", from_run=over.run_id)
        assert back.status == "succeeded", [(s.id, s.status, s.detail) for s in back.steps]
        assert _topology() == (["shop-orders"], [])
        dr = _instance("us-west-2", "shop-orders-dr")
        assert dr["ReadReplicaSourceDBInstanceIdentifier"].endswith(":db:shop-orders")
        assert dr["DBInstanceStatus"] == "available"


def test_the_promote_command_printed_is_the_call_made(built_plan: Any, settings: Any) -> None:
    """The dry run's AWS CLI text is built from the same values as the real call: the primary's
    backup retention (here 14 days), not a constant."""
    from tests.support import failover_graph

    rds = boto3.client("rds", region_name="us-east-1")
    rds.modify_db_instance(
        DBInstanceIdentifier="shop-orders", BackupRetentionPeriod=14, ApplyImmediately=True
    )
    plan = built_plan.plan
    steps = failover_graph(plan, make_context(plan, settings)).by_id()
    [command, _] = steps["orders-db.promote"].cli
    assert "--backup-retention-period 14 " in command
    offline = make_context(plan, settings, offline=True)
    [words, _] = failover_graph(plan, offline).by_id()["orders-db.promote"].cli
    assert "--backup-retention-period" in words and "read when the step runs" in words
    record = run_action(built_plan, settings, "failover", only=["orders-db"])
    assert record.status == "succeeded", [(s.id, s.detail) for s in record.steps]
    assert _instance("us-west-2", "shop-orders-dr")["BackupRetentionPeriod"] == 14


# ------------------------------------------------------------------ replica placement


def _placement(inst: dict[str, Any]) -> dict[str, Any]:
    """Where an instance sits, as describe_db_instances reports it."""
    return {
        "subnet_group": (inst.get("DBSubnetGroup") or {}).get("DBSubnetGroupName"),
        "security_groups": sorted(g["VpcSecurityGroupId"] for g in inst["VpcSecurityGroups"]),
        "parameter_group": _group(inst),
        "multi_az": inst["MultiAZ"],
        "kms_key_id": inst.get("KmsKeyId"),
        "instance_class": inst["DBInstanceClass"],
        "storage_type": inst["StorageType"],
    }


def _default_security_group(region: str) -> str:
    ec2 = boto3.client("ec2", region_name=region)
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]
    return str(
        ec2.describe_security_groups(
            Filters=[
                {"Name": "vpc-id", "Values": [vpc["VpcId"]]},
                {"Name": "group-name", "Values": ["default"]},
            ]
        )["SecurityGroups"][0]["GroupId"]
    )


def test_replicas_drctl_creates_are_placed_like_what_they_replace(
    built_plan: Any, settings: Any
) -> None:
    """Failback creates two replicas (home, then DR again). Each is read back and compared
    with the instance it replaces as it was before the failover: subnet group, security
    groups, the original parameter group (not drctl's fencing copy), Multi-AZ, KMS key,
    class, storage type -- none of the cross-Region defaults AWS would use otherwise."""
    home_before = _placement(_instance("us-east-1", "shop-orders"))
    dr_before = _placement(_instance("us-west-2", "shop-orders-dr"))
    assert home_before["subnet_group"] == "drctl-sandbox-db"  # not the default VPC
    assert home_before["security_groups"] != [_default_security_group("us-east-1")]
    assert home_before["parameter_group"] == "drctl-sandbox-mysql80"
    assert home_before["multi_az"] and home_before["storage_type"] == "gp3"
    assert dr_before["security_groups"] != [_default_security_group("us-west-2")]

    over = _run(built_plan, settings, "failover")
    assert over.status == "succeeded", [(s.id, s.detail) for s in over.steps]
    back = _run(built_plan, settings, "failback", from_run=over.run_id)
    assert back.status == "succeeded", [(s.id, s.detail) for s in back.steps]
    assert _placement(_instance("us-east-1", "shop-orders")) == home_before
    dr = _instance("us-west-2", "shop-orders-dr")
    assert dr["ReadReplicaSourceDBInstanceIdentifier"].endswith(":db:shop-orders")
    assert _placement(dr) == dr_before
    steps = {s.id: s for s in back.steps}
    assert steps["orders-db.reprotect"].data["topology"]["parameter_group"] == (
        "drctl-sandbox-mysql80"
    )


def test_a_replica_replacing_a_lost_instance_is_placed_as_the_failover_recorded(
    built_plan: Any, settings: Any
) -> None:
    """The old primary did not survive: its placement comes from the failover's journal
    (the promote step read it, fencing group resolved to the original, before promoting)."""
    home_before = _placement(_instance("us-east-1", "shop-orders"))
    over = _run(built_plan, settings, "failover")
    assert over.status == "succeeded"
    recorded = {s.id: s for s in over.steps}["orders-db.promote"].data["topology"]["primary"]
    assert recorded["parameter_group"] == "drctl-sandbox-mysql80"  # not drctl-fenced-...
    _rds("us-east-1").delete_db_instance(DBInstanceIdentifier="shop-orders", SkipFinalSnapshot=True)
    back = _run(built_plan, settings, "failback", from_run=over.run_id)
    assert back.status == "succeeded", [(s.id, s.detail) for s in back.steps]
    assert _placement(_instance("us-east-1", "shop-orders")) == home_before
