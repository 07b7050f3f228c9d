"""Amazon SNS: publishing run notifications."""

from __future__ import annotations

from typing import Any


def topic_region(topic_arn: str) -> str:
    """``arn:aws:sns:<region>:<account>:<name>`` -> region."""
    return topic_arn.split(":")[3]


def publish(
    sns: Any, topic_arn: str, subject: str, message: str, attributes: dict[str, str]
) -> str:
    """Publish one message; returns its MessageId. Subjects are capped at 100 chars by SNS."""
    response = sns.publish(
        TopicArn=topic_arn,
        Subject=subject[:100],
        Message=message,
        MessageAttributes={
            key: {"DataType": "String", "StringValue": value}
            for key, value in attributes.items()
            if value
        },
    )
    return str(response["MessageId"])


def topic_name(topic_arn: str) -> str:
    return topic_arn.split(":")[5]


def topic_exists(sns: Any, topic_arn: str) -> bool:
    """Whether the topic exists (GetTopicAttributes answers NotFound otherwise)."""
    try:
        sns.get_topic_attributes(TopicArn=topic_arn)
    except sns.exceptions.NotFoundException:
        return False
    return True


def create_topic(sns: Any, name: str) -> str:
    """Create the topic (CreateTopic returns the existing one's ARN when it exists)."""
    return str(sns.create_topic(Name=name)["TopicArn"])


def caller_account(sts: Any) -> str:
    """The account the credentials of a side act in (where its alarms and topics live)."""
    return str(sts.get_caller_identity()["Account"])
