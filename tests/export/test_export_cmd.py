"""``drctl export stepfunctions`` and ``drctl approve`` from the command line: the definition
is well formed, a step only the CLI can run is named (exit 2), and a manual step of a running
execution is approved by name."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import boto3
import pytest

from drctl.export.validate import problems
from tests.conftest import DEMO_PLAN, REPO
from tests.docs.json_shapes import documented, mismatches
from tests.export import sfn_support
from tests.export.end_state import end_state
from tests.support import invoke

TOPIC = "arn:aws:sns:us-west-2:123456789012:shop-dr"


def _with_manual_step(tmp_path: Path) -> Path:
    plan = tmp_path / "shop.yaml"
    plan.write_text(
        Path(DEMO_PLAN).read_text()
        + "\n  - kind: manual\n    name: tell-support\n"
        + "    instructions: Tell support that orders are served from us-west-2 ({now})\n"
        + f"\nnotifications:\n  sns_topic_arn: {TOPIC}\n"
    )
    return plan


def test_export_writes_a_well_formed_definition_and_changes_nothing(tmp_path: Path) -> None:
    with sfn_support.sandbox(Path(DEMO_PLAN)) as loaded:
        before = end_state(loaded.plan)
        out = tmp_path / "failover.asl.json"
        result = invoke(
            "-o", "json", "export", "stepfunctions", "--plan", str(DEMO_PLAN),
            "--action", "failover", "--mode", "unplanned", "--out", str(out),
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        summary = json.loads(result.stdout)
        assert mismatches(summary, documented()["export stepfunctions"][1]) == []
        document = json.loads(out.read_text())
        assert problems(document) == []
        assert document["StartAt"] == "RPO gate"
        assert summary["steps"] == [
            "assets.verify-dr", "orders-db.promote", "api.shift-traffic",
            "orders-db.fence-old-primary",
        ]  # fmt: skip
        assert end_state(loaded.plan) == before
        # Without --out the definition itself is the output.
        plain = invoke(
            "export", "stepfunctions", "--plan", str(DEMO_PLAN), "--action", "failover",
            "--mode", "unplanned",
        )  # fmt: skip
        assert plain.exit_code == 0, plain.output
        assert json.loads(plain.stdout) == document


def test_export_names_the_steps_only_the_cli_can_run() -> None:
    plan = REPO / "examples" / "payments-custom-steps.yaml"
    with sfn_support.sandbox(plan):
        result = invoke("export", "stepfunctions", "--plan", str(plan), "--action", "failover")
    assert result.exit_code == 2
    assert "Step Functions: tell-on-call.run has no declarative form" in result.stderr
    assert result.stdout == ""


def test_without_a_topic_a_manual_step_asks_on_the_default_event_bus(tmp_path: Path) -> None:
    """The CLI engine sends no notification without a topic and asks on the terminal; the
    definition then has no notify states (its comment says so) and a manual step's request
    is an event on the DR Region's default bus, which drctl approve answers."""
    plan = tmp_path / "shop.yaml"
    plan.write_text(
        Path(DEMO_PLAN).read_text() + "\n  - kind: manual\n    name: tell-support\n"
        "    instructions: Tell support\n"
    )
    with sfn_support.sandbox(plan) as loaded:
        result = invoke(
            "export", "stepfunctions", "--plan", str(plan), "--action", "failover",
            "--mode", "unplanned",
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        document = json.loads(result.stdout)
        assert "no notifications.sns_topic_arn: no notification states" in document["Comment"]
        assert not [n for n in document["States"] if n.startswith("Notify")]
        states = {
            name: state
            for phase in document["States"].values()
            for branch in phase.get("Branches", [])
            for name, state in branch["States"].items()
        }
        ask = states["tell-support.confirm: wait for approval"]
        assert ask["Resource"] == "arn:aws:states:::events:putEvents.waitForTaskToken"
        assert ask["Parameters"]["Entries"][0]["Detail"]["drctl_step"] == "tell-support"

        arn = sfn_support.machine(document, "us-west-2")
        execution = sfn_support.start(arn, "us-west-2", "run-1", {})
        _wait_for_approval(execution, "tell-support.confirm: wait for approval")
        approved = invoke("approve", "--plan", str(plan), "--execution", execution,
                          "--step", "tell-support")  # fmt: skip
        assert approved.exit_code == 0, approved.output
        finished = sfn_support.follow(execution, "us-west-2")
        assert finished.status == "SUCCEEDED", finished.error
        assert end_state(loaded.plan)["api"]["served"] == "SECONDARY"


def test_export_of_a_bad_plan_is_a_positioned_error(tmp_path: Path) -> None:
    plan = tmp_path / "bad.yaml"
    plan.write_text("version: 1\napp: shop\nresources: nope\n")
    result = invoke("export", "stepfunctions", "--plan", str(plan), "--action", "failover")
    assert result.exit_code == 2
    assert f"{plan}:" in result.stderr


def _wait_for_approval(execution_arn: str, step_state: str) -> None:
    sfn = boto3.client("stepfunctions", region_name="us-west-2")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        events = sfn.get_execution_history(executionArn=execution_arn, maxResults=1000)["events"]
        if any(
            e["type"] == "TaskSubmitted"
            or (e["type"] == "TaskStateEntered"
                and e["stateEnteredEventDetails"]["name"] == step_state)
            for e in events
        ) and any(e["type"] == "TaskScheduled" for e in events):  # fmt: skip
            return
        time.sleep(0.05)
    raise AssertionError(f"{execution_arn} never reached {step_state}")


def test_approve_sends_the_token_and_the_execution_goes_on(tmp_path: Path) -> None:
    plan = _with_manual_step(tmp_path)
    with sfn_support.sandbox(plan) as loaded:
        document = sfn_support.export(loaded, mode="unplanned")
        arn = sfn_support.machine(document, "us-west-2")
        execution = sfn_support.start(arn, "us-west-2", "run-1", {})
        _wait_for_approval(execution, "tell-support.confirm: wait for approval")
        assert sfn_support.follow(execution, "us-west-2", until_not="").status == "RUNNING"

        # Not a manual step of the plan; a step that does not wait; no way to find a token.
        unknown = invoke("approve", "--plan", str(plan), "--execution", execution,
                         "--step", "orders-db")  # fmt: skip
        assert unknown.exit_code == 2 and "not a manual step" in unknown.stderr
        neither = invoke("approve", "--plan", str(plan))
        assert neither.exit_code == 2 and "--execution ARN and --step NAME" in neither.stderr

        approved = invoke("-o", "json", "approve", "--plan", str(plan), "--execution",
                          execution, "--step", "tell-support")  # fmt: skip
        assert approved.exit_code == 0, approved.output
        doc: dict[str, Any] = json.loads(approved.stdout)
        assert mismatches(doc, documented()["approve"][1]) == []
        assert doc["step"] == "tell-support"
        finished = sfn_support.follow(execution, "us-west-2")
        assert finished.status == "SUCCEEDED", finished.error
        assert end_state(loaded.plan)["api"]["served"] == "SECONDARY"

        again = invoke("approve", "--plan", str(plan), "--execution", execution,
                       "--step", "tell-support")  # fmt: skip
        assert again.exit_code == 3
        assert "SUCCEEDED: nothing waits" in again.stderr


@pytest.mark.parametrize("action", ["failover"])
def test_the_approval_request_names_the_step_and_carries_the_token(
    tmp_path: Path, action: str
) -> None:
    plan = _with_manual_step(tmp_path)
    with sfn_support.sandbox(plan) as loaded:
        document = sfn_support.export(loaded, action=action, mode="unplanned")
    states = {
        name: state
        for phase in document["States"].values()
        for branch in phase.get("Branches", [])
        for name, state in branch["States"].items()
    }
    ask = states["tell-support.confirm: wait for approval"]
    assert ask["Resource"] == "arn:aws:states:::sns:publish.waitForTaskToken"
    assert ask["Parameters"]["TopicArn"] == TOPIC
    attributes = ask["Parameters"]["MessageAttributes"]
    assert attributes["drctl_step"]["StringValue"] == "tell-support"
    assert attributes["drctl_task_token"]["StringValue.$"] == "$$.Task.Token"
    # The person's words reach the message, as an argument (braces there are plain text);
    # the state's comment keeps them exactly.
    assert "us-west-2 ((now))" in ask["Parameters"]["Message.$"]
    assert ask["Comment"].endswith("us-west-2 ({now})")


def test_export_says_which_tasks_call_another_region(tmp_path: Path) -> None:
    """AWS documents cross-Region AWS SDK integration as unavailable: the fence of the old
    primary (in us-east-1, from a machine in us-west-2) is named in the summary, the
    definition's comment and a warning, with what AWS says and what to do."""
    with sfn_support.sandbox(Path(DEMO_PLAN)):
        out = tmp_path / "failover.asl.json"
        result = invoke(
            "-o", "json", "export", "stepfunctions", "--plan", str(DEMO_PLAN),
            "--action", "failover", "--mode", "unplanned", "--out", str(out),
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    calls = json.loads(result.stdout)["cross_region_calls"]
    assert json.loads(result.stdout)["region_proxy"] == "drctl-shop-region-proxy"
    assert calls
    assert all(c.startswith("orders-db.fence-old-primary: ") for c in calls)
    assert "orders-db.fence-old-primary: precheck: rds:describeDBInstances in us-east-1" in calls
    document = json.loads(out.read_text())
    for text in (result.stderr, document["Comment"]):
        assert "calls AWS services only in the state machine's own Region" in text
        assert "concepts-access-cross-acct-resources.html" in text
        assert "Region proxy" in text and "drctl deploy stepfunctions" in text
    assert result.stderr.startswith("note: ")


def test_the_region_proxy_package_is_written_for_other_deployers(tmp_path: Path) -> None:
    """Deploying the definition by other means needs the proxy's package: the very bytes
    ``drctl deploy`` uploads, which hold the module that runs in Lambda."""
    import zipfile

    from drctl.aws.stepfunctions import proxy_zip

    package = tmp_path / "proxy.zip"
    with sfn_support.sandbox(Path(DEMO_PLAN)):
        result = invoke(
            "export", "stepfunctions", "--plan", str(DEMO_PLAN), "--action", "failover",
            "--mode", "unplanned", "--out", str(tmp_path / "d.json"),
            "--proxy-package", str(package),
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        unwritable = invoke(
            "export", "stepfunctions", "--plan", str(DEMO_PLAN), "--action", "failover",
            "--mode", "unplanned", "--proxy-package", str(tmp_path / "missing" / "p.zip"),
        )  # fmt: skip
    assert package.read_bytes() == proxy_zip()
    with zipfile.ZipFile(package) as archive:
        assert archive.namelist() == ["drctl_region_proxy.py"]
        assert "def handler(" in archive.read("drctl_region_proxy.py").decode()
    assert unwritable.exit_code == 2
    assert "cannot write" in unwritable.stderr and "Traceback" not in unwritable.stderr
