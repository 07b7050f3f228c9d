"""``drctl plan init --discover``: a draft plan from what an account holds.

The scope is resources carrying every ``--tag`` (Resource Groups Tagging API, per Region) or
the resources of one CloudFormation stack in the primary Region. Every kind that offers the
``discover`` capability (``Kind.discover``, in the kind's ``discover.py``) lists its resources
in both Regions and pairs them; this module only sets the scope up, infers the DR Region when
it is not given (the Region most of the data found replicates to), and hands the kinds'
findings to :mod:`drctl.plan.draft`. It sits on the drills floor, with the other operator
tools that read the kind registry.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from drctl.aws.discovery import IAM_ACTIONS as SHARED_IAM_ACTIONS
from drctl.aws.discovery import stack_resources, tagged_arns
from drctl.aws.errors import aws_errors
from drctl.aws.session import AwsSessions
from drctl.errors import DrctlError, UsageError
from drctl.kinds.discovery import Found, Scope
from drctl.kinds.registry import KindRegistry
from drctl.plan.draft import Draft, guesses, plan_name

# Resource types the tagging API is asked for (the kinds that read tags from it).
TAGGED_TYPES = (
    "rds:db",
    "rds:cluster",
    "rds:global-cluster",
    "s3",
    "dynamodb:table",
    "ecs:service",
)
APP_TAGS = ("Application", "app", "App")  # where the app's name is usually tagged


@dataclass(frozen=True)
class Request:
    """What to discover: by ``tags`` or by ``stack``, and where."""

    primary: str
    dr: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    stack: str | None = None
    app: str | None = None

    @property
    def source(self) -> str:
        if self.stack:
            return f"CloudFormation stack {self.stack} ({self.primary})"
        return "resources tagged " + ", ".join(f"{k}={v}" for k, v in self.tags.items())


def iam_actions(kinds: KindRegistry) -> list[str]:
    """Every IAM action discovery may call, sorted."""
    actions = set(SHARED_IAM_ACTIONS)
    for kind in kinds.all():
        if kind.discover is not None:
            actions.update(kind.iam_actions.get("discover", ()))
    return sorted(actions)


def _app_name(request: Request) -> str:
    if request.app:
        return request.app
    named = next((request.tags[k] for k in APP_TAGS if k in request.tags), None)
    return plan_name(named or request.stack or next(iter(request.tags.values()), "app"), set())


def _stack(sessions: AwsSessions, request: Request) -> dict[str, frozenset[str]]:
    assert request.stack is not None
    cfn = sessions.client("cloudformation", request.primary)
    with aws_errors(f"reading stack {request.stack} in {request.primary}"):
        found = stack_resources(cfn, request.stack)
    by_type: dict[str, set[str]] = {}
    for res in found:
        by_type.setdefault(res.resource_type, set()).add(res.physical_id)
    return {t: frozenset(ids) for t, ids in by_type.items()}


def _tagged(sessions: AwsSessions, request: Request, region: str) -> frozenset[str]:
    tagging = sessions.client("resourcegroupstaggingapi", region)
    with aws_errors(f"finding {request.source} in {region}"):
        return frozenset(tagged_arns(tagging, request.tags, TAGGED_TYPES))


def _run(kinds: KindRegistry, scope: Scope) -> list[tuple[str, Found]]:
    found = []
    for kind in kinds.all():
        if kind.discover is not None:
            with aws_errors(f"discovering {kind.name} resources"):
                found.append((kind.name, kind.discover(scope)))
    return found


def _infer_dr(found: list[tuple[str, Found]], primary: str) -> tuple[str, str]:
    """(DR Region, why): where most of what was found replicates to."""
    votes = Counter(r for _, f in found for r in f.dr_regions if r != primary)
    if not votes:
        raise UsageError(
            f"cannot tell the DR Region: nothing found in {primary} replicates to another Region",
            hint="give it with --dr-region",
        )
    region, count = votes.most_common(1)[0]
    others = ", ".join(f"{r} ({n})" for r, n in votes.most_common()[1:])
    why = f"where {count} of the resources found replicate to" + (
        f"; also seen: {others}" if others else ""
    )
    return region, why


def discover(request: Request, sessions: AwsSessions, kinds: KindRegistry) -> Draft:
    """The draft plan of what ``request`` names; an error when nothing pairs."""
    if request.dr == request.primary:
        raise UsageError(f"the primary and DR Regions are both {request.primary}")
    stack = _stack(sessions, request) if request.stack else None

    def client(service: str, region: str) -> Any:
        return sessions.client(service, region)

    tagged: dict[str, frozenset[str]] = {}
    if stack is None:
        tagged[request.primary] = _tagged(sessions, request, request.primary)
    scope = Scope(request.primary, request.dr, client, request.tags, tagged, stack)
    dr, why = request.dr, None
    if dr is None:
        dr, why = _infer_dr(_run(kinds, scope), request.primary)
    if stack is None:
        tagged = {**tagged, dr: _tagged(sessions, request, dr)}
    found = _run(kinds, replace(scope, dr=dr, tagged=tagged))
    draft = Draft(_app_name(request), request.source, request.primary, dr, why)
    for _, f in found:
        draft.resources += f.resources
        draft.unpaired += f.unpaired
    if not draft.resources:
        unpaired = "; ".join(draft.unpaired)
        raise DrctlError(
            f"found nothing to put in a plan: no {request.source} in {request.primary} with a "
            f"counterpart in {dr}" + (f" ({unpaired})" if unpaired else ""),
            hint="check the tag (every --tag must match), the stack name and the Regions",
        )
    return draft


def summary(draft: Draft, text: str, out_file: Path | None) -> dict[str, Any]:
    """The ``--output json`` document: what was found per kind, the guesses, the draft."""
    counts: dict[str, int] = {}
    for res in draft.resources:
        counts[res.kind] = counts.get(res.kind, 0) + 1
    return {
        "app": draft.app,
        "file": str(out_file) if out_file else None,
        "source": draft.source,
        "regions": {
            "primary": draft.primary,
            "dr": draft.dr,
            "dr_inferred_from": draft.dr_inferred_from,
        },
        "counts": counts,
        "resources": [
            {
                "kind": r.kind,
                "name": r.name,
                "found": [{"region": where, "id": i} for where, i in r.found],
            }
            for r in draft.resources
        ],
        "guesses": guesses(draft),
        "unpaired": draft.unpaired,
        "plan": text,
    }


def found_line(draft: Draft) -> str:
    """One line of what the draft holds: "1 rds-instance, 1 s3-bucket; 4 guesses, ..."."""
    kinds = dict.fromkeys(r.kind for r in draft.resources)
    counted = ", ".join(f"{sum(r.kind == k for r in draft.resources)} {k}" for k in kinds)
    return (
        f"{counted}; {len(guesses(draft))} guesses, {len(draft.unpaired)} unpaired "
        "(marked in the file)"
    )
