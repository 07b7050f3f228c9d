"""Tier defaults and strategy ranges, from the DR guide drctl grew from.

A tier gives default objectives; a strategy has a range of RTO/RPO it can
realistically meet. A plan that asks a strategy for less than its floor (a
backup-and-restore plan promising a 5-minute RTO) gets a warning: it validates,
but nobody should believe it until a drill measures it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Tier(StrEnum):
    PLATINUM = "platinum"
    GOLD = "gold"
    SILVER = "silver"
    BRONZE = "bronze"


class Strategy(StrEnum):
    BACKUP_RESTORE = "backup-restore"
    PILOT_LIGHT = "pilot-light"
    WARM_STANDBY = "warm-standby"
    ACTIVE_ACTIVE = "active-active"


@dataclass(frozen=True)
class TierObjectives:
    rto_seconds: int
    rpo_seconds: int
    availability: str


TIER_OBJECTIVES: dict[Tier, TierObjectives] = {
    Tier.PLATINUM: TierObjectives(5 * 60, 60, "99.99%"),
    Tier.GOLD: TierObjectives(30 * 60, 15 * 60, "99.9%"),
    Tier.SILVER: TierObjectives(4 * 3600, 3600, "99.5%"),
    Tier.BRONZE: TierObjectives(24 * 3600, 24 * 3600, "99%"),
}


@dataclass(frozen=True)
class StrategyRange:
    """The fastest RTO / smallest RPO a strategy can credibly deliver, and its words for it."""

    min_rto_seconds: int
    min_rpo_seconds: int
    rto_text: str
    rpo_text: str


# The guide: backup & restore "hours to days" / "hours"; pilot light "10 minutes to
# hours" / "minutes to hours"; warm standby "minutes" / "seconds to minutes";
# active-active "seconds" / "near-zero".
STRATEGY_RANGES: dict[Strategy, StrategyRange] = {
    Strategy.BACKUP_RESTORE: StrategyRange(3600, 3600, "hours to days", "hours"),
    Strategy.PILOT_LIGHT: StrategyRange(10 * 60, 60, "10 minutes to hours", "minutes to hours"),
    Strategy.WARM_STANDBY: StrategyRange(60, 1, "minutes", "seconds to minutes"),
    Strategy.ACTIVE_ACTIVE: StrategyRange(0, 0, "seconds", "near zero"),
}


def strategy_fit_warnings(strategy: Strategy, rto_seconds: int, rpo_seconds: int) -> list[str]:
    """Warnings for objectives tighter than ``strategy`` can deliver."""
    rng = STRATEGY_RANGES[strategy]
    warnings = []
    if rto_seconds < rng.min_rto_seconds:
        warnings.append(
            f"strategy {strategy.value} recovers in {rng.rto_text}; it cannot meet an RTO of "
            f"{_fmt(rto_seconds)} (consider {_faster(strategy)})"
        )
    if rpo_seconds < rng.min_rpo_seconds:
        warnings.append(
            f"strategy {strategy.value} loses {rng.rpo_text} of data; it cannot meet an RPO of "
            f"{_fmt(rpo_seconds)}"
        )
    return warnings


def _faster(strategy: Strategy) -> str:
    order = list(Strategy)
    faster = order[order.index(strategy) + 1 :]
    return " or ".join(s.value for s in faster) if faster else "a different design"


def _fmt(seconds: int) -> str:
    from drctl.plan.durations import format_seconds

    return format_seconds(seconds)
