"""`notifications.sns_topic_arn`: one message at the start, one per failed step, one at
the end. Read back from an SQS queue subscribed to the topic (moto delivers SNS to SQS).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from drctl.engine.journal import read_journal
from drctl.engine.runs import runs_dir
from drctl.plan.loader import load_plan_text
from tests.conftest import DEMO_PLAN
from tests.support import run_action

TOPIC_REGION = "us-west-2"


def _topic_and_queue() -> tuple[str, str]:
    sns = boto3.client("sns", region_name=TOPIC_REGION)
    sqs = boto3.client("sqs", region_name=TOPIC_REGION)
    topic = sns.create_topic(Name="shop-dr")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="shop-dr-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    return topic, queue_url


def _messages(queue_url: str) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs", region_name=TOPIC_REGION)
    found: list[dict[str, Any]] = []
    while True:
        batch = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        if not batch:
            return found
        found.extend(json.loads(m["Body"]) for m in batch)


def _loaded(topic: str) -> Any:
    text = DEMO_PLAN.read_text().replace(
        "resources:", f"notifications:\n  sns_topic_arn: {topic}\n\nresources:", 1
    )
    return load_plan_text(text)


def _run(loaded: Any, settings: Any) -> Any:
    return run_action(loaded, settings, "failover")


def test_start_and_end_are_published(built_plan: Any, settings: Any) -> None:
    topic, queue = _topic_and_queue()
    record = _run(_loaded(topic), settings)
    assert record.status == "succeeded"
    messages = _messages(queue)
    subjects = [m["Subject"] for m in messages]
    assert subjects[0] == "drctl failover started: shop"
    assert subjects[1].startswith("drctl failover succeeded: shop (RTO ")
    assert len(messages) == 2
    end = messages[1]
    assert f"run: {record.run_id}" in end["Message"]
    assert "measured RTO" in end["Message"] and "objective 15m" in end["Message"]
    attrs = {k: v["Value"] for k, v in end["MessageAttributes"].items()}
    assert attrs == {
        "app": "shop",
        "action": "failover",
        "run_id": record.run_id,
        "status": "succeeded",
    }


def test_a_failed_step_gets_its_own_message(built_plan: Any, settings: Any) -> None:
    topic, queue = _topic_and_queue()
    boto3.client("rds", region_name="us-west-2").delete_db_instance(
        DBInstanceIdentifier="shop-orders-dr", SkipFinalSnapshot=True
    )
    record = _run(_loaded(topic), settings)
    assert record.status == "failed"
    subjects = [m["Subject"] for m in _messages(queue)]
    assert subjects == [
        "drctl failover started: shop",
        # The missing replica is found by the drain, before anything is promoted.
        "drctl failover step failed: shop orders-db.drain",
        "drctl failover failed: shop",
    ]


def test_an_unreachable_topic_never_fails_the_run(built_plan: Any, settings: Any) -> None:
    missing = "arn:aws:sns:us-west-2:123456789012:no-such-topic"
    record = _run(_loaded(missing), settings)
    assert record.status == "succeeded"
    events = read_journal(runs_dir(settings.state_dir) / f"{record.run_id}.jsonl")
    failures = [e for e in events if e["event"] == "notify-failed"]
    assert len(failures) == 2
    assert "no-such-topic" in failures[0]["detail"] or "NotFound" in failures[0]["detail"]


@pytest.mark.parametrize(
    ("arn", "region"),
    [
        ("arn:aws:sns:eu-west-1:123456789012:t", "eu-west-1"),
        ("arn:aws:sns:us-west-2:1:x", "us-west-2"),
    ],
)
def test_topic_region(arn: str, region: str) -> None:
    from drctl.aws.sns import topic_region

    assert topic_region(arn) == region


def test_drills_are_announced_too(built_plan: Any, settings: Any) -> None:
    from drctl.drills.env import DrillEnv
    from drctl.drills.runner import run_one

    topic, queue = _topic_and_queue()
    loaded = load_plan_text(
        _loaded(topic).text + "\ndrills:\n  - name: readiness\n    type: checks\n"
    )
    result = run_one(loaded.plan.drills[0], DrillEnv(loaded, settings))
    assert result.status == "pass"
    subjects = [m["Subject"] for m in _messages(queue)]
    assert subjects == [
        "drctl drill readiness started: shop",
        "drctl drill readiness succeeded: shop",
    ]


def test_a_notification_not_sent_is_shown_to_the_operator(built_now: Any, tmp_path: Path) -> None:
    from tests.support import invoke

    missing = "arn:aws:sns:us-west-2:123456789012:no-such-topic"
    plan = tmp_path / "shop.yaml"
    plan.write_text(_loaded(missing).text)
    ran = invoke("--state-dir", str(tmp_path / "state"), "failover", "--plan", str(plan), "--yes")
    assert ran.exit_code == 0, ran.output
    assert "warning: notification" in ran.stderr and "not sent" in ran.stderr
    as_json = invoke("-o", "json", "--state-dir", str(tmp_path / "s2"), "failback", "--plan",
                     str(plan), "--yes")  # fmt: skip
    assert as_json.exit_code == 0, as_json.output
    assert "not sent" in as_json.stderr  # on stderr: stdout stays one JSON document
    json.loads(as_json.stdout)


def test_a_drill_notification_not_sent_is_shown_to_the_operator(
    built_now: Any, tmp_path: Path
) -> None:
    from tests.support import invoke

    missing = "arn:aws:sns:us-west-2:123456789012:no-such-topic"
    plan = tmp_path / "shop.yaml"
    plan.write_text(_loaded(missing).text + "drills:\n  - name: readiness\n    type: checks\n")
    ran = invoke("-o", "json", "--state-dir", str(tmp_path / "state"), "test", "--plan", str(plan))
    assert ran.exit_code == 0, ran.output
    for event in ("started", "succeeded"):
        subject = f"drctl drill readiness {event}: shop"
        assert f"warning: notification '{subject}' not sent" in ran.stderr, ran.stderr
    assert json.loads(ran.stdout)["ok"] is True  # stdout stays one JSON document
