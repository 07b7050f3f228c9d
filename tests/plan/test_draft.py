"""The draft plan text of ``plan init --discover``: valid names, values that load back as
themselves, guesses and unpaired findings as comments, and a validated result."""

from __future__ import annotations

import pytest
import yaml

from drctl.kinds.discovery import pair_key, region_code
from drctl.plan.draft import Draft, DraftField, DraftResource, guesses, plan_name, render
from drctl.plan.loader import load_plan_text


def test_plan_names_are_valid_and_unique() -> None:
    taken: set[str] = set()
    assert plan_name("UserProfiles", taken) == "userprofiles"
    assert plan_name("user_profiles", taken) == "user-profiles"
    assert plan_name("UserProfiles", taken) == "userprofiles-2"
    assert plan_name("--", taken) == "resource"
    assert len(plan_name("x" * 200, taken)) <= 63


@pytest.mark.parametrize(
    ("name", "region", "key"),
    [
        ("shop-web-use1", "us-east-1", "shop-web"),
        ("shop-web-usw2", "us-west-2", "shop-web"),
        ("web-us-east-1-prod", "us-east-1", "web-prod"),
        ("shop-usw2/checkout", "us-west-2", "shop/checkout"),
        ("museum", "us-east-1", "museum"),  # "use1" only as a whole token
    ],
)
def test_pair_key_drops_the_region(name: str, region: str, key: str) -> None:
    assert pair_key(name, region) == key
    assert region_code("eu-west-1") == "euw1"


def _draft() -> Draft:
    return Draft(
        app="shop",
        source="resources tagged Application=shop",
        primary="us-east-1",
        dr="us-west-2",
        dr_inferred_from="where 1 of the resources found replicate to",
        resources=[
            DraftResource(
                "route53-record",
                "api",
                (DraftField("zone", "shop.example.com."), DraftField("record", "on.example.com.")),
                (("global", "api"),),
                moves_traffic=True,
            ),
            DraftResource(
                "dynamodb-table",
                "Yes",  # a name YAML would read as a boolean
                (DraftField("table", "yes", "global table"),),
                (("us-east-1", "yes"),),
            ),
            DraftResource(
                "autoscaling-group",
                "web",
                (DraftField("dr", "web #1"), DraftField("desired", 2, "guessed: from primary")),
                (("us-west-2", "web #1"),),
                ("paired by name",),
                dr_running=True,
            ),
        ],
        unpaired=["RDS DB instance reports in us-east-1: no cross-Region read replica"],
    )


def test_render_writes_values_that_load_back_and_marks_guesses() -> None:
    draft = _draft()
    text = render(draft)
    plan = load_plan_text(text).plan
    by_kind = {r.kind: r for r in plan.resources}
    assert by_kind["dynamodb-table"].table == "yes"  # quoted: not a boolean
    assert by_kind["autoscaling-group"].dr == "web #1"  # quoted: not a comment
    assert by_kind["route53-record"].depends_on == ["yes", "web"]  # traffic last, after all
    assert plan.strategy.value == "warm-standby"  # DR compute runs
    assert "desired: 2" in text and "# guessed: from primary" in text
    assert "  # paired by name\n  - kind: autoscaling-group" in text
    assert "#   - RDS DB instance reports in us-east-1: no cross-Region read replica" in text
    assert yaml.safe_load(text)["regions"]["dr"] == "us-west-2"
    assert "# guessed: inferred from where 1" in text
    assert guesses(draft) == [
        "strategy: warm-standby (DR compute is running at reduced capacity)",
        "tier: silver (objectives from the tier; set them from a BIA)",
        "regions.dr: us-west-2 (where 1 of the resources found replicate to)",
        "web.desired: from primary",
        "api.depends_on: every data store and compute resource found",
    ]
