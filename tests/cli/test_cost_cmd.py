"""``drctl cost``: Cost Explorer spend by service for the app's tag in regions.dr, idle DR
resources, and the standby estimate from the bundled price table.

moto's Cost Explorer tracks no cost: ``get_cost_and_usage`` answers from a queue of results
that a test seeds through moto's API (``POST /moto-api/static/ce/cost-and-usage-results``),
which is what these tests do; the request drctl sent is read back from moto's backend."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from drctl.engine.cost import prices
from drctl.engine.settings import default_settings
from drctl.plan.loader import load_plan
from tests.conftest import EXAMPLES
from tests.support import build_sandbox, invoke

PLAN = EXAMPLES / "hipaa-healthcare.yaml"  # app clinic, DR us-west-2
DR = "us-west-2"
MOTO_CE = "http://motoapi.amazonaws.com/moto-api/static/ce/cost-and-usage-results"


def _day(start: str, end: str, rds: str, ec2: str) -> dict[str, Any]:
    return {
        "TimePeriod": {"Start": start, "End": end},
        "Total": {},
        "Groups": [
            {"Keys": ["Amazon Relational Database Service"],
             "Metrics": {"UnblendedCost": {"Amount": rds, "Unit": "USD"}}},
            {"Keys": ["Amazon Elastic Compute Cloud - Compute"],
             "Metrics": {"UnblendedCost": {"Amount": ec2, "Unit": "USD"}}},
        ],
        "Estimated": True,
    }  # fmt: skip


def seed_cost_explorer(results: list[dict[str, Any]]) -> None:
    """Queue what moto's get_cost_and_usage answers (moto's documented API for it)."""
    reply = requests.post(MOTO_CE, json={"results": results}, timeout=5)
    assert reply.status_code == 201


@pytest.fixture
def clinic(aws: None) -> None:
    build_sandbox(load_plan(PLAN).plan, default_settings())


def test_spend_is_cost_explorer_by_service_for_the_app_tag_in_dr(clinic: None) -> None:
    seed_cost_explorer(
        [{"ResultsByTime": [_day("2026-01-01", "2026-01-02", "1.50", "0.25"),
                            _day("2026-01-02", "2026-01-03", "1.50", "0.75")]}]
    )  # fmt: skip
    result = invoke("-o", "json", "cost", "--plan", str(PLAN))
    assert result.exit_code == 0, result.output
    spend = json.loads(result.stdout)["spend"]
    assert spend["by_service"] == [
        {"service": "Amazon Relational Database Service", "amount": 3.0},
        {"service": "Amazon Elastic Compute Cloud - Compute", "amount": 1.0},
    ]
    assert spend["total"] == 4.0 and spend["estimated"] is True
    assert spend["filter"] == {"tag": "Application=clinic", "region": DR}
    # What drctl asked Cost Explorer: 30 days, by service, the app's tag and the DR Region.
    from moto.ce.models import ce_backends

    [body] = list(ce_backends["123456789012"]["aws"].cost_usage_results)
    sent = json.loads(body)
    assert sent["GroupBy"] == [{"Type": "DIMENSION", "Key": "SERVICE"}]
    assert {"Tags": {"Key": "Application", "Values": ["clinic"]}} in sent["Filter"]["And"]
    assert {"Dimensions": {"Key": "REGION", "Values": [DR]}} in sent["Filter"]["And"]
    start = datetime.fromisoformat(sent["TimePeriod"]["Start"])
    end = datetime.fromisoformat(sent["TimePeriod"]["End"])
    assert (end - start).days == 30


def test_idle_dr_resources_are_listed_with_why(clinic: None) -> None:
    ec2 = boto3.client("ec2", region_name=DR)
    app_tag = [{"Key": "Application", "Value": "clinic"}]
    idle_volume = ec2.create_volume(
        AvailabilityZone=f"{DR}a", Size=100, VolumeType="gp3",
        TagSpecifications=[{"ResourceType": "volume", "Tags": app_tag}],
    )["VolumeId"]  # fmt: skip
    ec2.create_volume(AvailabilityZone=f"{DR}a", Size=50, VolumeType="gp3")  # not the app's
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    stopped = ec2.run_instances(
        ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.small",
        TagSpecifications=[{"ResourceType": "instance", "Tags": app_tag}],
    )["Instances"][0]["InstanceId"]  # fmt: skip
    ec2.stop_instances(InstanceIds=[stopped])
    primary_rds = boto3.client("rds", region_name="us-east-1")
    primary_rds.create_db_instance(
        DBInstanceIdentifier="clinic-records-pre-failback-20260101", DBInstanceClass="db.t3.micro",
        Engine="postgres", AllocatedStorage=20, MasterUsername="admin",
        MasterUserPassword="not-a-secret-1",
    )  # fmt: skip
    cw = boto3.client("cloudwatch", region_name=DR)
    now = datetime.now(UTC) - timedelta(minutes=30)  # well inside the 7-day window
    for metric in ("ReadIOPS", "DatabaseConnections"):
        cw.put_metric_data(
            Namespace="AWS/RDS",
            MetricData=[{"MetricName": metric, "Value": 0.0, "Timestamp": now,
                         "Dimensions": [{"Name": "DBInstanceIdentifier",
                                         "Value": "clinic-records-dr"}]}],
        )  # fmt: skip

    result = invoke("-o", "json", "cost", "--plan", str(PLAN))
    assert result.exit_code == 0, result.output
    idle = {i["id"]: i for i in json.loads(result.stdout)["idle"]}
    assert set(idle) == {idle_volume, stopped, "clinic-records-pre-failback-20260101",
                         "clinic-records-dr"}  # fmt: skip
    gp3 = prices()["storage_gb_month"]["ebs_gp3"]
    assert idle[idle_volume]["monthly_estimate"] == round(100 * gp3, 2)
    assert idle[stopped]["kind"] == "ec2-instance" and "stopped" in idle[stopped]["why"]
    kept = idle["clinic-records-pre-failback-20260101"]
    assert kept["region"] == "us-east-1" and "failback" in kept["why"]
    assert idle["clinic-records-dr"]["kind"] == "rds-replica"
    assert "no reads" in idle["clinic-records-dr"]["why"]


def test_a_replica_that_serves_reads_is_not_idle(clinic: None) -> None:
    cw = boto3.client("cloudwatch", region_name=DR)
    for metric, value in (("ReadIOPS", 35.0), ("DatabaseConnections", 4.0)):
        cw.put_metric_data(
            Namespace="AWS/RDS",
            MetricData=[{"MetricName": metric, "Value": value,
                         "Timestamp": datetime.now(UTC) - timedelta(minutes=30),
                         "Dimensions": [{"Name": "DBInstanceIdentifier",
                                         "Value": "clinic-records-dr"}]}],
        )  # fmt: skip
    result = invoke("-o", "json", "cost", "--plan", str(PLAN))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["idle"] == []


def test_standby_estimate_prices_what_runs_in_dr_from_the_dated_table(clinic: None) -> None:
    asg = boto3.client("autoscaling", region_name=DR)
    asg.update_auto_scaling_group(AutoScalingGroupName="clinic-web-dr", DesiredCapacity=2)
    result = invoke("-o", "json", "cost", "--plan", str(PLAN))
    assert result.exit_code == 0, result.output
    est = json.loads(result.stdout)["standby_estimate"]
    table = prices()
    assert est["label"] == "estimate" and est["as_of"] == table["as_of"]
    assert "us-east-1" in est["source"]
    db = boto3.client("rds", region_name=DR).describe_db_instances(
        DBInstanceIdentifier="clinic-records-dr"
    )["DBInstances"][0]
    expected_db = round(
        table["rds_hourly"][db["DBInstanceClass"]] * table["hours_per_month"]
        + db["AllocatedStorage"] * table["storage_gb_month"]["rds_" + db["StorageType"]],
        2,
    )
    items = {i["resource"]: i for i in est["items"]}
    assert items["records-db"]["monthly"] == expected_db
    group = asg.describe_auto_scaling_groups(AutoScalingGroupNames=["clinic-web-dr"])[
        "AutoScalingGroups"
    ][0]
    types = [i["InstanceType"] for i in group["Instances"]]
    expected_web = round(sum(table["ec2_hourly"][t] for t in types) * 730, 2)
    assert items["web-tier"]["monthly"] == expected_web
    assert est["monthly_total"] == round(sum(i["monthly"] for i in est["items"]), 2)
    assert {n["resource"] for n in est["not_estimated"]} >= {"documents", "portal"}

    text = invoke("cost", "--plan", str(PLAN))
    assert text.exit_code == 0, text.output
    assert "Standby ESTIMATE" in text.stdout and table["as_of"] in text.stdout
    assert "nothing reported" in text.stdout  # nothing seeded: Cost Explorer had no result


def test_bad_input_and_aws_errors(aws: None, tmp_path: Path) -> None:
    missing = invoke("cost", "--plan", str(tmp_path / "nope.yaml"))
    assert missing.exit_code == 2 and "nope.yaml" in missing.output
    # Nothing built: the DR ASG lookup answers, the ECS cluster does not exist -> exit 1.
    failed = invoke("-o", "json", "cost", "--plan", str(PLAN))
    assert failed.exit_code == 1, failed.output
    assert "cost of clinic" in json.loads(failed.stdout)["error"]["message"]
