"""The readiness schedules docs/commands/check.md shows are valid where they run: the
EventBridge Scheduler input against the service's API model, the GitHub workflow against its
schema; their drctl commands parse with drctl's own CLI; the page shows the files verbatim."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys

import botocore.session
import click
import pytest
import yaml
from botocore.validate import ParamValidator

from drctl.cli.main import cli
from tests.conftest import EXAMPLES, REPO

CI = EXAMPLES / "ci"
SCHEDULER = CI / "readiness-scheduler.json"
WORKFLOW = CI / "readiness-github-actions.yml"


def _parses_as_drctl(args: list[str]) -> None:
    """Parse ``drctl ARGS`` (global options, then the command's) without running anything."""
    root = click.Context(cli, info_name="drctl")
    rest = cli.parse_args(root, list(args))  # parses the global options
    # click keeps the command name apart (``protected_args``, private from click 8.2 on)
    name, *rest = [*root._protected_args, *rest]
    assert name == "check" and "--publish" in rest
    command = cli.get_command(root, name)
    assert command is not None
    command.make_context(name, rest, parent=root)


def test_the_scheduler_input_is_a_valid_create_schedule_request() -> None:
    request = json.loads(SCHEDULER.read_text())
    model = botocore.session.get_session().get_service_model("scheduler")
    shape = model.operation_model("CreateSchedule").input_shape
    report = ParamValidator().validate(request, shape)
    assert not report.has_errors(), report.generate_report()
    overrides = json.loads(request["Target"]["Input"])["containerOverrides"][0]
    _parses_as_drctl(overrides["command"])


def test_the_workflow_is_valid_and_runs_check_publish() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema",
         "vendor.github-workflows", str(WORKFLOW)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    steps = yaml.safe_load(WORKFLOW.read_text())["jobs"]["publish"]["steps"]
    runs = [s["run"] for s in steps if "run" in s and s["run"].startswith("drctl ")]
    assert runs
    for line in runs:
        _parses_as_drctl(shlex.split(line)[1:])


@pytest.mark.parametrize("path", [SCHEDULER, WORKFLOW], ids=lambda p: p.name)
def test_the_docs_show_the_files_verbatim(path: object) -> None:
    page = (REPO / "docs" / "commands" / "check.md").read_text()
    assert path.read_text() in page
