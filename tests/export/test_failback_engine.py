"""``drctl failback --engine stepfunctions``: the failback state machine, deployed with the
capacities and settings of the failover it undoes, started and followed as a journaled run;
refused when the newest failover is not the one it was deployed for."""

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
MODE = ("--mode", "unplanned")
FAILBACK = ("failback", "--plan", PLAN, *MODE, "--only", "api", "--engine", "stepfunctions")


@pytest.fixture(autouse=True)
def fast_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("drctl.export.execution.POLL_SECONDS", 0.05)


def _failover() -> str:
    done = invoke("-o", "json", "failover", "--plan", PLAN, *MODE, "--only", "api", "--yes")
    assert done.exit_code == 0, done.output
    return str(json.loads(done.stdout)["run_id"])


def test_a_failback_on_step_functions_undoes_the_failover_and_is_journaled() -> None:
    with sfn_support.sandbox(Path(DEMO_PLAN)) as loaded:
        failover_id = _failover()
        assert end_state(loaded.plan)["api"]["served"] == "SECONDARY"
        deployed = invoke(
            "-o", "json", "deploy", "stepfunctions", "--plan", PLAN, "--action", "failback",
            *MODE, "--only", "api", "--yes",
        )  # fmt: skip
        assert deployed.exit_code == 0, deployed.output
        doc: dict[str, Any] = json.loads(deployed.stdout)
        assert doc["state_machine"] == "drctl-shop-failback-unplanned"
        assert doc["steps"] == ["api.restore-traffic"]
        assert doc["cross_region_calls"] == []  # Route 53 is global: no Region in the ARN
        sfn = boto3.client("stepfunctions", region_name="us-west-2")
        tags = {
            t["key"]: t["value"]
            for t in sfn.list_tags_for_resource(resourceArn=doc["state_machine_arn"])["tags"]
        }
        assert tags["drctl:from-run"] == failover_id

        result = invoke("-o", "json", *FAILBACK, "--yes")
        assert result.exit_code == 0, result.output
        record: dict[str, Any] = json.loads(result.stdout)
        assert record["action"] == "failback" and record["status"] == "succeeded"
        assert {s["id"]: s["status"] for s in record["steps"]} == {
            "api.restore-traffic": "succeeded"
        }
        state = end_state(loaded.plan)["api"]
        assert state == {"inverted": False, "disabled": False, "served": "PRIMARY"}
        names = [
            e["name"]
            for e in sfn.list_executions(stateMachineArn=doc["state_machine_arn"])["executions"]
        ]
        assert names == [record["run_id"]]
        shown = json.loads(invoke("-o", "json", "runs", "show", record["run_id"]).stdout)
        assert shown["action"] == "failback" and shown["status"] == "succeeded"


def test_a_machine_deployed_to_undo_another_failover_is_not_run() -> None:
    with sfn_support.sandbox(Path(DEMO_PLAN)) as loaded:
        first = _failover()
        deployed = invoke(
            "deploy", "stepfunctions", "--plan", PLAN, "--action", "failback", *MODE,
            "--only", "api", "--yes",
        )  # fmt: skip
        assert deployed.exit_code == 0, deployed.output
        newer = _failover()  # finds everything done; the newest failover now
        assert newer != first
        before = end_state(loaded.plan)
        result = invoke(*FAILBACK, "--yes")
        assert result.exit_code == 2
        assert f"or to undo another failover than {newer}" in result.stderr
        assert f"--from-run {newer}" in result.stderr
        assert end_state(loaded.plan) == before
        # Naming the failover it was deployed for runs it.
        named = invoke(*FAILBACK, "--from-run", first, "--yes")
        assert named.exit_code == 0, named.output
        assert end_state(loaded.plan)["api"]["served"] == "PRIMARY"


def test_failback_export_names_the_failover_it_restores(tmp_path: Path) -> None:
    with sfn_support.sandbox(Path(DEMO_PLAN)):
        unknown = invoke(
            "export", "stepfunctions", "--plan", PLAN, "--action", "failback", *MODE,
            "--from-run", "no-such-run",
        )  # fmt: skip
        assert unknown.exit_code == 2
        assert "no-such-run" in unknown.stderr
