"""The JSON documents of the commands, as docs/commands/*.md describe them.

Each page holds, after a ``<!-- json: NAME -->`` line, a fenced JSON block whose values are
type names: ``"string"``, ``"integer"``, ``"number"``, ``"boolean"``, ``"null"``, ``"any"``,
or unions such as ``"string|null"``; a list holds the shape of its items; a key ending in
``?`` may be absent. :func:`mismatches` compares a real document with it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests.conftest import REPO

PAGES = REPO / "docs" / "commands"
_BLOCK = re.compile(r"<!-- json: (?P<name>[\w -]+) -->\s*```json\n(?P<body>.*?)```", re.S)
_TYPES = {
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "null": type(None),
    "object": dict,
    "list": list,
}


def documented() -> dict[str, tuple[Path, Any]]:
    """NAME -> (page, shape) for every documented JSON document."""
    found: dict[str, tuple[Path, Any]] = {}
    for page in sorted(PAGES.glob("*.md")):
        for match in _BLOCK.finditer(page.read_text()):
            found[match.group("name").strip()] = (page, json.loads(match.group("body")))
    return found


def _leaf_ok(value: Any, spec: str) -> bool:
    for name in spec.split("|"):
        if name == "any":
            return True
        kind = _TYPES[name]
        if isinstance(value, bool) and name in ("integer", "number"):
            continue  # a boolean is not a number in JSON
        if isinstance(value, kind):
            return True
    return False


def mismatches(value: Any, shape: Any, path: str = "$") -> list[str]:
    """Every place where ``value`` differs from the documented ``shape``."""
    if isinstance(shape, str):
        return [] if _leaf_ok(value, shape) else [f"{path}: {value!r} is not {shape}"]
    if isinstance(shape, list):
        if not isinstance(value, list):
            return [f"{path}: expected a list, got {type(value).__name__}"]
        problems: list[str] = []
        for i, item in enumerate(value):
            problems += mismatches(item, shape[0], f"{path}[{i}]")
        return problems
    if not isinstance(value, dict):
        return [f"{path}: expected an object, got {type(value).__name__}"]
    keys = {k.rstrip("?"): k.endswith("?") for k in shape}
    problems = [f"{path}.{k}: not documented" for k in value if k not in keys]
    problems += [
        f"{path}.{k}: missing" for k, optional in keys.items() if not optional and k not in value
    ]
    for key, spec in shape.items():
        name = key.rstrip("?")
        if name in value:
            problems += mismatches(value[name], spec, f"{path}.{name}")
    return problems
