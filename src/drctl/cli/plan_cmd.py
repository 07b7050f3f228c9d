"""``drctl plan validate|show|schema``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from drctl.cli.app import AppContext, pass_app
from drctl.cli.common import load_for_command
from drctl.cli.completion import plan_files
from drctl.cli.plan_init_cmd import init
from drctl.errors import ExitCode, PlanError, UsageError

F = TypeVar("F", bound=Callable[..., Any])


def plan_path_argument(fn: F) -> F:
    """PLAN as an argument (cli.md) or as ``--plan`` like every other command.

    Any path is accepted here; the loader refuses what is not a regular file with a
    positioned message (see :func:`drctl.cli.common.plan_option`).
    """
    fn = click.option(
        "--plan",
        "plan_opt",
        type=click.Path(),
        metavar="PLAN",
        help="The plan file (same as the PLAN argument).",
        shell_complete=plan_files,
    )(fn)
    return click.argument(
        "plan_path", metavar="PLAN", required=False, type=click.Path(), shell_complete=plan_files
    )(fn)


def _one_plan(arg: str | None, opt: str | None) -> str:
    if arg and opt and arg != opt:
        raise UsageError(f"two plans given ({arg} and --plan {opt}); give one")
    path = arg or opt
    if not path:
        raise UsageError("no plan given", hint="drctl plan validate PLAN (or --plan PLAN)")
    return path


@click.group()
def plan() -> None:
    """Start, validate, explain and describe plan files."""


plan.add_command(init)


@plan.command()
@plan_path_argument
@pass_app
def validate(app: AppContext, plan_path: str | None, plan_opt: str | None) -> None:
    """Parse and validate PLAN; errors as PLAN:LINE:COL: message, one a line (exit 2)."""
    from drctl.plan.loader import load_plan

    plan_path = _one_plan(plan_path, plan_opt)

    try:
        loaded = load_plan(plan_path)
    except PlanError as exc:
        lines = exc.diagnostics or [exc.message]
        if app.json:
            from drctl.render.json_out import emit

            emit(
                {
                    "plan": plan_path,
                    "valid": False,
                    "errors": [_parse_line(x) for x in lines],
                    "warnings": [],
                }
            )
        else:
            for line in lines:
                click.echo(line)
        raise click.exceptions.Exit(ExitCode.BAD_INPUT) from None
    if app.json:
        from drctl.render.json_out import emit

        emit(
            {
                "plan": plan_path,
                "valid": True,
                "app": loaded.plan.app,
                "errors": [],
                "warnings": [w.as_dict() for w in loaded.warnings],
            }
        )
        return
    for warning in loaded.warnings:
        click.echo(str(warning))
    if not app.quiet:
        p = loaded.plan
        click.echo(
            f"{plan_path}: valid -- app {p.app}, {len(p.resources)} resources, "
            f"{len(p.experiments)} experiments, {len(p.drills)} drills"
            + (f", {len(loaded.includes)} included plans" if loaded.includes else "")
            + (f", {len(loaded.warnings)} warnings" if loaded.warnings else "")
        )


def _parse_line(line: str) -> dict[str, Any]:
    parts = line.split(":", 3)
    if len(parts) == 4 and parts[1].isdigit() and parts[2].isdigit():
        return {
            "file": parts[0],
            "line": int(parts[1]),
            "col": int(parts[2]),
            "message": parts[3].strip(),
        }
    return {"file": None, "line": None, "col": None, "message": line}


@plan.command()
@plan_path_argument
@click.option(
    "--mode",
    type=click.Choice(["planned", "unplanned"]),
    default="planned",
    show_default=True,
    help="Which failover's steps to show.",
)
@pass_app
def show(app: AppContext, plan_path: str | None, plan_opt: str | None, mode: str) -> None:
    """Objectives, resources, and the ordered failover step graph PLAN implies.

    Works offline: the steps are built without reading AWS, so exact ids that only
    AWS knows (a health check id, say) show as placeholders; `failover --dry-run`
    resolves them.
    """
    from drctl.cli.common import run_settings
    from drctl.engine.run import plan_graph
    from drctl.kinds.registry import registry

    plan_path = _one_plan(plan_path, plan_opt)
    loaded = load_for_command(app, plan_path)
    plan_model = loaded.plan
    # With include: the combined graph, each included plan's steps under its app.
    graph = plan_graph(loaded, run_settings(app, dry_run=True), registry(), "failover", mode)
    steps = [
        {
            **s.summary(),
            "depends_on": sorted(graph.deps[s.id]),
            "description": s.description,
            "cli": s.cli,
        }
        for s in graph.steps
    ]
    obj = plan_model.effective_objectives()
    if app.json:
        from drctl.render.json_out import emit

        emit(
            {
                "app": plan_model.app,
                "strategy": plan_model.strategy.value,
                "tier": plan_model.tier.value if plan_model.tier else None,
                "regions": plan_model.regions.model_dump(),
                "objectives": obj.model_dump(),
                "resources": [
                    r.model_dump(mode="json", exclude_none=True) for r in plan_model.resources
                ],
                "steps": steps,
                "warnings": [w.as_dict() for w in loaded.warnings],
            }
        )
        return
    from drctl.render.tables import plan_overview, steps_table

    plan_overview(plan_model, plan_path)
    steps_table(f"Failover ({mode}) step graph", steps)


@plan.command()
@click.option(
    "-o",
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the schema to this file instead of stdout.",
)
def schema(out_file: Path | None) -> None:
    """JSON Schema of the plan format (for yaml-language-server and other editors)."""
    from drctl.plan.schema import plan_json_schema

    text = json.dumps(plan_json_schema(), indent=2) + "\n"
    if out_file:
        out_file.write_text(text, encoding="utf-8")
        click.echo(f"wrote {out_file}", err=True)
    else:
        click.echo(text, nl=False)
