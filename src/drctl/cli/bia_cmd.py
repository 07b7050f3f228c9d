"""``drctl bia``: business impact analysis -- tier, RTO, RPO, strategy, cost of downtime."""

from __future__ import annotations

import click

from drctl.cli.app import AppContext, pass_app

CRITICALITIES = ("critical", "important", "standard")
REGULATIONS = ("hipaa", "pci", "sox")


def bia_options(fn: click.decorators.FC, *, required: bool = True) -> click.decorators.FC:
    """The BIA's inputs, shared with ``plan init --from-bia`` (where they are required only
    with that flag)."""
    for option in reversed(
        [
            click.option(
                "--revenue-per-hour",
                type=click.FloatRange(min=0),
                required=required,
                metavar="N",
                help="What an hour of downtime loses (any currency; 0 or more).",
            ),
            click.option(
                "--criticality",
                type=click.Choice(CRITICALITIES, case_sensitive=False),
                required=required,
                help="How bad losing recent data is: critical, important or standard.",
            ),
            click.option(
                "--regulatory",
                type=click.Choice(REGULATIONS, case_sensitive=False),
                multiple=True,
                help="A regime the data falls under (repeatable): hipaa, pci, sox.",
            ),
        ]
    ):
        fn = option(fn)
    return fn


@click.command()
@bia_options
@pass_app
def bia(
    app: AppContext, /, revenue_per_hour: float, criticality: str, regulatory: tuple[str, ...]
) -> None:
    """Business impact analysis: the RTO and RPO an application needs, the SLA tier that
    covers them, the cheapest strategy that meets them, and what downtime costs.

    \b
    drctl bia --revenue-per-hour 50000 --criticality critical
    drctl bia --revenue-per-hour 5000 --criticality standard --regulatory hipaa -o json
    """
    from drctl.plan.bia import analyse

    result = analyse(revenue_per_hour, criticality, regulatory)
    if app.json:
        from drctl.render.json_out import emit

        emit(result.as_dict())
        return
    from drctl.render.bia import show

    show(result)
