"""The CI examples in examples/ci/ are valid pipelines that run what docs/ci.md says."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import EXAMPLES

CI = EXAMPLES / "ci"
PIPELINES = {
    "github-actions.yml": "vendor.github-workflows",
    "gitlab-ci.yml": "vendor.gitlab-ci",
}


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
