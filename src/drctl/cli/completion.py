"""Shell completion of drctl's own values: plan files, run ids, drill and experiment names.

Click completes commands and options itself (``_DRCTL_COMPLETE=bash_source drctl``, see
docs/commands/completion.md); the functions here are the ``shell_complete`` callbacks of the
parameters whose values only drctl knows. Each reads the command line parsed so far from the
click context (``--state-dir``, ``--plan``) and never fails: a completion that cannot be
computed offers nothing rather than a traceback in the user's shell. None reads AWS.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click
from click.shell_completion import CompletionItem

PLAN_SUFFIXES = (".yaml", ".yml")


def plan_files(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """``*.yaml``/``*.yml`` files and directories (to descend into) matching ``incomplete``."""
    directory, _, prefix = incomplete.rpartition(os.sep)
    base = Path(directory or ".")
    try:
        entries = sorted(base.iterdir())
    except OSError:
        return []
    items = []
    for entry in entries:
        if not entry.name.startswith(prefix) or (entry.name.startswith(".") and not prefix):
            continue
        shown = f"{directory}{os.sep}{entry.name}" if directory else entry.name
        if entry.is_dir():
            items.append(CompletionItem(shown + os.sep, help="directory"))
        elif entry.suffix in PLAN_SUFFIXES:
            items.append(CompletionItem(shown))
    return items


def _root_param(ctx: click.Context, name: str) -> Any:
    return ctx.find_root().params.get(name)


def run_ids(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Ids of the runs journaled in the state directory (``--state-dir``, else
    $DRCTL_STATE_DIR, else ./.drctl), newest first."""
    from drctl.engine.runs import runs_dir, state_dir

    directory = runs_dir(state_dir(_root_param(ctx, "state_dir")))
    try:
        names = sorted((p.stem for p in directory.glob("*.jsonl")), reverse=True)
    except OSError:
        return []
    return [CompletionItem(n) for n in names if n.startswith(incomplete)]


def _plan_names(ctx: click.Context, what: str) -> list[tuple[str, str | None]]:
    """(name, description) of the drills or experiments of the plan given so far."""
    path = ctx.params.get("plan_path") or ctx.params.get("plan_opt")
    if not path:
        return []
    from drctl.plan.loader import load_plan

    try:
        plan = load_plan(path).plan
    except Exception:  # an invalid or missing plan: nothing to offer
        return []
    if what == "drills":
        return [(d.name, f"{d.type.value} drill") for d in plan.drills]
    return [(e.name, e.description) for e in plan.experiments]


def drill_names(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """The drills of the plan given with ``--plan`` (type it first)."""
    return [
        CompletionItem(name, help=about)
        for name, about in _plan_names(ctx, "drills")
        if name.startswith(incomplete)
    ]


def experiment_names(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """The experiments of the plan given with ``--plan`` (type it first)."""
    return [
        CompletionItem(name, help=about)
        for name, about in _plan_names(ctx, "experiments")
        if name.startswith(incomplete)
    ]
