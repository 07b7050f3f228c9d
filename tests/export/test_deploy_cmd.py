"""``drctl deploy stepfunctions``: the state machine and its role in the DR Region, read back;
asked before, shown and unchanged with --dry-run, updated in place the second time."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from drctl.aws.stepfunctions import code_sha256, proxy_zip
from tests.conftest import DEMO_PLAN, REPO
from tests.docs.json_shapes import documented, mismatches
from tests.export import sfn_support
from tests.support import invoke

NAME = "drctl-shop-failover-unplanned"
ROLE = "drctl-sfn-shop-failover-unplanned"
DEPLOY = ("deploy", "stepfunctions", "--plan", str(DEMO_PLAN), "--mode", "unplanned")


def _machines() -> list[str]:
    sfn = boto3.client("stepfunctions", region_name="us-west-2")
    return [m["name"] for m in sfn.list_state_machines()["stateMachines"]]


def _roles() -> list[str]:
    return [r["RoleName"] for r in boto3.client("iam").list_roles()["Roles"]]


def test_deploy_creates_the_machine_and_its_role_then_updates_them(tmp_path: Path) -> None:
    with sfn_support.sandbox(Path(DEMO_PLAN)):
        created = invoke("-o", "json", *DEPLOY, "--yes")
        assert created.exit_code == 0, created.output
        doc: dict[str, Any] = json.loads(created.stdout)
        assert mismatches(doc, documented()["deploy stepfunctions"][1]) == []
        assert doc["created"] is True

        sfn = boto3.client("stepfunctions", region_name="us-west-2")
        machine = sfn.describe_state_machine(stateMachineArn=doc["state_machine_arn"])
        exported = invoke(
            "export", "stepfunctions", "--plan", str(DEMO_PLAN), "--action", "failover",
            "--mode", "unplanned",
        )  # fmt: skip
        assert json.loads(machine["definition"]) == json.loads(exported.stdout)
        assert machine["roleArn"] == doc["role_arn"]

        iam = boto3.client("iam")
        trust = iam.get_role(RoleName=ROLE)["Role"]["AssumeRolePolicyDocument"]
        # The fence of the old primary (us-east-1) goes through the Region proxy, which
        # runs as the machine's role.
        assert trust["Statement"][0]["Principal"] == {
            "Service": ["states.amazonaws.com", "lambda.amazonaws.com"]
        }
        assert doc["region_proxy"] == "drctl-shop-region-proxy"
        assert doc["region_proxy_status"] == "created"
        function = boto3.client("lambda", region_name="us-west-2").get_function_configuration(
            FunctionName="drctl-shop-region-proxy"
        )
        assert function["Role"] == doc["role_arn"]
        assert function["Handler"] == "drctl_region_proxy.handler"
        assert function["Runtime"].startswith("python3")
        assert function["CodeSha256"] == code_sha256(proxy_zip())
        policy = iam.get_role_policy(RoleName=ROLE, PolicyName="drctl-steps")["PolicyDocument"]
        allowed = policy["Statement"][0]["Action"]
        assert {"rds:PromoteReadReplica", "route53:UpdateHealthCheck",
                "rds:AddTagsToResource", "rds:DescribeDBInstances",
                "lambda:InvokeFunction"} <= set(allowed)  # fmt: skip

        again = invoke("-o", "json", *DEPLOY, "--yes")
        assert again.exit_code == 0, again.output
        assert json.loads(again.stdout)["created"] is False
        assert json.loads(again.stdout)["region_proxy_status"] == "unchanged"
        assert _machines() == [NAME]

        # The deployed machine runs the failover.
        execution = sfn_support.follow(
            sfn_support.start(doc["state_machine_arn"], "us-west-2", "run-1", {}), "us-west-2"
        )
        assert execution.status == "SUCCEEDED", execution.error


def test_dry_run_shows_and_changes_nothing() -> None:
    with sfn_support.sandbox(Path(DEMO_PLAN)):
        roles = _roles()
        shown = invoke("-o", "json", *DEPLOY, "--dry-run")
        assert shown.exit_code == 0, shown.output
        doc = json.loads(shown.stdout)
        assert doc["dry_run"] is True and doc["state_machine_arn"] is None
        assert "rds:PromoteReadReplica" in doc["actions"]
        assert _machines() == [] and _roles() == roles


def test_deploy_asks_and_a_refusal_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    with sfn_support.sandbox(Path(DEMO_PLAN)):
        roles = _roles()
        refused = invoke(*DEPLOY)  # no terminal to ask, no --yes
        assert refused.exit_code == 3
        assert "without confirmation" in refused.stderr
        monkeypatch.setattr("drctl.cli.common.interactive", lambda: True)
        declined = invoke(*DEPLOY, input="n\n")
        assert declined.exit_code == 3
        assert "Create state machine drctl-shop-failover-unplanned" in declined.stderr
        assert _machines() == [] and _roles() == roles


def test_a_plan_that_cannot_run_there_is_not_deployed() -> None:
    plan = REPO / "examples" / "payments-custom-steps.yaml"
    with sfn_support.sandbox(plan):
        result = invoke("deploy", "stepfunctions", "--plan", str(plan), "--yes")
        assert result.exit_code == 2
        assert "Step Functions: tell-on-call.run has no declarative form" in result.stderr
        assert _machines() == []
