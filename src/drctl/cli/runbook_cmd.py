"""``drctl runbook --plan PLAN``: the Markdown runbook an on-call engineer follows by hand."""

from __future__ import annotations

from pathlib import Path

import click

from drctl.cli.app import AppContext, pass_app
from drctl.cli.common import load_single_plan, plan_option, run_settings


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

    Built from the same step graph as ``failover --dry-run``, so they list the same steps in
    the same order. With --output json, the same content as one JSON document.
    """
    from drctl.engine.settings import make_context
    from drctl.kinds.registry import registry
    from drctl.render import runbook as model
    from drctl.render.runbook_md import markdown

    loaded = load_single_plan(app, plan_path, "runbook")
    settings = run_settings(app, dry_run=True)
    ctx = make_context(
        loaded.plan, settings, mode=mode, offline=not resolve, require_credentials=resolve
    )
    book = model.build(loaded.plan, plan_path, ctx, registry())
    text = markdown(book)
    if out_file is not None:
        _write(out_file, text)
    if app.json:
        from drctl.render.json_out import emit

        emit({**book.as_dict(), "file": str(out_file) if out_file else None})
    elif out_file is None:
        click.echo(text, nl=False)
    elif not app.quiet:
        click.echo(f"wrote {out_file}", err=True)


def _write(path: Path, text: str) -> None:
    from drctl.errors import UsageError

    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
