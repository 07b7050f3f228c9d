"""A side that may be down (the primary of an unplanned failover) is tried once with a short
timeout; once a service there failed to connect it is not called again in the run. Other sides
and planned runs keep a few connection retries (``connection_retries``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from drctl.aws.session import AwsOptions, AwsSessions
from drctl.errors import EndpointUnreachable
from drctl.sandbox.outages import outages


@pytest.fixture(autouse=True)
def primary_out(aws: None) -> Iterator[None]:
    outages.add("us-east-1")
    yield
    outages.clear()


def test_the_fragile_side_gets_one_attempt_then_fails_at_once() -> None:
    sessions = AwsSessions(AwsOptions(), may_be_down=frozenset({"primary"}))
    rds = sessions.client("rds", "us-east-1", "primary")
    assert rds.meta.config.connect_timeout == AwsOptions().unreachable_timeout
    with pytest.raises(EndpointUnreachable, match="rds in us-east-1 unreachable"):
        rds.describe_db_instances()
    with pytest.raises(EndpointUnreachable):
        rds.describe_db_clusters()  # known down: not sent at all
    assert outages.refused() == {"rds@us-east-1": 1}
    assert sessions.unreachable() == {"rds@us-east-1": "EndpointConnectionError"}
    # Another service of that region gets its own single attempt; DR is untouched.
    with pytest.raises(EndpointUnreachable):
        sessions.client("s3", "us-east-1", "primary").list_buckets()
    assert sessions.client("rds", "eu-west-1", "dr").describe_db_instances()["DBInstances"] == []
    assert outages.refused() == {"rds@us-east-1": 1, "s3@us-east-1": 1}


def test_other_sides_keep_their_connection_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """A side not expected down gets ``connection_retries`` retries of a refused connection
    (not botocore's whole budget), then an error naming the endpoint and region."""
    monkeypatch.setattr("time.sleep", lambda seconds: None)  # botocore's backoff
    options = AwsOptions(max_attempts=5, connection_retries=2)
    sessions = AwsSessions(options, may_be_down=frozenset({"primary"}))
    other = sessions.client("rds", "us-east-1", "global")  # not the fragile side
    with pytest.raises(EndpointUnreachable, match="cannot reach rds in us-east-1") as caught:
        other.describe_db_instances()
    assert "(3 attempts)" in caught.value.message
    assert outages.refused() == {"rds@us-east-1": 3}  # 1 + 2 retries, not 1 + 5
