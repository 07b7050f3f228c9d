"""Fencing, the RPO gate and failback of the spine's kinds, with AWS state described back.

* planned failover: the primary is fenced (read-only parameter group) before the
  replica is promoted -- never two writable primaries;
* unplanned failover: the replica is promoted first; the old primary is fenced
  after traffic moved, or the run waits when it cannot be reached;
* the RPO gate measures ReplicaLag and refuses a planned run above the RPO;
* failback: re-protect (replica home, S3 DR -> primary), move home, re-protect DR.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import boto3
import pytest

from drctl.aws import cloudwatch
from drctl.engine.gate import enforce
from drctl.engine.settings import make_context
from drctl.errors import GateRefused
from tests.support import rpo_gate, run_action


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


def test_planned_failover_fences_the_primary_before_promoting(
    built_plan: Any, settings: Any
) -> None:
    record = _run(built_plan, settings, "failover")
    assert record.status == "succeeded"
    steps = {s.id: s for s in record.steps}
    assert steps["orders-db.fence"].finished_at <= steps["orders-db.promote"].started_at
    primary = _instance("us-east-1", "shop-orders")
    assert _group(primary) == "drctl-readonly-mysql8-0"
    params = _rds("us-east-1").describe_db_parameters(
        DBParameterGroupName="drctl-readonly-mysql8-0", Source="user"
    )["Parameters"]
    assert {(p["ParameterName"], p["ParameterValue"]) for p in params} == {("read_only", "1")}
    assert steps["orders-db.fence"].data["original_parameter_group"] == "default.mysql8.0"
    assert "ReadReplicaSourceDBInstanceIdentifier" not in _instance("us-west-2", "shop-orders-dr")


def test_unplanned_failover_promotes_first_and_fences_the_old_primary_after(
    built_plan: Any, settings: Any
) -> None:
    record = _run(built_plan, settings, "failover", mode="unplanned")
    assert record.status == "succeeded"
    order = [s.id for s in sorted(record.steps, key=lambda s: s.started_at or "")]
    assert order.index("orders-db.promote") < order.index("api.shift-traffic")
    assert order.index("api.shift-traffic") < order.index("orders-db.fence-old-primary")
    assert _group(_instance("us-east-1", "shop-orders")) == "drctl-readonly-mysql8-0"


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


def test_rpo_gate_reads_s3_replication_latency_when_metrics_are_on(
    built_plan: Any, settings: Any
) -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    config = s3.get_bucket_replication(Bucket="shop-assets-use1")["ReplicationConfiguration"]
    rule = config["Rules"][0]
    rule["Destination"]["Metrics"] = {"Status": "Enabled", "EventThreshold": {"Minutes": 15}}
    s3.put_bucket_replication(Bucket="shop-assets-use1", ReplicationConfiguration=config)
    cloudwatch.put_metric(
        boto3.client("cloudwatch", region_name="us-east-1"),
        namespace="AWS/S3",
        metric="ReplicationLatency",
        dimensions={
            "SourceBucket": "shop-assets-use1",
            "DestinationBucket": "shop-assets-usw2",
            "RuleId": rule["ID"],
        },
        value=900.0,
        unit="Seconds",
        at=settings.clock.now(),
    )
    gate = rpo_gate(built_plan.plan, make_context(built_plan.plan, settings))
    assert {r.resource: r.seconds for r in gate.readings}["assets"] == 900.0
    with pytest.raises(GateRefused, match="assets"):
        enforce(gate, mode="planned", accept_data_loss=False)


def test_rpo_gate_through_the_cli(built_now: Any, tmp_path: Any) -> None:
    import json

    from drctl.engine.clock import SystemClock
    from drctl.engine.settings import default_settings
    from tests.conftest import DEMO_PLAN
    from tests.support import invoke as drctl

    _lag(default_settings(clock=SystemClock()), 900.0)
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
