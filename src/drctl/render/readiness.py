"""Text output of the readiness tooling: alarms apply, compliance rules and status, and the
line ``check --publish`` adds."""

from __future__ import annotations

import json
from typing import Any

from drctl.render.console import out

ACTION_STYLE = {"create": "yellow", "update": "yellow", "unchanged": "green"}


def _action(action: str, dry_run: bool) -> str:
    word = {"create": "would create", "update": "would update"}.get(action, action)
    text = word if dry_run else {"create": "created", "update": "updated"}.get(action, action)
    return f"[{ACTION_STYLE.get(action, 'white')}]{text}[/]"


def alarm_changes(
    app: str, changes: list[Any], topics: list[Any], *, dry_run: bool, applied: bool
) -> None:
    from rich.table import Table

    console = out()
    table = Table(title=f"Alarms of {app}", title_justify="left")
    for column in ("alarm", "region", "metric", "threshold", "action"):
        table.add_column(column)
    for c in changes:
        spec = c.spec
        table.add_row(
            spec.name,
            c.region,
            f"{spec.namespace} {spec.metric}",
            f"{spec.comparison} {spec.threshold:g}",
            _action(c.action, dry_run),
        )
    console.print(table)
    for t in topics:
        if t.action == "create":
            verb = "would create" if dry_run else "created"
            console.print(f"  {verb} SNS topic {t.arn} (alarms in {t.region} notify it)")
    pending = [c for c in changes if c.action != "unchanged"]
    if dry_run:
        for c in pending:
            console.print(f"\nPutMetricAlarm in {c.region}:", markup=False)
            console.print(json.dumps(_request(c), indent=2), markup=False, highlight=False)
            for diff in c.differences:
                console.print(f"  differs: {diff}", markup=False)
        console.print(f"\ndry run: {len(pending)} alarm(s) would change; nothing was changed")
    elif applied:
        console.print(f"applied {len(pending)} alarm(s)")
    else:
        console.print(f"all {len(changes)} alarm(s) already as wanted; nothing changed")


def _request(change: Any) -> dict[str, Any]:
    doc: dict[str, Any] = change.document()["request"]
    return doc


def published(doc: dict[str, Any]) -> None:
    out().print(
        f"  published {doc['metrics']} metric(s) to {doc['namespace']} in {doc['region']}: "
        f"readiness score {doc['score']:g}%"
    )


def rule_changes(
    app: str,
    policy: str,
    changes: list[Any],
    recorders: dict[str, str],
    *,
    dry_run: bool,
    applied: bool,
) -> None:
    from rich.table import Table

    console = out()
    table = Table(title=f"AWS Config rules of {app} ({policy})", title_justify="left")
    for column in ("rule", "region", "identifier", "action"):
        table.add_column(column)
    for c in changes:
        table.add_row(c.spec.name, c.region, c.spec.identifier, _action(c.action, dry_run))
    console.print(table)
    pending = [c for c in changes if c.action != "unchanged"]
    if dry_run:
        for c in pending:
            console.print(f"\nPutConfigRule in {c.region}:", markup=False)
            console.print(
                json.dumps(c.document()["request"], indent=2), markup=False, highlight=False
            )
        console.print(f"\ndry run: {len(pending)} rule(s) would change; nothing was changed")
    elif applied:
        console.print(f"applied {len(pending)} rule(s)")
    else:
        console.print(f"all {len(changes)} rule(s) already as wanted; nothing changed")
    for region, state in recorders.items():
        if state != "recording":
            console.print(
                f"[yellow]![/] the configuration recorder in {region} is {state}: managed "
                "rules evaluate nothing there until one records (docs/commands/compliance.md)"
            )


def rule_status(app: str, policy: str, statuses: list[Any]) -> None:
    from rich.table import Table

    table = Table(title=f"Compliance of {app} ({policy})", title_justify="left")
    for column in ("resource", "rule", "region", "compliance", "annotation"):
        table.add_column(column, overflow="fold")
    for s in statuses:
        colour = "green" if s.holds else "red"
        table.add_row(
            s.spec.resource, s.spec.identifier, s.region, f"[{colour}]{s.compliance}[/]",
            s.annotation,
        )  # fmt: skip
    out().print(table)
