"""`ecs-service`: checks on a fresh sandbox and a missing service; failover sets the
desired count and waits for stability; failback restores the recorded count."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from drctl.engine.settings import make_context
from drctl.plan.loader import load_plan_text
from drctl.sandbox.builders import SandboxBuilder
from tests.support import collect_checks, run_action

PLAN = """
version: 1
app: api
tier: gold
strategy: warm-standby
regions: {primary: us-east-1, dr: us-west-2}
resources:
  - {kind: ecs-service, name: api, cluster: api-dr, service: api, desired: 4}
"""


@pytest.fixture
def loaded(aws: None, settings: Any) -> Any:
    loaded = load_plan_text(PLAN)
    ctx = make_context(loaded.plan, settings)
    SandboxBuilder(loaded.plan, ctx.sessions, settings.clock).build()
    return loaded


def _service() -> dict[str, Any]:
    ecs = boto3.client("ecs", region_name="us-west-2")
    return dict(ecs.describe_services(cluster="api-dr", services=["api"])["services"][0])


def _run(loaded: Any, settings: Any, action: str, from_run: str | None) -> Any:
    return run_action(loaded, settings, action, from_run=from_run)


def test_checks_pass_then_fail_when_the_service_is_gone(loaded: Any, settings: Any) -> None:
    ctx = make_context(loaded.plan, settings)
    assert {c.name: c.run().status.value for c in collect_checks(loaded.plan, ctx)} == {
        "cluster": "pass",
        "service": "pass",
        "task-definition": "pass",
    }
    boto3.client("ecs", region_name="us-west-2").delete_service(
        cluster="api-dr", service="api", force=True
    )
    ctx = make_context(loaded.plan, settings)
    results = {c.name: c.run() for c in collect_checks(loaded.plan, ctx)}
    assert results["service"].status.value == "fail" and "not active" in results["service"].detail


def test_failover_scales_the_service_and_failback_restores_it(loaded: Any, settings: Any) -> None:
    record = _run(loaded, settings, "failover", None)
    assert record.status == "succeeded", [(s.id, s.detail) for s in record.steps]
    svc = _service()
    assert (svc["desiredCount"], svc["runningCount"], len(svc["deployments"])) == (4, 4, 1)
    assert record.steps[0].data == {"desired_count_before": 0}
    rerun = _run(loaded, settings, "failover", None)
    assert rerun.steps[0].status == "skipped"

    back = _run(loaded, settings, "failback", record.run_id)
    assert back.status == "succeeded" and back.steps[0].id == "api.scale-back"
    assert _service()["desiredCount"] == 0
