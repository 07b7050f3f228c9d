"""``drctl schedule stop|start``: the DR side's tagged non-critical compute goes to zero and
comes back to exactly what it was; replicas are refused; dry runs and declined runs change
nothing. Every assertion reads AWS back."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import boto3
import pytest

from drctl.engine.settings import default_settings
from drctl.plan.loader import load_plan
from tests.conftest import EXAMPLES
from tests.support import build_sandbox, invoke

PLAN = EXAMPLES / "hipaa-healthcare.yaml"  # app clinic: ECS app-tier, ASG web-tier, RDS replica
DR = "us-west-2"
TAGS = [{"Key": "Purpose", "Value": "DR"}, {"Key": "Critical", "Value": "false"}]


def _instance(ec2: Any, tags: list[dict[str, str]]) -> str:
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    made = ec2.run_instances(
        ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.small",
        TagSpecifications=[{"ResourceType": "instance", "Tags": tags}],
    )  # fmt: skip
    return str(made["Instances"][0]["InstanceId"])


@pytest.fixture
def dr_side(aws: None, tmp_path: Path) -> dict[str, Any]:
    """The clinic plan built, its DR compute running and tagged schedulable, plus instances."""
    build_sandbox(load_plan(PLAN).plan, default_settings())
    asg = boto3.client("autoscaling", region_name=DR)
    asg.update_auto_scaling_group(AutoScalingGroupName="clinic-web-dr", MinSize=1,
                                  DesiredCapacity=2)  # fmt: skip
    asg.create_or_update_tags(
        Tags=[{"ResourceId": "clinic-web-dr", "ResourceType": "auto-scaling-group",
               "PropagateAtLaunch": False, **t} for t in TAGS]
    )  # fmt: skip
    ecs = boto3.client("ecs", region_name=DR)
    svc = ecs.update_service(cluster="clinic-dr", service="clinic-api", desiredCount=2)
    ecs.tag_resource(
        resourceArn=svc["service"]["serviceArn"],
        tags=[{"key": t["Key"], "value": t["Value"]} for t in TAGS],
    )
    boto3.client("application-autoscaling", region_name=DR).register_scalable_target(
        ServiceNamespace="ecs", ResourceId="service/clinic-dr/clinic-api",
        ScalableDimension="ecs:service:DesiredCount", MinCapacity=1, MaxCapacity=8,
    )  # fmt: skip
    rds = boto3.client("rds", region_name=DR)
    arn = rds.describe_db_instances(DBInstanceIdentifier="clinic-records-dr")["DBInstances"][0][
        "DBInstanceArn"
    ]
    rds.add_tags_to_resource(ResourceName=arn, Tags=TAGS)  # as the guide's script would stop it
    ec2 = boto3.client("ec2", region_name=DR)
    return {
        "mine": _instance(ec2, [*TAGS, {"Key": "Application", "Value": "clinic"}]),
        "other_app": _instance(ec2, [*TAGS, {"Key": "Application", "Value": "shop"}]),
        "critical": _instance(ec2, [{"Key": "Purpose", "Value": "DR"},
                                    {"Key": "Critical", "Value": "true"},
                                    {"Key": "Application", "Value": "clinic"}]),
    }  # fmt: skip


def _state(ids: dict[str, str]) -> dict[str, Any]:
    asg = boto3.client("autoscaling", region_name=DR).describe_auto_scaling_groups(
        AutoScalingGroupNames=["clinic-web-dr"]
    )["AutoScalingGroups"][0]
    svc = boto3.client("ecs", region_name=DR).describe_services(
        cluster="clinic-dr", services=["clinic-api"]
    )["services"][0]
    target = boto3.client("application-autoscaling", region_name=DR).describe_scalable_targets(
        ServiceNamespace="ecs", ResourceIds=["service/clinic-dr/clinic-api"]
    )["ScalableTargets"][0]
    reservations = boto3.client("ec2", region_name=DR).describe_instances(
        InstanceIds=list(ids.values())
    )["Reservations"]
    states = {i["InstanceId"]: i["State"]["Name"] for r in reservations for i in r["Instances"]}
    db = boto3.client("rds", region_name=DR).describe_db_instances(
        DBInstanceIdentifier="clinic-records-dr"
    )["DBInstances"][0]
    return {
        "asg": (asg["MinSize"], asg["DesiredCapacity"], asg["MaxSize"]),
        "ecs": svc["desiredCount"],
        "target": (target["MinCapacity"], target["MaxCapacity"]),
        "instances": {name: states[iid] for name, iid in ids.items()},
        "replica": db["DBInstanceStatus"],
    }


def _record(tmp_path: Path) -> Path:
    return tmp_path / "state" / "schedule" / "clinic.json"


def test_stop_then_start_restores_exactly_what_was_running(
    dr_side: dict[str, str], tmp_path: Path
) -> None:
    before = _state(dr_side)
    assert before["asg"][:2] == (1, 2) and before["ecs"] == 2 and before["target"] == (1, 8)

    stopped = invoke("-o", "json", "schedule", "stop", "--plan", str(PLAN), "--yes")
    assert stopped.exit_code == 0, stopped.output
    doc = json.loads(stopped.stdout)
    assert doc["status"] == "done"
    after = _state(dr_side)
    assert after["asg"] == (0, 0, before["asg"][2])  # max, the ceiling, untouched
    assert after["ecs"] == 0 and after["target"] == (0, 8)
    assert after["instances"]["mine"] in ("stopping", "stopped")
    assert after["instances"]["other_app"] == "running"  # another app's: never ours to stop
    assert after["instances"]["critical"] == "running"
    assert after["replica"] == "available"
    refused = [r for r in doc["resources"] if r["status"] == "refused"]
    assert [r["name"] for r in refused] == ["clinic-records-dr"]
    assert "read replica" in refused[0]["reason"] and "tagged schedulable" in refused[0]["reason"]
    record = _record(tmp_path)
    assert stat.S_IMODE(record.stat().st_mode) == 0o600
    saved = json.loads(record.read_text())
    assert saved["groups"] == {"clinic-web-dr": {"min": 1, "desired": 2}}
    assert saved["services"] == {"clinic-dr/clinic-api": {"desired": 2}}
    assert saved["instances"] == [dr_side["mine"]]

    again = invoke("schedule", "stop", "--plan", str(PLAN), "--yes")
    assert again.exit_code == 3 and "already stopped" in again.output
    assert json.loads(record.read_text()) == saved  # the zeros were not recorded

    started = invoke("schedule", "start", "--plan", str(PLAN), "--yes")
    assert started.exit_code == 0, started.output
    back = _state(dr_side)
    assert back["asg"] == before["asg"] and back["ecs"] == 2 and back["target"] == (1, 8)
    assert back["instances"]["mine"] in ("pending", "running")
    assert not record.exists()

    nothing = invoke("schedule", "start", "--plan", str(PLAN), "--yes")
    assert nothing.exit_code == 0 and "nothing recorded" in nothing.output
    assert _state(dr_side)["asg"] == before["asg"]


def test_dry_run_shows_every_call_and_changes_nothing(
    dr_side: dict[str, str], tmp_path: Path
) -> None:
    before = _state(dr_side)
    result = invoke("schedule", "stop", "--plan", str(PLAN), "--dry-run")
    assert result.exit_code == 0, result.output
    for command in (
        "aws autoscaling update-auto-scaling-group --region us-west-2 "
        "--auto-scaling-group-name clinic-web-dr --min-size 0 --desired-capacity 0",
        "aws ecs update-service --region us-west-2 --cluster clinic-dr --service clinic-api "
        "--desired-count 0",
        "--min-capacity 0 --max-capacity 8",
        f"aws ec2 stop-instances --region us-west-2 --instance-ids {dr_side['mine']}",
    ):
        assert command in result.stdout, command
    assert "would change 4 resource(s)" in result.stdout
    assert _state(dr_side) == before
    assert not _record(tmp_path).exists()


def test_without_yes_in_a_script_it_is_refused_and_nothing_changes(
    dr_side: dict[str, str], tmp_path: Path
) -> None:
    before = _state(dr_side)
    result = invoke("schedule", "stop", "--plan", str(PLAN))
    assert result.exit_code == 3 and "without confirmation" in result.output
    assert _state(dr_side) == before and not _record(tmp_path).exists()


def test_untagged_compute_is_kept_running(aws: None, tmp_path: Path) -> None:
    build_sandbox(load_plan(PLAN).plan, default_settings())
    boto3.client("ecs", region_name=DR).update_service(
        cluster="clinic-dr", service="clinic-api", desiredCount=3
    )
    result = invoke("-o", "json", "schedule", "stop", "--plan", str(PLAN), "--yes")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["status"] == "nothing"
    skipped = {r["name"]: r["reason"] for r in doc["resources"] if r["status"] == "skipped"}
    assert "not tagged Purpose=DR" in skipped["clinic-dr/clinic-api"]
    svc = boto3.client("ecs", region_name=DR).describe_services(
        cluster="clinic-dr", services=["clinic-api"]
    )["services"][0]
    assert svc["desiredCount"] == 3


def test_stop_is_refused_while_the_dr_side_serves(dr_side: dict[str, str], tmp_path: Path) -> None:
    failover = invoke("failover", "--plan", str(PLAN), "--yes", "--accept-data-loss",
                      "--approve", "notify-privacy-officer")  # fmt: skip
    assert failover.exit_code == 0, failover.output
    before = _state(dr_side)
    result = invoke("schedule", "stop", "--plan", str(PLAN), "--yes")
    assert result.exit_code == 3 and "DR side serves" in result.output
    assert _state(dr_side) == before


def test_bad_input_and_aws_errors(aws: None, tmp_path: Path) -> None:
    missing = invoke("schedule", "stop", "--plan", str(tmp_path / "nope.yaml"))
    assert missing.exit_code == 2 and "nope.yaml" in missing.output
    bad = invoke("schedule", "pause", "--plan", str(PLAN))
    assert bad.exit_code == 2
    # Nothing built: the DR group and service do not exist -> reported, nothing changed.
    result = invoke("-o", "json", "schedule", "stop", "--plan", str(PLAN), "--yes")
    assert result.exit_code == 1, result.output
    assert json.loads(result.stdout)["error"]["message"]
