"""`drctl chaos list|run|stop` and the `experiment` drill, against moto's FIS."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.conftest import DEMO_PLAN
from tests.engine.test_chaos import EXPERIMENTS, alarm

DRILLS = """
drills:
  - name: web-chaos
    type: experiment
    experiment: stop-half-web
    timeout: 15m
  - name: reckless
    type: experiment
    experiment: no-brakes
"""


@pytest.fixture
def plan_file(tmp_path: Path) -> Path:
    path = tmp_path / "shop.yaml"
    path.write_text(DEMO_PLAN.read_text() + EXPERIMENTS + DRILLS)
    return path


def test_list_run_and_stop(aws: None, plan_file: Path, drctl: Any) -> None:
    alarm()
    listed = json.loads(drctl("-o", "json", "chaos", "list", "--plan", str(plan_file)).stdout)
    names = {e["name"]: e for e in listed["experiments"]}
    assert names["stop-half-web"]["stop_conditions"] == ["shop-high-error-rate"]
    assert names["stop-half-web"]["template_id"] is None
    assert names["no-brakes"]["stop_conditions"] == []

    refused = drctl("chaos", "run", "--plan", str(plan_file), "stop-half-web")
    assert refused.exit_code == 3 and "--yes" in refused.stderr

    ran = drctl("-o", "json", "chaos", "run", "--plan", str(plan_file), "stop-half-web", "--yes")
    assert ran.exit_code == 0, ran.output
    doc = json.loads(ran.stdout)
    assert doc["status"] == "completed"
    from tests.docs.json_shapes import documented, mismatches

    assert mismatches(doc, documented()["chaos run"][1]) == []  # as docs/commands/chaos.md says
    fis = boto3.client("fis", region_name="us-east-1")
    state = fis.get_experiment(id=doc["experiment_id"])["experiment"]["state"]["status"]
    assert state == "completed"

    stopped = drctl("chaos", "stop", "--plan", str(plan_file), "stop-half-web")
    assert stopped.exit_code == 0 and "no running experiment" in stopped.stdout
    unknown = drctl("chaos", "run", "--plan", str(plan_file), "nope", "--yes")
    assert unknown.exit_code == 2 and "no experiment 'nope'" in unknown.stderr


def test_experiment_drills(aws: None, plan_file: Path, drctl: Any, tmp_path: Path) -> None:
    alarm()
    result = drctl(
        "-o", "json", "test", "--plan", str(plan_file), "--junit", str(tmp_path / "j.xml")
    )
    assert result.exit_code == 3  # the drill without a stop condition is refused
    drills = {d["name"]: d for d in json.loads(result.stdout)["drills"]}
    assert drills["web-chaos"]["status"] == "pass"
    [case] = drills["web-chaos"]["checks"]
    assert case["observed"] == "completed"
    assert drills["reckless"]["status"] == "refused"
    assert "no stop condition" in drills["reckless"]["detail"]
