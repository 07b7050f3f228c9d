"""The kind registry: every kind folder under ``drctl.kinds``, and lookups by capability.

Kinds are found, not listed: each sub-package of ``drctl.kinds`` is one kind and exposes its
:class:`~drctl.kinds.contract.Kind` instance as ``KIND``. A kind's package is imported only
when it is asked for, so a command touching one kind does not import them all. Everything
that needs kinds -- the engine (handed a registry), drills, the sandbox -- asks here; nothing
keeps its own list of kind names.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from drctl.engine.context import RunContext
from drctl.engine.gate import LagRead
from drctl.engine.step import Check, Step
from drctl.errors import UsageError
from drctl.kinds.contract import Kind
from drctl.plan.models import Capability, ResourceBase


def module_for(kind: str) -> str:
    """``rds-instance`` lives in ``drctl.kinds.rds_instance.replica``."""
    return f"{__package__}.{kind.replace('-', '_')}"


@cache
def kind_names() -> tuple[str, ...]:
    """Every kind that has a folder, by its plan name."""
    import drctl.kinds as package

    return tuple(
        sorted(
            info.name.replace("_", "-")
            for info in pkgutil.iter_modules(package.__path__)
            if info.ispkg
        )
    )


class KindRegistry:
    """Kinds by plan name; hand one to the engine (which imports no kind itself)."""

    def __init__(self) -> None:
        self._kinds: dict[str, Kind] = {}

    def get(self, kind: str) -> Kind:
        found = self._kinds.get(kind)
        if found is not None:
            return found
        if kind not in kind_names():
            raise UsageError(
                f"unknown resource kind '{kind}'", hint=f"kinds: {', '.join(kind_names())}"
            )
        module = importlib.import_module(module_for(kind))
        instance: Kind = module.KIND
        if instance.name != kind:
            raise TypeError(f"{module.__name__}.KIND is {instance.name!r}, expected {kind!r}")
        self._kinds[kind] = instance
        return instance

    def all(self) -> list[Kind]:
        return [self.get(name) for name in kind_names()]

    def offering(self, capability: Capability) -> list[Kind]:
        """The kinds that implement an optional capability."""
        return [k for k in self.all() if capability in k.offers()]

    # What the engine asks (``drctl.engine.run.Kinds``): one resource at a time.

    def checks(self, res: ResourceBase, ctx: RunContext) -> list[Check]:
        return self.get(res.kind).checks(res, ctx)

    def steps(self, action: str, res: ResourceBase, ctx: RunContext) -> list[Step]:
        kind = self.get(res.kind)
        if action == "failover":
            return kind.failover(res, ctx)
        if action == "failback":
            return kind.failback(res, ctx)
        if action == "backup":
            backup = kind.backup
            return backup.steps(res, ctx) if backup is not None and backup.applies(res) else []
        raise ValueError(f"unknown run action {action!r}")

    def lag_reader(self, res: ResourceBase, ctx: RunContext) -> LagRead | None:
        lag = self.get(res.kind).lag
        if lag is None:
            return None
        return lambda: lag(res, ctx)


@cache
def registry() -> KindRegistry:
    """The process-wide registry."""
    return KindRegistry()
