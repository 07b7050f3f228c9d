"""``drctl cost --plan PLAN``: DR spend, idle DR resources, and a standby cost estimate."""

from __future__ import annotations

from typing import Any

import click

from drctl.cli.app import AppContext, pass_app
from drctl.cli.common import load_for_command, plan_option, run_settings


@click.command()
@plan_option
@pass_app
def cost(app: AppContext, plan_path: str) -> None:
    """What the DR side of PLAN costs and what stands idle there.

    Spend: the last 30 days from Cost Explorer, by service, for resources tagged
    Application=<app> in regions.dr. Idle: unattached volumes, stopped instances, kept
    *-pre-failback-* DB instances, DR replicas with no reads for 7 days. Standby: an
    ESTIMATE of the DR side's monthly cost from drctl's dated price table. Reads only.
    """
    from drctl.aws.errors import aws_errors
    from drctl.engine.cost import report
    from drctl.engine.settings import make_context

    loaded = load_for_command(app, plan_path)
    ctx = make_context(loaded.plan, run_settings(app), require_credentials=True)
    with aws_errors(f"cost of {loaded.plan.app}"):
        document = report(ctx)
    if app.json:
        from drctl.render.json_out import emit

        emit(document)
        return
    _show(document)


def _money(amount: float | None, currency: str) -> str:
    return "-" if amount is None else f"{amount:,.2f} {currency}"


def _show(doc: dict[str, Any]) -> None:
    spend = doc["spend"]
    cur = spend["currency"]
    click.echo(
        f"DR spend of {doc['app']} in {doc['region']}, {spend['start']} to {spend['end']} "
        f"(Cost Explorer, tag {spend['filter']['tag']}"
        f"{', estimated' if spend['estimated'] else ''}): {_money(spend['total'], cur)}"
    )
    for row in spend["by_service"]:
        click.echo(f"  {row['service']:<50} {_money(row['amount'], cur):>16}")
    if not spend["by_service"]:
        click.echo("  nothing reported (are cost allocation tags activated for Application?)")
    click.echo("\nIdle:")
    for item in doc["idle"]:
        monthly = item["monthly_estimate"]
        extra = f" (~{_money(monthly, cur)}/month, estimate)" if monthly is not None else ""
        click.echo(f"  {item['kind']} {item['id']} ({item['region']}): {item['why']}{extra}")
    if not doc["idle"]:
        click.echo("  nothing idle found")
    est = doc["standby_estimate"]
    click.echo(
        f"\nStandby ESTIMATE (price table of {est['as_of']}: {est['source']}): "
        f"~{_money(est['monthly_total'], est['currency'])}/month"
    )
    for item in est["items"]:
        monthly = _money(item["monthly"], est["currency"])
        click.echo(f"  {item['resource']}: {item['what']}: ~{monthly}")
    for item in est["not_estimated"]:
        click.echo(f"  {item['resource']}: not estimated -- {item['why']}")
