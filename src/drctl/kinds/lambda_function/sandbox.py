"""Sandbox: the function deployed in both Regions from the same code (one zip, so one
CodeSha256), version 1 published under the plan's alias, invoked by an SQS event source
mapping in each Region -- enabled in the primary, disabled in DR -- with no reserved
concurrency. Its execution role is built for it."""

from __future__ import annotations

import io
import json
import zipfile

from drctl.kinds.sandboxing import SandboxBuild, ignore_codes
from drctl.plan.models import LambdaFunction

HANDLER = "def handler(event, context):\n    return {'processed': len(event.get('Records', []))}\n"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def code() -> bytes:
    """The same bytes every time (a fixed file date): both Regions get one CodeSha256."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("handler.py", (2020, 1, 1, 0, 0, 0)), HANDLER)
    return buffer.getvalue()


def build(b: SandboxBuild, res: LambdaFunction) -> None:
    role_name = f"drctl-sandbox-{res.name}-lambda"
    for side in ("primary", "dr"):
        iam = b.client("iam", side)
        ignore_codes(
            iam.create_role,
            "EntityAlreadyExists",
            RoleName=role_name,
            AssumeRolePolicyDocument=json.dumps(TRUST),
        )
        role = iam.get_role(RoleName=role_name)["Role"]["Arn"]
        lam = b.client("lambda", side)
        published = lam.create_function(
            FunctionName=res.function,
            Runtime="python3.12",
            Role=role,
            Handler="handler.handler",
            Code={"ZipFile": code()},
            Publish=True,
        )
        lam.create_alias(
            FunctionName=res.function, Name=res.alias, FunctionVersion=published["Version"]
        )
        sqs = b.client("sqs", side)
        url = sqs.create_queue(QueueName=f"{res.function}-events")["QueueUrl"]
        queue = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        lam.create_event_source_mapping(
            EventSourceArn=queue["Attributes"]["QueueArn"],
            FunctionName=f"{res.function}:{res.alias}",
            BatchSize=10,
            Enabled=side == "primary",
        )
