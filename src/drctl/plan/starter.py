"""A starter plan from a business impact analysis (``drctl plan init --from-bia``).

The objectives, tier and strategy come from the BIA; the resources are the usual shape of
that strategy (the seed guide's scenarios) under guessed names, each marked ``# guess`` so the
author knows what to replace. The text is YAML with comments, and it validates as written:
:func:`starter_plan` loads it back before returning it.
"""

from __future__ import annotations

import re

from drctl.errors import UsageError
from drctl.plan.bia import Analysis
from drctl.plan.durations import format_seconds
from drctl.plan.loader import load_plan_text
from drctl.plan.models import NAME_PATTERN, PATTERN_HELP, REGION_PATTERN
from drctl.plan.tiers import Strategy

# Compute in DR while the primary serves: none for backup and restore and pilot light (scaled
# up on failover from zero), part of it for warm standby, all of it for active-active.
DR_CAPACITY = {
    Strategy.BACKUP_RESTORE: 2,
    Strategy.PILOT_LIGHT: 2,
    Strategy.WARM_STANDBY: 4,
    Strategy.ACTIVE_ACTIVE: 4,
}


def _check(value: str, pattern: str, what: str) -> None:
    if not re.match(pattern, value):
        raise UsageError(f"{what} {value!r}: {PATTERN_HELP[pattern]}")


def _note(comment: str) -> str:
    """A comment at the end of a line: aligned by :func:`_align` once the line is known."""
    return f"\t# {comment}"


def _align(line: str) -> str:
    content, _, comment = line.partition("\t")
    return f"{content:<38} {comment}" if comment else content


def _short(app: str, limit: int) -> str:
    return app[:limit].rstrip("-")


def _database(app: str, analysis: Analysis, primary: str, dr: str) -> list[str]:
    db = _short(f"{app}-db" if app[0].isalpha() else f"db-{app}", 50)
    if analysis.strategy == Strategy.ACTIVE_ACTIVE:
        return [
            "  - kind: dynamodb-table" + _note("every Region writes: a global table"),
            "    name: data",
            f"    table: {_short(app, 200)}-data" + _note("guess: your global table (2019.11.21)"),
        ]
    if analysis.strategy == Strategy.BACKUP_RESTORE:
        return [
            "  - kind: rds-instance" + _note("restored in DR from the newest snapshot copy"),
            "    name: db",
            f"    primary: {db}" + _note(f"guess: your DB instance in {primary}"),
            f"    dr: {db}-dr" + _note(f"the instance failover restores in {dr}"),
            "    recovery: snapshot" + _note("`drctl backup` takes and copies snapshots"),
        ]
    return [
        "  - kind: rds-instance",
        "    name: db",
        f"    primary: {db}" + _note(f"guess: your DB instance in {primary}"),
        f"    dr: {db}-dr" + _note(f"guess: its cross-Region read replica in {dr}"),
    ]


def starter_plan(app: str, analysis: Analysis, primary: str, dr: str) -> str:
    """The YAML text of a starter plan for ``app``; it validates (else a drctl bug)."""
    _check(app, NAME_PATTERN, "app name")
    _check(primary, REGION_PATTERN, "primary Region")
    _check(dr, REGION_PATTERN, "DR Region")
    if primary == dr:
        raise UsageError(f"the primary and DR Regions are both {primary}: give two Regions")
    bucket = _short(app, 40)
    inputs = (
        f"revenue per hour {analysis.revenue_per_hour:,.0f}, "
        f"{analysis.criticality.value} data" + "".join(f", {r.value}" for r in analysis.regulatory)
    )
    lines = [
        f"# DR plan of {app}, started by `drctl plan init --from-bia` ({inputs}).",
        "#",
        *[f"# {reason}" for reason in analysis.reasons],
        "#",
        "# Every name marked `guess` is a placeholder: replace it with your resource's, add the",
        "# resources this app has and remove the ones it lacks (docs: plan-format.md), then",
        "# `drctl plan validate` and `drctl check --plan` this file.",
    ]
    if analysis.controls:
        lines += ["#", "# Regulatory controls the DR side must carry:"]
        lines += [f"#   - {control}" for control in analysis.controls]
    lines += [
        "version: 1",
        f"app: {app}",
        f"tier: {analysis.tier.value}",
        f"strategy: {analysis.strategy.value}",
        "objectives:",
        f"  rto: {format_seconds(analysis.rto_seconds)}",
        f"  rpo: {format_seconds(analysis.rpo_seconds)}",
        "regions:",
        f"  primary: {primary}",
        f"  dr: {dr}",
        "",
        "# contacts:" + _note("who the runbook (drctl runbook) lists first"),
        "#   - name: Incident commander",
        "#     phone: +1-555-0100",
        "",
        "resources:",
        *_database(app, analysis, primary, dr),
        "",
        "  - kind: s3-bucket",
        "    name: assets",
        f"    primary: {bucket}-assets-{primary}" + _note(f"guess: your bucket in {primary}"),
        f"    dr: {bucket}-assets-{dr}" + _note(f"guess: its replica bucket in {dr}"),
        "",
        "  - kind: autoscaling-group",
        "    name: web",
        f"    dr: {bucket}-web-{dr}" + _note(f"guess: your Auto Scaling group in {dr}"),
        f"    desired: {DR_CAPACITY[analysis.strategy]}" + _note("capacity to serve from DR"),
        "",
        "  - kind: route53-record",
        "    name: www",
        f"    zone: {bucket}.example.com." + _note("guess: your hosted zone"),
        f"    record: www.{bucket}.example.com."
        + _note("guess: its PRIMARY/SECONDARY failover record"),
        "    depends_on: ["
        + ("data" if analysis.strategy == Strategy.ACTIVE_ACTIVE else "db")
        + ", assets, web]",
        "",
        "drills:",
        "  - name: readiness",
        "    type: checks",
    ]
    if analysis.strategy == Strategy.BACKUP_RESTORE:
        lines += ["  - name: db-restore", "    type: restore", "    resource: db"]
    text = "\n".join(_align(line) for line in lines) + "\n"
    load_plan_text(text, f"{app}.yaml")  # a starter that does not validate is a drctl bug
    return text
