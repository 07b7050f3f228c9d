"""The business impact analysis for people: the recommendation, then why, then the options."""

from __future__ import annotations

from drctl.plan.bia import Analysis
from drctl.plan.durations import format_seconds
from drctl.plan.tiers import TIER_OBJECTIVES
from drctl.render.console import out


def _money(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"


def show(result: Analysis) -> None:
    from rich.table import Table

    console = out()
    tier = TIER_OBJECTIVES[result.tier]
    console.print(
        f"[bold]RTO {format_seconds(result.rto_seconds)}, RPO "
        f"{format_seconds(result.rpo_seconds)}[/]: tier [bold]{result.tier.value}[/] "
        f"(rto {format_seconds(tier.rto_seconds)}, rpo {format_seconds(tier.rpo_seconds)}, "
        f"{tier.availability}), strategy [bold]{result.strategy.value}[/]"
    )
    console.print(
        f"Downtime costs {_money(result.revenue_per_hour)} an hour: "
        f"{_money(result.downtime_cost_at_rto)} for an outage as long as the RTO."
    )
    for reason in result.reasons:
        console.print(f"  - {reason}", soft_wrap=True)
    table = Table(title="Strategies, cheapest first", title_justify="left")
    table.add_column("strategy", style="bold")
    table.add_column("cost")
    table.add_column("meets")
    table.add_column("why", overflow="fold")
    for fit in result.strategies:
        table.add_row(
            fit.strategy.value, fit.cost, "[green]yes[/]" if fit.meets else "[red]no[/]", fit.why
        )
    console.print(table)
    if result.controls:
        console.print("[bold]Regulatory controls the DR side must carry:[/]")
        for control in result.controls:
            console.print(f"  - {control}", soft_wrap=True)
