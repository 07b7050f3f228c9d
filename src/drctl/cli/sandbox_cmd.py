"""``drctl sandbox up|down|outage`` and ``drctl demo``."""

from __future__ import annotations

from pathlib import Path

import click

from drctl.cli.app import AppContext, pass_app
from drctl.cli.common import load_for_command
from drctl.errors import ExitCode


@click.group()
def sandbox() -> None:
    """A local mock AWS (moto server on 127.0.0.1) with a plan's resources built."""


def _state(app: AppContext) -> Path:
    from drctl.engine.runs import state_dir

    return state_dir(app.state_dir)


@sandbox.command()
@click.option(
    "--plan",
    "plan_path",
    required=True,
    metavar="PLAN",
    type=click.Path(dir_okay=False, exists=False),
)
@click.option("--port", type=click.IntRange(1, 65535), default=5000, show_default=True)
@click.option(
    "--latency-ms",
    type=click.FloatRange(0, 10_000),
    default=0.0,
    show_default=True,
    help="Delay every AWS request this long, to look like a real region.",
)
@click.option(
    "--outage",
    "outage_specs",
    multiple=True,
    metavar="REGION|SERVICE[@REGION]",
    help="Once built, make every request to this region or service fail as an unreachable "
    "endpoint does (repeatable).",
)
@pass_app
def up(
    app: AppContext, plan_path: str, port: int, latency_ms: float, outage_specs: tuple[str, ...]
) -> None:
    """Start the sandbox in the background and build PLAN's resources in both regions."""
    from drctl.sandbox import server

    load_for_command(app, plan_path)
    state = server.up(plan_path, port, _state(app), latency_ms=latency_ms, outages=outage_specs)
    if app.json:
        from drctl.render.json_out import emit

        emit(
            {
                "endpoint_url": state["endpoint_url"],
                "pid": state["pid"],
                "built": state.get("built", []),
                "outages": state.get("outages", []),
            }
        )
        return
    click.echo(
        f"sandbox running at {state['endpoint_url']} (pid {state['pid']}); built "
        f"{', '.join(state.get('built', [])) or 'nothing'}",
        err=True,
    )
    if state.get("outages"):
        click.echo(f"outages: {', '.join(state['outages'])}", err=True)
    click.echo(f"export AWS_ENDPOINT_URL={state['endpoint_url']}")
    for key, value in server.FAKE_CREDENTIALS.items():
        click.echo(f"export {key}={value}")


@sandbox.command()
@pass_app
def down(app: AppContext) -> None:
    """Stop the sandbox started by `drctl sandbox up`."""
    from drctl.sandbox import server

    state = server.down(_state(app))
    if app.json:
        from drctl.render.json_out import emit

        emit(
            {
                "stopped": state is not None,
                "endpoint_url": state.get("endpoint_url") if state else None,
            }
        )
        return
    click.echo("sandbox stopped" if state else "no sandbox running", err=True)


@sandbox.group()
def outage() -> None:
    """Regions or services of the running sandbox that stop answering (or answer again)."""


def _change_outages(app: AppContext, body: dict[str, list[str] | None] | None) -> None:
    from drctl.sandbox import server
    from drctl.sandbox.outages import Outage, remote

    for specs in (body or {}).values():
        for spec in specs or []:
            Outage.parse(spec)  # a usage error before anything is sent
    state = remote(str(server.running(_state(app))["endpoint_url"]), body)
    if app.json:
        from drctl.render.json_out import emit

        emit(state)
        return
    active = state.get("outages") or []
    click.echo(f"outages: {', '.join(active) if active else 'none'}")
    refused = state.get("refused") or {}
    if refused:
        click.echo(
            "requests refused: " + ", ".join(f"{k} {v}" for k, v in sorted(refused.items())),
            err=True,
        )


@outage.command("add")
@click.argument("specs", nargs=-1, required=True, metavar="REGION|SERVICE[@REGION]...")
@pass_app
def outage_add(app: AppContext, specs: tuple[str, ...]) -> None:
    """Make every request to these regions or services fail as an unreachable endpoint does."""
    _change_outages(app, {"add": list(specs)})


@outage.command("clear")
@click.argument("specs", nargs=-1, metavar="[REGION|SERVICE[@REGION]]...")
@pass_app
def outage_clear(app: AppContext, specs: tuple[str, ...]) -> None:
    """End these outages (all of them when none is named)."""
    _change_outages(app, {"clear": list(specs) or None})


@outage.command("list")
@pass_app
def outage_list(app: AppContext) -> None:
    """The outages in effect, and how many requests each service and region refused."""
    _change_outages(app, None)


@click.command()
@pass_app
def demo(app: AppContext) -> None:
    """The whole story on the bundled example, in a sandbox, in one command."""
    from drctl.sandbox.demo import run_demo

    show = None
    if not app.json:
        from drctl.cli.demo_view import RichDemoShow

        show = RichDemoShow()
    result = run_demo(state_dir=app.state_dir, show=show)
    if app.json:
        from drctl.render.json_out import emit

        emit(
            {
                "failover": result.failover.as_dict(),
                "failback": result.failback.as_dict() if result.failback else None,
                "checks_before": result.checks_before,
                "checks_after": result.checks_after,
                "checks_final": result.checks_final,
                "state_dir": str(result.state_dir),
            }
        )
    if result.failover.status != "succeeded" or (
        result.failback is not None and result.failback.status != "succeeded"
    ):
        raise click.exceptions.Exit(ExitCode.FAILED)
