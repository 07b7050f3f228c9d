"""Steps to an ordered graph: phases, per-resource chains and the plan's ``depends_on``.

Edges come from three places: a kind's own ordering of its steps (each step
waits for the previous step of the same resource unless it names its
dependencies), the plan's resource-level ``depends_on`` (every step of a
resource waits for every step of the resources it depends on), and phase ranks
(a step starts only when every step of a lower rank has finished; preparation steps rank
below every phase, see :attr:`~drctl.engine.step.Step.preparation`). The phase
barrier is enforced by the scheduler rather than as edges, so large plans stay
linear in size.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from drctl.engine.step import Step
from drctl.errors import DrctlError, PlanError


@dataclass
class StepGraph:
    steps: list[Step]  # in a valid execution order
    deps: dict[str, set[str]]  # step id -> ids it waits for (explicit edges only)

    def by_id(self) -> dict[str, Step]:
        return {s.id: s for s in self.steps}

    def critical_path_seconds(self, durations: Mapping[str, float]) -> float:
        """Wall time with unlimited workers: longest chain through edges and phase barriers."""
        finish: dict[str, float] = {}
        rank_done: dict[tuple[int, int], float] = {}
        for rank in sorted({s.order for s in self.steps}):
            barrier = max((v for r, v in rank_done.items() if r < rank), default=0.0)
            level = [s for s in self.steps if s.order == rank]
            for step in level:  # self.steps is topological, so deps are known
                start = max([barrier, *(finish[d] for d in self.deps[step.id])])
                finish[step.id] = start + durations.get(step.id, 0.0)
            rank_done[rank] = max((finish[s.id] for s in level), default=barrier)
        return max(finish.values(), default=0.0)


def build_graph(steps: Sequence[Step], resource_deps: Mapping[str, Sequence[str]]) -> StepGraph:
    """Order ``steps``; ``resource_deps`` maps resource name -> names it depends on."""
    ids = [s.id for s in steps]
    if len(set(ids)) != len(ids):
        dup = sorted({i for i in ids if ids.count(i) > 1})
        raise DrctlError(f"internal: duplicate step ids {dup}")
    by_resource: dict[str, list[Step]] = {}
    for step in steps:
        by_resource.setdefault(step.resource, []).append(step)

    deps: dict[str, set[str]] = {}
    for resource, chain in by_resource.items():
        upstream = [s for dep in resource_deps.get(resource, ()) for s in by_resource.get(dep, [])]
        for i, step in enumerate(chain):
            own = set(step.depends_on) if step.depends_on else ({chain[i - 1].id} if i else set())
            # A resource waits for the steps of what it depends on -- up to its own phase:
            # a later-phase follow-up of the upstream resource (re-protecting DR after
            # traffic moved, fencing an old primary once it answers) is not a prerequisite.
            # A preparation step waits only for the upstream's preparation, if any: it runs
            # before the switch, while everything upstream still serves.
            reachable = {u.id for u in upstream if u.order <= step.order}
            if upstream and not reachable and not step.preparation:
                first = min(upstream, key=lambda u: u.order)
                raise _phase_error(step, first)
            deps[step.id] = own | reachable
    known = set(ids)
    for sid, dset in deps.items():
        missing = dset - known
        if missing:
            raise DrctlError(f"internal: step {sid} depends on unknown steps {sorted(missing)}")
    by_id = {s.id: s for s in steps}
    for sid, dset in deps.items():
        for d in dset:
            if by_id[d].order > by_id[sid].order:
                raise _phase_error(by_id[sid], by_id[d])
    ordered = _topological(steps, deps)
    return StepGraph(steps=ordered, deps=deps)


def _phase_error(step: Step, waits_for: Step) -> PlanError:
    return PlanError(
        f"step {step.id} ({_label(step)}) cannot wait for {waits_for.id} "
        f"({_label(waits_for)}): phases run preparation, then fence, then data and compute, "
        "then traffic, then notify; remove that depends_on"
    )


def _label(step: Step) -> str:
    return "preparation" if step.preparation else step.phase.label


def _topological(steps: Sequence[Step], deps: dict[str, set[str]]) -> list[Step]:
    """Kahn's algorithm; ties broken by phase rank then plan order, so output is stable."""
    position = {s.id: i for i, s in enumerate(steps)}
    by_id = {s.id: s for s in steps}
    remaining = {sid: set(d) for sid, d in deps.items()}
    dependents: dict[str, list[str]] = {sid: [] for sid in deps}
    for sid, dset in deps.items():
        for d in dset:
            dependents[d].append(sid)
    ordered: list[Step] = []
    ready = sorted(
        (sid for sid, d in remaining.items() if not d),
        key=lambda i: (by_id[i].order, position[i]),
    )
    while ready:
        sid = ready.pop(0)
        ordered.append(by_id[sid])
        for nxt in dependents[sid]:
            remaining[nxt].discard(sid)
            if not remaining[nxt]:
                ready.append(nxt)
        ready.sort(key=lambda i: (by_id[i].order, position[i]))
    if len(ordered) != len(steps):
        stuck = sorted(set(by_id) - {s.id for s in ordered})
        raise DrctlError(f"step dependency cycle among {stuck}")
    memo: dict[str, int] = {}
    return sorted(ordered, key=lambda s: (s.order, _depth(s.id, deps, memo), position[s.id]))


def _depth(sid: str, deps: dict[str, set[str]], memo: dict[str, int]) -> int:
    if sid not in memo:
        memo[sid] = 1 + max((_depth(d, deps, memo) for d in deps[sid]), default=0)
    return memo[sid]
