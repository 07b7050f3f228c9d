"""Sandbox: each rule pair as a schedule (default bus) or an event pattern (another bus),
targeting an SQS queue of the same name in each Region; the primary's rules enabled, DR's
disabled."""

from __future__ import annotations

import json

from drctl.kinds.eventbridge_rules.switch import rules_of
from drctl.kinds.sandboxing import SandboxBuild
from drctl.plan.models import EventBridgeRules


def build(b: SandboxBuild, res: EventBridgeRules) -> None:
    queue_name = f"{res.name}-jobs"
    for side in ("primary", "dr"):
        events = b.client("events", side)
        if res.event_bus != "default":
            events.create_event_bus(Name=res.event_bus)
        sqs = b.client("sqs", side)
        url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        for name in rules_of(res, side):
            # Schedules run on the default bus only; on another bus a rule matches events.
            trigger: dict[str, str] = (
                {"ScheduleExpression": "rate(5 minutes)"}
                if res.event_bus == "default"
                else {"EventPattern": json.dumps({"source": [f"app.{res.name}"]})}
            )
            events.put_rule(
                Name=name,
                EventBusName=res.event_bus,
                State="ENABLED" if side == "primary" else "DISABLED",
                **trigger,
            )
            events.put_targets(
                Rule=name, EventBusName=res.event_bus, Targets=[{"Id": "jobs", "Arn": arn}]
            )
