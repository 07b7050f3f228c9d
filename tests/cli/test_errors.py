"""Bad input and AWS trouble: one clear message, the contract's exit code, no traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from drctl import __version__
from tests.conftest import DEMO_PLAN
from tests.docs.json_shapes import documented, mismatches


def test_version(drctl: Any) -> None:
    result = drctl("--version")
    assert result.exit_code == 0 and result.stdout.strip() == f"drctl, version {__version__}"


def test_missing_credentials_exit_2_with_a_hint(
    drctl: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    result = drctl("check", "--plan", str(DEMO_PLAN))
    assert result.exit_code == 2, result.output
    assert "credentials" in result.stderr.lower()
    assert "Traceback" not in result.output
    as_json = drctl("-o", "json", "check", "--plan", str(DEMO_PLAN))
    doc = json.loads(as_json.stdout)
    assert doc["error"]["exit_code"] == 2 and doc["error"]["hint"]


def test_invalid_plan_for_an_aws_command_lists_errors_and_exits_2(
    drctl: Any, tmp_path: Path
) -> None:
    plan = tmp_path / "bad.yaml"
    plan.write_text("version: 1\napp: shop\nregions: {primary: us-east-1, dr: us-east-1}\n")
    result = drctl("failover", "--plan", str(plan), "--yes")
    assert result.exit_code == 2
    assert f"{plan}:3:" in result.stderr  # located at the regions mapping
    assert "is not a valid plan" in result.stderr
    assert "Traceback" not in result.output


def test_with_json_an_invalid_plan_error_carries_its_positioned_lines(
    drctl: Any, tmp_path: Path
) -> None:
    plan = tmp_path / "bad.yaml"
    plan.write_text("version: 1\napp: shop\nregions: {primary: us-east-1, dr: us-east-1}\n")
    result = drctl("check", "--plan", str(plan), "-o", "json")
    assert result.exit_code == 2
    error = json.loads(result.stdout)["error"]
    assert error["exit_code"] == 2 and "is not a valid plan" in error["message"]
    assert error["diagnostics"] and all(d.startswith(f"{plan}:") for d in error["diagnostics"])
    assert any(d.startswith(f"{plan}:3:") for d in error["diagnostics"])  # the regions
    page, shape = documented()["error"]
    assert mismatches(json.loads(result.stdout), shape) == [], page


def test_with_json_a_usage_error_is_a_document_too(drctl: Any) -> None:
    for argv in (["check", "-o", "json"], ["-o", "json", "failover", "--mode", "sideways"]):
        result = drctl(*argv)
        assert result.exit_code == 2
        error = json.loads(result.stdout)["error"]
        assert error["exit_code"] == 2 and error["message"], result.output


def test_plan_that_is_not_yaml_or_not_there(drctl: Any, tmp_path: Path) -> None:
    plan = tmp_path / "x.yaml"
    plan.write_text("resources: [unclosed\n")
    result = drctl("check", "--plan", str(plan))
    assert result.exit_code == 2 and f"{plan}:" in result.stderr
    gone = drctl("check", "--plan", str(tmp_path / "gone.yaml"))
    assert gone.exit_code == 2 and "gone.yaml" in gone.stderr
    assert "Traceback" not in result.output + gone.output


def test_click_usage_errors_are_exit_2(drctl: Any) -> None:
    assert drctl("failover").exit_code == 2  # --plan missing
    assert drctl("no-such-command").exit_code == 2
    assert drctl("failover", "--plan", str(DEMO_PLAN), "--mode", "sideways").exit_code == 2


def test_internal_errors_are_one_line_unless_debugging(
    drctl: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr("drctl.plan.loader.load_plan", boom)
    result = drctl("plan", "validate", str(DEMO_PLAN))
    assert result.exit_code == 1
    assert "internal error: ZeroDivisionError: boom" in result.stderr
    assert "DRCTL_DEBUG=1" in result.stderr and "Traceback" not in result.output
    monkeypatch.setenv("DRCTL_DEBUG", "1")
    with pytest.raises(ZeroDivisionError):
        drctl("plan", "validate", str(DEMO_PLAN))
