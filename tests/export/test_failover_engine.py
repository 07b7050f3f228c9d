"""``drctl failover --engine stepfunctions``: the deployed state machine started under the run
id, followed to its end, journaled as a run with its lock; refused when it is missing or
deployed from another version of the plan; Ctrl-C leaves the execution running."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.conftest import DEMO_PLAN
from tests.export import sfn_support
from tests.export.end_state import end_state
from tests.support import invoke

PLAN = str(DEMO_PLAN)
FAILOVER = ("failover", "--plan", PLAN, "--mode", "unplanned", "--engine", "stepfunctions")


@pytest.fixture(autouse=True)
def fast_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("drctl.export.execution.POLL_SECONDS", 0.05)


def _deploy(*extra: str) -> None:
    deployed = invoke("deploy", "stepfunctions", "--plan", PLAN, "--mode", "unplanned",
                      "--yes", *extra)  # fmt: skip
    assert deployed.exit_code == 0, deployed.output


def test_a_failover_on_step_functions_is_a_journaled_run(tmp_path: Path) -> None:
    with sfn_support.sandbox(Path(DEMO_PLAN)) as loaded:
        _deploy()
        result = invoke("-o", "json", *FAILOVER, "--yes")
        assert result.exit_code == 0, result.output
        record: dict[str, Any] = json.loads(result.stdout)
        assert record["status"] == "succeeded"
        assert {s["id"]: s["status"] for s in record["steps"]} == {
            "assets.verify-dr": "succeeded", "orders-db.promote": "succeeded",
            "api.shift-traffic": "succeeded", "orders-db.fence-old-primary": "succeeded",
        }  # fmt: skip
        assert record["rto_seconds"] > 0
        state = end_state(loaded.plan)
        assert state["orders-db"]["dr"]["replica_of"] is None
        assert state["api"]["served"] == "SECONDARY"

        # The execution is named from the run; runs list/show know the run.
        sfn = boto3.client("stepfunctions", region_name="us-west-2")
        machine = sfn.list_state_machines()["stateMachines"][0]["stateMachineArn"]
        names = [e["name"] for e in sfn.list_executions(stateMachineArn=machine)["executions"]]
        assert names == [record["run_id"]]
        listed = json.loads(invoke("-o", "json", "runs", "list").stdout)
        assert record["run_id"] in [r["run_id"] for r in listed["runs"]]
        shown = json.loads(invoke("-o", "json", "runs", "show", record["run_id"]).stdout)
        assert shown["status"] == "succeeded"

        # The lock was released: a second run starts, and finds everything done (the DR
        # bucket, which has no precheck, is verified again).
        again = invoke("-o", "json", *FAILOVER, "--yes")
        assert again.exit_code == 0, again.output
        assert {s["id"]: s["status"] for s in json.loads(again.stdout)["steps"]} == {
            "assets.verify-dr": "succeeded", "orders-db.promote": "skipped",
            "api.shift-traffic": "skipped", "orders-db.fence-old-primary": "skipped",
        }  # fmt: skip
        assert end_state(loaded.plan) == state


def test_without_a_deployed_machine_it_says_how_to_deploy() -> None:
    with sfn_support.sandbox(Path(DEMO_PLAN)) as loaded:
        before = end_state(loaded.plan)
        result = invoke(*FAILOVER, "--yes")
        assert result.exit_code == 2
        assert "no state machine drctl-shop-failover-unplanned in us-west-2" in result.stderr
        assert "drctl deploy stepfunctions" in result.stderr
        assert end_state(loaded.plan) == before


def test_a_machine_deployed_from_another_plan_version_is_not_run() -> None:
    with sfn_support.sandbox(Path(DEMO_PLAN)) as loaded:
        _deploy("--only", "api")
        before = end_state(loaded.plan)
        result = invoke(*FAILOVER, "--yes")
        assert result.exit_code == 2
        assert "does not run this plan as it is now" in result.stderr
        assert end_state(loaded.plan) == before


def test_a_machine_whose_region_proxy_is_gone_or_stale_is_not_run() -> None:
    """Its cross-Region tasks would fail after the first steps acted: refuse before."""
    with sfn_support.sandbox(Path(DEMO_PLAN)) as loaded:
        _deploy()
        lam = boto3.client("lambda", region_name="us-west-2")
        other = sfn_support.zip_of("def handler(e, c): return 1\n")
        lam.update_function_code(FunctionName="drctl-shop-region-proxy", ZipFile=other)
        before = end_state(loaded.plan)
        stale = invoke(*FAILOVER, "--yes")
        assert stale.exit_code == 2, stale.output
        assert "runs other code than this drctl's" in stale.stderr
        lam.delete_function(FunctionName="drctl-shop-region-proxy")
        gone = invoke(*FAILOVER, "--yes")
        assert gone.exit_code == 2, gone.output
        assert "drctl-shop-region-proxy does not exist" in gone.stderr
        assert "drctl deploy stepfunctions" in gone.stderr
        assert end_state(loaded.plan) == before
        _deploy()  # redeploying brings it back, and the run goes through
        assert invoke(*FAILOVER, "--yes").exit_code == 0


def test_local_only_flags_are_refused() -> None:
    result = invoke(*FAILOVER, "--approve", "x", "--yes")
    assert result.exit_code == 2
    assert "--approve: only the CLI engine takes it" in result.stderr


def test_ctrl_c_stops_following_and_keeps_the_execution_and_the_lock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from drctl.export.execution import StepFunctionsRun

    def interrupted(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    following = StepFunctionsRun._on_event
    with sfn_support.sandbox(Path(DEMO_PLAN)):
        _deploy()
        monkeypatch.setattr(StepFunctionsRun, "_on_event", interrupted)
        result = invoke(*FAILOVER, "--yes")
        assert result.exit_code == 130
        assert "the execution keeps running in us-west-2" in result.stderr
        assert "aws stepfunctions stop-execution" in result.stderr
        sfn = boto3.client("stepfunctions", region_name="us-west-2")
        machine = sfn.list_state_machines()["stateMachines"][0]["stateMachineArn"]
        (execution,) = sfn.list_executions(stateMachineArn=machine)["executions"]
        finished = sfn_support.follow(execution["executionArn"], "us-west-2")
        assert finished.status == "SUCCEEDED"  # it ran on without anyone following
        monkeypatch.setattr(StepFunctionsRun, "_on_event", following)
        locked = invoke(*FAILOVER, "--yes")
        assert locked.exit_code == 4  # the interrupted run still holds the lock
