"""The import graph reads like ARCHITECTURE.md: floors, imports pointing down, no cycles.

Every ``import`` in src/drctl is read with ``ast`` -- module-level, inside functions, and
under ``TYPE_CHECKING`` alike -- and checked against the floors:

    cli > render > sandbox > drills > export > kinds > engine > aws > plan > errors

A module may import its own floor and the floors below it. Two kinds never import each
other, no two modules import each other (directly or round a longer cycle), and boto3,
botocore and moto are imported only where AWS is talked to: ``aws/``, a kind's ``api.py``
(its sandbox builder and moto extensions too), and the sandbox.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

from tests.conftest import REPO

SRC = REPO / "src"
FLOORS = [
    "errors",
    "plan",
    "aws",
    "engine",
    "kinds",
    "export",
    "drills",
    "sandbox",
    "render",
    "cli",
]
TOP = {"drctl", "drctl.__main__", "drctl.data"}  # the package itself, the entry point, data
AWS_SDKS = ("boto3", "botocore", "moto")


@cache
def modules() -> dict[str, Path]:
    found = {}
    for path in sorted((SRC / "drctl").rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _resolve(name: str) -> str | None:
    """The drctl module an imported name lives in (a package's attribute -> the package)."""
    known = modules()
    while name:
        if name in known:
            return name
        name = name.rpartition(".")[0]
    return None


@cache
def imports() -> dict[str, set[str]]:
    """module -> the drctl modules it imports."""
    graph: dict[str, set[str]] = {}
    for module, path in modules().items():
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [f"{node.module}.{a.name}" for a in node.names]
            else:
                continue
            for name in names:
                if name.startswith("drctl"):
                    target = _resolve(name)
                    if target is not None and target != module:
                        deps.add(target)
        graph[module] = deps
    return graph


@cache
def sdk_importers() -> set[str]:
    found = set()
    for module, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            else:
                continue
            if any(n.split(".")[0] in AWS_SDKS for n in names):
                found.add(module)
    return found


def floor(module: str) -> int | None:
    if module in TOP:
        return None
    return FLOORS.index(module.split(".")[1])


def test_every_module_is_on_a_floor() -> None:
    stray = [m for m in modules() if m not in TOP and m.split(".")[1] not in FLOORS]
    assert not stray, f"modules on no floor of ARCHITECTURE.md: {stray}"


def test_imports_point_down() -> None:
    upward = []
    for module, deps in imports().items():
        mine = floor(module)
        if mine is None:
            continue
        for dep in deps:
            theirs = floor(dep)
            if theirs is not None and theirs > mine:
                upward.append(f"{module} ({FLOORS[mine]}) imports {dep} ({FLOORS[theirs]})")
    assert not upward, "imports up a floor:\n" + "\n".join(sorted(upward))


def test_the_engine_imports_no_kind_and_kinds_not_each_other() -> None:
    bad = []
    for module, deps in imports().items():
        parts = module.split(".")
        for dep in deps:
            dparts = dep.split(".")
            if parts[1] == "engine" and dparts[1] == "kinds":
                bad.append(f"{module} imports {dep}: hand the registry to the engine")
            shared = {
                "contract", "registry", "steps", "sandboxing", "handbook", "discovery",
                "global_cluster", "moto_global_clusters", "moto_global_lag", "db_compliance",
                "moto_service",
            }  # fmt: skip
            if (
                len(parts) > 2
                and len(dparts) > 2
                and parts[1] == dparts[1] == "kinds"
                and parts[2] != dparts[2]
                and not {parts[2], dparts[2]} & shared
            ):
                bad.append(f"{module} imports {dep}: one kind may not use another")
    assert not bad, "\n".join(bad)


def test_no_import_cycles() -> None:
    graph = imports()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            # A package importing its own submodules (registration) is how a folder is a kind.
            if nxt.startswith(node + "."):
                continue
            if state.get(nxt, 0) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif state.get(nxt, 0) == 0:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for module in sorted(graph):
        if state.get(module, 0) == 0:
            visit(module)
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_cli_commands_do_not_import_the_command_tree() -> None:
    bad = [
        m
        for m, deps in imports().items()
        if m.startswith("drctl.cli.") and "drctl.cli.main" in deps
    ]
    assert not bad, f"commands importing drctl.cli.main (a cycle through the tree): {bad}"


@pytest.mark.parametrize("sdk", AWS_SDKS)
def test_aws_sdks_are_imported_only_where_aws_is_talked_to(sdk: str) -> None:
    def allowed(module: str) -> bool:
        parts = module.split(".")
        if parts[1] in ("aws", "sandbox"):
            return True
        if parts[1] == "kinds":
            leaf = parts[-1]
            return leaf in ("api", "sandbox", "sandboxing") or leaf.startswith("moto_")
        return False

    bad = sorted(m for m in sdk_importers() if not allowed(m))
    assert not bad, f"AWS SDK imported outside aws/, a kind's api.py or the sandbox: {bad}"
