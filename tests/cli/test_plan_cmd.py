"""`drctl plan validate|show|schema`: offline commands, exact positions, JSON shapes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DEMO_PLAN, EXAMPLES
from tests.support import invoke

BROKEN = """\
version: 1
app: shop
regions: {primary: us-east-1, dr: us-west-2}
tier: 2
strategy: warm-standby
resources:
  - kind: s3-bucket
    name: assets
    primary: shop-assets
    dr: shop-assets-dr
    colour: blue
  - kind: rds-instance
    name: assets
    primary: shop-orders
"""


def run(*args: str) -> tuple[int, str, str]:
    result = invoke(*args)
    return result.exit_code, result.stdout, result.stderr


def test_validate_accepts_every_example_by_argument_and_by_option() -> None:
    for path in sorted(EXAMPLES.glob("*.yaml")):
        code, out, _ = run("plan", "validate", str(path))
        assert code == 0, out
        assert f"{path}: valid" in out
    code, out, _ = run("plan", "validate", "--plan", str(DEMO_PLAN))
    assert code == 0 and "app shop, 3 resources" in out


def test_validate_reports_every_error_with_its_position(tmp_path: Path) -> None:
    plan = tmp_path / "broken.yaml"
    plan.write_text(BROKEN)
    code, out, err = run("plan", "validate", str(plan))
    assert code == 2
    lines = out.splitlines()
    # The unknown key, the duplicate name and the missing field: all at once, each located.
    assert any(line.startswith(f"{plan}:11:5: ") and "colour" in line for line in lines), out
    assert any(line.startswith(f"{plan}:13:11: ") and "assets" in line for line in lines), out
    assert any(line.startswith(f"{plan}:12:5: ") and "dr" in line for line in lines), out
    assert "Traceback" not in out + err


def test_validate_json_document(tmp_path: Path) -> None:
    plan = tmp_path / "broken.yaml"
    plan.write_text(BROKEN)
    code, out, _ = run("--output", "json", "plan", "validate", str(plan))
    assert code == 2
    doc = json.loads(out)
    assert doc["valid"] is False
    assert {(e["line"], e["col"]) for e in doc["errors"]} >= {(11, 5), (13, 11)}
    code, out, _ = run("-o", "json", "plan", "validate", str(DEMO_PLAN))
    assert code == 0
    assert json.loads(out) == {
        "plan": str(DEMO_PLAN),
        "valid": True,
        "app": "shop",
        "errors": [],
        "warnings": [],
    }


def test_validate_missing_file_and_missing_argument_are_bad_input(tmp_path: Path) -> None:
    code, out, err = run("plan", "validate", str(tmp_path / "nope.yaml"))
    assert code == 2 and "nope.yaml" in out + err and "Traceback" not in out + err
    code, _, err = run("plan", "validate")
    assert code == 2 and "no plan given" in err


def test_show_draws_the_step_graph_without_aws(monkeypatch: object) -> None:
    code, out, _ = run("-o", "json", "plan", "show", str(DEMO_PLAN))
    assert code == 0, out
    doc = json.loads(out)
    assert doc["objectives"] == {"rto_seconds": 900, "rpo_seconds": 300} or doc["objectives"]
    steps = {s["id"]: s for s in doc["steps"]}
    assert list(steps) == [
        "orders-db.fence",
        "assets.verify-dr",
        "orders-db.drain",
        "orders-db.promote",
        "api.shift-traffic",
    ]
    assert steps["api.shift-traffic"]["phase"] == "traffic"
    # Traffic moves only after the data is in place.
    assert steps["orders-db.promote"]["phase"] == "data"
    code, out, _ = run("plan", "show", str(DEMO_PLAN))
    assert code == 0 and "orders-db.promote" in out


def test_schema_is_json_schema_for_editors(tmp_path: Path) -> None:
    code, out, _ = run("plan", "schema")
    assert code == 0
    schema = json.loads(out)
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert "resources" in schema["properties"]
    target = tmp_path / "plan.schema.json"
    code, _, err = run("plan", "schema", "-o", str(target))
    assert code == 0 and json.loads(target.read_text()) == schema and "wrote" in err


def test_text_output_to_a_pipe_keeps_each_command_on_one_line(drctl: Any) -> None:
    """A CI log is not a terminal: no AWS CLI command of the step graph may be wrapped."""
    plan = str(EXAMPLES / "ecommerce-warm-standby.yaml")
    doc = json.loads(drctl("-o", "json", "plan", "show", plan).stdout)
    commands = [line for step in doc["steps"] for line in step["cli"]]
    assert commands and any(len(c) > 120 for c in commands)  # long enough to have wrapped
    text = drctl("plan", "show", plan).stdout.splitlines()
    for command in commands:
        assert any(command in line for line in text), f"wrapped or missing: {command}"


def test_output_json_is_accepted_after_the_subcommand(drctl: Any, tmp_path: Path) -> None:
    plan = str(DEMO_PLAN)
    before = drctl("-o", "json", "plan", "validate", plan)
    for late in (["-o", "json"], ["--output", "json"], ["--output=json"]):
        after = drctl("plan", "validate", plan, *late)
        assert after.exit_code == 0 and json.loads(after.stdout) == json.loads(before.stdout)
    # Where -o names a file (plan schema -o FILE), --output still selects JSON.
    out = tmp_path / "schema.json"
    assert drctl("plan", "schema", "-o", str(out), "--output", "json").exit_code == 0
    assert json.loads(out.read_text())["title"]
    # Errors come as the JSON error document too.
    missing = drctl("check", "--plan", str(tmp_path / "nope.yaml"), "-o", "json")
    assert missing.exit_code == 2 and json.loads(missing.stdout)["error"]["exit_code"] == 2


def test_plan_show_of_a_plan_with_accounts_needs_no_credentials(
    drctl: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Drawing the graph is offline: no role is assumed, no credential is looked up."""
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    plan = str(EXAMPLES / "full.yaml")
    assert "accounts:" in (EXAMPLES / "full.yaml").read_text()
    shown = drctl("-o", "json", "plan", "show", plan)
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["steps"]
    # A command that talks to AWS still refuses clearly without them.
    assert drctl("check", "--plan", plan).exit_code == 2
