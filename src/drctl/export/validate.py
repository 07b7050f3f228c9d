"""Structural checks of an Amazon States Language definition, before anything is deployed.

Step Functions refuses a definition whose ``Next`` names no state or whose state names
repeat; it accepts one with states nothing reaches, or a Choice whose only way out is a
``Default`` that loops. The exporter checks its own output with :func:`problems` so a
generator bug is a drctl error, not a failed ``CreateStateMachine`` in the middle of an outage.
Rules from https://states-language.net/spec.html (states, transitions, Parallel).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

MAX_NAME = 80
TERMINAL = ("Succeed", "Fail")
TYPES = ("Task", "Pass", "Wait", "Choice", "Parallel", "Map", "Succeed", "Fail")


def problems(definition: dict[str, Any]) -> list[str]:
    """Every structural problem found (empty: the definition is well formed)."""
    found: list[str] = []
    seen: dict[str, str] = {}
    _scope(definition, "top level", found, seen)
    return found


def _scope(machine: dict[str, Any], where: str, found: list[str], seen: dict[str, str]) -> None:
    states = machine.get("States")
    start = machine.get("StartAt")
    if not isinstance(states, dict) or not states:
        found.append(f"{where}: no States")
        return
    if start not in states:
        found.append(f"{where}: StartAt {start!r} is not a state")
    for name, state in states.items():
        if name in seen:
            found.append(f"state name {name!r} used twice ({seen[name]} and {where})")
        seen[name] = where
        if len(name) > MAX_NAME:
            found.append(f"{name!r}: name longer than {MAX_NAME} characters")
        kind = state.get("Type")
        if kind not in TYPES:
            found.append(f"{name!r}: unknown Type {kind!r}")
            continue
        for target in _targets(state):
            if target not in states:
                found.append(f"{name!r}: transition to {target!r}, which is not in {where}")
        _shape(name, state, found)
        for i, branch in enumerate(state.get("Branches", [])):
            _scope(branch, f"branch {i + 1} of {name!r}", found, seen)
    if start in states:
        unreachable = set(states) - _reachable(states, str(start))
        for name in sorted(unreachable):
            found.append(f"{where}: {name!r} is unreachable from {start!r}")


def _shape(name: str, state: dict[str, Any], found: list[str]) -> None:
    kind = state["Type"]
    has_next, ends = "Next" in state, state.get("End") is True
    if kind in TERMINAL:
        if has_next or "End" in state:
            found.append(f"{name!r}: a {kind} state has no Next or End")
    elif kind == "Choice":
        if not state.get("Choices"):
            found.append(f"{name!r}: a Choice needs Choices")
        for i, rule in enumerate(state.get("Choices", [])):
            if "Next" not in rule:
                found.append(f"{name!r}: choice rule {i + 1} has no Next")
    elif has_next == ends:
        found.append(f"{name!r}: needs exactly one of Next and End")
    if kind == "Task" and not str(state.get("Resource", "")).startswith("arn:aws:states:"):
        found.append(f"{name!r}: Task without a Step Functions integration Resource")
    if kind == "Parallel" and not state.get("Branches"):
        found.append(f"{name!r}: a Parallel state needs Branches")


def _targets(state: dict[str, Any]) -> Iterator[str]:
    if "Next" in state:
        yield str(state["Next"])
    if "Default" in state:
        yield str(state["Default"])
    for rule in state.get("Choices", []):
        if "Next" in rule:
            yield str(rule["Next"])
    for catcher in state.get("Catch", []):
        yield str(catcher.get("Next"))


def _reachable(states: dict[str, Any], start: str) -> set[str]:
    todo, seen = [start], set()
    while todo:
        name = todo.pop()
        if name in seen or name not in states:
            continue
        seen.add(name)
        todo.extend(_targets(states[name]))
    return seen
