"""YAML to plain Python data, remembering where every key and value was written.

PyYAML's ``safe_load`` forgets positions and silently keeps the last of two
duplicate keys. Plans need both: every error is reported as ``file:line:col``,
and a duplicated key is an error, not a coin toss. So we compose the node tree
(with the C loader when present) and build the data ourselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

Path = tuple[str | int, ...]

try:  # the C loader is ~10x faster on large plans
    _Loader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader


@dataclass(frozen=True)
class Position:
    line: int  # 1-based
    col: int  # 1-based


@dataclass
class Document:
    """Parsed data plus the position of each value and each mapping key, by path."""

    data: Any
    values: dict[Path, Position] = field(default_factory=dict)
    keys: dict[Path, Position] = field(default_factory=dict)
    problems: list[tuple[Position, str]] = field(default_factory=list)

    def position(self, path: Path, *, key: bool = False) -> Position:
        """Where ``path`` was written; falls back to its nearest written ancestor."""
        if key and path in self.keys:
            return self.keys[path]
        probe = path
        while probe:
            if probe in self.values:
                return self.values[probe]
            probe = probe[:-1]
        return self.values.get((), Position(1, 1))


class YamlSyntaxError(Exception):
    def __init__(self, position: Position, message: str) -> None:
        super().__init__(message)
        self.position = position
        self.message = message


def _pos(node: yaml.Node) -> Position:
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)


def parse(text: str) -> Document:
    """Parse one YAML document; raise :class:`YamlSyntaxError` with a position if malformed."""
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        position = Position(mark.line + 1, mark.column + 1) if mark else Position(1, 1)
        message = " ".join(p for p in (exc.context, exc.problem) if p) or "invalid YAML"
        raise YamlSyntaxError(position, f"YAML syntax error: {message}") from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(Position(1, 1), f"YAML error: {exc}") from None
    doc = Document(data=None)
    if root is None:
        return doc
    constructor = yaml.constructor.SafeConstructor()
    doc.data = _build(root, (), doc, constructor)
    return doc


def _build(node: yaml.Node, path: Path, doc: Document, ctor: Any) -> Any:
    doc.values[path] = _pos(node)
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                doc.problems.append((_pos(key_node), "merge keys ('<<') are not supported"))
                continue
            key = _scalar(key_node, doc, ctor) if isinstance(key_node, yaml.ScalarNode) else None
            if key is _UNREADABLE:
                continue
            if not isinstance(key, str):
                doc.problems.append((_pos(key_node), f"keys must be strings, got {key!r}"))
                continue
            if key in result:
                first = doc.keys[(*path, key)]
                doc.problems.append(
                    (_pos(key_node), f"duplicate key '{key}' (first at line {first.line})")
                )
                continue
            doc.keys[(*path, key)] = _pos(key_node)
            result[key] = _build(value_node, (*path, key), doc, ctor)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, i), doc, ctor) for i, item in enumerate(node.value)]
    value = _scalar(node, doc, ctor)
    return node.value if value is _UNREADABLE else value  # reported; keep the text


_UNREADABLE = object()


def _scalar(node: yaml.Node, doc: Document, ctor: Any) -> Any:
    """A scalar's value; a tag nobody knows (``!Ref``) or a value its type rejects
    (``2026-13-45``) becomes a problem at its position, never a traceback."""
    try:
        return ctor.construct_object(node)
    except yaml.MarkedYAMLError as exc:
        reason = exc.problem or str(exc)
    except (ValueError, TypeError, OverflowError) as exc:
        reason = str(exc)
    doc.problems.append((_pos(node), f"cannot read {node.value!r}: {reason}"))
    return _UNREADABLE
