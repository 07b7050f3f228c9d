"""Kinds register their behaviour here, keyed by the plan's ``kind``.

Models live in :mod:`drctl.plan.models` (so validating a plan never imports
AWS code); behaviour lives in this package and is imported only when a command
talks to AWS.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from typing import Any, Protocol

from drctl.engine.step import Check, Step
from drctl.errors import UsageError
from drctl.kinds.base import KindContext


class KindBehaviour(Protocol):
    def checks(self, resource: Any, ctx: KindContext) -> list[Check]: ...

    def failover(self, resource: Any, ctx: KindContext) -> list[Step]: ...

    def failback(self, resource: Any, ctx: KindContext) -> list[Step]: ...


_REGISTRY: dict[str, KindBehaviour] = {}


def module_for(kind: str) -> str:
    """Each kind lives in ``drctl.kinds.<kind with '_' for '-'>``: one file per kind."""
    return f"drctl.kinds.{kind.replace('-', '_')}"


def register(kind: str) -> Callable[[type[Any]], type[Any]]:
    def decorate(cls: type[Any]) -> type[Any]:
        _REGISTRY[kind] = cls()
        return cls

    return decorate


def behaviour(kind: str) -> KindBehaviour:
    if kind not in _REGISTRY and _has_module(kind):
        importlib.import_module(module_for(kind))
    try:
        return _REGISTRY[kind]
    except KeyError:
        raise UsageError(
            f"resource kind '{kind}' is valid in a plan but drctl {_version()} cannot yet "
            "check or fail it over",
            hint="use --only to leave it out, or handle it as a manual step",
        ) from None


def supported(kind: str) -> bool:
    return kind in _REGISTRY or _has_module(kind)


def _has_module(kind: str) -> bool:
    return importlib.util.find_spec(module_for(kind)) is not None


def _version() -> str:
    from drctl import __version__

    return __version__
