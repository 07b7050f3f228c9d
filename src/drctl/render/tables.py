"""Rich tables for people: checks, plan overview, step graphs, runs."""

from __future__ import annotations

from typing import Any

from drctl.engine.runs import RunRecord
from drctl.plan.durations import format_seconds, human_seconds
from drctl.render.console import out, styled


def checks_table(app: str, results: list[tuple[Any, Any]], summary: dict[str, int]) -> None:
    from rich.table import Table

    table = Table(title=f"Readiness of {app}", title_justify="left", expand=False)
    table.add_column("resource", style="bold")
    table.add_column("check")
    table.add_column("status")
    table.add_column("detail", overflow="fold")
    for check, result in results:
        table.add_row(check.resource, check.name, styled(result.status.value), result.detail)
    out().print(table)
    parts = [f"{n} {k}" for k, n in summary.items() if n]
    out().print("  " + ", ".join(parts))


def plan_overview(plan: Any, path: str) -> None:
    from rich.table import Table

    obj = plan.effective_objectives()
    console = out()
    console.print(f"[bold]{plan.app}[/] ({path})")
    if plan.description:
        console.print(f"  {plan.description}")
    console.print(
        f"  strategy [bold]{plan.strategy.value}[/]"
        + (f", tier [bold]{plan.tier.value}[/]" if plan.tier else "")
        + f"; regions {plan.regions.primary} -> {plan.regions.dr}"
    )
    console.print(
        f"  RTO [bold]{format_seconds(obj.rto_seconds)}[/] ({obj.rto_source}), "
        f"RPO [bold]{format_seconds(obj.rpo_seconds)}[/] ({obj.rpo_source})"
    )
    if plan.include:  # a plan of plans: what it includes, in the order written
        included = Table(title="Included plans", title_justify="left")
        included.add_column("plan", style="bold")
        included.add_column("after")
        for entry in plan.include:
            included.add_row(entry.plan, ", ".join(entry.depends_on))
        console.print(included)
        if not plan.resources:
            return
    table = Table(title="Resources", title_justify="left")
    table.add_column("name", style="bold")
    table.add_column("kind")
    table.add_column("what", overflow="fold")
    table.add_column("depends on")
    for res in plan.resources:
        fields = res.model_dump(exclude={"name", "kind", "depends_on"}, exclude_none=True)
        what = ", ".join(f"{k}={v}" for k, v in fields.items())
        table.add_row(res.name, res.kind, what, ", ".join(res.depends_on))
    console.print(table)


def steps_table(title: str, steps: list[dict[str, Any]], *, show_status: bool = False) -> None:
    """Each step as a block: phase, id, what it does, its state now, the exact AWS CLI.

    Blocks rather than a table, because the AWS CLI lines are what an operator
    copies during an incident: they are printed whole (soft-wrapped by the
    terminal, never folded mid-word by us).
    """
    from rich.markup import escape

    console = out()
    console.print(f"[bold]{escape(title)}[/]")
    for i, step in enumerate(steps, 1):
        status = f"  {styled(step.get('status', 'pending'))}" if show_status else ""
        console.print(
            f"\n[dim]{i:>3}[/] [cyan]{step['phase']:<8}[/] [bold]{escape(step['id'])}[/]{status}"
        )
        console.print(f"      {escape(step.get('description', ''))}")
        if step.get("now"):
            console.print(f"      [dim]now:[/] {escape(str(step['now']))}")
        waits = ", ".join(step.get("depends_on", [])) or "-"
        console.print(f"      [dim]waits for:[/] {escape(waits)}")
        for line in step.get("cli", []):
            console.print(f"      [green]$[/] {escape(line)}", soft_wrap=True)


def run_summary(record: RunRecord) -> None:
    from rich.table import Table

    console = out()
    table = Table(title=f"{record.action} {record.run_id}", title_justify="left")
    table.add_column("step", style="bold")
    table.add_column("status")
    table.add_column("time", justify="right")
    table.add_column("in RTO")
    table.add_column("detail", overflow="fold")
    for step in record.steps:
        took = human_seconds(step.duration_seconds) if step.duration_seconds is not None else "-"
        counted = "yes" if step.stage == "recovery" else f"no ({step.stage})"
        table.add_row(step.id, styled(step.status), took, counted, step.detail)
    console.print(table)
    console.print(rto_line(record))


def rto_line(record: RunRecord) -> str:
    """The verdict on the measured RTO, then what took time outside it (one line each)."""
    return "\n".join([_verdict(record), *_not_counted(record)])


def _not_counted(record: RunRecord) -> list[str]:
    """Preparation before the switch and follow-ups after traffic moved, with their steps:
    time the run took that was not downtime, said so, so that nobody adds it to the RTO."""
    lines = []
    if record.preparation_seconds is not None:
        what = "re-protecting" if record.action == "failback" else "preparation"
        steps = ", ".join(s.id for s in record.steps if s.stage == "preparation" and s.finished_at)
        lines.append(
            f"  {what} took {human_seconds(record.preparation_seconds)} before the switch, "
            f"not counted in the RTO ({steps})"
        )
    if record.post_recovery_seconds is not None:
        steps = ", ".join(
            s.id for s in record.steps if s.stage == "post-recovery" and s.finished_at
        )
        lines.append(
            f"  post-recovery steps took {human_seconds(record.post_recovery_seconds)} after "
            f"traffic moved, not counted in the RTO ({steps})"
        )
    return lines


def _verdict(record: RunRecord) -> str:
    status = styled(record.status)
    if record.rto_seconds is None or record.objective_rto_seconds is None:
        tail = f" ({record.error})" if record.error else ""
        return f"{record.action} {status}{tail}"
    met = record.rto_seconds <= record.objective_rto_seconds
    verdict = "[green]within[/]" if met else "[red]OVER[/]"
    automation = (
        f" ({human_seconds(record.automation_seconds)} of it automated steps)"
        if record.automation_seconds is not None
        and record.automation_seconds < record.rto_seconds - 0.5
        else ""
    )
    return (
        f"{record.action} {status}: measured RTO [bold]{human_seconds(record.rto_seconds)}[/] "
        f"{verdict} the objective of {format_seconds(record.objective_rto_seconds)}{automation}"
    )


def leftovers_table(app: str, rows: list[dict[str, Any]]) -> None:
    """What failbacks kept aside (``drctl cleanup``), oldest first."""
    from rich.table import Table

    if not rows:
        out().print(f"{app}: nothing kept aside by failbacks")
        return
    table = Table(title=f"Kept aside by failbacks of {app}", title_justify="left")
    for column in ("resource", "region", "id", "what", "age", "detail"):
        table.add_column(column, overflow="fold")
    for row in sorted(rows, key=lambda r: -(r["age_seconds"] or 0)):
        age = human_seconds(row["age_seconds"]) if row["age_seconds"] is not None else "?"
        table.add_row(row["resource"], row["region"], row["id"], row["what"], age, row["detail"])
    out().print(table)


def runs_table(records: list[RunRecord]) -> None:
    """Runs, newest first; for drills this is the RTO/RPO trend against the objectives."""
    from rich.table import Table

    table = Table(title="Runs", title_justify="left")
    for col in ("started", "run id", "app", "what", "status", "RTO", "RPO"):
        table.add_column(col, justify="right" if col in ("RTO", "RPO") else "left")
    for r in records:
        drill = r.meta.get("drill")
        what = f"drill {drill} ({r.mode})" if drill else f"{r.action} ({r.mode})"
        table.add_row(
            r.started_at,
            r.run_id,
            r.app,
            what,
            styled(r.status),
            _against(r.rto_seconds, r.objective_rto_seconds),
            _against(r.rpo_seconds, r.objective_rpo_seconds) if r.rpo_seconds is not None else "-",
        )
    out().print(table)


def _against(measured: float | None, objective: int | None) -> str:
    """``2m 10s / 15m`` in green when within the objective, red when over."""
    if measured is None:
        return "-"
    text = human_seconds(measured)
    if objective is None:
        return text
    colour = "green" if measured <= objective else "red"
    return f"[{colour}]{text}[/] / {format_seconds(objective)}"


def lag_table(gate: Any) -> None:
    """Replication lag per resource against the RPO (the RPO gate's evidence)."""
    from rich.table import Table

    table = Table(
        title=f"Replication lag vs the RPO of {format_seconds(gate.rpo_seconds)}",
        title_justify="left",
    )
    table.add_column("resource", style="bold")
    table.add_column("kind")
    table.add_column("lag", justify="right")
    table.add_column("", justify="left")
    table.add_column("measured from", overflow="fold")
    for r in gate.readings:
        if r.seconds is None:
            lag, verdict = "unknown", styled("warn")
        else:
            lag = human_seconds(r.seconds)
            verdict = styled("fail") if r.seconds > gate.objective(r) else styled("pass")
        table.add_row(
            r.resource,
            r.kind,
            lag,
            verdict,
            r.source
            + (f" ({r.detail})" if r.detail else "")
            + (f", own RPO {format_seconds(r.rpo_seconds)}" if r.rpo_seconds is not None else ""),
        )
    out().print(table)
