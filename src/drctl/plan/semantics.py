"""Rules that span sections of a plan, checked on the raw data.

They run on the raw parsed YAML rather than the pydantic model so that they
still report when some other part of the plan failed validation: the author
gets the unknown ``depends_on`` *and* the misspelt key in one go.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from typing import Any

from drctl.plan.models import Capability, Plan, kinds_offering
from drctl.plan.tiers import strategy_fit_warnings
from drctl.plan.yamlnodes import Path

Problem = tuple[Path, str, bool]  # path, message, point at the key rather than the value

# Drill types that act on one resource, and what its kind must be able to do for them.
DRILL_CAPABILITY = {
    "restore": Capability.RESTORE,
    "replication": Capability.CANARY,
}


def semantic_problems(data: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    problems.extend(_regions(data))
    problems.extend(_objectives(data))
    problems.extend(_resources_or_include(data))
    resources = _named_items(data, "resources")
    problems.extend(_duplicates(resources, "resources", "resource"))
    problems.extend(_dependencies(resources))
    experiments = _named_items(data, "experiments")
    problems.extend(_duplicates(experiments, "experiments", "experiment"))
    problems.extend(_experiment_refs(experiments))
    drills = _named_items(data, "drills")
    problems.extend(_duplicates(drills, "drills", "drill"))
    problems.extend(_drill_refs(drills, resources, experiments))
    return problems


def strategy_warnings(plan: Plan) -> list[tuple[Path, str]]:
    objectives = plan.effective_objectives()
    return [
        (("strategy",), message)
        for message in strategy_fit_warnings(
            plan.strategy, objectives.rto_seconds, objectives.rpo_seconds
        )
    ]


def _named_items(data: dict[str, Any], section: str) -> list[tuple[int, dict[str, Any]]]:
    items = data.get(section)
    if not isinstance(items, list):
        return []
    return [(i, item) for i, item in enumerate(items) if isinstance(item, dict)]


def _resources_or_include(data: dict[str, Any]) -> Iterator[Problem]:
    """A plan acts on something: resources of its own, or the plans it includes (a plan
    without the key is told so by the loader, with the other missing keys)."""
    if data.get("include"):
        return
    if data.get("resources") == []:
        yield (
            ("resources",),
            "resources: List should have at least 1 item after validation, not 0",
            False,
        )


def _regions(data: dict[str, Any]) -> Iterator[Problem]:
    regions = data.get("regions")
    if (
        isinstance(regions, dict)
        and regions.get("primary")
        and (regions.get("primary") == regions.get("dr"))
    ):
        yield ("regions", "dr"), "regions.dr must differ from regions.primary", False


def _objectives(data: dict[str, Any]) -> Iterator[Problem]:
    if data.get("tier") is not None:
        return
    objectives = data.get("objectives")
    if objectives is None:  # absent, or written but left empty (``objectives:``)
        present = "objectives" in data
        yield (
            ("objectives",) if present else (),
            "objectives (rto and rpo) are required when no tier is given",
            present,
        )
        return
    if not isinstance(objectives, dict):
        return  # the model reports the wrong type
    for key in ("rto", "rpo"):
        if objectives.get(key) is None:
            yield (
                ("objectives",),
                f"objectives.{key} is required when no tier is given",
                False,
            )


def _duplicates(
    items: list[tuple[int, dict[str, Any]]], section: str, what: str
) -> Iterator[Problem]:
    seen: dict[str, int] = {}
    for i, item in items:
        name = item.get("name")
        if not isinstance(name, str):
            continue
        if name in seen:
            yield (
                (section, i, "name"),
                f"duplicate {what} name '{name}' (also {section}[{seen[name]}])",
                False,
            )
        else:
            seen[name] = i


def _dependencies(resources: list[tuple[int, dict[str, Any]]]) -> Iterator[Problem]:
    names = {item.get("name") for _, item in resources if isinstance(item.get("name"), str)}
    graph: dict[str, list[str]] = {}
    where: dict[str, int] = {}
    for i, item in resources:
        name = item.get("name")
        deps = item.get("depends_on")
        if not isinstance(deps, list):
            continue
        valid = []
        for j, dep in enumerate(deps):
            if not isinstance(dep, str):
                continue
            if dep == name:
                yield (
                    ("resources", i, "depends_on", j),
                    f"resource '{name}' depends on itself",
                    False,
                )
            elif dep not in names:
                known = ", ".join(sorted(n for n in names if isinstance(n, str)))
                yield (
                    ("resources", i, "depends_on", j),
                    f"depends_on names unknown resource '{dep}' (known: {known})",
                    False,
                )
            else:
                valid.append(dep)
        if isinstance(name, str):
            graph[name] = valid
            where.setdefault(name, i)
    for cycle in _cycles(graph):
        i = where[cycle[0]]
        yield (
            ("resources", i, "depends_on"),
            "dependency cycle: " + " -> ".join([*cycle, cycle[0]]),
            False,
        )


def _cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Each elementary cycle found by DFS, reported once (rotated to its smallest name)."""
    found: dict[tuple[str, ...], list[str]] = {}
    state: dict[str, int] = {}  # 0 new, 1 on stack, 2 done
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, []):
            if state.get(nxt, 0) == 1:
                cycle = stack[stack.index(nxt) :]
                start = cycle.index(min(cycle))
                rotated = cycle[start:] + cycle[:start]
                found.setdefault(tuple(rotated), rotated)
            elif state.get(nxt, 0) == 0:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if state.get(node, 0) == 0:
            visit(node)
    return list(found.values())


def _experiment_refs(experiments: list[tuple[int, dict[str, Any]]]) -> Iterator[Problem]:
    for i, exp in experiments:
        raw_targets, raw_actions = exp.get("targets"), exp.get("actions")
        targets: dict[str, Any] = raw_targets if isinstance(raw_targets, dict) else {}
        actions: dict[str, Any] = raw_actions if isinstance(raw_actions, dict) else {}
        for action_name, action in actions.items():
            if not isinstance(action, dict):
                continue
            action_targets = action.get("targets")
            if isinstance(action_targets, dict):
                for key, target in action_targets.items():
                    if isinstance(target, str) and target not in targets:
                        yield (
                            ("experiments", i, "actions", action_name, "targets", key),
                            f"action '{action_name}' names unknown target '{target}'",
                            False,
                        )
            after = action.get("start_after")
            if isinstance(after, list):
                for j, other in enumerate(after):
                    if isinstance(other, str) and other not in actions:
                        yield (
                            ("experiments", i, "actions", action_name, "start_after", j),
                            f"start_after names unknown action '{other}'",
                            False,
                        )


def _drill_refs(
    drills: list[tuple[int, dict[str, Any]]],
    resources: list[tuple[int, dict[str, Any]]],
    experiments: list[tuple[int, dict[str, Any]]],
) -> Iterator[Problem]:
    # A name, type or reference written as a list or mapping is the model's to report;
    # here it would only be unhashable (a TypeError, i.e. "internal error").
    kinds = {r.get("name"): r.get("kind") for _, r in resources if _hashable(r.get("name"))}
    experiment_names = {e.get("name") for _, e in experiments if _hashable(e.get("name"))}
    for i, drill in drills:
        dtype = drill.get("type")
        resource = drill.get("resource")
        experiment = drill.get("experiment")
        if not (_hashable(dtype) and _hashable(resource) and _hashable(experiment)):
            continue
        if not all(v is None or isinstance(v, str) for v in (resource, experiment)):
            continue  # a name of the wrong type is the model's to report, once
        if dtype in DRILL_CAPABILITY:
            wanted = kinds_offering(DRILL_CAPABILITY[dtype])
            if resource is None:
                yield ("drills", i), f"a {dtype} drill needs 'resource'", False
            elif resource not in kinds:
                yield (
                    ("drills", i, "resource"),
                    f"drill names unknown resource '{resource}'",
                    False,
                )
            elif kinds[resource] not in wanted:
                yield (
                    ("drills", i, "resource"),
                    f"a {dtype} drill needs a resource of kind {' or '.join(wanted)}; "
                    f"'{resource}' is {kinds[resource]}",
                    False,
                )
        elif resource is not None:
            yield (("drills", i, "resource"), f"'resource' is not used by {dtype} drills", True)
        if dtype == "experiment":
            if experiment is None:
                yield ("drills", i), "an experiment drill needs 'experiment'", False
            elif experiment not in experiment_names:
                yield (
                    ("drills", i, "experiment"),
                    f"drill names unknown experiment '{experiment}'",
                    False,
                )
        elif experiment is not None:
            yield (("drills", i, "experiment"), f"'experiment' is not used by {dtype} drills", True)


def _hashable(value: Any) -> bool:
    """Whether ``value`` can be looked up in a set or dict (YAML lists and maps cannot)."""
    return isinstance(value, Hashable)
