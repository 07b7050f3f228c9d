"""``drctl report --plan PLAN -o report.html``: measured RTO/RPO over time, one HTML file."""

from __future__ import annotations

from pathlib import Path

import click

from drctl.cli.app import AppContext, pass_app
from drctl.cli.common import load_for_command, plan_option


@click.command()
@plan_option
@click.option(
    "-o",
    "--out",
    "out_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the HTML page.",
)
@pass_app
def report(app: AppContext, plan_path: str, out_file: Path) -> None:
    """Write a self-contained HTML page charting the RTO/RPO every drill and failover
    measured, against the plan's objectives (from the runs in the state directory)."""
    from drctl.engine.clock import SystemClock, iso
    from drctl.engine.runs import list_runs, state_dir
    from drctl.errors import UsageError
    from drctl.render.report_html import render_report, report_data

    loaded = load_for_command(app, plan_path)
    plan = loaded.plan
    data = report_data(plan.app, plan.effective_objectives(), list_runs(state_dir(app.state_dir)))
    try:
        out_file.write_text(render_report(data, iso(SystemClock().now())), encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {out_file}: {exc}") from None
    if app.json:
        from drctl.render.json_out import emit

        emit({"report": str(out_file), "runs": len(data["runs"])})
        return
    click.echo(f"wrote {out_file}: {len(data['runs'])} measured runs of {plan.app}")
