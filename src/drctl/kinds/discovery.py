"""What a kind's ``discover`` capability works with (``drctl plan init --discover``).

A :class:`Scope` says where to look (the primary Region, the DR Region once known) and what
to keep: resources carrying every tag asked for, or the resources of one CloudFormation stack.
A kind's discovery lists its resources in both Regions, keeps those in scope, pairs each
primary with its DR counterpart (a replica, a replication destination, a group of the same
name) and returns a :class:`Found`: draft plan entries, what it could not pair, and the
Regions its primaries replicate to (from which the DR Region is inferred when not given).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from drctl.aws.discovery import (
    FailoverPair,
    failover_pairs,
    hosted_zones,
    zone_id_of,
    zone_tags,
)
from drctl.plan.draft import GUESSED, DraftField, DraftResource

T = TypeVar("T")

# CloudFormation types of the resources a failover pair can be found from.
ZONE_TYPES = ("AWS::Route53::HostedZone",)
RECORD_TYPES = ("AWS::Route53::RecordSet",)  # its physical id is the record's name


@dataclass(frozen=True)
class Scope:
    """Where discovery looks and what it keeps (see the module doc)."""

    primary: str
    dr: str | None
    client: Callable[[str, str], Any]  # (service, Region) -> client
    tags: Mapping[str, str] = field(default_factory=dict)  # tag mode: all must match
    tagged: Mapping[str, frozenset[str]] = field(default_factory=dict)  # Region -> ARNs
    stack: Mapping[str, frozenset[str]] | None = None  # stack mode: type -> physical ids

    def tags_match(self, tags: Mapping[str, str]) -> bool:
        return all(tags.get(key) == value for key, value in self.tags.items())

    def in_stack(self, types: Iterable[str], ids: Iterable[str]) -> bool:
        assert self.stack is not None
        wanted = set(ids)
        return any(wanted & self.stack.get(t, frozenset()) for t in types)

    def wanted(
        self,
        region: str,
        *,
        types: Iterable[str],
        ids: Iterable[str],
        arns: Iterable[str] = (),
        arn_suffix: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> bool:
        """Whether a resource of ``region`` is in scope. Stack mode: one of ``ids`` is the
        physical id of a stack resource of one of ``types`` (stacks live in the primary).
        Tag mode: its ``tags`` match when the kind read them, else one of ``arns`` (or an ARN
        ending in ``arn_suffix``) is among those the tagging API returned for ``region``."""
        if self.stack is not None:
            return region == self.primary and self.in_stack(types, ids)
        if tags is not None:
            return self.tags_match(tags)
        tagged = self.tagged.get(region, frozenset())
        if any(arn in tagged for arn in arns):
            return True
        return arn_suffix is not None and any(a.endswith(arn_suffix) for a in tagged)


@dataclass
class Found:
    """One kind's discovery: plan entries, what it could not pair, where data replicates."""

    resources: list[DraftResource] = field(default_factory=list)
    unpaired: list[str] = field(default_factory=list)
    dr_regions: list[str] = field(default_factory=list)


def region_code(region: str) -> str:
    """``us-east-1`` -> ``use1``: how names often carry their Region."""
    parts = region.split("-")
    return parts[0] + "".join(p if p.isdigit() else p[0] for p in parts[1:])


def pair_key(name: str, region: str) -> str:
    """A name without its Region (``shop-web-use1`` and ``shop-web-usw2`` -> ``shop-web``):
    what pairs the two sides' compute when nothing else links them (a guess, said so)."""
    key = name.lower()
    for token in (region, region_code(region), region.replace("-", "")):
        key = re.sub(rf"(^|[-_./]){re.escape(token)}(?=$|[-_./])", r"\1", key)
    key = re.sub(r"[-_.]*/[-_.]*", "/", key)
    return re.sub(r"[-_.]+", "-", key).strip("-")


def pair_by_name(
    primaries: Sequence[T], drs: Sequence[T], name: Callable[[T], str], primary: str, dr: str
) -> list[tuple[T | None, T | None, str]]:
    """(primary, DR, how) pairs of two Regions' compute: the same name first, then the same
    name without its Region (``how`` says which, or "" when one side is missing)."""
    pairs: list[tuple[T | None, T | None, str]] = []
    left = list(drs)
    for p in primaries:
        match = next((d for d in left if name(d) == name(p)), None)
        how = "the same name"
        if match is None:
            key = pair_key(name(p), primary)
            match = next((d for d in left if pair_key(name(d), dr) == key), None)
            how = "the same name without its Region"
        if match is not None:
            left.remove(match)
        pairs.append((p, match, how if match is not None else ""))
    return pairs + [(None, d, "") for d in left]


Record = dict[str, Any]


@dataclass(frozen=True)
class Compute:
    """How a compute kind (Auto Scaling groups, ECS services) is discovered: the DR Region's
    groups or services, each paired with the primary's by name (nothing in AWS links the
    two), and ``desired`` -- what failover scales the DR one to -- guessed from what the
    primary twin runs now, else from the DR one alone (both marked as guesses)."""

    kind: str
    what: str  # the resource type in messages ("ECS service")
    paired_by: str  # how names pair, in messages ("cluster and name")
    service: str  # the boto3 client that lists them
    list_all: Callable[[Any], Sequence[Record]]
    name: Callable[[Record], str]
    in_scope: Callable[[Scope, str, Record], bool]
    running: str  # the key of the count a group or service runs now
    alone: Callable[[Scope, Record], tuple[int, str]]  # desired and why, with no twin
    entry: Callable[[Scope, Record], tuple[str, tuple[DraftField, ...]]]  # name, fields

    def discover(self, scope: Scope) -> Found:
        found = Found()
        if scope.dr is None:
            return found  # compute says nothing about where data replicates
        for p, d, how in self._pairs(scope, found):
            found.resources.append(self._draft(scope, p, d, how))
        return found

    def _pairs(self, scope: Scope, found: Found) -> list[tuple[Record | None, Record, str]]:
        """The primary's compute in scope paired with the DR Region's: a primary one without
        a twin is listed as unpaired in ``found``; a DR one without a twin is kept only
        outside stack mode (a stack's DR twin counts, not whatever else runs in DR)."""
        assert scope.dr is not None
        dr = scope.dr
        primaries = self.list_all(scope.client(self.service, scope.primary))
        drs = self.list_all(scope.client(self.service, dr))
        mine = [p for p in primaries if self.in_scope(scope, scope.primary, p)]
        theirs = list(drs)
        if scope.stack is None:
            theirs = [d for d in theirs if self.in_scope(scope, dr, d)]
        pairs: list[tuple[Record | None, Record, str]] = []
        for p, d, how in pair_by_name(mine, theirs, self.name, scope.primary, dr):
            if d is None:
                assert p is not None
                found.unpaired.append(
                    f"{self.what} {self.name(p)} in {scope.primary}: no "
                    f"{self.what.split()[-1].lower()} in {dr} pairs with it by {self.paired_by}"
                )
            elif p is not None or scope.stack is None:
                pairs.append((p, d, how))
        return pairs

    def _draft(self, scope: Scope, p: Record | None, d: Record, how: str) -> DraftResource:
        assert scope.dr is not None
        if p is None:
            desired, why = self.alone(scope, d)
            why = f"{GUESSED}{why}"
            notes = (f"found in {scope.dr} only: no {self.what} in {scope.primary} pairs with it",)
        else:
            desired = int(p.get(self.running, 0))
            why = f"{GUESSED}what {self.name(p)} runs in {scope.primary} now"
            notes = (f"{GUESSED}paired with {self.name(p)} in {scope.primary} by {how}",)
        plan_name, fields = self.entry(scope, d)
        return DraftResource(
            self.kind,
            plan_name,
            (*fields, DraftField("desired", desired, why)),
            ((scope.dr, self.name(d)),) + (((scope.primary, self.name(p)),) if p else ()),
            notes,
            dr_running=int(d.get(self.running, 0)) > 0,
        )


def zones_in_scope(route53: Any, scope: Scope) -> list[tuple[dict[str, Any], frozenset[str]]]:
    """(hosted zone, record names kept: empty = all) whose failover pairs are in scope: zones
    carrying the tags, or the stack's zones and the zones of the stack's record sets."""
    zones = hosted_zones(route53)
    if scope.stack is None:
        tags = zone_tags(route53, [zone_id_of(z) for z in zones])
        return [(z, frozenset()) for z in zones if scope.tags_match(tags.get(zone_id_of(z), {}))]
    stack_zones = {i.rsplit("/", 1)[-1] for t in ZONE_TYPES for i in scope.stack.get(t, ())}
    records = {_dotted(i) for t in RECORD_TYPES for i in scope.stack.get(t, ())}
    found: list[tuple[dict[str, Any], frozenset[str]]] = []
    for zone in zones:
        if zone_id_of(zone) in stack_zones:
            found.append((zone, frozenset()))
        else:
            mine = frozenset(r for r in records if r.endswith("." + str(zone["Name"])))
            if mine:
                found.append((zone, mine))
    return found


def scoped_failover_pairs(route53: Any, scope: Scope) -> tuple[list[FailoverPair], list[str]]:
    """The failover pairs in scope, and the lone halves found there."""
    pairs: list[FailoverPair] = []
    halves: list[str] = []
    for zone, names in zones_in_scope(route53, scope):
        found, lone = failover_pairs(route53, zone)
        pairs += [p for p in found if not names or p.name in names]
        halves += [
            f"{h} in zone {zone['Name']}" for h in lone if not names or h.split()[0] in names
        ]
    return pairs, halves


def _dotted(name: str) -> str:
    return name if name.endswith(".") else name + "."
