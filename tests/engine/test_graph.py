"""Steps to an ordered graph: phases, per-resource chains, the plan's depends_on."""

from __future__ import annotations

import pytest

from drctl.engine.graph import StepGraph, build_graph
from drctl.engine.step import Phase, Precheck, Step, StepOutcome
from drctl.errors import DrctlError, PlanError

F, D, C, T, N = Phase.FENCE, Phase.DATA, Phase.COMPUTE, Phase.TRAFFIC, Phase.NOTIFY


def mk(sid: str, phase: Phase = Phase.DATA, depends_on: list[str] | None = None) -> Step:
    resource, action = sid.split(".")
    return Step(
        id=sid,
        resource=resource,
        kind="fake",
        action=action,
        phase=phase,
        description=sid,
        cli=["true"],
        precheck=lambda: Precheck(False, "a", "b"),
        run=StepOutcome,
        depends_on=list(depends_on or []),
    )


def order(graph: StepGraph) -> list[str]:
    return [s.id for s in graph.steps]


def test_phase_ranks_and_labels() -> None:
    assert [(p.label, p.rank) for p in Phase] == [
        ("fence", 0),
        ("data", 1),
        ("compute", 1),
        ("traffic", 2),
        ("notify", 3),
    ]


def test_phases_order_fence_data_compute_traffic_notify() -> None:
    graph = build_graph(
        [
            mk("sns.notify", N),
            mk("dns.shift", T),
            mk("web.scale", C),
            mk("db.promote", D),
            mk("db2.fence", F),
        ],
        {},
    )
    assert order(graph) == ["db2.fence", "web.scale", "db.promote", "dns.shift", "sns.notify"]
    # The phase barrier is the scheduler's job, not an edge: independent steps have none.
    assert graph.deps == {
        "sns.notify": set(),
        "dns.shift": set(),
        "web.scale": set(),
        "db.promote": set(),
        "db2.fence": set(),
    }


def test_steps_of_one_resource_form_a_chain() -> None:
    graph = build_graph([mk("db.fence", F), mk("db.promote", D), mk("db.wait", D)], {})
    assert graph.deps == {
        "db.fence": set(),
        "db.promote": {"db.fence"},
        "db.wait": {"db.promote"},
    }
    assert order(graph) == ["db.fence", "db.promote", "db.wait"]


def test_explicit_step_dependencies_replace_the_chain() -> None:
    graph = build_graph(
        [mk("db.a"), mk("db.b"), mk("db.c", depends_on=["db.a"]), mk("web.up", C, ["db.c"])],
        {},
    )
    assert graph.deps == {
        "db.a": set(),
        "db.b": {"db.a"},
        "db.c": {"db.a"},
        "web.up": {"db.c"},
    }


def test_resource_depends_on_waits_for_every_step_of_the_dependency() -> None:
    steps = [
        mk("db.fence", F),
        mk("db.promote", D),
        mk("web.scale", C),
        mk("web.wait", C),
        mk("dns.shift", T),
    ]
    graph = build_graph(steps, {"web": ["db"], "dns": ["db", "web", "gone"]})
    assert graph.deps == {
        "db.fence": set(),
        "db.promote": {"db.fence"},
        "web.scale": {"db.fence", "db.promote"},
        "web.wait": {"web.scale", "db.fence", "db.promote"},
        "dns.shift": {"db.fence", "db.promote", "web.scale", "web.wait"},
    }
    assert order(graph) == ["db.fence", "db.promote", "web.scale", "web.wait", "dns.shift"]


def test_data_and_compute_share_a_rank_and_may_wait_for_each_other() -> None:
    graph = build_graph([mk("db.promote", D), mk("web.scale", C)], {"db": ["web"]})
    assert order(graph) == ["web.scale", "db.promote"]
    assert graph.deps["db.promote"] == {"web.scale"}


def test_a_lower_phase_waiting_for_a_higher_one_is_a_plan_error() -> None:
    with pytest.raises(PlanError) as info:
        build_graph([mk("db.promote", D), mk("dns.shift", T)], {"db": ["dns"]})
    assert str(info.value) == (
        "step db.promote (data) cannot wait for dns.shift (traffic): phases run preparation, "
        "then fence, then data and compute, then traffic, then notify; remove that depends_on"
    )
    assert info.value.exit_code == 2


def test_a_fence_step_waiting_for_data_is_refused_too() -> None:
    with pytest.raises(PlanError, match=r"step x\.fence \(fence\) cannot wait for y\.copy"):
        build_graph([mk("y.copy", D), mk("x.fence", F, ["y.copy"])], {})


def test_duplicate_and_unknown_step_ids_are_internal_errors() -> None:
    with pytest.raises(DrctlError, match=r"internal: duplicate step ids \['a\.x'\]"):
        build_graph([mk("a.x"), mk("a.x")], {})
    with pytest.raises(DrctlError) as info:
        build_graph([mk("a.x", depends_on=["b.y"])], {})
    assert str(info.value) == "internal: step a.x depends on unknown steps ['b.y']"


def test_a_step_cycle_is_refused() -> None:
    with pytest.raises(DrctlError) as info:
        build_graph([mk("a.x", depends_on=["b.y"]), mk("b.y", depends_on=["a.x"]), mk("c.z")], {})
    assert str(info.value) == "step dependency cycle among ['a.x', 'b.y']"
    with pytest.raises(DrctlError, match="step dependency cycle"):
        build_graph([mk("a.x"), mk("b.y")], {"a": ["b"], "b": ["a"]})


def test_order_is_stable_and_follows_the_plan_within_a_level() -> None:
    steps = [
        mk("dns.shift", T),
        mk("c.up", C),
        mk("b.up", D),
        mk("a.up", D, ["z.up"]),
        mk("z.up", C),
        mk("b.check", D),
    ]
    first = order(build_graph(steps, {}))
    # by phase rank, then depth in the graph, then plan order
    assert first == ["c.up", "b.up", "z.up", "a.up", "b.check", "dns.shift"]
    for _ in range(5):
        assert order(build_graph(steps, {})) == first
    # reversed, b's chain runs the other way round (b.up now waits for b.check)
    assert order(build_graph(list(reversed(steps)), {})) == [
        "b.check",
        "z.up",
        "c.up",
        "a.up",
        "b.up",
        "dns.shift",
    ]


def test_by_id() -> None:
    graph = build_graph([mk("a.x"), mk("b.y")], {})
    assert {sid: s.action for sid, s in graph.by_id().items()} == {"a.x": "x", "b.y": "y"}


def test_empty_graph() -> None:
    graph = build_graph([], {})
    assert graph.steps == [] and graph.deps == {}
    assert graph.critical_path_seconds({}) == 0.0


# --------------------------------------------------------------------------- critical path


def test_critical_path_through_phase_barriers() -> None:
    graph = build_graph(
        [
            mk("db.fence", F),  # 2
            mk("db.promote", D),  # 10, after its fence: 2 + 10 = 12
            mk("cache.copy", D),  # 3
            mk("cache.warm", D),  # 4, chained: 3 + 4 = 7 (starts at 2, ends 9)
            mk("web.scale", C),  # 5, ends 7
            mk("dns.shift", T),  # 1, after the data/compute barrier at 12: ends 13
            mk("sns.notify", N),  # 1, ends 14
        ],
        {},
    )
    durations = {
        "db.fence": 2,
        "db.promote": 10,
        "cache.copy": 3,
        "cache.warm": 4,
        "web.scale": 5,
        "dns.shift": 1,
        "sns.notify": 1,
    }
    assert graph.critical_path_seconds(durations) == 14.0


def test_critical_path_through_resource_dependencies_in_one_rank() -> None:
    graph = build_graph(
        [mk("db.promote", D), mk("db.wait", D), mk("web.scale", C), mk("dns.shift", T)],
        {"web": ["db"]},
    )
    # web waits for db's two steps: 4 + 6, then 5; then the traffic step 2
    durations = {"db.promote": 4, "db.wait": 6, "web.scale": 5, "dns.shift": 2}
    assert graph.critical_path_seconds(durations) == 17.0
    # unknown durations count as zero
    assert graph.critical_path_seconds({"web.scale": 5}) == 5.0


def test_critical_path_with_unlimited_parallelism() -> None:
    graph = build_graph([mk(f"r{i}.go", D) for i in range(10)], {})
    assert graph.critical_path_seconds({f"r{i}.go": float(i) for i in range(10)}) == 9.0
