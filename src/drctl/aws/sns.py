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
