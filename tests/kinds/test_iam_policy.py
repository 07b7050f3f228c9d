"""``drctl iam-policy``: every example plan's every command, run in the sandbox with every AWS
call recorded, is covered by the policy generated for it -- action and, for calls that name
their resource, the resource ARN -- and no policy grants an action that no run of that command
used, except the path-dependent ones listed (with their reason) in ``CONDITIONAL``."""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest

from drctl.aws.iam_names import iam_action
from drctl.drills.iam_policy import ACTIONS, CONDITIONAL, SidePolicy, policies
from drctl.kinds.iam_scope import SCOPES, UNSCOPED
from drctl.kinds.registry import registry
from drctl.plan.loader import load_plan
from drctl.plan.models import Plan
from tests.conftest import EXAMPLES, guard_network, isolate_aws_env
from tests.support import build_sandbox, invoke

# Plans of plans (``include:``) are left out: their resources are the included plans', which
# are examples of their own here.
PLANS = sorted(p for p in EXAMPLES.glob("*.yaml") if not load_plan(p).plan.include)
SANDBOX_ACCOUNT = "123456789012"
# Scenarios, each on a freshly built sandbox with a state directory of its own: a list of
# (command whose calls are kept, CLI arguments; "schedule stop" is the group and its
# subcommand). The read-only commands share one sandbox; failover runs in both modes; failback
# follows a failover; schedule stops and starts DR compute tagged schedulable.
SCENARIOS: list[list[tuple[str, list[str]]]] = [
    [("check", ["check"]), ("cost", ["cost"]), ("test", ["test"])],
    [("failover", ["failover", "--accept-data-loss"]),
     ("failback", ["failback", "--accept-data-loss"])],
    [("failover", ["failover", "--mode", "unplanned"])],
    [("schedule", ["schedule stop", "--yes"]), ("schedule", ["schedule start", "--yes"])],
]  # fmt: skip
SCHEDULABLE = [{"Key": "Purpose", "Value": "DR"}, {"Key": "Critical", "Value": "false"}]


def _tag_dr_compute(plan: Plan) -> None:
    """The plan's DR groups and services tagged schedulable, and one tagged instance."""
    import boto3

    dr = plan.regions.dr
    session = boto3.session.Session()
    if plan.accounts and plan.accounts.dr:  # the DR side lives in the role's account
        creds = session.client("sts", region_name=dr).assume_role(
            RoleArn=plan.accounts.dr.role_arn, RoleSessionName="test"
        )["Credentials"]
        session = boto3.session.Session(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
        )
    for res in plan.resources:
        if res.kind == "autoscaling-group":
            session.client("autoscaling", region_name=dr).create_or_update_tags(
                Tags=[{"ResourceId": res.dr, "ResourceType": "auto-scaling-group",
                       "PropagateAtLaunch": False, **t} for t in SCHEDULABLE]
            )  # fmt: skip
        elif res.kind == "ecs-service":
            ecs = session.client("ecs", region_name=dr)
            svc = ecs.describe_services(cluster=res.cluster, services=[res.service])
            ecs.tag_resource(
                resourceArn=svc["services"][0]["serviceArn"],
                tags=[{"key": t["Key"], "value": t["Value"]} for t in SCHEDULABLE],
            )
    ec2 = session.client("ec2", region_name=dr)
    ec2.run_instances(
        ImageId=ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"],
        MinCount=1, MaxCount=1, InstanceType="t3.micro",
        TagSpecifications=[{"ResourceType": "instance", "Tags": [
            *SCHEDULABLE, {"Key": "Application", "Value": plan.app}]}],
    )  # fmt: skip


def _run(path: Path, steps: list[tuple[str, list[str]]]) -> list[tuple[str, dict[str, Any]]]:
    """(command, call) of every step, on a fresh sandbox."""
    from moto import mock_aws

    from drctl.aws.calls import auditing
    from drctl.engine.settings import default_settings
    from drctl.kinds.sandboxing import aws_time
    from drctl.sandbox.extensions import install

    loaded = load_plan(path)
    approve = [
        a for r in loaded.plan.resources if r.kind == "manual" for a in ("--approve", r.name)
    ]
    install()
    try:
        with mock_aws(config={"core": {"reset_boto3_session": False}}):
            build_sandbox(loaded.plan, default_settings())
            if steps[0][0] == "schedule":
                _tag_dr_compute(loaded.plan)
            calls: list[tuple[str, dict[str, Any]]] = []
            for command, args in steps:
                extra = ["--yes", *approve] if command in ("failover", "failback") else []
                with auditing() as seen:
                    result = invoke(*args[0].split(), "--plan", str(path), *args[1:], *extra)
                assert result.exit_code == 0, f"{path.stem} {args}: {result.output}"
                calls += [(command, c) for c in seen]
            return calls
    finally:
        aws_time.reset()


def _recorded(path: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """command -> the calls its runs made on ``path``."""
    found: dict[str, list[dict[str, Any]]] = {command: [] for command in ACTIONS}
    with pytest.MonkeyPatch.context() as mp:
        guard_network(mp)
        for steps in SCENARIOS:
            isolate_aws_env(mp, tmp_path_factory.mktemp(path.stem))
            for command, call in _run(path, steps):
                found[command].append(call)
    return found


def _action(call: dict[str, Any]) -> str:
    return iam_action(call["service"], call["operation"], versioned="VersionId" in call["params"])


def _arns(call: dict[str, Any], plan: Plan) -> list[str]:
    """The ARN a call acts on, when its parameters name it (the rest: the action alone)."""
    p, region = call["params"], call["region"]
    acct = (
        plan.accounts.primary.role_arn.split(":")[4]
        if plan.accounts and plan.accounts.primary
        else SANDBOX_ACCOUNT
    )
    if call["service"] == "rds" and "DBInstanceIdentifier" in p:
        return [f"arn:aws:rds:{region}:{acct}:db:{p['DBInstanceIdentifier']}"]
    if call["service"] == "s3" and "Bucket" in p:
        return [f"arn:aws:s3:::{p['Bucket']}"]
    if call["service"] == "dynamodb" and "TableName" in p:
        return [f"arn:aws:dynamodb:{region}:{acct}:table/{p['TableName']}"]
    if call["service"] == "rds" and "GlobalClusterIdentifier" in p:
        return [f"arn:aws:rds::{acct}:global-cluster:{p['GlobalClusterIdentifier']}"]
    return []


def _allows(found: list[SidePolicy], action: str, arns: list[str]) -> bool:
    for policy in found:
        for st in policy.document["Statement"]:
            if action not in st["Action"]:
                continue
            resources = st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
            if all(
                any(fnmatchcase(arn, r) or fnmatchcase(arn + "/x", r) for r in resources)
                for arn in arns
            ):
                return True
    return False


@pytest.mark.timeout(300)
@pytest.mark.parametrize("path", PLANS, ids=lambda p: p.stem)
def test_policy_covers_every_recorded_call_and_grants_nothing_unused(
    path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    plan = load_plan(path).plan
    recorded = _recorded(path, tmp_path_factory)
    for command in ACTIONS:
        found = policies(plan, command, registry())
        calls = recorded[command]
        assert calls, f"{path.stem} {command}: no AWS call recorded"
        missing = sorted(
            {
                f"{_action(c)} on {_arns(c, plan) or '-'} ({c['region']})"
                for c in calls
                if not _allows(found, _action(c), _arns(c, plan))
            }
        )
        assert not missing, f"{path.stem} {command}: the policy does not allow {missing}"
        granted = set().union(*(p.actions() for p in found))
        unused = sorted(granted - {_action(c) for c in calls} - set(CONDITIONAL))
        assert not unused, (
            f"{path.stem} {command}: grants {unused}, which no run of {command} called; "
            "drop them from the kind's iam_actions or list them in CONDITIONAL with the path"
        )


def test_every_conditional_action_is_granted_somewhere_and_has_a_reason() -> None:
    granted = {
        a
        for path in PLANS
        for command in ACTIONS
        for p in policies(load_plan(path).plan, command, registry())
        for a in p.actions()
    }
    assert set(CONDITIONAL) <= granted, sorted(set(CONDITIONAL) - granted)
    assert all(reason.strip() for reason in CONDITIONAL.values())


@pytest.mark.parametrize("path", PLANS, ids=lambda p: p.stem)
def test_no_star_action_and_star_resource_only_where_aws_requires_it(path: Path) -> None:
    """``"Resource": "*"`` only for actions AWS authorizes on nothing narrower, or for actions
    of kinds :mod:`drctl.kinds.iam_scope` has no ARN table for yet (listed here, so a new kind
    shows up)."""
    plan = load_plan(path).plan
    kinds = registry()
    unscoped_kinds = {r.kind for r in plan.resources if r.kind not in SCOPES}
    assert unscoped_kinds <= {"custom", "eventbridge-rules", "lambda-function", "secret",
                              "manual"}, unscoped_kinds  # fmt: skip
    allowed = set(UNSCOPED) | {
        a for k in unscoped_kinds for acts in kinds.get(k).iam_actions.values() for a in acts
    }
    for policy in policies(plan, None, kinds):
        for st in policy.document["Statement"]:
            assert all("*" not in a for a in st["Action"]), st
            if st["Resource"] == "*":
                assert set(st["Action"]) <= allowed, set(st["Action"]) - allowed


def test_plan_with_accounts_gets_the_role_and_its_account() -> None:
    result = invoke("iam-policy", "--plan", str(EXAMPLES / "full.yaml"), "-o", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["app"] == "shop" and doc["action"] == "all"
    [only] = doc["policies"]  # both sides assume the same role: one policy
    assert only["sides"] == ["primary", "dr"] and only["account"] == "210987654321"
    text = json.dumps(only["policy"])
    assert "arn:aws:rds:us-west-2:210987654321:db:shop-orders" in text
    assert "arn:aws:s3:::shop-assets-usw2/*" in text
    assert "arn:aws:sns:us-west-2:210987654321:shop-dr" in text


def test_text_output_is_a_policy_document(tmp_path: Path) -> None:
    path = EXAMPLES / "ecommerce-warm-standby.yaml"
    result = invoke("iam-policy", "--plan", str(path), "--action", "check")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["Version"] == "2012-10-17"
    actions = {a for st in document["Statement"] for a in st["Action"]}
    assert "rds:DescribeDBInstances" in actions and "rds:PromoteReadReplica" not in actions


def test_bad_input_exits_2(tmp_path: Path) -> None:
    bad = invoke("iam-policy", "--plan", str(EXAMPLES / "full.yaml"), "--action", "explode")
    assert bad.exit_code == 2 and "explode" in bad.output
    missing = invoke("iam-policy", "--plan", str(tmp_path / "nope.yaml"))
    assert missing.exit_code == 2 and "nope.yaml" in missing.output
