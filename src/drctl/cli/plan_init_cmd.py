"""``drctl plan init``: write a starter plan.

Kept apart from ``plan validate|show|schema``: each way of starting a plan (``--from-bia``
today; discovery by tag may follow) is one more source of the same file, added here.
"""

from __future__ import annotations

from pathlib import Path

import click

from drctl.cli.app import AppContext, pass_app
from drctl.cli.bia_cmd import bia_options
from drctl.errors import GateRefused, UsageError


def _bia_options(fn: click.decorators.FC) -> click.decorators.FC:
    return bia_options(fn, required=False)


@click.command()
@click.option(
    "--from-bia",
    is_flag=True,
    help="Objectives, tier and strategy from a business impact analysis (see drctl bia).",
)
@click.option("--app", "app_name", metavar="NAME", help="The application's name (the plan's app).")
@_bia_options
@click.option(
    "--primary-region", default="us-east-1", show_default=True, metavar="R",
    help="Region serving today.",
)  # fmt: skip
@click.option(
    "--dr-region", default="us-west-2", show_default=True, metavar="R",
    help="Region to fail over to.",
)  # fmt: skip
@click.option(
    "-o",
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the plan to this file instead of stdout.",
)
@click.option("--force", is_flag=True, help="Overwrite the file given with -o if it exists.")
@pass_app
def init(
    app: AppContext,
    /,
    from_bia: bool,
    app_name: str | None,
    revenue_per_hour: float | None,
    criticality: str | None,
    regulatory: tuple[str, ...],
    primary_region: str,
    dr_region: str,
    out_file: Path | None,
    force: bool,
) -> None:
    """Write a starter plan that validates: objectives, tier and strategy from a business
    impact analysis, and the usual resources of that strategy under names to replace.

    \b
    drctl plan init --from-bia --app shop --revenue-per-hour 50000 \\
        --criticality critical -o shop.yaml
    """
    from drctl.plan.bia import analyse
    from drctl.plan.starter import starter_plan

    if not from_bia:
        raise UsageError(
            "say where the plan starts from",
            hint="drctl plan init --from-bia --app NAME --revenue-per-hour N "
            "--criticality critical|important|standard",
        )
    if app_name is None or revenue_per_hour is None or criticality is None:
        missing = [
            flag
            for flag, value in (
                ("--app", app_name),
                ("--revenue-per-hour", revenue_per_hour),
                ("--criticality", criticality),
            )
            if value is None
        ]
        raise UsageError(f"--from-bia needs {', '.join(missing)}")
    analysis = analyse(revenue_per_hour, criticality, regulatory)
    text = starter_plan(app_name, analysis, primary_region, dr_region)
    if out_file is not None:
        write_new(out_file, text, force=force)
    if app.json:
        from drctl.render.json_out import emit

        emit(
            {
                "app": app_name,
                "file": str(out_file) if out_file else None,
                "plan": text,
                "bia": analysis.as_dict(),
            }
        )
    elif out_file is None:
        click.echo(text, nl=False)
    elif not app.quiet:
        click.echo(f"wrote {out_file}: check it with drctl plan validate {out_file}", err=True)


def write_new(path: Path, text: str, *, force: bool) -> None:
    """Write ``text`` to ``path``; an existing file is kept unless ``force``."""
    if path.exists() and not force:
        raise GateRefused(f"{path} exists; not overwriting it", hint="pass --force to replace it")
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
