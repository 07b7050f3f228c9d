"""custom: a team's Lambda function, Automation runbook and local command as steps -- checked
for readiness, skipped when their check says done (reruns are no-ops), failures mapped to a
failed step with the reason, output journaled redacted, dry run running nothing, a timeout
killing the command's whole process group."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import boto3
import pytest

from drctl.engine.clock import FakeClock
from drctl.engine.run import Run, RunRequest
from drctl.engine.settings import default_settings, make_context
from drctl.kinds.registry import registry
from drctl.kinds.sandboxing import aws_time
from drctl.plan.loader import load_plan
from tests.support import build_sandbox, collect_checks, run_action

SECRET = "password=" + "Ab1/" * 10

PLAN = """\
version: 1
app: shop
tier: gold
strategy: warm-standby
regions: {primary: us-east-1, dr: us-west-2}
resources:
  - kind: custom
    name: feature-flags
    phase: data
    failover:
      check: {invoke: {function: flags-check, payload: {want: dr}}}
      run: {invoke: {function: flags-switch, payload: {to: dr}}}
      verify: {invoke: {function: flags-verify}}
    failback:
      check: {invoke: {function: flags-check-home}}
      run: {invoke: {function: flags-switch-home, payload: {to: primary}}}
  - kind: custom
    name: drain-queue
    depends_on: [feature-flags]
    failover:
      check: {automation: {document: drain-check}}
      run: {automation: {document: drain-queue, parameters: {Queue: [orders]}}}
    failback:
      run: {automation: {document: drain-home}}
  - kind: custom
    name: warm-cache
    phase: notify
    failover:
      check: {command: {argv: [test, -f, warmed-dr], cwd: work}}
      run:
        command:
          argv: [sh, -c, "echo warming; touch warmed-dr; echo SECRET_LINE"]
          cwd: work
          timeout: 30s
          env: {CACHE: "orders"}
    failback:
      check: {command: {argv: [test, "!", -f, warmed-dr], cwd: work}}
      run: {command: {argv: [rm, -f, warmed-dr], cwd: work}}
"""


def _plan_file(tmp_path: Path, text: str = PLAN) -> Path:
    (tmp_path / "work").mkdir(exist_ok=True)
    path = tmp_path / "plan.yaml"
    path.write_text(text.replace("SECRET_LINE", SECRET))
    return path


def _settings(tmp_path: Path, **kwargs: Any) -> Any:
    settings = default_settings(state_dir=tmp_path / "state", clock=FakeClock(), **kwargs)
    aws_time.follow(settings.clock.now)
    return settings


def _flag(name: str, region: str) -> str | None:
    ssm = boto3.client("ssm", region_name=region)
    try:
        return str(ssm.get_parameter(Name=f"/drctl-sandbox/{name}")["Parameter"]["Value"])
    except ssm.exceptions.ParameterNotFound:
        return None


def test_checks_pass_on_the_built_sandbox_and_name_what_is_missing(
    aws: None, tmp_path: Path
) -> None:
    loaded = load_plan(_plan_file(tmp_path))
    settings = _settings(tmp_path)
    ctx = make_context(loaded.plan, settings)
    before = {(c.resource, c.name): c.run() for c in collect_checks(loaded.plan, ctx)}
    assert before[("feature-flags", "failover-run")].status.value == "fail"
    assert (
        "no Lambda function flags-switch in us-west-2"
        in before[("feature-flags", "failover-run")].detail
    )
    assert (
        "no SSM document drain-queue in us-west-2" in before[("drain-queue", "failover-run")].detail
    )
    assert before[("warm-cache", "failover-run")].status.value == "pass"

    build_sandbox(loaded.plan, settings)
    after = {(c.resource, c.name): c.run() for c in collect_checks(loaded.plan, ctx)}
    assert {k: r.status.value for k, r in after.items() if r.status.value != "pass"} == {}
    assert set(after) >= {
        ("feature-flags", "failover-check"),
        ("feature-flags", "failover-verify"),
        ("drain-queue", "failback-run"),
        ("warm-cache", "failback-check"),
    }


def test_a_program_not_on_path_or_not_in_the_working_directory_fails_the_check(
    tmp_path: Path,
) -> None:
    text = PLAN.replace("argv: [rm, -f, warmed-dr]", "argv: [no-such-program-x]").replace(
        "argv: [test, -f, warmed-dr], cwd: work", "argv: [./missing.sh], cwd: work"
    )
    loaded = load_plan(_plan_file(tmp_path, text))
    ctx = make_context(loaded.plan, _settings(tmp_path))
    checks = {(c.resource, c.name): c for c in collect_checks(loaded.plan, ctx)}
    run_back = checks[("warm-cache", "failback-run")].run()
    assert run_back.status.value == "fail" and "not found on PATH" in run_back.detail
    check = checks[("warm-cache", "failover-check")].run()
    assert check.status.value == "fail" and "./missing.sh is not found in" in check.detail


def test_failover_runs_each_action_reruns_as_no_ops_and_failback_undoes(
    aws: None, tmp_path: Path
) -> None:
    path = _plan_file(tmp_path)
    loaded = load_plan(path)
    settings = _settings(tmp_path)
    build_sandbox(loaded.plan, settings)

    record = run_action(loaded, settings, "failover")
    assert record.status == "succeeded", [(s.id, s.status, s.detail) for s in record.steps]
    steps = {s.id: s for s in record.steps}
    assert [s.id for s in record.steps] == [
        "feature-flags.run",
        "drain-queue.run",
        "warm-cache.run",
    ]
    assert {s.status for s in record.steps} == {"succeeded"}
    # Read back: the function and the runbook flipped their flags in DR, the command ran.
    assert _flag("feature-flags", "us-west-2") == "dr"
    assert _flag("drain-queue", "us-west-2") == "dr"
    assert (tmp_path / "work" / "warmed-dr").is_file()
    # Output journaled: the command's, redacted; the runbook's status; the function's log.
    cache = steps["warm-cache.run"]
    assert "warming" in cache.data["output"] and SECRET not in cache.data["output"]
    assert "password=[REDACTED]" in cache.data["output"]
    assert steps["drain-queue.run"].data["status"] == "Success"
    assert "put /drctl-sandbox/feature-flags=dr" in steps["feature-flags.run"].data["output"]
    calls = [c["operation"] for c in steps["drain-queue.run"].calls]
    assert calls == ["StartAutomationExecution"]

    again = run_action(loaded, settings, "failover")
    assert [(s.id, s.status) for s in again.steps] == [
        ("feature-flags.run", "skipped"),
        ("drain-queue.run", "skipped"),
        ("warm-cache.run", "skipped"),
    ]

    back = run_action(loaded, settings, "failback")
    assert back.status == "succeeded", [(s.id, s.status, s.detail) for s in back.steps]
    assert _flag("feature-flags", "us-west-2") == "primary"
    assert _flag("drain-queue", "us-west-2") == "primary"
    assert not (tmp_path / "work" / "warmed-dr").exists()


def test_dry_run_runs_nothing_and_shows_each_call(aws: None, tmp_path: Path) -> None:
    loaded = load_plan(_plan_file(tmp_path))
    build_sandbox(loaded.plan, _settings(tmp_path))
    settings = _settings(tmp_path, dry_run=True)
    run = Run(loaded, settings, registry(), RunRequest(action="failover"))
    record = run.dry_run()
    assert [s.status for s in record.steps] == ["pending"] * 3
    assert all("not checked in a dry run" in s.detail for s in record.steps)
    graph = run.graph.by_id()
    assert (
        "aws lambda invoke --region us-west-2 --function-name flags-switch"
        in (graph["feature-flags.run"].cli[1])
    )
    assert (
        graph["drain-queue.run"]
        .cli[1]
        .startswith(
            "aws ssm start-automation-execution --region us-west-2 --document-name drain-queue "
            "--parameters"
        )
    )
    assert "CACHE=orders sh -c" in graph["warm-cache.run"].cli[1]
    assert _flag("feature-flags", "us-west-2") is None
    assert _flag("drain-queue", "us-west-2") is None
    assert not (tmp_path / "work" / "warmed-dr").exists()


FAILING = """\
version: 1
app: shop
tier: gold
strategy: warm-standby
regions: {primary: us-east-1, dr: us-west-2}
resources:
  - kind: custom
    name: broken
    failover:
      run: RUN
"""


@pytest.mark.parametrize(
    ("run", "message"),
    [
        ("{command: {argv: [sh, -c, 'echo boom >&2; exit 3']}}", "sh exited with status 3: boom"),
        ("{invoke: {function: raising}}", "function raising failed (Unhandled): out of cheese"),
        ("{automation: {document: unmodelled}}", "ended Failed: Step fails when it is executing"),
    ],
    ids=["command", "lambda", "automation"],
)
def test_a_failing_action_fails_the_step_with_its_reason(
    aws: None, tmp_path: Path, run: str, message: str
) -> None:
    loaded = load_plan(_plan_file(tmp_path, FAILING.replace("RUN", run)))
    settings = _settings(tmp_path)
    boto3.client("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")
    boto3.client("lambda", region_name="us-west-2").create_function(
        FunctionName="raising",
        Runtime="python3.12",
        Role="arn:aws:iam::123456789012:role/r",
        Handler="index.handler",
        Code={"ZipFile": b"PK"},
        Environment={"Variables": {"DRCTL_SANDBOX_ERROR": "out of cheese"}},
    )
    boto3.client("ssm", region_name="us-west-2").create_document(
        Name="unmodelled",
        DocumentType="Automation",
        Content='{"schemaVersion": "0.3", "mainSteps": [{"name": "reboot", '
        '"action": "aws:executeAwsApi", "inputs": {"Service": "ec2", "Api": "RebootInstances"}}]}',
    )
    record = run_action(loaded, settings, "failover")
    [step] = record.steps
    assert record.status == "failed" and step.status == "failed"
    assert message in step.detail, step.detail


def test_a_command_past_its_timeout_is_killed_with_its_process_group(tmp_path: Path) -> None:
    text = FAILING.replace(
        "RUN",
        "{command: {argv: [sh, -c, 'sleep 60 & echo $! > child.pid; wait'], timeout: 1s}}",
    )
    loaded = load_plan(_plan_file(tmp_path, text))
    settings = _settings(tmp_path)
    started = time.monotonic()
    record = run_action(loaded, settings, "failover")
    [step] = record.steps
    assert step.status == "failed" and "timed out after 1s" in step.detail
    assert "process group was killed" in step.detail
    assert time.monotonic() - started < 30
    child = int((tmp_path / "child.pid").read_text())
    for _ in range(50):  # the kill is delivered; the child is reaped by init shortly
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"the command's child {child} still runs")


def test_an_action_is_exactly_one_of_three_and_argv_is_a_list(tmp_path: Path) -> None:
    from drctl.errors import PlanError

    text = (
        FAILING.replace("RUN", "{invoke: {function: f}, command: {argv: [echo]}}")
        + "    failback:\n      run: {command: {argv: 'rm -rf /tmp/x'}}\n"
    )
    with pytest.raises(PlanError) as info:
        load_plan(_plan_file(tmp_path, text))
    path = tmp_path / "plan.yaml"
    assert info.value.diagnostics == [
        f"{path}:10:12: resources[0].failover.run: give exactly one of invoke, automation "
        "or command",
        f"{path}:12:29: resources[0].failback.run.command.argv: Input should be a valid list",
    ]


@pytest.mark.filterwarnings("error")
def test_a_child_left_holding_the_output_does_not_hold_the_step(tmp_path: Path) -> None:
    text = FAILING.replace(
        "RUN", "{command: {argv: [sh, -c, 'sleep 8 & echo started'], timeout: 1m}}"
    )
    loaded = load_plan(_plan_file(tmp_path, text))
    started = time.monotonic()
    record = run_action(loaded, _settings(tmp_path), "failover")
    [step] = record.steps
    assert step.status == "succeeded", step.detail
    assert step.data["output"] == "started\n" and step.data["exit_status"] == 0
    assert time.monotonic() - started < 8  # the reader's grace, not the child's sleep


RESUMABLE = """\
version: 1
app: shop
tier: gold
strategy: warm-standby
regions: {primary: us-east-1, dr: us-west-2}
resources:
  - kind: custom
    name: first
    phase: data
    failover:
      run: {command: {argv: [sh, -c, 'echo ran >> first.log']}}
  - kind: custom
    name: second
    depends_on: [first]
    failover:
      run: {command: {argv: [sh, -c, 'test -f ready || { echo not ready; exit 1; }']}}
"""


def test_a_failed_custom_step_resumes_without_rerunning_the_ones_done(tmp_path: Path) -> None:
    loaded = load_plan(_plan_file(tmp_path, RESUMABLE))
    settings = _settings(tmp_path)
    failed = run_action(loaded, settings, "failover")
    assert [(s.id, s.status) for s in failed.steps] == [
        ("first.run", "succeeded"),
        ("second.run", "failed"),
    ]
    assert failed.steps[1].detail == "second: sh exited with status 1: not ready"
    (tmp_path / "ready").write_text("")
    resumed = run_action(loaded, settings, "failover", resume=failed.run_id)
    assert resumed.status == "succeeded"
    assert (tmp_path / "first.log").read_text() == "ran\n"  # done once, not again
