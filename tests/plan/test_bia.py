"""The business impact analysis: the seed's rules at their boundaries, drctl's extensions,
and bad input refused with a message."""

from __future__ import annotations

import pytest

from drctl.errors import UsageError
from drctl.plan.bia import Criticality, Regulation, analyse, rto_for_revenue
from drctl.plan.tiers import STRATEGY_RANGES, TIER_OBJECTIVES, Strategy, Tier, strategy_fit_warnings


@pytest.mark.parametrize(
    ("revenue", "rto"),
    [(0, 86400), (1_000, 86400), (1_000.01, 14400), (10_000, 14400), (10_001, 3600),
     (100_000, 3600), (100_001, 900), (5e9, 900)],
)  # fmt: skip
def test_rto_follows_the_seed_bounds(revenue: float, rto: int) -> None:
    assert rto_for_revenue(revenue) == rto


@pytest.mark.parametrize(
    ("criticality", "rpo"), [("critical", 300), ("important", 3600), ("standard", 86400)]
)
def test_rpo_follows_the_seed(criticality: str, rpo: int) -> None:
    assert analyse(500, criticality).rpo_seconds == rpo


@pytest.mark.parametrize(
    ("revenue", "criticality", "tier", "strategy"),
    [
        (500, "standard", Tier.BRONZE, Strategy.BACKUP_RESTORE),
        (5_000, "important", Tier.SILVER, Strategy.BACKUP_RESTORE),  # the seed's "analytics"
        (50_000, "important", Tier.GOLD, Strategy.PILOT_LIGHT),
        (50_000, "critical", Tier.PLATINUM, Strategy.PILOT_LIGHT),  # the seed's "e-commerce"
        (1_000_000, "critical", Tier.PLATINUM, Strategy.WARM_STANDBY),  # the guide's scenario
        (1_000_000, "standard", Tier.PLATINUM, Strategy.WARM_STANDBY),  # RTO 15m: platinum
    ],
)
def test_tier_and_strategy(
    revenue: float, criticality: str, tier: Tier, strategy: Strategy
) -> None:
    result = analyse(revenue, criticality)
    assert (result.tier, result.strategy) == (tier, strategy)
    # The tier is at least as strict as both objectives, and the next cheaper one is not.
    objectives = TIER_OBJECTIVES[tier]
    assert objectives.rto_seconds <= result.rto_seconds or tier == Tier.PLATINUM
    assert objectives.rpo_seconds <= result.rpo_seconds or tier == Tier.PLATINUM
    # The strategy meets them (no plan-validate warning), and every cheaper one does not.
    assert strategy_fit_warnings(strategy, result.rto_seconds, result.rpo_seconds) == []
    cheaper = list(Strategy)[: list(Strategy).index(strategy)]
    assert all(not f.meets for f in result.strategies if f.strategy in cheaper)
    assert [f.strategy for f in result.strategies] == list(Strategy)


def test_a_strategy_needs_headroom_under_the_rto() -> None:
    """Pilot light's best case is 10 minutes: it may not promise a 15-minute RTO."""
    result = analyse(200_000, "important")
    assert result.rto_seconds == 900
    assert STRATEGY_RANGES[Strategy.PILOT_LIGHT].min_rto_seconds < 900
    pilot = next(f for f in result.strategies if f.strategy == Strategy.PILOT_LIGHT)
    assert not pilot.meets and "detect and decide" in pilot.why
    assert result.strategy == Strategy.WARM_STANDBY


def test_downtime_cost() -> None:
    result = analyse(50_000, "critical")
    doc = result.as_dict()
    assert doc["downtime_cost_per_hour"] == 50_000
    assert doc["downtime_cost_at_rto"] == 50_000  # 1 hour
    assert analyse(5_000, "standard").as_dict()["downtime_cost_at_rto"] == 20_000  # 4 hours
    assert analyse(0, "standard").as_dict()["downtime_cost_at_rto"] == 0


@pytest.mark.parametrize("regulation", list(Regulation))
def test_a_regulation_raises_standard_data_to_important(regulation: Regulation) -> None:
    plain = analyse(500, "standard")
    regulated = analyse(500, "standard", [regulation])
    assert plain.rpo_seconds == 86400
    assert regulated.effective_criticality == Criticality.IMPORTANT
    assert regulated.rpo_seconds == 3600
    assert regulated.tier == Tier.SILVER  # 24h RTO but 1h RPO: bronze no longer covers it
    assert regulated.controls and f"{regulation.value} raises" in " ".join(regulated.reasons)
    # It never lowers a stricter criticality.
    assert analyse(500, "critical", [regulation]).rpo_seconds == 300


def test_regulations_are_deduplicated_and_their_controls_listed_once() -> None:
    result = analyse(500, "important", ["hipaa", "HIPAA", "pci"])
    assert result.regulatory == (Regulation.HIPAA, Regulation.PCI)
    assert len(result.controls) == 4
    assert any("164.308(a)(7)" in c for c in result.controls)


@pytest.mark.parametrize(
    ("revenue", "criticality", "regulatory", "message"),
    [
        (-1, "critical", (), "cannot be negative"),
        (float("nan"), "critical", (), "finite"),
        (float("inf"), "critical", (), "finite"),
        ("100", "critical", (), "must be a number"),
        (100, "vital", (), "unknown criticality 'vital'"),
        (100, "critical", ("gdpr",), "unknown regulatory regime 'gdpr'"),
    ],
)
def test_bad_input_is_a_usage_error(
    revenue: object, criticality: str, regulatory: tuple[str, ...], message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        analyse(revenue, criticality, regulatory)  # type: ignore[arg-type]
