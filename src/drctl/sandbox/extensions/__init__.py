"""Faithful moto extensions: AWS behaviour that moto fakes or leaves out.

drctl's tests and its sandbox (``drctl demo``) run against moto. Where moto answers with a
stand-in (RDS promotion that leaves replica links behind, Route 53 health that is always
"Success", S3 replication that copies nothing), a drill would "pass" against behaviour AWS
never shows. Each module here re-implements one such gap on moto's own backend/response
classes, from the AWS API reference and the botocore service model, so the fake behaves like
the real service for the paths drctl depends on.

Patches are applied at class level (not to backend instances), which is why the same
``install()`` serves both in-process ``mock_aws`` and a ``moto.server.ThreadedMotoServer``
running in the same process: both dispatch into the same classes. Call ``install()`` before
the server handles its first request, because moto's server builds each service's URL map
lazily on that service's first request.

moto is an optional dependency (the ``sandbox`` extra), so the extension modules are imported
only when ``install()`` is called.
"""

from __future__ import annotations

import importlib
import pkgutil
import threading
from collections.abc import MutableMapping
from types import ModuleType
from typing import Any, Final

__all__ = ["PatchSet", "install", "is_installed", "uninstall"]


_MISSING: Final = object()


class PatchSet:
    """Class-level replacements that can be undone exactly, in reverse order.

    The extensions replace methods on moto classes and add entries to moto's URL tables.
    Tests must be able to restore moto as it was (``uninstall()``), including the case where
    the replaced attribute was inherited rather than defined on the class itself, so the
    original is recorded from the owner's own ``__dict__``.
    """

    def __init__(self) -> None:
        self._undo: list[tuple[str, object, object, object]] = []

    @property
    def active(self) -> bool:
        """Whether any replacement is currently applied."""
        return bool(self._undo)

    def replace(self, owner: object, name: str, new: object) -> None:
        """Set ``owner.name`` to ``new``, remembering what was there."""
        own = vars(owner).get(name, _MISSING)
        self._undo.append(("attr", owner, name, own))
        setattr(owner, name, new)

    def add_item(self, mapping: MutableMapping[Any, Any], key: object, value: object) -> None:
        """Set ``mapping[key] = value``, remembering any previous value."""
        self._undo.append(("item", mapping, key, mapping.get(key, _MISSING)))
        mapping[key] = value

    def restore_all(self) -> None:
        """Undo every replacement, newest first."""
        while self._undo:
            kind, owner, name, original = self._undo.pop()
            if kind == "attr":
                assert isinstance(name, str)
                if original is _MISSING:
                    delattr(owner, name)
                else:
                    setattr(owner, name, original)
            else:
                assert isinstance(owner, MutableMapping)
                if original is _MISSING:
                    owner.pop(name, None)
                else:
                    owner[name] = original


_lock = threading.Lock()
_installed = False


def _modules() -> list[ModuleType]:
    """Every module of this package: one extension each, each with install()/uninstall()."""
    names = sorted(info.name for info in pkgutil.iter_modules(__path__) if not info.ispkg)
    return [importlib.import_module(f"{__name__}.{name}") for name in names]


def install() -> None:
    """Patch moto with every extension; calling it again is a no-op."""
    global _installed
    with _lock:
        if _installed:
            return
        for module in _modules():
            module.install()
        _installed = True


def uninstall() -> None:
    """Restore moto's original classes and clear the extensions' test state."""
    global _installed
    with _lock:
        for module in reversed(_modules()):
            module.uninstall()
        _installed = False


def is_installed() -> bool:
    """Whether ``install()`` is in effect."""
    return _installed
