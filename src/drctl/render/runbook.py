"""The runbook of a plan, as data: what ``drctl runbook`` writes as Markdown (or JSON).

It is built from the same step graph as ``failover --dry-run`` (:func:`drctl.engine.run.
step_graph`), in the same order, so the runbook and the tool cannot drift: a change to a kind's
steps changes both. The commands a person runs by hand come from the steps themselves (their
``cli``) and from each kind's handbook (the readiness checks and step verifications as AWS CLI
commands). Steps that share a phase rank and a depth in the graph wait for nothing among
themselves: they form a group that can run in parallel.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from drctl.engine.context import RunContext
from drctl.engine.graph import StepGraph
from drctl.engine.run import Kinds, step_graph
from drctl.engine.step import Step
from drctl.errors import UsageError
from drctl.kinds import handbook
from drctl.kinds.handbook import HandCheck
from drctl.plan.durations import format_seconds
from drctl.plan.models import Manual, Plan


@dataclass
class RunbookStep:
    number: int
    group: int
    parallel: bool  # other steps share its group
    step: Step
    depends_on: list[str]
    verify: list[HandCheck]

    @property
    def commands(self) -> list[str]:
        """What a person types: the step's commands, without the ``drctl`` resume lines."""
        return [c for c in self.step.cli if not c.startswith("drctl ")]

    @property
    def drctl_lines(self) -> list[str]:
        return [c for c in self.step.cli if c.startswith("drctl ")]

    def as_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "group": self.group,
            "parallel": self.parallel,
            **self.step.summary(),
            "depends_on": self.depends_on,
            "verify": [v.as_dict() for v in self.verify],
        }


@dataclass
class Section:
    """The failover or the failback: its steps, or why drctl cannot lay them out."""

    action: str
    steps: list[RunbookStep] = field(default_factory=list)
    refused: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "steps": [s.as_dict() for s in self.steps],
            "refused": self.refused,
        }


@dataclass
class Precheck:
    resource: str
    kind: str
    check: HandCheck


@dataclass
class Runbook:
    plan: Plan
    plan_path: str
    mode: str
    resolved: bool  # ids read from AWS (else placeholders where only AWS knows them)
    prechecks: list[Precheck]
    failover: Section
    failback: Section

    @property
    def manual(self) -> list[Manual]:
        return [r for r in self.plan.resources if isinstance(r, Manual)]

    def objectives(self) -> dict[str, Any]:
        obj = self.plan.effective_objectives()
        return {
            "rto": format_seconds(obj.rto_seconds),
            "rpo": format_seconds(obj.rpo_seconds),
            **obj.model_dump(),
        }

    def as_dict(self) -> dict[str, Any]:
        plan = self.plan
        return {
            "app": plan.app,
            "plan": self.plan_path,
            "mode": self.mode,
            "resolved": self.resolved,
            "strategy": plan.strategy.value,
            "tier": plan.tier.value if plan.tier else None,
            "regions": plan.regions.model_dump(),
            "objectives": self.objectives(),
            "contacts": [c.model_dump(exclude_none=True) for c in plan.contacts],
            "notifications": plan.notifications.sns_topic_arn if plan.notifications else None,
            "prechecks": [
                {"resource": p.resource, "kind": p.kind, **p.check.as_dict()}
                for p in self.prechecks
            ],
            "failover": self.failover.as_dict(),
            "manual": [
                {
                    "name": m.name,
                    "instructions": m.instructions,
                    "failback_instructions": m.failback_instructions,
                }
                for m in self.manual
            ],
            "failback": self.failback.as_dict(),
        }


def groups(graph: StepGraph) -> dict[str, int]:
    """Step id -> parallel group number (1, 2, ...), consecutive in the graph's order.

    The graph orders steps by (phase rank, depth, plan order); a step's dependencies all have
    a smaller depth or rank, so steps of equal rank and depth never wait for each other.
    """
    depth: dict[str, int] = {}
    for step in graph.steps:  # topological: dependencies come first
        depth[step.id] = 1 + max((depth[d] for d in graph.deps[step.id]), default=0)
    numbers: dict[tuple[int, int], int] = {}
    found: dict[str, int] = {}
    for step in graph.steps:
        key = (step.phase.rank, depth[step.id])
        found[step.id] = numbers.setdefault(key, len(numbers) + 1)
    return found


def section(plan: Plan, ctx: RunContext, kinds: Kinds, action: str) -> Section:
    """The steps of ``action``. A failback drctl does not automate (a database restored from
    a snapshot goes home by migration) is a section that says so, not an error: the
    runbook is still worth having."""
    try:
        graph = step_graph(plan, ctx, kinds, action)
    except UsageError as exc:
        if action != "failback":
            raise
        return Section(action, refused=exc.message + (f" ({exc.hint})" if exc.hint else ""))
    group_of = groups(graph)
    sizes: dict[int, int] = {}
    for number in group_of.values():
        sizes[number] = sizes.get(number, 0) + 1
    verify = {
        res.name: handbook.verifications(res, ctx, action)
        for res in plan.resources
        if any(s.resource == res.name for s in graph.steps)
    }
    steps = [
        RunbookStep(
            number=i,
            group=group_of[step.id],
            parallel=sizes[group_of[step.id]] > 1,
            step=step,
            depends_on=sorted(graph.deps[step.id]),
            verify=verify[step.resource].get(step.action, []),
        )
        for i, step in enumerate(graph.steps, start=1)
    ]
    return Section(action, steps)


def build(plan: Plan, plan_path: str, ctx: RunContext, kinds: Kinds) -> Runbook:
    """The runbook of ``plan`` in ``ctx.mode``; offline unless ``ctx`` reads AWS."""
    prechecks = [
        Precheck(res.name, res.kind, check)
        for res in plan.resources
        for check in handbook.prechecks(res, ctx)
    ]
    return Runbook(
        plan=plan,
        plan_path=plan_path,
        mode=ctx.mode,
        resolved=not ctx.offline,
        prechecks=prechecks,
        failover=section(plan, ctx, kinds, "failover"),
        failback=section(plan, ctx, kinds, "failback"),
    )
