"""The readiness commands on every example plan, built in the sandbox: check --publish
--policy, alarms apply (twice: the second changes nothing, and check then finds every alarm),
compliance rules and status."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.conftest import EXAMPLES
from tests.support import build_sandbox, single_plans

TOPIC = "notifications:\n  sns_topic_arn: arn:aws:sns:{region}:123456789012:{app}-dr\n"


def _recorders(regions: tuple[str, str]) -> None:
    for region in regions:
        config = boto3.client("config", region_name=region)
        config.put_configuration_recorder(
            ConfigurationRecorder={
                "name": "default",
                "roleARN": "arn:aws:iam::123456789012:role/config",
                "recordingGroup": {"allSupported": True},
            }
        )
        config.put_delivery_channel(
            DeliveryChannel={"name": "default", "s3BucketName": "config-logs"}
        )
        config.start_configuration_recorder(ConfigurationRecorderName="default")


def test_a_plan_of_plans_is_refused_naming_its_plans(aws: None, drctl: Any) -> None:
    path = EXAMPLES / "organisation.yaml"
    for command in (["alarms", "apply", "--yes"], ["compliance", "rules", "--yes"],
                    ["compliance", "status"]):  # fmt: skip
        refused = drctl(*command, "--plan", str(path))
        assert refused.exit_code == 2, refused.output
        assert "includes other plans" in refused.output
        assert "organisation/platform.yaml" in refused.output


@pytest.mark.parametrize("example", single_plans(), ids=lambda p: p.stem)
def test_readiness_commands_on_every_example(
    example: Path, aws: None, tmp_path: Path, drctl: Any
) -> None:
    from drctl.engine.settings import default_settings
    from drctl.kinds.sandboxing import aws_time
    from drctl.plan.loader import load_plan
    from drctl.sandbox.moto_config_rules import EVALUATION_SECONDS

    text = example.read_text()
    plan = load_plan(example).plan
    if plan.notifications is None:  # every alarm needs a topic: give the example one
        text = TOPIC.format(region=plan.regions.dr, app=plan.app) + text
    path = tmp_path / example.name
    path.write_text(text)
    plan = load_plan(path).plan
    build_sandbox(plan, default_settings())

    checked = drctl("-o", "json", "check", "--plan", str(path), "--policy", "baseline", "--publish")
    assert checked.exit_code in (0, 1), checked.output
    doc = json.loads(checked.stdout)
    assert doc["summary"]["error"] == 0, [c for c in doc["checks"] if c["status"] == "error"]
    assert doc["published"]["metrics"] == len(doc["checks"]) + 1
    with_controls = {"rds-instance", "aurora-global", "dynamodb-table", "s3-bucket"}
    for res in plan.resources:
        policy = [c for c in doc["checks"] if c["resource"] == res.name and "policy-" in c["check"]]
        assert bool(policy) == (res.kind in with_controls), res.name

    applied = drctl("-o", "json", "alarms", "apply", "--plan", str(path), "--yes")
    assert applied.exit_code == 0, applied.output
    again = json.loads(drctl("-o", "json", "alarms", "apply", "--plan", str(path), "--yes").stdout)
    assert again["changed"] is False
    after = json.loads(drctl("-o", "json", "check", "--plan", str(path)).stdout)
    alarm_checks = [c for c in after["checks"] if c["check"] == "alarms"]
    assert alarm_checks and {c["status"] for c in alarm_checks} == {"pass"}, alarm_checks

    dry = drctl("-o", "json", "compliance", "rules", "--plan", str(path), "--dry-run")
    assert dry.exit_code == 0, dry.output
    if plan.accounts is not None:
        return  # the DR side is another account: its recorder is that account's business
    _recorders((plan.regions.primary, plan.regions.dr))
    deployed = drctl("-o", "json", "compliance", "rules", "--plan", str(path), "--yes")
    assert deployed.exit_code == 0, deployed.output
    aws_time.wait(EVALUATION_SECONDS)
    status = json.loads(drctl("-o", "json", "compliance", "status", "--plan", str(path)).stdout)
    controlled = any(r.kind in with_controls for r in plan.resources)
    assert bool(status["rules"]) == controlled  # no control, no rule (an ASG has none)
    assert {r["compliance"] for r in status["rules"]} <= {"COMPLIANT", "NON_COMPLIANT"}, [
        r for r in status["rules"] if r["compliance"] not in ("COMPLIANT", "NON_COMPLIANT")
    ]
