"""Plans of plans: the plans a plan ``include:``s, loaded and checked as one.

An organisation fails over its shared platform first and its applications after it, in one
run: each included plan keeps its own file, regions, objectives and lock, and its steps run
under its app's name (``platform/orders-db.promote``). What can be wrong is reported like any
plan error, ``PLAN:LINE:COL: message``, all at once: an include whose file is missing or
invalid (its own errors, in its own file), one that includes plans itself (one level: list
them here instead, which also rules out include cycles), two includes of one app, a
``depends_on`` naming no include, and ``depends_on`` cycles.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path as FsPath
from typing import Any, Protocol

from drctl.errors import PlanError
from drctl.plan.models import Plan
from drctl.plan.yamlnodes import Path

Report = Callable[[Path, str], None]
Problem = tuple[Path, str]  # where in the including plan, message


class LoadedPlan(Protocol):
    """What the loader returns (``drctl.plan.loader.LoadedPlan``), as far as includes go:
    the loader calls this module, so this module names only the shape."""

    @property
    def plan(self) -> Plan: ...

    @property
    def path(self) -> str: ...

    @property
    def text(self) -> str: ...

    @property
    def warnings(self) -> list[Any]: ...


SEPARATOR = "/"  # between an included plan's app and its resource or step names


@dataclass(frozen=True)
class IncludedPlan:
    """One included plan and its place in the run."""

    app: str
    loaded: LoadedPlan
    depends_on: tuple[str, ...]
    stage: int  # 0 runs first; every include runs after the ones it depends on

    @property
    def prefix(self) -> str:
        return f"{self.app}{SEPARATOR}"


def resolve_includes(
    loaded: LoadedPlan, directory: FsPath, load: Callable[[FsPath], LoadedPlan]
) -> tuple[list[IncludedPlan], list[Problem], list[str]]:
    """Load every plan ``loaded`` includes (paths relative to ``directory``, each read by
    ``load``): the included plans, the problems found (where in ``loaded``, message) and the
    included files' own diagnostics (already ``FILE:LINE:COL: message``)."""
    problems: list[Problem] = []
    foreign: list[str] = []

    def error(path: Path, message: str) -> None:
        problems.append((path, message))

    own = FsPath(loaded.path).resolve() if loaded.path != "<plan>" else None
    found: dict[int, LoadedPlan] = {}
    for i, entry in enumerate(loaded.plan.include):
        try:
            target = (directory / entry.plan).resolve()
            exists = target.exists()  # a FIFO, a device or a directory: the loader says which
        except (OSError, ValueError) as exc:  # a name too long, a NUL byte in it
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            error(("include", i, "plan"), f"cannot read plan file {entry.plan}: {why}")
            continue
        if own is not None and target == own:
            error(("include", i, "plan"), f"{entry.plan} is this plan: it cannot include itself")
            continue
        if not exists:
            error(("include", i, "plan"), f"no such plan file: {entry.plan} ({target})")
            continue
        try:
            child = load(target)
        except PlanError as exc:
            error(("include", i, "plan"), f"{entry.plan} is not a valid plan (errors below)")
            foreign.extend(exc.diagnostics or [exc.message])
            continue
        if child.plan.include:
            error(
                ("include", i, "plan"),
                f"{entry.plan} includes plans itself; include those here directly "
                "(one level of include)",
            )
            continue
        found[i] = child

    apps: dict[str, int] = {}
    for i, child in found.items():
        app = child.plan.app
        written = loaded.plan.include[i].plan
        if app == loaded.plan.app:
            error(("include", i, "plan"), f"{written} has this plan's own app {app!r}")
        elif app in apps:
            first = loaded.plan.include[apps[app]].plan
            error(
                ("include", i, "plan"),
                f"duplicate app {app!r}: {written} and {first} are the same app "
                "(each app is locked and named once)",
            )
        else:
            apps[app] = i

    app_of = {i: found[i].plan.app for i in found}
    # An include that failed to load has no known app: the names that may point at it are
    # not blamed as well (one error per mistake).
    all_loaded = len(found) == len(loaded.plan.include)
    for i, entry in enumerate(loaded.plan.include):
        for j, dep in enumerate(entry.depends_on):
            at = ("include", i, "depends_on", j)
            if app_of.get(i) == dep:
                error(at, f"an include cannot depend on itself ({dep!r})")
            elif dep not in apps and all_loaded:
                known = ", ".join(sorted(apps)) or "none"
                error(at, f"depends_on {dep!r}: no included plan has that app (included: {known})")

    stages = _stages(loaded, app_of, error)
    included = [
        IncludedPlan(
            app=found[i].plan.app,
            loaded=found[i],
            depends_on=tuple(loaded.plan.include[i].depends_on),
            stage=stages[i],
        )
        for i in sorted(found)
    ]
    return included, problems, foreign


def _stages(loaded: LoadedPlan, app_of: dict[int, str], error: Report) -> dict[int, int]:
    """Each include's stage: 0 without dependencies, else one more than its deepest one;
    a cycle is reported at the ``depends_on`` that closes it."""
    index = {app: i for i, app in app_of.items()}
    deps = {
        i: [index[d] for d in loaded.plan.include[i].depends_on if d in index and index[d] != i]
        for i in app_of
    }
    stage: dict[int, int] = {}
    visiting: list[int] = []
    reported: set[frozenset[int]] = set()

    def visit(i: int) -> int:
        if i in stage:
            return stage[i]
        if i in visiting:
            cycle = visiting[visiting.index(i) :]
            key = frozenset(cycle)
            if key not in reported:
                reported.add(key)
                names = " -> ".join(app_of[c] for c in [*cycle, i])
                error(("include", cycle[-1], "depends_on"), f"include cycle: {names}")
            return 0
        visiting.append(i)
        depth = max((visit(d) + 1 for d in deps[i]), default=0)
        visiting.pop()
        stage[i] = depth
        return depth

    for i in sorted(app_of):
        visit(i)
    return stage
