"""What an on-call engineer runs by hand: each kind's readiness checks and step verifications
as AWS CLI commands, with what a good answer looks like.

``drctl runbook`` prints these next to the steps of the failover graph, so the runbook can be
followed without drctl. Each kind keeps its own in ``drctl.kinds.<kind>.handbook`` (plain
strings, no AWS calls: a runbook is written offline from the plan), exposing

* ``prechecks(res, ctx) -> list[HandCheck]``: the readiness checks of ``drctl check``, each
  naming in ``covers`` the check names it stands for (a test proves every check is covered);
* ``verifications(res, ctx, action) -> dict[str, list[HandCheck]]``: for a ``failover`` or
  ``failback``, by step action (``promote``, ``shift-traffic``), how to see that the step took
  effect.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from drctl.engine.context import RunContext
from drctl.kinds.registry import module_for


@dataclass(frozen=True)
class HandCheck:
    """One command a person runs, and the answer that means "good"."""

    title: str
    cli: str
    expect: str
    covers: tuple[str, ...] = ()  # the readiness checks (``drctl check`` names) it stands for

    def covering(self, covers: tuple[str, ...]) -> HandCheck:
        """The same command standing for readiness checks (a verification reused as one)."""
        return HandCheck(self.title, self.cli, self.expect, covers)

    def as_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "cli": self.cli,
            "expect": self.expect,
            "covers": list(self.covers),
        }


def _module(kind: str) -> ModuleType:
    return importlib.import_module(module_for(kind) + ".handbook")


def prechecks(res: Any, ctx: RunContext) -> list[HandCheck]:
    """The commands that check ``res`` by hand before a failover."""
    found: list[HandCheck] = _module(res.kind).prechecks(res, ctx)
    return found


def verifications(res: Any, ctx: RunContext, action: str) -> dict[str, list[HandCheck]]:
    """How to verify each step of ``res`` in a ``failover`` or ``failback``, by step action."""
    found: dict[str, list[HandCheck]] = _module(res.kind).verifications(res, ctx, action)
    return found


LAST_10_MINUTES = (
    "--start-time \"$(date -u -d '-10 min' +%Y-%m-%dT%H:%M:%SZ)\" "
    '--end-time "$(date -u +%Y-%m-%dT%H:%M:%SZ)"'
)


def metric_cli(
    namespace: str, metric: str, dimensions: dict[str, str], statistic: str, region: str
) -> str:
    """``aws cloudwatch get-metric-statistics`` over the last 10 minutes, one-minute periods
    (the window ``drctl check`` reads)."""
    dims = " ".join(f"Name={k},Value={v}" for k, v in dimensions.items())
    return (
        f"aws cloudwatch get-metric-statistics --namespace {namespace} --metric-name {metric} "
        f"--dimensions {dims} --statistics {statistic} --period 60 {LAST_10_MINUTES} "
        f"--query 'sort_by(Datapoints, &Timestamp)[-1].{statistic}' --region {region}"
    )
