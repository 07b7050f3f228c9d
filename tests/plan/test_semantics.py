"""Cross-section rules on the raw data: the path each problem points at, and its words."""

from __future__ import annotations

from typing import Any

import pytest

from drctl.plan.models import Plan
from drctl.plan.semantics import _cycles, semantic_problems, strategy_warnings

REGIONS = {"primary": "us-east-1", "dr": "us-west-2"}


def manual(name: str, *deps: str) -> dict[str, Any]:
    item: dict[str, Any] = {"kind": "manual", "name": name, "instructions": "x"}
    if deps:
        item["depends_on"] = list(deps)
    return item


def problems(**data: Any) -> list[tuple[tuple[str | int, ...], str, bool]]:
    base: dict[str, Any] = {"tier": "gold", "regions": REGIONS}
    base.update(data)
    return semantic_problems(base)


def test_a_sound_plan_has_none() -> None:
    assert (
        problems(
            resources=[
                {"kind": "rds-instance", "name": "db"},
                {"kind": "s3-bucket", "name": "assets"},
                manual("web", "db"),
                manual("api", "web", "assets"),
            ],
            experiments=[
                {
                    "name": "e",
                    "actions": {
                        "a": {"targets": {"Instances": "t"}},
                        "b": {"start_after": ["a"]},
                    },
                    "targets": {"t": {}},
                }
            ],
            drills=[
                {"name": "r", "type": "restore", "resource": "db"},
                {"name": "p", "type": "replication", "resource": "assets"},
                {"name": "x", "type": "experiment", "experiment": "e"},
                {"name": "c", "type": "checks"},
            ],
        )
        == []
    )


def test_same_regions() -> None:
    assert problems(regions={"primary": "us-east-1", "dr": "us-east-1"}) == [
        (("regions", "dr"), "regions.dr must differ from regions.primary", False)
    ]
    assert problems(regions={"primary": "", "dr": ""}) == []  # the model reports empties
    assert problems(regions="us-east-1") == []


def test_objectives_without_tier() -> None:
    message = "objectives (rto and rpo) are required when no tier is given"
    assert problems(tier=None) == [((), message, False)]
    assert semantic_problems({"regions": REGIONS}) == [((), message, False)]
    assert semantic_problems({"objectives": None}) == [(("objectives",), message, True)]
    assert semantic_problems({"objectives": {"rto": "1h"}}) == [
        (("objectives",), "objectives.rpo is required when no tier is given", False)
    ]
    assert semantic_problems({"objectives": {}}) == [
        (("objectives",), "objectives.rto is required when no tier is given", False),
        (("objectives",), "objectives.rpo is required when no tier is given", False),
    ]
    assert semantic_problems({"objectives": "fast"}) == []  # a type error for the model
    assert problems(objectives=None) == []  # the tier provides them


def test_duplicate_names_per_section() -> None:
    found = problems(
        resources=[manual("a"), manual("b"), manual("a"), manual("a")],
        drills=[{"name": "d", "type": "checks"}, {"name": "d", "type": "checks"}],
        experiments=[{"name": "e"}, {"name": "e"}],
    )
    assert found == [
        (("resources", 2, "name"), "duplicate resource name 'a' (also resources[0])", False),
        (("resources", 3, "name"), "duplicate resource name 'a' (also resources[0])", False),
        (("experiments", 1, "name"), "duplicate experiment name 'e' (also experiments[0])", False),
        (("drills", 1, "name"), "duplicate drill name 'd' (also drills[0])", False),
    ]


def test_unknown_and_self_dependencies() -> None:
    assert problems(resources=[manual("a", "a", "ghost", "b"), manual("b")]) == [
        (("resources", 0, "depends_on", 0), "resource 'a' depends on itself", False),
        (
            ("resources", 0, "depends_on", 1),
            "depends_on names unknown resource 'ghost' (known: a, b)",
            False,
        ),
    ]


def test_each_cycle_is_reported_once_from_its_smallest_name() -> None:
    found = problems(
        resources=[
            manual("c", "a"),
            manual("a", "b"),
            manual("b", "c"),
            manual("y", "x"),
            manual("x", "y"),
            manual("z", "x"),  # hangs off a cycle, is not part of one
        ]
    )
    assert found == [
        (("resources", 1, "depends_on"), "dependency cycle: a -> b -> c -> a", False),
        (("resources", 4, "depends_on"), "dependency cycle: x -> y -> x", False),
    ]


def test_cycles_helper() -> None:
    assert _cycles({"a": ["b"], "b": ["a"], "c": []}) == [["a", "b"]]
    assert _cycles({"a": ["b", "c"], "b": ["d"], "c": ["d"], "d": []}) == []  # a diamond
    assert _cycles({"b": ["a"], "a": ["b", "c"], "c": ["a"]}) == [["a", "b"], ["a", "c"]]


def test_malformed_sections_do_not_crash_the_rules() -> None:
    assert (
        problems(
            resources=[5, "x", {"name": 7, "depends_on": "a"}, {"depends_on": [1, None]}],
            experiments={"not": "a list"},
            drills=[None, {"type": "restore", "resource": 3}],
        )
        == []
    )  # a resource named by a number is the model's error, not also an unknown name


def test_experiment_references() -> None:
    found = problems(
        experiments=[
            {
                "name": "e",
                "actions": {
                    "stop": {"targets": {"Instances": "ghost", "Other": "t"}},
                    "then": {"start_after": ["stop", "never"]},
                    "odd": "not a mapping",
                },
                "targets": {"t": {}},
            }
        ]
    )
    assert found == [
        (
            ("experiments", 0, "actions", "stop", "targets", "Instances"),
            "action 'stop' names unknown target 'ghost'",
            False,
        ),
        (
            ("experiments", 0, "actions", "then", "start_after", 1),
            "start_after names unknown action 'never'",
            False,
        ),
    ]


@pytest.mark.parametrize(
    ("drill", "expected"),
    [
        (
            {"type": "restore"},
            [(("drills", 0), "a restore drill needs 'resource'", False)],
        ),
        (
            {"type": "restore", "resource": "ghost"},
            [(("drills", 0, "resource"), "drill names unknown resource 'ghost'", False)],
        ),
        (
            {"type": "restore", "resource": "assets"},
            [
                (
                    ("drills", 0, "resource"),
                    "a restore drill needs a resource of kind rds-instance or backup-vault; "
                    "'assets' is s3-bucket",
                    False,
                )
            ],
        ),
        (
            {"type": "replication", "resource": "db"},
            [
                (
                    ("drills", 0, "resource"),
                    "a replication drill needs a resource of kind s3-bucket or dynamodb-table; "
                    "'db' is rds-instance",
                    False,
                )
            ],
        ),
        ({"type": "replication", "resource": "table"}, []),
        (
            {"type": "experiment"},
            [(("drills", 0), "an experiment drill needs 'experiment'", False)],
        ),
        (
            {"type": "experiment", "experiment": "ghost"},
            [(("drills", 0, "experiment"), "drill names unknown experiment 'ghost'", False)],
        ),
        (
            {"type": "failover", "resource": "db", "experiment": "e"},
            [
                (("drills", 0, "resource"), "'resource' is not used by failover drills", True),
                (("drills", 0, "experiment"), "'experiment' is not used by failover drills", True),
            ],
        ),
    ],
)
def test_drill_references(drill: dict[str, Any], expected: list[Any]) -> None:
    found = problems(
        resources=[
            {"kind": "rds-instance", "name": "db"},
            {"kind": "s3-bucket", "name": "assets"},
            {"kind": "dynamodb-table", "name": "table"},
        ],
        experiments=[{"name": "e"}],
        drills=[{"name": "d", **drill}],
    )
    assert found == expected


def _plan(strategy: str, **objectives: str) -> Plan:
    return Plan.model_validate(
        {
            "version": 1,
            "app": "shop",
            "strategy": strategy,
            "objectives": objectives,
            "regions": REGIONS,
            "resources": [manual("a")],
        }
    )


def test_strategy_warnings_point_at_the_strategy() -> None:
    assert strategy_warnings(_plan("backup-restore", rto="5m", rpo="4h")) == [
        (
            ("strategy",),
            "strategy backup-restore recovers in hours to days; it cannot meet an RTO of 5m "
            "(consider pilot-light or warm-standby or active-active)",
        )
    ]
    assert strategy_warnings(_plan("backup-restore", rto="1h", rpo="1h")) == []
    assert strategy_warnings(_plan("active-active", rto="0s", rpo="0s")) == []
