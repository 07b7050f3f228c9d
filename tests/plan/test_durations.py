"""Durations as plans write them: an integer and exactly one unit (s, m, h, d)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, TypeAdapter, ValidationError

from drctl.plan.durations import (
    DURATION_PATTERN,
    UNIT_SECONDS,
    Duration,
    format_seconds,
    human_seconds,
)

ADAPTER: TypeAdapter[Duration] = TypeAdapter(Duration)


@pytest.mark.parametrize(
    ("text", "seconds", "kept"),
    [
        ("30s", 30, "30s"),
        ("0s", 0, "0s"),
        ("90s", 90, "90s"),
        ("5m", 300, "5m"),
        ("15m", 900, "15m"),
        ("1h", 3600, "1h"),
        ("4h", 14400, "4h"),
        ("1d", 86400, "1d"),
        ("007m", 420, "007m"),
        (" 4h ", 14400, "4h"),  # surrounding blanks are dropped, the text is kept as written
        ("100000d", 100000 * 86400, "100000d"),
    ],
)
def test_accepted_forms(text: str, seconds: int, kept: str) -> None:
    duration = Duration.parse(text)
    assert duration.seconds == seconds
    assert duration.text == kept
    assert str(duration) == kept
    assert repr(duration) == f"Duration({kept!r})"


@pytest.mark.parametrize(
    "text",
    [
        "1h30m",  # one unit only
        "1.5h",
        "",
        " ",
        "m",
        "5",  # a unit is required
        "-5m",
        "5M",
        "5H",
        "5 m",
        "5min",
        "5w",
        "PT5M",
        "5m5",
        "\u0665m",  # a non-ASCII digit
    ],
)
def test_rejected_strings(text: str) -> None:
    with pytest.raises(ValueError) as info:
        Duration.parse(text)
    assert str(info.value) == (
        f'invalid duration {text!r}: write an integer and one unit, e.g. "30s", "15m", "4h", "1d"'
    )


@pytest.mark.parametrize("value", [5, 5.0, None, True, ["5m"]])
def test_parse_rejects_non_strings(value: object) -> None:
    with pytest.raises(ValueError, match="invalid duration"):
        Duration.parse(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "got"),
    [
        (300, "300 (a number)"),
        (1.5, "1.5 (a number)"),
        (True, "true (a boolean)"),
        (None, "null (no value)"),
    ],
)
def test_pydantic_rejects_non_strings_with_the_type(value: object, got: str) -> None:
    with pytest.raises(ValidationError) as info:
        ADAPTER.validate_python(value)
    (error,) = info.value.errors()
    assert error["type"] == "duration"
    assert error["msg"] == (
        f'expected a duration string such as "30s", "15m", "4h" or "1d", got {got}'
    )


def test_pydantic_reports_the_parse_message() -> None:
    with pytest.raises(ValidationError) as info:
        ADAPTER.validate_python("1h30m")
    (error,) = info.value.errors()
    assert error["type"] == "duration"
    assert error["msg"].startswith("invalid duration '1h30m'")


def test_pydantic_validates_and_serializes_back_to_the_written_text() -> None:
    class Model(BaseModel):
        rto: Duration

    model = Model.model_validate({"rto": "60s"})
    assert model.rto.seconds == 60
    assert model.model_dump() == {"rto": "60s"}
    assert model.model_dump_json() == '{"rto":"60s"}'
    already = Duration(120)
    assert Model(rto=already).rto is already


def test_json_schema_is_a_patterned_string() -> None:
    schema = ADAPTER.json_schema()
    assert schema["type"] == "string"
    assert schema["pattern"] == DURATION_PATTERN == r"^[0-9]+[smhd]$"


def test_equality_hash_and_order_are_by_seconds() -> None:
    sixty, minute, hour = Duration.parse("60s"), Duration.parse("1m"), Duration.parse("1h")
    assert sixty == minute
    assert hash(sixty) == hash(minute)
    assert sixty.text != minute.text
    assert len({sixty, minute, hour}) == 2
    assert sixty != 60  # a Duration is not its number of seconds
    assert minute < hour
    assert hour > minute
    assert sorted([hour, Duration.parse("30s"), minute]) == [
        Duration(30),
        Duration(60),
        Duration(3600),
    ]


def test_duration_from_seconds_gets_the_canonical_text() -> None:
    assert Duration(90).text == "90s"
    assert Duration(3600).text == "1h"
    assert Duration(60, "60s").text == "60s"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (1, "1s"),
        (59, "59s"),
        (60, "1m"),
        (90, "90s"),
        (300, "5m"),
        (3600, "1h"),
        (5400, "90m"),
        (7200, "2h"),
        (86400, "1d"),
        (90000, "25h"),
        (172800, "2d"),
        (60.0, "1m"),
        (1.5, "1.5s"),
        (12.34, "12.3s"),
    ],
)
def test_format_seconds_uses_the_largest_exact_unit(seconds: float, text: str) -> None:
    assert format_seconds(seconds) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0.0s"),
        (4.2, "4.2s"),
        (59.4, "59.4s"),
        (60, "1m 00s"),
        (192, "3m 12s"),
        (3599, "59m 59s"),
        (3600, "1h 00m"),
        (3900, "1h 05m"),
        (90000, "25h 00m"),
    ],
)
def test_human_seconds(seconds: float, text: str) -> None:
    assert human_seconds(seconds) == text


@given(st.integers(min_value=0, max_value=10**9))
def test_format_seconds_round_trips_through_parse(seconds: int) -> None:
    text = format_seconds(seconds)
    assert re.fullmatch(DURATION_PATTERN[1:-1], text)
    parsed = Duration.parse(text)
    assert parsed.seconds == seconds
    assert parsed.text == text
    # the largest unit: no bigger unit divides the amount exactly
    amount, unit = int(text[:-1]), text[-1]
    bigger = [u for u, size in UNIT_SECONDS.items() if size > UNIT_SECONDS[unit]]
    assert all(seconds == 0 or seconds % UNIT_SECONDS[u] for u in bigger)
    assert amount * UNIT_SECONDS[unit] == seconds


@given(st.integers(min_value=0, max_value=10**6), st.sampled_from(sorted(UNIT_SECONDS)))
def test_any_integer_and_unit_parses_to_its_seconds(amount: int, unit: str) -> None:
    duration = Duration.parse(f"{amount}{unit}")
    assert duration.seconds == amount * UNIT_SECONDS[unit]
    assert Duration.parse(format_seconds(duration.seconds)) == duration


@given(st.text(max_size=8).filter(lambda s: not re.fullmatch(r"\s*[0-9]+[smhd]\s*", s)))
def test_anything_else_is_rejected(text: str) -> None:
    with pytest.raises(ValueError, match="invalid duration"):
        Duration.parse(text)
