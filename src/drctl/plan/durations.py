"""Durations as plans write them: an integer and one unit ("30s", "15m", "4h", "1d").

A plain int of seconds would be easier to compute with but harder to read in a
plan; :class:`Duration` keeps both the seconds and the text the user wrote, so
``plan show`` prints back exactly what the plan says.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from drctl.plan.written import as_written

UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
DURATION_PATTERN = r"^[0-9]+[smhd]$"
_DURATION_RE = re.compile(DURATION_PATTERN)


class Duration:
    """A non-negative length of time parsed from ``<int><s|m|h|d>``."""

    __slots__ = ("seconds", "text")

    def __init__(self, seconds: int, text: str | None = None) -> None:
        self.seconds = seconds
        self.text = text if text is not None else format_seconds(seconds)

    @classmethod
    def parse(cls, value: str) -> Duration:
        """Parse ``value``; raise ValueError with a message fit for a plan author."""
        if not isinstance(value, str) or not _DURATION_RE.match(value.strip()):
            raise ValueError(
                f"invalid duration {value!r}: write an integer and one unit, "
                'e.g. "30s", "15m", "4h", "1d"'
            )
        text = value.strip()
        return cls(int(text[:-1]) * UNIT_SECONDS[text[-1]], text)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Duration) and other.seconds == self.seconds

    def __hash__(self) -> int:
        return hash(self.seconds)

    def __lt__(self, other: Duration) -> bool:
        return self.seconds < other.seconds

    def __repr__(self) -> str:
        return f"Duration({self.text!r})"

    def __str__(self) -> str:
        return self.text

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[Any], handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        def validate(value: Any) -> Duration:
            if isinstance(value, Duration):
                return value
            if isinstance(value, bool) or not isinstance(value, str):
                raise PydanticCustomError(
                    "duration",
                    'expected a duration string such as "30s", "15m", "4h" or "1d", got {got}',
                    {"got": as_written(value)},
                )
            try:
                return cls.parse(value)
            except ValueError as exc:
                raise PydanticCustomError("duration", str(exc)) from None

        return core_schema.no_info_plain_validator_function(
            validate,
            serialization=core_schema.plain_serializer_function_ser_schema(lambda d: d.text),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {
            "type": "string",
            "pattern": DURATION_PATTERN,
            "description": 'An integer and one unit: "30s", "15m", "4h", "1d".',
        }


def format_seconds(seconds: float) -> str:
    """Render seconds in the largest unit that divides them exactly (90 -> "90s")."""
    whole = int(seconds)
    if whole != seconds:
        return f"{seconds:.1f}s"
    for unit in ("d", "h", "m"):
        size = UNIT_SECONDS[unit]
        if whole and whole % size == 0:
            return f"{whole // size}{unit}"
    return f"{whole}s"


def human_seconds(seconds: float) -> str:
    """Render a measured time for people: "4.2s", "3m 12s", "1h 05m"."""
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"
