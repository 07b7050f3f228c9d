"""What a plan wants in AWS, compared with what AWS has: ``alarms apply`` and ``compliance
rules`` both want named things per side (CloudWatch alarms, AWS Config rules), read them back
by name with one call per Region, and say of each whether to create it, update it or leave it.
One comparison serves both, so that their ``--dry-run`` and their ``check`` warnings agree on
what counts as a change and keep the plan's order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from drctl.aws.errors import aws_errors


class Named(Protocol):
    """A wanted thing: its name in AWS and the plan side whose Region holds it."""

    @property
    def name(self) -> str: ...

    @property
    def side(self) -> str: ...


SpecT = TypeVar("SpecT", bound=Named)


@dataclass
class Change(Generic[SpecT]):
    """One wanted thing: the Region it is in, and what applying the plan does about it."""

    spec: SpecT
    region: str
    action: str  # create | update | unchanged
    differences: list[str] = field(default_factory=list)


ChangeT = TypeVar("ChangeT", bound=Change[Any])


def compare(
    specs: list[SpecT],
    region_of: Callable[[str], str],
    reading: str,
    read: Callable[[str, list[str]], dict[str, dict[str, Any]]],
    differences: Callable[[SpecT, dict[str, Any]], list[str]],
    make: Callable[[SpecT, str, str, list[str]], ChangeT],
) -> list[ChangeT]:
    """``specs`` compared with what ``read(side, names)`` finds, side by side, in the order
    of ``specs``; an AWS error names ``reading`` and the Region."""
    changes: list[ChangeT] = []
    for side in dict.fromkeys(s.side for s in specs):
        region = region_of(side)
        mine = [s for s in specs if s.side == side]
        with aws_errors(f"reading {reading} in {region}"):
            existing = read(side, [s.name for s in mine])
        for spec in mine:
            found = existing.get(spec.name)
            if found is None:
                changes.append(make(spec, region, "create", []))
                continue
            diff = differences(spec, found)
            changes.append(make(spec, region, "update" if diff else "unchanged", diff))
    order = {s.name: i for i, s in enumerate(specs)}
    changes.sort(key=lambda c: order[c.spec.name])
    return changes
