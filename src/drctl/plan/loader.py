"""Load a plan file and report *every* problem at once, each as ``PLAN:LINE:COL: message``.

Two passes run over the same parsed document: pydantic checks shapes and values,
and :mod:`drctl.plan.semantics` checks what spans sections (duplicate names,
``depends_on`` targets and cycles, drills naming unknown things). Both always
run, so a plan author fixes everything in one round trip instead of one error
per run.
"""

from __future__ import annotations

import gc
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any, NoReturn

from pydantic import ValidationError

from drctl.errors import PlanError
from drctl.plan.includes import IncludedPlan, resolve_includes
from drctl.plan.limits import MAX_PLAN_BYTES
from drctl.plan.models import PATTERN_HELP, RESOURCE_MODELS, Plan
from drctl.plan.secretscan import secret_findings
from drctl.plan.semantics import semantic_problems, strategy_warnings
from drctl.plan.yamlnodes import Document, Path, Position, YamlSyntaxError, parse

# A message quotes what the plan says (a key, a kind, a name), and YAML can spell a
# line break inside one ("a\nb"). One diagnostic must stay one line, so every
# character str.splitlines() breaks on is written as its escape.
_LINE_BREAKS = {ord(c): repr(c)[1:-1] for c in "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"}

# A message also quotes values whole, and a value can be megabytes long (a 10 MiB
# ``app:``): past this many characters the middle of the message is left out, keeping
# where it starts (the key) and how it ends (what to write instead).
MAX_MESSAGE_CHARS = 1000
_MESSAGE_HEAD, _MESSAGE_TAIL = 400, 200


def _short_repr(value: Any, limit: int = 80) -> str:
    """``repr(value)``, of at most the first ``limit`` characters of a long string (a repr
    of megabytes would be made only to be cut)."""
    if isinstance(value, str) and len(value) > limit:
        return f"{value[:limit]!r}..."
    return repr(value)


def _bounded(message: str) -> str:
    if len(message) <= MAX_MESSAGE_CHARS:
        return message
    cut = len(message) - _MESSAGE_HEAD - _MESSAGE_TAIL
    return f"{message[:_MESSAGE_HEAD]} [... {cut:,} characters ...] {message[-_MESSAGE_TAIL:]}"


@dataclass(frozen=True)
class Diagnostic:
    file: str
    line: int
    col: int
    message: str
    severity: str = "error"  # error | warning

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", _bounded(self.message))

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        message = self.message.translate(_LINE_BREAKS)
        return f"{self.file}:{self.line}:{self.col}: {prefix}{message}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "col": self.col,
            "severity": self.severity,
            "message": self.message,
        }


@dataclass
class LoadedPlan:
    plan: Plan
    path: str
    text: str
    warnings: list[Diagnostic] = field(default_factory=list)
    includes: list[IncludedPlan] = field(default_factory=list)  # plans it ``include:``s


def load_plan(path: str | FsPath, *, includes: bool = True) -> LoadedPlan:
    """Read, parse and validate the plan at ``path``; raise PlanError listing every error.

    Every refusal, down to "no such file", is a ``PLAN:LINE:COL: message`` line, so
    scripts and editors parse one format whatever went wrong.
    """
    name = str(path)
    data = _read_plan_bytes(name)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _byte_position(data, exc.start)
        byte = data[exc.start : exc.start + 1].hex()
        _raise_one(
            name,
            line,
            col,
            f"not UTF-8: byte 0x{byte} cannot be decoded ({exc.reason}); save the plan as UTF-8",
        )
    del data  # up to 10 MiB that the parse below does not need: not part of its peak
    if text.startswith("\ufeff"):  # a byte-order mark some editors write; YAML allows it
        text = text[1:]
    return load_plan_text(text, name, directory=FsPath(name).resolve().parent, includes=includes)


def _read_plan_bytes(name: str) -> bytes:
    """The bytes of a regular file of at most MAX_PLAN_BYTES; anything else is refused.

    The file is opened before it is examined (O_NONBLOCK, so a FIFO with no writer
    does not hang the open), then ``fstat`` of that open file decides: checking the
    path first and opening it afterwards would let it be swapped in between. At most
    one byte more than the cap is ever read, so a file that grows, or a device that
    never ends, costs no more than the cap.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(name, flags)
    except FileNotFoundError:
        _raise_one(name, 1, 1, "no such plan file")
    except IsADirectoryError:  # pragma: no cover - Linux opens directories read-only
        _raise_one(name, 1, 1, "is a directory, not a plan file")
    except OSError as exc:
        _raise_one(name, 1, 1, f"cannot read plan: {exc.strerror or exc}")
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            _raise_one(name, 1, 1, f"is {_file_type(info.st_mode)}, not a plan file")
        if info.st_size > MAX_PLAN_BYTES:
            _raise_one(name, 1, 1, _too_large(info.st_size))
        chunks: list[bytes] = []
        remaining = MAX_PLAN_BYTES + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    except OSError as exc:
        _raise_one(name, 1, 1, f"cannot read plan: {exc.strerror or exc}")
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > MAX_PLAN_BYTES:  # it grew after fstat
        _raise_one(name, 1, 1, _too_large(len(data)))
    return data


def _file_type(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"  # pragma: no cover - every POSIX type is named above


def _too_large(size: int) -> str:
    return (
        f"plan is {size / 2**20:.1f} MiB; plans larger than "
        f"{MAX_PLAN_BYTES // 2**20} MiB are refused (is this the right file?)"
    )


def _byte_position(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and character column of byte ``offset`` (the bytes before it on
    its line are decoded leniently, since they may hold earlier bad bytes)."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    col = len(data[line_start:offset].decode("utf-8", errors="replace")) + 1
    return data.count(b"\n", 0, offset) + 1, col


def _raise_one(name: str, line: int, col: int, message: str) -> NoReturn:
    diag = str(Diagnostic(name, line, col, message))
    raise PlanError(diag, diagnostics=[diag]) from None


def load_plan_text(
    text: str, name: str = "<plan>", directory: FsPath | None = None, *, includes: bool = True
) -> LoadedPlan:
    """Validate plan ``text``; ``name`` is used in diagnostics, ``directory`` (the current
    one when None) is what its relative paths (includes, command directories) start from.
    ``includes=False`` leaves the plans it includes unread (an included plan is read so:
    one level of include, and no include cycle can recurse)."""
    with _collector_paused():
        loaded = _load(text, name)
    where = directory or FsPath.cwd()
    loaded.plan.located_in(where)
    if loaded.plan.include and includes:
        loaded.includes = _includes(loaded, where)
        # Their warnings are the run's too (each in its own file).
        loaded.warnings += [w for inc in loaded.includes for w in inc.loaded.warnings]
    return loaded


def _includes(loaded: LoadedPlan, directory: FsPath) -> list[IncludedPlan]:
    """The plans ``loaded`` includes; every problem with them is raised at once, positioned
    in this plan, followed by the included files' own errors."""

    def read(path: FsPath) -> LoadedPlan:
        return load_plan(path, includes=False)

    included, problems, foreign = resolve_includes(loaded, directory, read)
    if not problems and not foreign:
        return included
    doc = parse(loaded.text)
    errors = [
        Diagnostic(loaded.path, *_lc(doc.position(path)), message) for path, message in problems
    ]
    lines = [str(d) for d in sorted(set(errors), key=lambda d: (d.line, d.col, d.message))]
    lines += [line for line in foreign if line not in lines]
    count = len(lines)
    raise PlanError(
        f"{loaded.path}: {count} error{'s' if count != 1 else ''}\n" + "\n".join(lines),
        diagnostics=lines,
    )


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a plan becomes objects.

    Loading allocates hundreds of thousands of objects and frees almost none, which
    is exactly what makes the collector rescan them over and over: on the
    10 000-resource plan it was 70% of the load (1.2 s, 0.3 s without). Nothing
    here depends on it; it resumes as it was, and catches up, when loading ends.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _load(text: str, name: str) -> LoadedPlan:
    try:
        doc = parse(text)
    except YamlSyntaxError as exc:
        _raise_one(name, exc.position.line, exc.position.col, exc.message)

    errors = [Diagnostic(name, p.line, p.col, msg) for p, msg in doc.problems]
    if not isinstance(doc.data, dict):
        pos = doc.position(())
        errors.append(Diagnostic(name, pos.line, pos.col, "a plan must be a YAML mapping"))
        _raise(name, errors)

    plan: Plan | None = None
    try:
        plan = Plan.model_validate(doc.data)
    except ValidationError as exc:
        errors.extend(_pydantic_diagnostics(exc, doc, name))
    if "resources" not in doc.data and not doc.data.get("include"):
        pos = doc.position(())
        errors.append(Diagnostic(name, pos.line, pos.col, "missing required key 'resources'"))
    for path, message, at_key in semantic_problems(doc.data):
        pos = doc.position(path, key=at_key)
        errors.append(Diagnostic(name, pos.line, pos.col, message))

    if errors or plan is None:
        _raise(name, errors)
    assert plan is not None
    warnings = [
        Diagnostic(name, *_lc(doc.position(path)), message, "warning")
        for path, message in strategy_warnings(plan)
    ]
    warnings += [
        Diagnostic(name, line, col, message, "warning")
        for line, col, message in secret_findings(text)
    ]
    return LoadedPlan(plan=plan, path=name, text=text, warnings=warnings)


def _lc(pos: Position) -> tuple[int, int]:
    return pos.line, pos.col


def _raise(name: str, errors: list[Diagnostic]) -> None:
    unique = sorted(set(errors), key=lambda d: (d.line, d.col, d.message))
    lines = [str(d) for d in unique]
    count = len(lines)
    raise PlanError(
        f"{name}: {count} error{'s' if count != 1 else ''}\n" + "\n".join(lines),
        diagnostics=lines,
    )


def _pydantic_diagnostics(exc: ValidationError, doc: Document, name: str) -> list[Diagnostic]:
    out = []
    for err in exc.errors(include_url=False):
        path = _data_path(doc.data, err["loc"])
        etype = err["type"]
        if etype == "extra_forbidden":
            key = path[-1]
            parent = _at(doc.data, path[:-1])
            allowed = _allowed_keys(parent, path[:-1])
            hint = f" (allowed: {', '.join(allowed)})" if allowed else ""
            pos = doc.position(path, key=True)
            out.append(Diagnostic(name, pos.line, pos.col, f"unknown key '{key}'{hint}"))
            continue
        if etype == "missing":
            pos = doc.position(path[:-1])
            where = _describe(path[:-1])
            message = f"missing required key '{path[-1]}'{where}"
        elif etype == "union_tag_invalid":
            pos = doc.position((*path, "kind"))
            got = (_at(doc.data, path) or {}).get("kind")
            kinds = ", ".join(RESOURCE_MODELS)
            message = f"unknown resource kind '{got}' (one of: {kinds})"
        elif etype == "union_tag_not_found":
            pos = doc.position(path)
            message = "resource has no 'kind' (one of: " + ", ".join(RESOURCE_MODELS) + ")"
        elif etype == "string_pattern_mismatch":
            pos = doc.position(path)
            pattern = (err.get("ctx") or {}).get("pattern", "")
            help_text = PATTERN_HELP.get(pattern, f"must match {pattern}")
            message = f"{_dotted(path)}: {_short_repr(err['input'])}: {help_text}"
        else:
            pos = doc.position(path)
            message = f"{_dotted(path)}: {_clean(err['msg'])}"
        out.append(Diagnostic(name, pos.line, pos.col, message))
    return out


def _data_path(data: Any, loc: tuple[Any, ...]) -> Path:
    """Map pydantic's error location to a path into the data (dropping union tags)."""
    path: list[str | int] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and isinstance(part, str) and part not in node:
            if node.get("kind") == part or part in RESOURCE_MODELS:
                continue  # discriminated-union tag, not a key
            path.append(part)
            node = None
            continue
        path.append(part)
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            node = None
    return tuple(path)


def _at(data: Any, path: Path) -> Any:
    node = data
    for part in path:
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            return None
    return node


def _allowed_keys(parent: Any, path: Path) -> list[str]:
    from drctl.plan.schema import allowed_keys_at

    return allowed_keys_at(path, parent)


def _describe(path: Path) -> str:
    return f" in {_dotted(path)}" if path else ""


def _dotted(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "plan"


def _clean(msg: str) -> str:
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            return msg[len(prefix) :]
    return msg
