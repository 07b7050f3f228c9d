"""Exported definitions run in moto's Step Functions interpreter against the same sandbox as
the CLI engine: the same AWS state at the end, read back resource by resource, and a rerun
that changes nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from drctl.engine.settings import default_settings
from tests.conftest import DEMO_PLAN
from tests.export import sfn_support
from tests.export.end_state import end_state
from tests.support import run_action


def test_demo_unplanned_failover_on_step_functions_leaves_what_the_cli_leaves(
    tmp_path: Path,
) -> None:
    with sfn_support.sandbox(Path(DEMO_PLAN)) as loaded:
        before = end_state(loaded.plan)
        settings = default_settings(state_dir=tmp_path / "state")
        record = run_action(loaded, settings, "failover", mode="unplanned")
        assert record.status == "succeeded"
        by_cli = end_state(loaded.plan)
    with sfn_support.sandbox(Path(DEMO_PLAN)) as loaded:
        execution = sfn_support.run(loaded, mode="unplanned")
        assert execution.status == "SUCCEEDED", execution.error
        by_sfn = end_state(loaded.plan)
    assert by_sfn == by_cli
    # And the failover did something: replica promoted and writable, primary fenced,
    # traffic on the SECONDARY.
    assert before["orders-db"]["dr"]["replica_of"] is not None
    assert by_sfn["orders-db"]["dr"] == {**by_sfn["orders-db"]["dr"], "replica_of": None}
    assert by_sfn["orders-db"]["dr"]["status"] == "available"
    assert str(by_sfn["orders-db"]["primary"]["parameter_group"]).startswith("drctl-fenced-")
    assert by_sfn["api"] == {"inverted": True, "disabled": False, "served": "SECONDARY"}


def test_a_rerun_of_the_execution_changes_nothing() -> None:
    with sfn_support.sandbox(Path(DEMO_PLAN)) as loaded:
        first = sfn_support.run(loaded, mode="unplanned", name="run-1")
        assert first.status == "SUCCEEDED", first.error
        after_first = end_state(loaded.plan)
        second = sfn_support.run(loaded, mode="unplanned", name="run-2")
        assert second.status == "SUCCEEDED", second.error
        assert end_state(loaded.plan) == after_first
    # Every step's precheck found it done: no call made, no wait loop entered.
    acted = [n for n in second.entered if ": call " in n or n.endswith(": wait")]
    assert acted == []
    assert [n for n in first.entered if ": call " in n]  # the first one did act
    assert len(second.entered) < len(first.entered)


def test_a_planned_execution_without_a_passing_rpo_verdict_changes_nothing() -> None:
    with sfn_support.sandbox(Path(DEMO_PLAN)) as loaded:
        before = end_state(loaded.plan)
        execution = sfn_support.run(
            loaded, mode="planned", only=["assets", "api"], payload={"note": "no gate verdict"}
        )
        assert execution.status == "FAILED"
        assert execution.error == "drctl.RpoGateRefused"
        assert execution.entered == ["RPO gate", "RPO gate refused"]
        assert end_state(loaded.plan) == before


def test_an_execution_name_is_used_once() -> None:
    """Named from the run id, a second start of the same run is refused by AWS."""
    with sfn_support.sandbox(Path(DEMO_PLAN)) as loaded:
        first = sfn_support.run(loaded, mode="unplanned", name="shop-failover-1")
        assert first.status == "SUCCEEDED"
        sfn = boto3.client("stepfunctions", region_name=loaded.plan.regions.dr)
        arn = sfn.list_state_machines()["stateMachines"][0]["stateMachineArn"]
        with pytest.raises(sfn.exceptions.ExecutionAlreadyExists):
            sfn.start_execution(stateMachineArn=arn, name="shop-failover-1", input="{}")


def test_a_task_naming_another_region_fails_the_execution_as_on_aws() -> None:
    """Step Functions calls only its own Region, and a ``States.Runtime`` error is taken by
    no ``Catch`` (``States.ALL`` included): the execution fails, nothing is called there."""
    from moto import mock_aws

    from drctl.sandbox.extensions import install

    install()
    config: Any = {
        "core": {"reset_boto3_session": False},
        "stepfunctions": {"execute_state_machine": True},
    }
    with mock_aws(config=config):
        for region in ("us-east-1", "us-west-2"):
            boto3.client("sqs", region_name=region).create_queue(QueueName="q")

        def definition(resource: str) -> str:
            return json.dumps({
                "StartAt": "call",
                "States": {
                    "call": {"Type": "Task", "Resource": resource,
                             "Parameters": {"QueueName": "q"},
                             "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "caught"}],
                             "End": True},
                    "caught": {"Type": "Pass", "End": True},
                },
            })  # fmt: skip

        sfn = boto3.client("stepfunctions", region_name="us-west-2")
        here = sfn.create_state_machine(
            name="here", roleArn=sfn_support.ROLE,
            definition=definition("arn:aws:states:::aws-sdk:sqs:getQueueUrl"),
        )["stateMachineArn"]  # fmt: skip
        there = sfn.create_state_machine(
            name="there", roleArn=sfn_support.ROLE,
            definition=definition("arn:aws:states:us-east-1::aws-sdk:sqs:getQueueUrl"),
        )["stateMachineArn"]  # fmt: skip
        ok = sfn_support.follow(sfn_support.start(here, "us-west-2", "a", {}), "us-west-2")
        assert ok.status == "SUCCEEDED" and "caught" not in ok.entered
        failed = sfn_support.follow(sfn_support.start(there, "us-west-2", "b", {}), "us-west-2")
        assert failed.status == "FAILED"
        assert failed.error == "States.Runtime"
        assert "caught" not in failed.entered
        cause = next(e for e in failed.history if e["type"] == "ExecutionFailed")
        assert "different region (us-east-1)" in cause["executionFailedEventDetails"]["cause"]


def test_arc_routing_controls_move_through_the_proxy_when_an_endpoint_is_down() -> None:
    """The cluster endpoint in the state machine's Region does not answer: the proxy tries
    the next one, as AWS asks of routing control callers, and the controls move."""
    from drctl.sandbox.outages import outages
    from tests.conftest import REPO

    plan = REPO / "examples" / "ecommerce-warm-standby-arc.yaml"
    with sfn_support.sandbox(plan) as loaded:
        outages.add("route53-recovery-cluster@us-west-2")
        try:
            execution = sfn_support.run_approving(
                loaded, mode="unplanned", name="run-1", only=["api"]
            )
            refused = outages.refused()
        finally:
            outages.clear()
        assert execution.status == "SUCCEEDED", execution.error
        assert end_state(loaded.plan)["api"] == {"shop-us-east-1": "Off", "shop-us-west-2": "On"}
    assert any("route53-recovery-cluster@us-west-2" in str(r) for r in refused), refused


def test_the_fence_of_a_primary_on_a_default_group_creates_a_group_of_its_family() -> None:
    """AWS refuses to copy a default parameter group: on Step Functions too, the fence of a
    primary on one is a new group of the family, with read_only set."""
    with sfn_support.sandbox(Path(DEMO_PLAN)) as loaded:
        rds = boto3.client("rds", region_name="us-east-1")
        rds.create_db_instance(
            DBInstanceIdentifier="other", DBInstanceClass="db.t3.micro", Engine="mysql",
            EngineVersion="8.0.35", MasterUsername="admin", MasterUserPassword="not-a-secret-1",
            AllocatedStorage=20,
        )  # fmt: skip
        rds.describe_db_instances(DBInstanceIdentifier="other")  # moto now knows the group
        rds.modify_db_instance(
            DBInstanceIdentifier="shop-orders",
            DBParameterGroupName="default.mysql8.0",
            ApplyImmediately=True,
        )
        from drctl.kinds.sandboxing import aws_time

        aws_time.wait(600)  # the modification applies over AWS time
        document = sfn_support.export(loaded, mode="planned")
        actions = json.dumps(document)
        assert (
            "aws-sdk:rds:createDBParameterGroup" in actions or "createDBParameterGroup" in actions
        )
        assert "copyDBParameterGroup" not in actions
        execution = sfn_support.run(loaded, mode="planned")
        assert execution.status == "SUCCEEDED", execution.error
        [group] = rds.describe_db_parameter_groups(DBParameterGroupName="drctl-fenced-shop-orders")[
            "DBParameterGroups"
        ]
        assert group["DBParameterGroupFamily"] == "mysql8.0"
        params = rds.describe_db_parameters(
            DBParameterGroupName="drctl-fenced-shop-orders", Source="user"
        )["Parameters"]
        assert ("read_only", "1") in {(p["ParameterName"], p["ParameterValue"]) for p in params}
        primary = rds.describe_db_instances(DBInstanceIdentifier="shop-orders")["DBInstances"][0]
        assert primary["DBParameterGroups"][0]["DBParameterGroupName"] == "drctl-fenced-shop-orders"


def test_a_part_already_done_is_skipped_and_the_next_part_still_runs() -> None:
    """A step of two idempotent parts (create two parameters) where the first already
    exists: the execution leaves it as it was and creates the second; a rerun calls nothing."""
    from moto import mock_aws

    from drctl.engine.declarative import SfnStep
    from drctl.engine.graph import build_graph
    from drctl.engine.step import Phase
    from drctl.export.stepfunctions import definition
    from drctl.sandbox.extensions import install
    from tests.export.test_definition import TARGET, _parameter_part, _step

    install()
    config: Any = {
        "core": {"reset_boto3_session": False},
        "stepfunctions": {"execute_state_machine": True},
    }
    step = _step("a", "one", Phase.DATA)
    form = SfnStep(parts=(_parameter_part("/x"), _parameter_part("/y")))
    step.sfn = lambda: form
    document = definition(build_graph([step], {}), TARGET)
    with mock_aws(config=config):
        ssm = boto3.client("ssm", region_name="us-west-2")
        ssm.put_parameter(Name="/x", Value="old", Type="String")
        arn = sfn_support.machine(document, "us-west-2")
        first = sfn_support.follow(sfn_support.start(arn, "us-west-2", "one", {}), "us-west-2")
        assert first.status == "SUCCEEDED", first.error
        assert ssm.get_parameter(Name="/x")["Parameter"]["Value"] == "old"
        assert ssm.get_parameter(Name="/y")["Parameter"]["Value"] == "new"
        assert [n for n in first.entered if ": call " in n] == ["a.one: part 2: call 1"]
        again = sfn_support.follow(sfn_support.start(arn, "us-west-2", "two", {}), "us-west-2")
        assert again.status == "SUCCEEDED", again.error
        assert [n for n in again.entered if ": call " in n] == []
        assert ssm.get_parameter(Name="/y")["Parameter"]["Version"] == 1


def test_an_sdk_task_error_and_the_entered_time_read_as_on_aws() -> None:
    """An AWS SDK task's error is ``<Service>.<Code>Exception`` (a ``Catch`` of it matches;
    moto said ``efs.EfsException``), and ``$$.State.EnteredTime`` is UTC with milliseconds
    and ``Z``, on a whole second too (moto wrote ``+00:00`` and dropped the fraction)."""
    import re

    from moto import mock_aws

    from drctl.kinds.sandboxing import aws_time
    from drctl.sandbox.extensions import install

    install()
    config: Any = {
        "core": {"reset_boto3_session": False},
        "stepfunctions": {"execute_state_machine": True},
    }
    try:
        with mock_aws(config=config):
            efs = boto3.client("efs", region_name="us-west-2")
            fs_id = efs.create_file_system(CreationToken="t")["FileSystemId"]
            definition = {
                "StartAt": "read",
                "States": {
                    "read": {
                        "Type": "Task",
                        "Resource": "arn:aws:states:::aws-sdk:efs:describeFileSystemPolicy",
                        "Parameters": {"FileSystemId": fs_id},
                        "Catch": [
                            {"ErrorEquals": ["Efs.PolicyNotFoundException"], "Next": "none"},
                            {"ErrorEquals": ["States.ALL"], "Next": "other"},
                        ],
                        "End": True,
                    },
                    "none": {
                        "Type": "Pass",
                        "Parameters": {"at.$": "$$.State.EnteredTime", "error.$": "$.Error"},
                        "End": True,
                    },
                    "other": {"Type": "Pass", "End": True},
                },
            }
            sfn = boto3.client("stepfunctions", region_name="us-west-2")
            arn = sfn.create_state_machine(
                name="m", roleArn=sfn_support.ROLE, definition=json.dumps(definition)
            )["stateMachineArn"]
            aws_time.wait(1 - aws_time.now().microsecond / 1e6)  # onto a whole second
            done = sfn_support.follow(sfn_support.start(arn, "us-west-2", "a", {}), "us-west-2")
            assert done.status == "SUCCEEDED", done.error
            assert "none" in done.entered and "other" not in done.entered
            output = json.loads(sfn.describe_execution(executionArn=done.arn)["output"])
            assert output["error"] == "Efs.PolicyNotFoundException"
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", output["at"])
    finally:
        aws_time.reset()
