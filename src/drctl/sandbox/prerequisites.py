"""What a plan needs in AWS beyond its resources, built into the sandbox with them.

A sandbox built from a plan must satisfy that plan: not only the resources (each kind builds
its own, including what its drills restore from), but what the plan's other sections name.

* ``accounts:`` -- each role drctl assumes exists in its account, trusting the operator's
  account and requiring the plan's external id (``sts:ExternalId``), with the permissions
  every kind lists. The builder's sessions assume those roles, so each side's resources land
  in that side's account (moto keeps accounts apart, as AWS does).
* ``experiments:`` -- each stop-condition alarm exists (state OK) in the experiment's region
  and account, and the FIS role the template names exists there, trusting
  ``fis.amazonaws.com`` with the permissions its actions need.
* ``notifications:`` -- the SNS topic drctl publishes to.

Accounts are built first: the resources are created through the roles.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from drctl.aws.session import AwsSessions
from drctl.errors import SandboxError
from drctl.kinds.registry import registry
from drctl.kinds.sandboxing import SandboxBuild, ignore_codes
from drctl.plan.models import Experiment

# The role AWS Organizations creates in every member account, trusted by the management
# account: how the sandbox reaches into an account to create the role a plan names.
BOOTSTRAP_ROLE = "OrganizationAccountAccessRole"
FIS_PRINCIPAL = "fis.amazonaws.com"
# What drctl needs beyond the kinds' lists: the drills and experiments.
PLAN_ACTIONS = (
    "cloudwatch:DescribeAlarms",
    "fis:CreateExperimentTemplate",
    "fis:UpdateExperimentTemplate",
    "fis:ListExperimentTemplates",
    "fis:StartExperiment",
    "fis:GetExperiment",
    "fis:ListExperiments",
    "fis:StopExperiment",
    "fis:TagResource",
    "iam:GetRole",
    "iam:PassRole",
    "sns:Publish",
)


def role_parts(arn: str) -> tuple[str, str, str]:
    """``arn:aws:iam::<account>:role/<path/><name>`` -> (account, path, name)."""
    account = arn.split(":")[4]
    resource = arn.split(":", 5)[5].removeprefix("role")
    path, _, name = resource.rpartition("/")
    return account, f"{path}/", name


def build_accounts(b: SandboxBuild) -> list[str]:
    """The plan's roles, each in its own account, trusting the operator's account with the
    plan's external id -- so assuming them works exactly as the plan says, and nothing else."""
    accounts = b.plan.accounts
    if accounts is None:
        return []
    base = AwsSessions(b.sessions.options)  # the operator's own credentials, no role
    region = b.region("primary")
    caller = base.client("sts", region).get_caller_identity()
    operator_account = str(caller["Account"])
    built = []
    for side, spec in (("primary", accounts.primary), ("dr", accounts.dr)):
        if spec is None:
            continue
        account, path, name = role_parts(spec.role_arn)
        iam = _iam_in(base, region, account, operator_account)
        statement: dict[str, Any] = {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{operator_account}:root"},
            "Action": "sts:AssumeRole",
        }
        if spec.external_id:
            statement["Condition"] = {"StringEquals": {"sts:ExternalId": spec.external_id}}
        trust = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
        _ensure_role(iam, name, path, trust, f"drctl operator role for regions.{side}")
        iam.put_role_policy(
            RoleName=name, PolicyName="drctl-operator", PolicyDocument=operator_policy()
        )
        built.append(f"role {spec.role_arn}")
    return built


def operator_policy() -> str:
    """Every IAM action any kind, drill or experiment of drctl calls."""
    actions = {a for kind in registry().all() for acts in kind.iam_actions.values() for a in acts}
    actions.update(PLAN_ACTIONS)
    statement = {"Effect": "Allow", "Action": sorted(actions), "Resource": "*"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _iam_in(base: AwsSessions, region: str, account: str, operator_account: str) -> Any:
    """An IAM client acting in ``account``: the operator's own, or through the account's
    bootstrap role (as an organization's management account reaches a member account)."""
    if account == operator_account:
        return base.client("iam", region)
    import boto3

    creds = base.client("sts", region).assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/{BOOTSTRAP_ROLE}",
        RoleSessionName="drctl-sandbox",
    )["Credentials"]
    return boto3.session.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    ).client("iam", region_name=region, endpoint_url=base.endpoint_url)


def _ensure_role(iam: Any, name: str, path: str, trust: str, description: str) -> None:
    try:
        iam.create_role(
            RoleName=name, Path=path, AssumeRolePolicyDocument=trust, Description=description
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "EntityAlreadyExists":
            raise
        iam.update_assume_role_policy(RoleName=name, PolicyDocument=trust)


def build_experiment(b: SandboxBuild, exp: Experiment) -> list[str]:
    """The stop-condition alarms (OK: the application is healthy) and the FIS role."""
    side = exp.region.value
    region = b.region(side)
    cloudwatch = b.client("cloudwatch", side)
    built = []
    for condition in exp.stop_conditions:
        cloudwatch.put_metric_alarm(
            AlarmName=condition.alarm,
            AlarmDescription=f"stop condition of the {exp.name} experiment ({b.plan.app})",
            Namespace="AWS/ApplicationELB",
            MetricName="HTTPCode_Target_5XX_Count",
            Dimensions=[{"Name": "LoadBalancer", "Value": f"app/{b.plan.app}/sandbox"}],
            Statistic="Sum",
            Period=60,
            EvaluationPeriods=1,
            Threshold=50.0,
            ComparisonOperator="GreaterThanThreshold",
            TreatMissingData="notBreaching",
        )
        cloudwatch.set_alarm_state(
            AlarmName=condition.alarm, StateValue="OK", StateReason="drctl sandbox: healthy"
        )
        built.append(f"alarm {condition.alarm} ({region})")
    built.append(build_fis_role(b, exp))
    return built


def build_fis_role(b: SandboxBuild, exp: Experiment) -> str:
    """The role the experiment's template names, in the account of the experiment's side:
    FIS assumes it there, so a role in another account is a plan error, said here."""
    side = exp.region.value
    account, path, name = role_parts(exp.role_arn)
    side_account = str(b.client("sts", side).get_caller_identity()["Account"])
    if account != side_account:
        raise SandboxError(
            f"sandbox: experiment {exp.name} names role {exp.role_arn} in account {account}, "
            f"but regions.{side} is account {side_account}: FIS assumes the role in the "
            "experiment's account",
            hint=f"name a role in account {side_account}",
        )
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": FIS_PRINCIPAL},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )
    iam = b.client("iam", side)
    _ensure_role(iam, name, path, trust, f"FIS role of the {exp.name} experiment")
    # What the actions act on: each action's service (aws:ec2:stop-instances -> ec2:*).
    services = sorted({a.action_id.split(":")[1] for a in exp.actions.values()})
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": [f"{svc}:*" for svc in services], "Resource": "*"}
        ],
    }
    iam.put_role_policy(RoleName=name, PolicyName="fis-actions", PolicyDocument=json.dumps(policy))
    return f"role {exp.role_arn}"


def build_topic(b: SandboxBuild, topic_arn: str) -> str:
    """The notification topic, through the side whose region and account it names."""
    parts = topic_arn.split(":")
    region, account, name = parts[3], parts[4], parts[5]
    side = "dr" if region == b.region("dr") else "primary"
    if region not in (b.region("primary"), b.region("dr")):
        raise SandboxError(
            f"sandbox: notification topic {topic_arn} is in {region}, neither of the plan's regions"
        )
    sts = b.client("sts", side)
    if str(sts.get_caller_identity()["Account"]) != account:
        raise SandboxError(
            f"sandbox: notification topic {topic_arn} is in account {account}, not in the "
            f"account of regions.{side}, which drctl publishes from"
        )
    ignore_codes(b.client("sns", side).create_topic, "TopicAlreadyExists", Name=name)
    return f"topic {topic_arn}"
