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

from drctl.plan.limits import EVENTS_CHECK_CHARS, MAX_ALIAS_VALUES, MAX_DEPTH, MAX_EVENTS

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


def _pos(node: yaml.Node | yaml.Event) -> Position:
    mark = node.start_mark
    if mark is None:  # pragma: no cover - the parsers always set it; the stubs allow None
        return Position(1, 1)
    return Position(mark.line + 1, mark.column + 1)


def parse(text: str) -> Document:
    """Parse one YAML document; raise :class:`YamlSyntaxError` with a position if malformed.

    Also raises it when the text holds more than :data:`MAX_EVENTS` YAML events, or
    when aliases would expand the plan past :data:`MAX_ALIAS_VALUES` values (at the
    alias that crossed the line): both before the cost is paid, not after.
    """
    try:
        if len(text) > EVENTS_CHECK_CHARS:
            _count_events(text)
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        position = Position(mark.line + 1, mark.column + 1) if mark else Position(1, 1)
        message = " ".join(p for p in (exc.context, exc.problem) if p) or "invalid YAML"
        raise YamlSyntaxError(position, f"YAML syntax error: {message}") from None
    except yaml.reader.ReaderError as exc:
        raise YamlSyntaxError(_reader_position(text, exc), _reader_message(exc)) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(Position(1, 1), f"YAML error: {_unmarked(exc)}") from None
    except RecursionError:  # pragma: no cover - only the pure-Python composer recurses
        raise YamlSyntaxError(Position(1, 1), _too_deep()) from None
    doc = Document(data=None)
    if root is None:
        return doc
    doc.data = _Builder(doc).build(root, (), _pos(root))
    return doc


def _count_events(text: str) -> None:
    """Refuse a text of more than MAX_EVENTS events, streaming: nothing is kept, so the
    refusal costs a fraction of a second and no memory whatever the text holds."""
    for count, event in enumerate(yaml.parse(text, Loader=_Loader), 1):
        if count > MAX_EVENTS:
            raise YamlSyntaxError(
                _pos(event),
                f"more than {MAX_EVENTS:,} YAML values; a plan this large is refused "
                "(split it, one plan per application)",
            )


def _reader_position(text: str, exc: yaml.reader.ReaderError) -> Position:
    """Where a character the YAML reader refuses (a NUL, say) sits.

    libyaml reports a byte offset into the UTF-8 encoding of ``text``; the
    pure-Python reader a character offset. Columns count characters either way.
    """
    if _Loader is yaml.SafeLoader:  # pragma: no cover - PyYAML built without libyaml
        before = text[: exc.position]
    else:
        before = text.encode("utf-8")[: exc.position].decode("utf-8", errors="replace")
    line_start = before.rfind("\n") + 1
    return Position(before.count("\n") + 1, len(before) - line_start + 1)


def _reader_message(exc: yaml.reader.ReaderError) -> str:
    char = exc.character
    code = char if isinstance(char, int) else (ord(char) if isinstance(char, str) else None)
    what = f"character #x{code:04x}" if code is not None else "character"
    return f"YAML error: unacceptable {what}: {exc.reason}"


def _unmarked(exc: yaml.YAMLError) -> str:
    """The error's text without PyYAML's ``in "<unicode string>", ...`` location line:
    the diagnostic already says where, in the plan's own name."""
    lines = [line for line in str(exc).splitlines() if not line.strip().startswith('in "<')]
    return " ".join(line.strip() for line in lines) or type(exc).__name__


def _too_deep() -> str:
    return f"nested more than {MAX_DEPTH} levels deep; a plan needs far fewer"


class _Builder:
    """Turns the composed node graph into plain data, recording every position.

    PyYAML composes an alias as the *same* node object as its anchor, so the graph
    is small even when the data it stands for is not. Expanding it is where a
    "billion laughs" would cost a billion values, and where an anchor used inside
    itself (``&a {x: *a}``) would recurse forever. The builder therefore counts
    every value reached through an alias and keeps the nodes on the current path.
    """

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.ctor = yaml.constructor.SafeConstructor()
        self.seen: set[int] = set()  # nodes built at least once
        self.active: set[int] = set()  # nodes on the current path
        self.alias_values = 0  # values built again because an alias pointed at them
        self.alias_site: Position | None = None  # the outermost alias being expanded

    def build(self, node: yaml.Node, path: Path, site: Position) -> Any:
        """Data for ``node`` at ``path``; ``site`` is where it is referenced from
        (its key, or the node itself), used to point at an offending alias."""
        ident = id(node)
        if ident in self.active:
            self.doc.problems.append(
                (site, "recursive alias: this value contains an alias of itself")
            )
            return None
        if len(path) > MAX_DEPTH:
            self.doc.problems.append((_pos(node), _too_deep()))
            return None
        outermost = False
        if ident in self.seen and self.alias_site is None:
            self.alias_site, outermost = site, True
        if self.alias_site is not None:
            self.alias_values += 1
            if self.alias_values > MAX_ALIAS_VALUES:
                raise YamlSyntaxError(
                    self.alias_site,
                    f"aliases expand to more than {MAX_ALIAS_VALUES:,} values; a plan "
                    "that grows this much from a few lines is refused (write the values "
                    "out, or use fewer aliases)",
                )
        self.seen.add(ident)
        self.doc.values[path] = _pos(node)
        try:
            if isinstance(node, yaml.MappingNode):
                self.active.add(ident)
                return self._mapping(node, path)
            if isinstance(node, yaml.SequenceNode):
                self.active.add(ident)
                return [
                    self.build(item, (*path, i), _pos(item)) for i, item in enumerate(node.value)
                ]
            value = self._scalar(node)
            return node.value if value is _UNREADABLE else value  # reported; keep the text
        finally:
            self.active.discard(ident)
            if outermost:
                self.alias_site = None

    def _mapping(self, node: yaml.MappingNode, path: Path) -> dict[str, Any]:
        doc = self.doc
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                doc.problems.append((_pos(key_node), "merge keys ('<<') are not supported"))
                continue
            key = self._scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else None
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
            where = _pos(key_node)
            doc.keys[(*path, key)] = where
            result[key] = self.build(value_node, (*path, key), where)
        return result

    def _scalar(self, node: yaml.Node) -> Any:
        """A scalar's value; a tag nobody knows (``!Ref``), a value its type rejects
        (``2026-13-45``) or bytes (``!!binary``: a plan holds text, and AWS names are
        never bytes) become a problem at its position, never a traceback."""
        if node.tag == _STR:
            return node.value  # the common case, without the constructor's bookkeeping
        if node.tag == _BINARY:
            self.doc.problems.append(
                (_pos(node), "!!binary values are not allowed in a plan; write the text itself")
            )
            return _UNREADABLE
        try:
            return self.ctor.construct_object(node)
        except yaml.MarkedYAMLError as exc:
            reason = exc.problem or str(exc)
        except (ValueError, TypeError, OverflowError) as exc:
            reason = str(exc)
        except (KeyError, AttributeError):  # PyYAML's own lookups: !!bool maybe, !!timestamp x
            tag = str(node.tag).removeprefix("tag:yaml.org,2002:")
            reason = f"not a valid {tag}"
        self.doc.problems.append((_pos(node), f"cannot read {node.value!r}: {reason}"))
        return _UNREADABLE


_STR = "tag:yaml.org,2002:str"
_BINARY = "tag:yaml.org,2002:binary"
_UNREADABLE = object()
