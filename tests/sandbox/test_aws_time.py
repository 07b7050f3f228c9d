"""The sandbox's AWS clock: scaled wall time, or a test's clock, never going backwards."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from drctl.engine.clock import FakeClock
from drctl.kinds.sandboxing import AwsTime


@pytest.fixture
def aws_clock() -> Iterator[AwsTime]:
    yield AwsTime()


def test_scaled_time_runs_faster_than_wall_time(aws_clock: AwsTime) -> None:
    aws_clock.set_scale(600.0)
    start = aws_clock.now()
    time.sleep(0.05)
    assert aws_clock.now() - start >= timedelta(seconds=25)


def test_changing_the_scale_keeps_the_time_already_passed(aws_clock: AwsTime) -> None:
    aws_clock.set_scale(3600.0)
    time.sleep(0.02)
    before = aws_clock.now()
    aws_clock.set_scale(1.0)
    assert aws_clock.now() >= before


def test_following_a_fake_clock_moves_only_when_it_does(aws_clock: AwsTime) -> None:
    fake = FakeClock(datetime(2026, 1, 1, tzinfo=UTC))
    aws_clock.follow(fake.now)
    start = aws_clock.now()
    time.sleep(0.01)
    assert aws_clock.now() == start
    fake.sleep(90)
    assert aws_clock.now() - start == timedelta(seconds=90)
    aws_clock.follow(None)
    assert aws_clock.now() >= start


def test_a_scale_must_be_positive(aws_clock: AwsTime) -> None:
    with pytest.raises(ValueError):
        aws_clock.set_scale(0)
