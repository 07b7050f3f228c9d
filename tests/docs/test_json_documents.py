"""Every command's ``--output json`` document is described in its docs page, field by field
with its type, and the real output of the command matches that description exactly: no
undocumented field, no missing one, no wrong type."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import DEMO_PLAN, EXAMPLES
from tests.docs.json_shapes import documented, mismatches
from tests.support import invoke

PLAN = str(DEMO_PLAN)
DRILLS = """
drills:
  - name: readiness
    type: checks
  - name: assets-lag
    type: replication
    resource: assets
experiments:
  - name: stop-web
    region: dr
    role_arn: arn:aws:iam::123456789012:role/drctl-fis
    actions:
      stop:
        action_id: aws:ec2:stop-instances
        targets: {Instances: web}
    targets:
      web:
        resource_type: aws:ec2:instance
        selection_mode: ALL
        resource_tags: {app: shop}
    stop_conditions:
      - alarm: shop-errors
"""


@pytest.fixture(scope="module")
def outputs(
    shared_sandbox: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """One real document per documented command, from one sandbox."""
    tmp = tmp_path_factory.mktemp("json-docs")
    state = str(tmp / "state")
    plan = tmp / "shop.yaml"
    plan.write_text(DEMO_PLAN.read_text() + DRILLS)
    # The experiment's prerequisites (its stop-condition alarm, its FIS role), as the sandbox
    # builds them for a plan that names an experiment.
    from drctl.engine.settings import default_settings, make_context
    from drctl.kinds.sandboxing import SandboxBuild
    from drctl.plan.loader import load_plan
    from drctl.sandbox.prerequisites import build_experiment

    extended = load_plan(plan).plan
    sessions = make_context(extended, default_settings(state_dir=tmp / "build")).sessions
    for experiment in extended.experiments:
        build_experiment(SandboxBuild(extended, sessions), experiment)

    def run(*args: str, code: int = 0) -> Any:
        result = invoke("-o", "json", "--state-dir", state, *args)
        assert result.exit_code == code, result.output
        return json.loads(result.stdout)

    docs: dict[str, Any] = {
        "plan validate": run("plan", "validate", str(plan)),
        "plan show": run("plan", "show", str(plan)),
        "check": run("check", "--plan", str(plan), "--publish"),
        "failover --dry-run": run("failover", "--plan", str(plan), "--dry-run"),
        "chaos list": run("chaos", "list", "--plan", str(plan)),
        "chaos stop": run("chaos", "stop", "--plan", str(plan), "stop-web"),
        "test": run("test", "--plan", str(plan), "--drill", "readiness"),
        "runbook": run("runbook", "--plan", str(plan)),
        "runbook (plan of plans)": run("runbook", "--plan", str(EXAMPLES / "organisation.yaml")),
        "bia": run("bia", "--revenue-per-hour", "50000", "--criticality", "critical"),
        "plan init": run(*INIT),
        "plan init --discover": run("plan", "init", "--discover", "--tag", "Application=shop"),
        "iam-policy": run("iam-policy", "--plan", str(plan)),
        "schedule": run("schedule", "stop", "--plan", str(plan), "--dry-run"),
        "cost": run("cost", "--plan", str(plan)),
    }
    docs["failover"] = run("failover", "--plan", str(plan), "--yes")
    docs["runs list"] = run("runs", "list")
    docs["runs show"] = run("runs", "show", docs["failover"]["run_id"])
    docs["failback"] = run("failback", "--plan", str(plan), "--yes")
    # After the failback: the instances it kept aside, so the rows' shape is checked too.
    docs["cleanup"] = run("cleanup", "--plan", str(plan), "--dry-run")
    assert docs["cleanup"]["leftovers"], docs["cleanup"]
    snapshots = tmp / "snapshots.yaml"
    snapshots.write_text(
        DEMO_PLAN.read_text()
        .replace("strategy: warm-standby", "strategy: backup-restore")
        .replace("tier: platinum", "tier: bronze")
        .replace("rto: 15m", "rto: 4h")
        .replace("rpo: 5m", "rpo: 1h")
        .replace("    dr: shop-orders-dr\n", "    dr: shop-orders-dr\n    recovery: snapshot\n")
    )
    docs["backup --dry-run"] = run("backup", "--plan", str(snapshots), "--dry-run")
    docs["report"] = run("report", "--plan", str(plan), "-o", str(tmp / "report.html"))
    topic = "notifications:\n  sns_topic_arn: arn:aws:sns:us-west-2:123456789012:shop-dr\n"
    notified = tmp / "notified.yaml"
    notified.write_text(topic + plan.read_text())
    docs["alarms apply"] = run("alarms", "apply", "--plan", str(notified), "--dry-run")
    docs["compliance rules"] = run("compliance", "rules", "--plan", str(plan), "--dry-run")
    docs["compliance status"] = run("compliance", "status", "--plan", str(plan), code=1)
    docs["error"] = run("runs", "show", "20990101T000000Z-nope", code=2)
    locked = tmp / "locked"
    from drctl.engine.lock import FileLockStore, LockInfo, RunLock

    RunLock(
        FileLockStore(locked, "shop"),
        LockInfo("deadbeef", "shop", "run-x", "failover", "host", "me", 1, "2026-01-01T00:00:00Z"),
    ).acquire()
    unlocked = invoke("-o", "json", "--state-dir", str(locked), "unlock", "--plan", str(plan),
                      "deadbeef")  # fmt: skip
    assert unlocked.exit_code == 0, unlocked.output
    docs["unlock"] = json.loads(unlocked.stdout)
    yield docs


SHAPES = documented()
INIT = ("plan", "init", "--from-bia", "--app", "shop", "--revenue-per-hour", "500",
        "--criticality", "standard", "--regulatory", "sox")  # fmt: skip


def test_the_main_commands_are_documented() -> None:
    for name in ("plan validate", "plan show", "check", "failover", "failover --dry-run",
                 "runs list", "runs show", "test", "chaos list", "unlock", "report", "error",
                 "demo", "sandbox up"):  # fmt: skip
        assert name in SHAPES, f"no <!-- json: {name} --> block in docs/commands/"


@pytest.mark.parametrize(
    # Checked where they run anyway: sandbox up in tests/e2e/test_sandbox_subprocess.py, chaos
    # run (it follows FIS for seconds) in tests/cli/test_chaos_cmd.py, the demo (its own moto,
    # which must not nest inside this module's) in tests/cli/test_demo.py; approve and export
    # stepfunctions, deploy stepfunctions (they need moto's Step Functions interpreter) in
    # tests/export/.
    "name",
    [
        n
        for n in SHAPES
        if n
        not in (
            "demo",
            "sandbox up",
            "chaos run",
            "approve",
            "deploy stepfunctions",
            "export stepfunctions",
            # A running sandbox server's: tests/e2e/test_sandbox_subprocess.py (down) and
            # tests/e2e/test_sandbox_outage.py (outage list and clear).
            "sandbox down",
            "sandbox outage",
        )
    ],
)
def test_real_output_matches_the_documented_shape(name: str, outputs: dict[str, Any]) -> None:
    page, shape = SHAPES[name]
    problems = mismatches(outputs[name], shape)
    assert not problems, f"{page.name}, {name}:\n" + "\n".join(problems)


# Commands whose document is another's, as their page says (a failback or a backup is a run:
# its record is the failover's), and the commands sharing one documented document.
SAME_AS = {
    "failback": "failover",
    "backup": "failover",
    "backup --dry-run": "failover --dry-run",
    "schedule start": "schedule",
    "schedule stop": "schedule",
    "sandbox outage add": "sandbox outage",
    "sandbox outage clear": "sandbox outage",
    "sandbox outage list": "sandbox outage",
}
# Its document is the JSON Schema of the plan format itself (docs/plan.schema.json).
NOT_A_RECORD = {"plan schema"}


@pytest.mark.parametrize("name", ["failback", "backup --dry-run"])
def test_a_document_described_by_reference_matches_that_description(
    name: str, outputs: dict[str, Any]
) -> None:
    page, shape = SHAPES[SAME_AS[name]]
    problems = mismatches(outputs[name], shape)
    assert not problems, f"{page.name}, {name}:\n" + "\n".join(problems)


def test_every_command_has_a_documented_json_document() -> None:
    """Every leaf of the command tree (cli/main.py COMMANDS, groups walked) has its document
    described, in its own block or by reference, and its page says so."""
    import click

    from drctl.cli.main import COMMANDS, cli

    ctx = click.Context(cli)

    def leaves(command: click.Command, path: str) -> Iterator[str]:
        if isinstance(command, click.Group):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                assert sub is not None
                yield from leaves(sub, f"{path} {name}")
        else:
            # ``--output`` is taken after the command too (``drctl check --plan P -o json``).
            flags = {flag for param in command.params for flag in getattr(param, "opts", [])}
            assert "--output" in flags, path
            yield path

    names = [leaf for name in COMMANDS for leaf in leaves(cli.get_command(ctx, name), name)]
    assert len(names) > len(COMMANDS)  # the groups were walked
    missing = [
        n
        for n in names
        if n not in SHAPES and SAME_AS.get(n) not in SHAPES and n not in NOT_A_RECORD
    ]
    assert not missing, f"no <!-- json: NAME --> block (or SAME_AS entry) for: {missing}"
    for file in ("failback.md", "backup.md"):
        text = (SHAPES["failover"][0].parent / file).read_text()
        assert "## JSON output" in text and "failover.md#json-output" in text, file


def test_the_comparison_is_not_a_rubber_stamp() -> None:
    shape = {"a": "integer", "b?": ["string"]}
    assert mismatches({"a": 1, "b": ["x"]}, shape) == []
    assert mismatches({"a": 1}, shape) == []
    assert mismatches({"a": "1"}, shape) == ["$.a: '1' is not integer"]
    assert mismatches({"a": 1, "c": 2}, shape) == ["$.c: not documented"]
    assert mismatches({"b": [3]}, shape) == ["$.a: missing", "$.b[0]: 3 is not string"]
    assert mismatches({"a": True}, shape) == ["$.a: True is not integer"]
