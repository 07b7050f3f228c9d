"""The field tables of docs/plan-format.md, generated from the plan models.

A table says what a plan author writes: ``string``, ``integer``, ``duration (15m)``, the
allowed words of an enum (``primary`` | ``dr``), a default as it would be written in YAML
(``replica``, ``[]``, ``false``) -- never a Python type or repr. The tables sit between
``<!-- fields: Model -->`` and ``<!-- /fields -->`` markers; ``python -m drctl.plan.fieldtable
docs/plan-format.md`` rewrites them, and a test fails when the document has drifted.
"""

from __future__ import annotations

import enum
import re
import sys
import types
import typing
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from drctl.plan import models
from drctl.plan.durations import Duration

MARKER = re.compile(r"<!-- fields: (\w+) -->\n.*?<!-- /fields -->", re.S)
HEADER = "| field | type | required | default | meaning |\n| --- | --- | --- | --- | --- |"


def _words(values: typing.Iterable[Any]) -> str:
    return " \\| ".join(f"`{v.value if isinstance(v, enum.Enum) else v}`" for v in values)


def type_text(annotation: Any) -> str:
    """How a plan author would name the type of a field."""
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        return type_text(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        parts = [a for a in get_args(annotation) if a is not type(None)]
        if all(isinstance(a, type) and issubclass(a, BaseModel) for a in parts) and len(parts) > 1:
            return "one of the resource kinds below"
        return " or ".join(type_text(a) for a in parts)
    if origin is Literal:
        return _words(get_args(annotation))
    if origin in (list, tuple):
        (item, *_) = get_args(annotation) or (Any,)
        return f"list of {type_text(item)}"
    if origin is dict:
        _, value = get_args(annotation) or (Any, Any)
        return f"mapping of name to {type_text(value)}"
    if isinstance(annotation, type):
        if issubclass(annotation, enum.Enum):
            return _words(annotation)
        if issubclass(annotation, Duration):
            return "duration (`30s`, `15m`, `4h`, `1d`)"
        if issubclass(annotation, BaseModel):
            return "mapping (below)"
        names = {str: "string", int: "integer", float: "number", bool: "boolean"}
        if annotation in names:
            return names[annotation]
    return "any"


def default_text(info: FieldInfo) -> str:
    """The default as it would be written in YAML; blank when required or when absent means
    "not set"."""
    if info.is_required():
        return ""
    default = info.default
    if default is PydanticUndefined:
        default = info.default_factory() if info.default_factory else None  # type: ignore[call-arg]
    if default is None:
        return ""
    if isinstance(default, enum.Enum):
        return f"`{default.value}`"
    if isinstance(default, bool):
        return f"`{str(default).lower()}`"
    if isinstance(default, BaseModel):
        return "see below"
    if default in ([], {}):
        return f"`{'[]' if default == [] else '{}'}`"
    return f"`{default}`"


def meaning(info: FieldInfo) -> str:
    text = info.description or ""
    for pattern in info.metadata:
        regex = getattr(pattern, "pattern", None)
        if regex and regex in models.PATTERN_HELP and not text:
            # The validation message, said as a description: "an IAM role ARN, ...".
            text = re.sub(r"^(expected |not a valid )", "", models.PATTERN_HELP[regex])
    return text.replace("|", "\\|")


def table(model: type[BaseModel]) -> str:
    rows = [HEADER]
    for name, info in model.model_fields.items():
        if name == "kind":
            continue  # the section heading names it
        rows.append(
            f"| `{name}` | {type_text(info.annotation)} | "
            f"{'yes' if info.is_required() else 'no'} | {default_text(info)} | {meaning(info)} |"
        )
    return "\n".join(rows)


def render(text: str) -> str:
    """``text`` with every marked table regenerated from its model."""

    def replace(match: re.Match[str]) -> str:
        model = getattr(models, match.group(1))
        return f"<!-- fields: {match.group(1)} -->\n{table(model)}\n<!-- /fields -->"

    return MARKER.sub(replace, text)


def main(argv: list[str]) -> int:
    path = Path(argv[0] if argv else "docs/plan-format.md")
    path.write_text(render(path.read_text()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
