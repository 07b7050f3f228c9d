"""A value of a plan as its author wrote it, for messages about a value of the wrong type.

Messages are read by the person who wrote the YAML: ``version: true`` is reported as
``true (a boolean)``, not as Python's ``True (bool)``; ``rto: 15`` as ``15 (a number)``,
not ``int``; an empty value as ``null``, not ``None (NoneType)``.
"""

from __future__ import annotations

import json
from typing import Any

_LONGEST = 40  # characters of a value shown before it is cut with "..."


def yaml_kind(value: Any) -> str:
    """What YAML made of the value, in the plan author's words."""
    if value is None:
        return "no value"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "a date" if type(value).__name__ in ("date", "datetime") else "a value"


def as_written(value: Any) -> str:
    """``value`` spelled as YAML (JSON is YAML): ``true``, ``null``, ``"1"``, ``1.0``, with its
    kind: ``true (a boolean)``."""
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except ValueError:  # a circular structure cannot reach here from a plan; be safe anyway
        text = "..."
    if len(text) > _LONGEST:
        text = text[: _LONGEST - 3] + "..."
    return f"{text} ({yaml_kind(value)})"
