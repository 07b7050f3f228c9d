"""``drctl plan init``: write a starter plan.

Kept apart from ``plan validate|show|schema``: each way of starting a plan (``--from-bia``,
``--discover`` by tag or CloudFormation stack) is one more source of the same file, added here.
"""

from __future__ import annotations

from pathlib import Path

import click

from drctl.cli.app import AppContext, pass_app
from drctl.cli.bia_cmd import bia_options
from drctl.cli.common import run_settings
from drctl.errors import GateRefused, UsageError

DEFAULT_DR_REGION = "us-west-2"  # --from-bia's; --discover infers it from replication


def _bia_options(fn: click.decorators.FC) -> click.decorators.FC:
    return bia_options(fn, required=False)


@click.command()
@click.option(
    "--from-bia",
    is_flag=True,
    help="Objectives, tier and strategy from a business impact analysis (see drctl bia).",
)
@click.option(
    "--discover",
    is_flag=True,
    help="Read the resources from AWS: those tagged (--tag) or of a CloudFormation stack "
    "(--stack).",
)
@click.option(
    "--tag",
    "tags",
    multiple=True,
    metavar="KEY=VALUE",
    help="--discover: resources carrying this tag (repeatable: all must match).",
)
@click.option(
    "--stack", metavar="NAME", help="--discover: the resources of this stack (in --primary-region)."
)
@click.option(
    "--app", "--name", "app_name", metavar="NAME", help="The application's name (the plan's app)."
)
@_bia_options
@click.option(
    "--primary-region", default="us-east-1", show_default=True, metavar="R",
    help="Region serving today.",
)  # fmt: skip
@click.option(
    "--dr-region", metavar="R",
    help=f"Region to fail over to (--from-bia: default {DEFAULT_DR_REGION}; --discover: "
    "inferred from where the data found replicates to).",
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
    discover: bool,
    tags: tuple[str, ...],
    stack: str | None,
    app_name: str | None,
    revenue_per_hour: float | None,
    criticality: str | None,
    regulatory: tuple[str, ...],
    primary_region: str,
    dr_region: str | None,
    out_file: Path | None,
    force: bool,
) -> None:
    """Write a starter plan that validates: from a business impact analysis (objectives,
    tier, strategy, and the usual resources of that strategy under names to replace), or
    discovered in AWS (the resources a tag or a CloudFormation stack names, paired across
    the two Regions, every guess marked with a comment).

    \b
    drctl plan init --from-bia --app shop --revenue-per-hour 50000 \\
        --criticality critical -o shop.yaml
    drctl plan init --discover --tag Application=shop -o shop.yaml
    drctl plan init --discover --stack shop-prod --primary-region us-east-1 -o shop.yaml
    """
    from drctl.plan.bia import analyse
    from drctl.plan.starter import starter_plan

    if from_bia == discover:
        raise UsageError(
            "say where the plan starts from: --from-bia or --discover (one of them)",
            hint="drctl plan init --from-bia --app NAME --revenue-per-hour N "
            "--criticality critical|important|standard, or drctl plan init --discover "
            "--tag KEY=VALUE | --stack NAME",
        )
    if discover:
        if revenue_per_hour is not None or criticality is not None or regulatory:
            raise UsageError(
                "--revenue-per-hour, --criticality and --regulatory go with --from-bia"
            )
        _discover(app, tags, stack, app_name, primary_region, dr_region, out_file, force)
        return
    if tags or stack:
        raise UsageError("--tag and --stack go with --discover")
    dr_region = dr_region or DEFAULT_DR_REGION
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


def _parse_tags(tags: tuple[str, ...]) -> dict[str, str]:
    parsed: dict[str, str] = {}
    for tag in tags:
        key, sep, value = tag.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--tag {tag!r}: give KEY=VALUE (e.g. --tag Application=shop)")
        if key.strip() in parsed:
            raise UsageError(f"--tag {key.strip()} given twice: a resource has one value per key")
        parsed[key.strip()] = value.strip()
    return parsed


def _discover(
    app: AppContext,
    tags: tuple[str, ...],
    stack: str | None,
    app_name: str | None,
    primary_region: str,
    dr_region: str | None,
    out_file: Path | None,
    force: bool,
) -> None:
    """``--discover``: read AWS, write the draft, summarise what was found and guessed."""
    import re

    from drctl.aws.session import AwsSessions
    from drctl.drills.discovery import Request, discover, found_line, summary
    from drctl.kinds.registry import registry
    from drctl.plan.draft import render
    from drctl.plan.models import NAME_PATTERN, PATTERN_HELP, REGION_PATTERN

    if bool(tags) == bool(stack):
        raise UsageError(
            "--discover needs --tag KEY=VALUE (repeatable) or --stack NAME, not both",
            hint="drctl plan init --discover --tag Application=shop",
        )
    for value, pattern, what in (
        (primary_region, REGION_PATTERN, "--primary-region"),
        (dr_region, REGION_PATTERN, "--dr-region"),
        (app_name, NAME_PATTERN, "--name"),
    ):
        if value is not None and not re.match(pattern, value):
            raise UsageError(f"{what} {value!r}: {PATTERN_HELP[pattern]}")
    if out_file is not None and out_file.exists() and not force:
        raise GateRefused(
            f"{out_file} exists; not overwriting it", hint="pass --force to replace it"
        )
    request = Request(primary_region, dr_region, _parse_tags(tags), stack, app_name)
    sessions = AwsSessions(run_settings(app).aws)
    sessions.require_credentials()
    draft = discover(request, sessions, registry())
    text = render(draft)
    if out_file is not None:
        write_new(out_file, text, force=force)
    if app.json:
        from drctl.render.json_out import emit

        emit(summary(draft, text, out_file))
    elif out_file is None:
        click.echo(text, nl=False)
    if not app.json and not app.quiet:
        where = f"wrote {out_file}" if out_file else "discovered"
        click.echo(f"{where}: {found_line(draft)}; check it with drctl plan validate", err=True)
