"""Business impact analysis: from what an hour of downtime costs and how critical the data is,
the objectives an application needs, the SLA tier that covers them, and the cheapest DR
strategy that can meet them.

The seed guide's rules, kept as they are:

* RTO from revenue per hour: above 100,000 -> 15 minutes, above 10,000 -> 1 hour, above
  1,000 -> 4 hours, else 24 hours;
* RPO from data criticality: critical -> 5 minutes, important -> 1 hour, standard -> 24 hours;
* the SLA tiers (platinum 5m/1m, gold 30m/15m, silver 4h/1h, bronze 24h/24h) and each
  strategy's range and relative cost (``drctl.plan.tiers``).

drctl's extensions (docs/commands/bia.md says so):

* the tier is the cheapest one whose objectives are at least as strict as both of the BIA's;
* the strategy is the cheapest (backup-restore, pilot-light, warm-standby, active-active)
  whose smallest RPO fits within the BIA's and whose fastest RTO fits within half of it: a
  strategy's fastest RTO is its best case, and detecting the outage and deciding to fail
  over take the rest (so $1M an hour, 15 minutes, gets warm standby, as in the guide's
  e-commerce scenario, not a pilot light whose best case is 10 minutes);
* regulatory regimes (HIPAA, PCI DSS, SOX) raise the data criticality to at least
  "important" (their contingency-planning rules want backed-up, restorable data, not a
  day's loss) and add the controls the DR side must carry;
* the cost of downtime: revenue per hour, and the cost of one outage that lasts the whole RTO.

Pure logic, no AWS: ``drctl bia`` and ``drctl plan init --from-bia`` both use it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from drctl.errors import UsageError
from drctl.plan.durations import format_seconds
from drctl.plan.tiers import STRATEGY_RANGES, TIER_OBJECTIVES, Strategy, Tier


class Criticality(StrEnum):
    STANDARD = "standard"
    IMPORTANT = "important"
    CRITICAL = "critical"


class Regulation(StrEnum):
    HIPAA = "hipaa"
    PCI = "pci"
    SOX = "sox"


# Seed: revenue per hour above the bound -> RTO (checked from the highest bound down).
RTO_BY_REVENUE: tuple[tuple[float, int], ...] = (
    (100_000, 15 * 60),
    (10_000, 3600),
    (1_000, 4 * 3600),
)
RTO_OTHERWISE = 24 * 3600
RPO_BY_CRITICALITY = {
    Criticality.CRITICAL: 5 * 60,
    Criticality.IMPORTANT: 3600,
    Criticality.STANDARD: 24 * 3600,
}
# Seed: relative cost of each strategy, cheapest first (the order strategies are tried in).
STRATEGY_COST = {
    Strategy.BACKUP_RESTORE: "lowest",
    Strategy.PILOT_LIGHT: "low-medium",
    Strategy.WARM_STANDBY: "medium-high",
    Strategy.ACTIVE_ACTIVE: "highest",
}
TIERS_CHEAPEST_FIRST = (Tier.BRONZE, Tier.SILVER, Tier.GOLD, Tier.PLATINUM)
RTO_HEADROOM = 2  # a strategy's fastest RTO must fit this many times into the objective


@dataclass(frozen=True)
class RegulatoryNeeds:
    min_criticality: Criticality
    controls: tuple[str, ...]


REGULATIONS = {
    Regulation.HIPAA: RegulatoryNeeds(
        Criticality.IMPORTANT,
        (
            "HIPAA contingency plan (45 CFR 164.308(a)(7)): a data backup plan that keeps "
            "exact, retrievable copies of ePHI, a disaster recovery plan, and periodic "
            "testing (schedule `drctl test`)",
            "ePHI encrypted at rest in both Regions, the DR Region under the same BAA",
        ),
    ),
    Regulation.PCI: RegulatoryNeeds(
        Criticality.IMPORTANT,
        (
            "PCI DSS 12.10.1-12.10.2: an incident response plan with business recovery and "
            "backup procedures, tested at least once every 12 months",
            "the DR Region is in scope: cardholder data encrypted at rest there too, same "
            "access controls and logging as the primary",
        ),
    ),
    Regulation.SOX: RegulatoryNeeds(
        Criticality.IMPORTANT,
        (
            "SOX 404 IT general controls: backup and recovery of financial data are tested "
            "and evidenced; keep the run journals (`drctl runs`) as audit evidence",
            "no unexplained data loss in financial systems: journal the measured data-loss "
            "window of every failover",
        ),
    ),
}


@dataclass(frozen=True)
class StrategyFit:
    strategy: Strategy
    meets: bool
    cost: str
    why: str

    def as_dict(self) -> dict[str, Any]:
        rng = STRATEGY_RANGES[self.strategy]
        return {
            "strategy": self.strategy.value,
            "meets": self.meets,
            "cost": self.cost,
            "rto": rng.rto_text,
            "rpo": rng.rpo_text,
            "why": self.why,
        }


@dataclass(frozen=True)
class Analysis:
    revenue_per_hour: float
    criticality: Criticality  # as given
    regulatory: tuple[Regulation, ...]
    effective_criticality: Criticality  # raised by the regulations
    rto_seconds: int
    rpo_seconds: int
    tier: Tier
    strategy: Strategy
    strategies: tuple[StrategyFit, ...]
    reasons: tuple[str, ...] = ()
    controls: tuple[str, ...] = field(default=())

    @property
    def downtime_cost_at_rto(self) -> float:
        """What one outage lasting the whole RTO costs."""
        return self.revenue_per_hour * self.rto_seconds / 3600

    def as_dict(self) -> dict[str, Any]:
        tier = TIER_OBJECTIVES[self.tier]
        return {
            "inputs": {
                "revenue_per_hour": self.revenue_per_hour,
                "criticality": self.criticality.value,
                "regulatory": [r.value for r in self.regulatory],
            },
            "criticality": self.effective_criticality.value,
            "rto": format_seconds(self.rto_seconds),
            "rpo": format_seconds(self.rpo_seconds),
            "rto_seconds": self.rto_seconds,
            "rpo_seconds": self.rpo_seconds,
            "tier": self.tier.value,
            "tier_objectives": {
                "rto_seconds": tier.rto_seconds,
                "rpo_seconds": tier.rpo_seconds,
                "availability": tier.availability,
            },
            "strategy": self.strategy.value,
            "strategy_cost": STRATEGY_COST[self.strategy],
            "downtime_cost_per_hour": self.revenue_per_hour,
            "downtime_cost_at_rto": self.downtime_cost_at_rto,
            "strategies": [s.as_dict() for s in self.strategies],
            "controls": list(self.controls),
            "reasons": list(self.reasons),
        }


def rto_for_revenue(revenue_per_hour: float) -> int:
    for bound, rto in RTO_BY_REVENUE:
        if revenue_per_hour > bound:
            return rto
    return RTO_OTHERWISE


def _money(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"


def _fit(strategy: Strategy, rto: int, rpo: int) -> StrategyFit:
    rng = STRATEGY_RANGES[strategy]
    short = []
    if rng.min_rto_seconds * RTO_HEADROOM > rto:
        short.append(
            f"recovers in {rng.rto_text}: its best case leaves too little of "
            f"{format_seconds(rto)} to detect and decide"
        )
    if rng.min_rpo_seconds > rpo:
        short.append(f"loses {rng.rpo_text} of data, more than {format_seconds(rpo)}")
    why = "; ".join(short) or f"RTO {rng.rto_text}, RPO {rng.rpo_text}"
    return StrategyFit(strategy, not short, STRATEGY_COST[strategy], why)


def parse_criticality(value: str) -> Criticality:
    try:
        return Criticality(value.lower())
    except ValueError:
        raise UsageError(
            f"unknown criticality {value!r}",
            hint=f"one of: {', '.join(c.value for c in Criticality)}",
        ) from None


def parse_regulation(value: str) -> Regulation:
    try:
        return Regulation(value.lower())
    except ValueError:
        raise UsageError(
            f"unknown regulatory regime {value!r}",
            hint=f"one of: {', '.join(r.value for r in Regulation)}",
        ) from None


def analyse(
    revenue_per_hour: float,
    criticality: Criticality | str,
    regulatory: tuple[Regulation | str, ...] | list[Regulation | str] = (),
) -> Analysis:
    """The BIA of one application. Bad input raises :class:`UsageError` (exit 2)."""
    if not isinstance(revenue_per_hour, (int, float)) or isinstance(revenue_per_hour, bool):
        raise UsageError(f"revenue per hour must be a number, not {revenue_per_hour!r}")
    if revenue_per_hour != revenue_per_hour or revenue_per_hour in (float("inf"), -float("inf")):
        raise UsageError("revenue per hour must be a finite number")
    if revenue_per_hour < 0:
        raise UsageError(
            f"revenue per hour cannot be negative ({_money(revenue_per_hour)})",
            hint="give what an hour of downtime loses, 0 or more",
        )
    given = criticality if isinstance(criticality, Criticality) else parse_criticality(criticality)
    regs = tuple(dict.fromkeys(
        r if isinstance(r, Regulation) else parse_regulation(r) for r in regulatory
    ))  # fmt: skip
    order = list(Criticality)
    effective = given
    reasons = []
    for reg in regs:
        need = REGULATIONS[reg].min_criticality
        if order.index(need) > order.index(effective):
            effective = need
            reasons.append(f"{reg.value} raises the data criticality to {need.value}")
    rto = rto_for_revenue(float(revenue_per_hour))
    rpo = RPO_BY_CRITICALITY[effective]
    reasons.insert(
        0,
        f"RTO {format_seconds(rto)}: an hour down loses {_money(revenue_per_hour)} "
        "(seed: above 100,000 -> 15m, above 10,000 -> 1h, above 1,000 -> 4h, else 24h)",
    )
    reasons.insert(1, f"RPO {format_seconds(rpo)}: {effective.value} data")
    tier = next(
        (
            t
            for t in TIERS_CHEAPEST_FIRST
            if TIER_OBJECTIVES[t].rto_seconds <= rto and TIER_OBJECTIVES[t].rpo_seconds <= rpo
        ),
        Tier.PLATINUM,
    )
    reasons.append(f"tier {tier.value}: the cheapest SLA tier at least as strict as both")
    fits = tuple(_fit(s, rto, rpo) for s in STRATEGY_COST)
    strategy = next(f.strategy for f in fits if f.meets)  # active-active meets anything
    reasons.append(f"strategy {strategy.value}: the cheapest that meets both")
    controls = tuple(c for reg in regs for c in REGULATIONS[reg].controls)
    return Analysis(
        revenue_per_hour=float(revenue_per_hour),
        criticality=given,
        regulatory=regs,
        effective_criticality=effective,
        rto_seconds=rto,
        rpo_seconds=rpo,
        tier=tier,
        strategy=strategy,
        strategies=fits,
        reasons=tuple(reasons),
        controls=controls,
    )
