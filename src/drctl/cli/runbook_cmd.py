"""``drctl runbook --plan PLAN``: the Markdown runbook an on-call engineer follows by hand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from drctl.cli.app import AppContext, pass_app
from drctl.cli.common import load_for_command, plan_option, run_settings


@click.command()
@plan_option
@click.option(
    "-o",
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the Markdown to this file instead of stdout.",
)
@click.option(
    "--mode",
    type=click.Choice(["planned", "unplanned"]),
    default="planned",
    show_default=True,
    help="Which failover's steps to lay out.",
)
@click.option(
    "--resolve",
    is_flag=True,
    help="Read AWS (as failover --dry-run does) to fill in ids only AWS knows; "
    "without it the runbook is written offline, from the plan alone.",
)
@pass_app
def runbook(
    app: AppContext, /, plan_path: str, out_file: Path | None, mode: str, resolve: bool
) -> None:
    """Markdown runbook: objectives, contacts, pre-checks, every failover step in order
    (parallel groups marked) with its AWS CLI command and how to verify it, manual steps,
    failback.

    Built from the same step graph as `failover --dry-run`, so they list the same steps in
    the same order. With --output json, the same content as one JSON document.
    """
    from drctl.engine.settings import make_context
    from drctl.kinds.registry import registry
    from drctl.render import runbook as model
    from drctl.render.runbook_md import markdown, organisation_markdown

    loaded = load_for_command(app, plan_path)
    settings = run_settings(app, dry_run=True)

    def book_of(plan: Any, path: str) -> Any:
        ctx = make_context(
            plan, settings, mode=mode, offline=not resolve, require_credentials=resolve
        )
        return model.build(plan, path, ctx, registry())

    if loaded.plan.include:
        # A plan of plans: each included plan's runbook, in the order a run takes them,
        # then the including plan's own resources, if any.
        parts = [
            (inc.stage, list(inc.depends_on), book_of(inc.loaded.plan, _shown(inc.loaded.path)))
            for inc in sorted(loaded.includes, key=lambda i: i.stage)
        ]
        if loaded.plan.resources:
            last = max((stage for stage, _, _ in parts), default=-1) + 1
            parts.append((last, [b.plan.app for _, _, b in parts], book_of(loaded.plan, plan_path)))
        text = organisation_markdown(loaded.plan.app, plan_path, mode, parts)
        document: dict[str, Any] = {
            "app": loaded.plan.app,
            "plan": plan_path,
            "mode": mode,
            "plans": [
                {"order": stage + 1, "waits_for": after, **book.as_dict()}
                for stage, after, book in parts
            ],
        }
    else:
        book = book_of(loaded.plan, plan_path)
        text = markdown(book)
        document = book.as_dict()
    if out_file is not None:
        _write(out_file, text)
    if app.json:
        from drctl.render.json_out import emit

        emit({**document, "file": str(out_file) if out_file else None})
    elif out_file is None:
        click.echo(text, nl=False)
    elif not app.quiet:
        click.echo(f"wrote {out_file}", err=True)


def _shown(path: str) -> str:
    """An included plan's path as the operator would type it: relative to here if below."""
    import os

    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def _write(path: Path, text: str) -> None:
    from drctl.errors import UsageError

    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
