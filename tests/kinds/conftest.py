"""Helpers for the kind tests: run a plan's failover or failback end to end."""

from __future__ import annotations

from typing import Any

from drctl.engine.operations import execute, failback_graph, failover_graph, make_context
from drctl.engine.runs import RunRecord, new_run_id


def run_action(
    loaded: Any,
    settings: Any,
    action: str,
    *,
    mode: str = "planned",
    recorded: dict[str, Any] | None = None,
) -> RunRecord:
    """A journaled failover/failback of ``loaded``; ``recorded``: what a failover kept."""
    plan = loaded.plan
    run_id = new_run_id(settings.clock.now(), plan.app, action)
    ctx = make_context(plan, settings, mode=mode, run_id=run_id)
    ctx.recorded = recorded or {}
    build = failback_graph if action == "failback" else failover_graph
    return execute(loaded, build(plan, ctx), settings, action=action, mode=mode, run_id=run_id)
