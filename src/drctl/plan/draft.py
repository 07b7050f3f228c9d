"""A draft plan from what ``drctl plan init --discover`` found in an account.

Discovery (``drills/discovery.py``, each kind's ``discover.py``) reads AWS and hands this
module plain values: the resources found, each field with an optional end-of-line comment,
the pairs it could not make. This module writes them as YAML text with comments -- by hand,
since PyYAML drops comments and a commented draft is the point: every value discovery had to
guess carries a ``# guessed: ...`` comment saying from what, and everything found without a
counterpart is listed as a comment, so the author sees what to check before trusting it. The
text is loaded back (:func:`~drctl.plan.loader.load_plan_text`) before it is returned: a draft
that does not validate is a drctl bug, never the user's file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from drctl.plan.loader import load_plan_text
from drctl.plan.models import NAME_PATTERN

GUESSED = "guessed: "
# Written when discovery cannot tell: the author sets these from a business impact analysis.
DEFAULT_TIER = "silver"
COMPUTE_KINDS = ("autoscaling-group", "ecs-service")


@dataclass(frozen=True)
class DraftField:
    """One ``key: value`` line of a resource; ``comment`` goes at the end of the line."""

    key: str
    value: str | int
    comment: str | None = None

    @property
    def guessed(self) -> bool:
        return bool(self.comment and self.comment.startswith(GUESSED))


@dataclass(frozen=True)
class DraftResource:
    """A resource found: its plan fields, where each side was found, and notes about it."""

    kind: str
    name: str  # a suggested plan name; made valid and unique when written
    fields: tuple[DraftField, ...]
    found: tuple[tuple[str, str], ...]  # (Region or "global", identifier) of what was read
    notes: tuple[str, ...] = ()  # comment lines written above the entry
    moves_traffic: bool = False  # depends on every other resource found (a guess, said so)
    dr_running: bool | None = None  # compute only: whether the DR side runs now


@dataclass
class Draft:
    """Everything the draft plan says, before it is text."""

    app: str
    source: str  # "resources tagged Application=shop", "CloudFormation stack shop (us-east-1)"
    primary: str
    dr: str
    dr_inferred_from: str | None = None  # why regions.dr is what it is, when it was not given
    resources: list[DraftResource] = field(default_factory=list)
    unpaired: list[str] = field(default_factory=list)


def plan_name(raw: str, taken: set[str]) -> str:
    """A valid, unused plan resource name made from an AWS identifier."""
    name = re.sub(r"[^a-z0-9]+", "-", raw.lower()).strip("-")[:60].strip("-") or "resource"
    if not name[0].isalnum():
        name = f"r-{name}"
    candidate, n = name, 2
    while candidate in taken or not re.match(NAME_PATTERN, candidate):
        candidate = f"{name[:56]}-{n}"
        n += 1
    taken.add(candidate)
    return candidate


def _scalar(value: str | int) -> str:
    """A YAML scalar that loads back as the same value (JSON strings are YAML strings)."""
    if isinstance(value, int):
        return str(value)
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._/:-]*", value) and not re.fullmatch(
        r"(?i)(y|n|yes|no|true|false|on|off|null|~|[0-9][0-9._:e+-]*)", value
    ):
        return value
    return json.dumps(value)


def _line(content: str, comment: str | None) -> str:
    return f"{content:<40} # {comment}" if comment else content


def _strategy(resources: Sequence[DraftResource]) -> tuple[str, str]:
    """(strategy, why): a guess from what the DR side's compute does now."""
    running = [r.dr_running for r in resources if r.kind in COMPUTE_KINDS]
    if any(running):
        return "warm-standby", "DR compute is running at reduced capacity"
    if running:
        return "pilot-light", "DR compute is scaled to zero until a failover"
    return "warm-standby", "data replicates to regions.dr; no DR compute was found"


def guesses(draft: Draft) -> list[str]:
    """Every value the draft guessed, as ``where: why`` (the JSON summary lists them)."""
    strategy, why = _strategy(draft.resources)
    found = [
        f"strategy: {strategy} ({why})",
        f"tier: {DEFAULT_TIER} (objectives from the tier; set them from a BIA)",
    ]
    if draft.dr_inferred_from:
        found.append(f"regions.dr: {draft.dr} ({draft.dr_inferred_from})")
    for res in draft.resources:
        found += [
            f"{res.name}: {n.removeprefix(GUESSED)}" for n in res.notes if n.startswith(GUESSED)
        ]
        found += [
            f"{res.name}.{f.key}: {f.comment.removeprefix(GUESSED)}"
            for f in res.fields
            if f.comment and f.guessed
        ]
        if res.moves_traffic and len(draft.resources) > 1:
            found.append(f"{res.name}.depends_on: every data store and compute resource found")
    return found


def _named(draft: Draft) -> list[DraftResource]:
    """The resources under valid unique names (traffic last, as failover moves it last)."""
    taken: set[str] = set()
    ordered = sorted(draft.resources, key=lambda r: r.moves_traffic)
    return [
        DraftResource(
            r.kind,
            plan_name(r.name, taken),
            r.fields,
            r.found,
            r.notes,
            r.moves_traffic,
            r.dr_running,
        )
        for r in ordered
    ]


def render(draft: Draft) -> str:
    """The draft plan's YAML text, validated; resources get their final names in place."""
    draft.resources = _named(draft)
    strategy, why = _strategy(draft.resources)
    lines = [
        f"# Draft DR plan of {draft.app}, discovered by `drctl plan init --discover` from",
        f"# {draft.source}.",
        "#",
        "# Every value marked `guessed` is one discovery could not read: check it. Then",
        "# `drctl plan validate` and `drctl check --plan` this file (docs: plan-format.md).",
        "version: 1",
        f"app: {_scalar(draft.app)}",
        _line(f"tier: {DEFAULT_TIER}", f"{GUESSED}set the tier (or objectives) from a BIA"),
        _line(f"strategy: {strategy}", f"{GUESSED}{why}"),
        "regions:",
        f"  primary: {draft.primary}",
        _line(
            f"  dr: {draft.dr}",
            f"{GUESSED}inferred from {draft.dr_inferred_from}" if draft.dr_inferred_from else None,
        ),
        "",
        "resources:",
    ]
    data = [r.name for r in draft.resources if not r.moves_traffic]
    for res in draft.resources:
        lines += [f"  # {note}" for note in res.notes]
        lines.append(f"  - kind: {res.kind}")
        lines.append(f"    name: {_scalar(res.name)}")
        lines += [_line(f"    {f.key}: {_scalar(f.value)}", f.comment) for f in res.fields]
        if res.moves_traffic and data:
            lines.append(
                _line(
                    f"    depends_on: [{', '.join(_scalar(d) for d in data)}]",
                    f"{GUESSED}traffic moves after every data store and compute found",
                )
            )
        lines.append("")
    if draft.unpaired:
        lines.append("# Found, but not in the plan (no counterpart to fail over to):")
        lines += [f"#   - {note}" for note in draft.unpaired]
        lines.append("")
    lines += ["drills:", "  - name: readiness", "    type: checks"]
    text = "\n".join(lines) + "\n"
    load_plan_text(text, f"{draft.app}.yaml")  # a draft that does not validate is a drctl bug
    return text
