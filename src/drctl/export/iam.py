"""The IAM policy a state machine's role needs to run an exported definition: the action of
every task it can run, found in the definition itself so the policy cannot miss a call."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from drctl.export.stepfunctions import proxied_call, proxied_calls

# aws-sdk service name (the SDK for Java v2's) -> IAM action prefix, where they differ.
_IAM_PREFIX = {
    "applicationautoscaling": "application-autoscaling",
    "eventbridge": "events",
    "route53recoverycluster": "route53-recovery-cluster",
}
_SDK = "arn:aws:states:"
# Actions a call needs beyond its own: what is created with Tags (or copies them) is also
# tagged, which RDS authorizes as rds:AddTagsToResource ("Grant permission to tag Amazon RDS
# resources during creation", Amazon RDS User Guide); a replication group deleted with a final
# snapshot: "CreateSnapshot permission is required to create a final snapshot"
# (https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DeleteReplicationGroup.html).
_ALSO = {
    "elasticache:DeleteReplicationGroup": ("elasticache:CreateSnapshot",),
    "rds:CopyDBParameterGroup": ("rds:AddTagsToResource",),
    "rds:CreateDBInstanceReadReplica": ("rds:AddTagsToResource",),
    "rds:CopyDBSnapshot": ("rds:AddTagsToResource",),
    "rds:CreateDBParameterGroup": ("rds:AddTagsToResource",),
    "rds:CreateDBSnapshot": ("rds:AddTagsToResource",),
    "rds:RestoreDBInstanceFromDBSnapshot": ("rds:AddTagsToResource",),
    # S3: reading a given version (HeadObject/CopyObject with one) is s3:GetObjectVersion;
    # a replication configuration passes its role to S3.
    "s3:GetObject": ("s3:GetObjectVersion",),
    "s3:PutReplicationConfiguration": ("iam:PassRole",),
}
# Integration actions whose IAM action is named otherwise (S3's: "Actions, resources, and
# condition keys for Amazon S3", the API operation each action permits).
_RENAMED = {
    "lambda:Invoke": "lambda:InvokeFunction",
    "s3:CopyObject": "s3:PutObject",  # its source is read with s3:GetObject(Version) too
    "s3:GetBucketReplication": "s3:GetReplicationConfiguration",
    "s3:HeadObject": "s3:GetObject",
    "s3:ListObjectVersions": "s3:ListBucketVersions",
    "s3:PutBucketReplication": "s3:PutReplicationConfiguration",
}


def task_actions(definition: dict[str, Any]) -> list[str]:
    """``service:Action`` of every Task, sorted and deduplicated."""
    found = set(_actions(definition["States"]))
    for action in list(found):
        found.update(_ALSO.get(action, ()))
    return sorted(found)


def _actions(states: dict[str, Any]) -> Iterator[str]:
    for state in states.values():
        for branch in state.get("Branches", []):
            yield from _actions(branch["States"])
        proxied = proxied_call(state)
        if proxied is not None:  # the Region proxy makes it, as the same role
            service, action = str(proxied["Service"]), str(proxied["Action"])
            name = f"{_IAM_PREFIX.get(service, service)}:{action[:1].upper()}{action[1:]}"
            yield _RENAMED.get(name, name)
        resource = str(state.get("Resource", ""))
        if state.get("Type") != "Task" or not resource.startswith(_SDK):
            continue
        # arn:aws:states:<region>::<integration>:<service>:<action>[.<pattern>]
        parts = resource.split(":")
        if parts[5] == "aws-sdk":
            service, action = parts[6], parts[7]
        else:  # an optimized integration: arn:aws:states:::sns:publish[.waitForTaskToken]
            service, action = parts[5], parts[6]
        action = action.split(".")[0]
        name = f"{_IAM_PREFIX.get(service, service)}:{action[:1].upper()}{action[1:]}"
        yield _RENAMED.get(name, name)


def uses_proxy(definition: dict[str, Any]) -> bool:
    """Whether a task of ``definition`` invokes the Region proxy."""
    return bool(proxied_calls(definition))


def role_policy(definition: dict[str, Any], assume: list[str]) -> dict[str, Any]:
    """The inline policy: the tasks' actions (on any resource: the definition names them by
    id, not all by ARN), and ``sts:AssumeRole`` on the plan's ``accounts`` roles. The Region
    proxy runs as the same role (it makes the tasks' calls in other Regions): its own logs
    too when the definition uses it."""
    statements: list[dict[str, Any]] = [
        {"Sid": "DrctlSteps", "Effect": "Allow", "Action": task_actions(definition),
         "Resource": "*"},
    ]  # fmt: skip
    if uses_proxy(definition):
        statements.append(
            {"Sid": "DrctlRegionProxyLogs", "Effect": "Allow",
             "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
             "Resource": "*"}
        )  # fmt: skip
    if assume:
        statements.append(
            {"Sid": "DrctlAccounts", "Effect": "Allow", "Action": "sts:AssumeRole",
             "Resource": sorted(set(assume))}
        )  # fmt: skip
    return {"Version": "2012-10-17", "Statement": statements}
