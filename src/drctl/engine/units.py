"""The plans one run acts on: the plan itself and the plans it ``include:``s.

Each included plan is a unit of its own -- its own context (regions, objectives, accounts),
its own lock -- and its steps are named under its app (``platform/orders-db.promote``) and
placed in its stage, so every step of an include runs after every step of the includes it
depends on. The including plan's own resources, if any, run last. A plan that includes
nothing is one unit, named as before: nothing changes for it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from drctl.engine.context import RunContext
from drctl.engine.gate import LagReading
from drctl.engine.step import Step
from drctl.errors import UsageError
from drctl.plan.includes import SEPARATOR
from drctl.plan.loader import LoadedPlan
from drctl.plan.models import Plan, ResourceBase


@dataclass
class Unit:
    """One plan of a run."""

    prefix: str  # "" for the plan itself, "<app>/" for an included one
    plan: Plan
    path: str
    ctx: RunContext
    stage: int
    after: tuple[str, ...] = ()  # prefixes of the units whose steps all come first


def units_of(
    loaded: LoadedPlan, own: RunContext, context: Callable[[Plan], RunContext]
) -> list[Unit]:
    """The included plans (each with a context made by ``context``), then the plan itself
    (with ``own``), in the order their steps run."""
    units = [
        Unit(
            inc.prefix,
            inc.loaded.plan,
            inc.loaded.path,
            context(inc.loaded.plan),
            inc.stage,
            tuple(f"{app}{SEPARATOR}" for app in inc.depends_on),
        )
        for inc in loaded.includes
    ]
    last = max((u.stage for u in units), default=-1) + 1
    units.append(Unit("", loaded.plan, loaded.path, own, last, tuple(u.prefix for u in units)))
    return units


def qualified(unit: Unit, name: str) -> str:
    return unit.prefix + name


def own_names(unit: Unit, names: Sequence[str]) -> list[str]:
    """The names of ``names`` that belong to ``unit``, without its prefix."""
    if unit.prefix:
        return [n[len(unit.prefix) :] for n in names if n.startswith(unit.prefix)]
    return [n for n in names if SEPARATOR not in n]


def selection(units: Sequence[Unit], only: Sequence[str]) -> dict[str, list[ResourceBase]]:
    """Each unit's selected resources (all of them without ``--only``), by prefix; names
    of included plans' resources are written ``app/name``."""
    chosen: dict[str, list[ResourceBase]] = {
        u.prefix: [r for r in u.plan.resources if not only or r.name in set(own_names(u, only))]
        for u in units
    }
    if only:
        known = {qualified(u, r.name) for u in units for r in u.plan.resources}
        unknown = [n for n in only if n not in known]
        if unknown:
            raise UsageError(
                f"unknown resource {', '.join(repr(n) for n in unknown)} in --only",
                hint=f"the plan has: {', '.join(sorted(known))}",
            )
    return chosen


def renamed(unit: Unit, step: Step) -> Step:
    """``step`` of an included plan, named under its app and placed in its stage."""
    if not unit.prefix and not unit.stage:
        return step
    return dataclasses.replace(
        step,
        id=qualified(unit, step.id),
        resource=qualified(unit, step.resource),
        depends_on=[qualified(unit, d) for d in step.depends_on],
        plan_stage=unit.stage,
    )


def renamed_reading(unit: Unit, reading: LagReading) -> LagReading:
    return dataclasses.replace(reading, resource=qualified(unit, reading.resource))


def split(unit: Unit, by_name: dict[str, Any]) -> dict[str, Any]:
    """The entries of ``by_name`` (approvals, recorded step data) that belong to ``unit``,
    under their own names."""
    own = set(own_names(unit, list(by_name)))
    return {name: by_name[qualified(unit, name)] for name in own}
