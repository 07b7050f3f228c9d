"""Sandbox: the Lambda functions and Automation runbooks a custom resource names, built to
do what such team code typically does -- flip a flag saying which Region serves.

The flag is the SSM parameter ``/drctl-sandbox/<resource>`` of the action's Region. A ``run``
sets it (``dr`` on failover, ``primary`` on failback); a ``check`` and a ``verify`` read it and
succeed when it already says so. Functions behave as their environment says
(``moto_lambda_invoke``: the sandbox runs no code); runbooks are real Automation documents of
the steps ``moto_automation`` models. A name used by two actions is built once, for the first
(the sandbox's stand-in can do one thing; give each role its own name to see all three). Local
commands run for real: nothing to build.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from drctl.kinds.sandboxing import SANDBOX_ACCOUNT, SandboxBuild, ignore_codes
from drctl.plan.models import Custom, CustomAction, CustomSteps

ROLE = "drctl-sandbox-custom"
HANDLER = "def handler(event, context):\n    return None\n"


def flag(res: Custom) -> str:
    """The SSM parameter the sandbox's stand-ins flip and read."""
    return f"/drctl-sandbox/{res.name}"


def build(b: SandboxBuild, res: Custom) -> None:
    directions: list[tuple[str, CustomSteps | None]] = [
        ("dr", res.failover),
        ("primary", res.failback),
    ]
    for target, steps in directions:
        if steps is None:
            continue
        for role in ("check", "run", "verify"):
            action: CustomAction | None = getattr(steps, role)
            if action is None:
                continue
            if action.invoke is not None:
                _function(b, res, action, role, target)
            elif action.automation is not None:
                _runbook(b, res, action, role, target)


def _function(b: SandboxBuild, res: Custom, action: CustomAction, role: str, target: str) -> None:
    assert action.invoke is not None
    iam = b.client("iam", "global")
    ignore_codes(
        iam.create_role,
        "EntityAlreadyExists",
        RoleName=ROLE,
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )
    verb = "DRCTL_SANDBOX_PUT" if role == "run" else "DRCTL_SANDBOX_EXPECT"
    name = action.invoke.function.split(":function:")[-1].split(":")[0]
    ignore_codes(
        b.client("lambda", action.invoke.side.value).create_function,
        "ResourceConflictException",
        FunctionName=name,
        Runtime="python3.12",
        Role=f"arn:aws:iam::{SANDBOX_ACCOUNT}:role/{ROLE}",
        Handler="index.handler",
        Code={"ZipFile": _zip()},
        Environment={"Variables": {"DRCTL_SANDBOX_PARAMETER": flag(res), verb: target}},
    )


def _runbook(b: SandboxBuild, res: Custom, action: CustomAction, role: str, target: str) -> None:
    assert action.automation is not None
    auto = action.automation
    if role == "run":
        step: dict[str, Any] = {
            "name": "setServingRegion",
            "action": "aws:executeAwsApi",
            "inputs": {
                "Service": "ssm",
                "Api": "PutParameter",
                "Name": flag(res),
                "Value": target,
                "Type": "String",
                "Overwrite": True,
            },
        }
    else:
        step = {
            "name": "assertServingRegion",
            "action": "aws:assertAwsResourceProperty",
            "inputs": {
                "Service": "ssm",
                "Api": "GetParameter",
                "Name": flag(res),
                "PropertySelector": "$.Parameter.Value",
                "DesiredValues": [target],
            },
        }
    content = {
        "schemaVersion": "0.3",
        "description": f"drctl sandbox stand-in for {res.name} ({role})",
        "parameters": {key: {"type": "StringList"} for key in auto.parameters},
        "mainSteps": [step],
    }
    ignore_codes(
        b.client("ssm", auto.side.value).create_document,
        "DocumentAlreadyExists",
        Name=auto.document,
        DocumentType="Automation",
        DocumentFormat="JSON",
        Content=json.dumps(content),
    )


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", HANDLER)
    return buffer.getvalue()
