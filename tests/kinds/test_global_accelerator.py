"""global-accelerator: readiness (accelerator, listener, groups, time to detect within the RTO,
dials, DR health), a failover that dials DR up before primary down and waits for the change to
deploy, failback to the plan's dials, and an unplanned failover with us-east-1 down."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import boto3
import pytest

from drctl.engine.clock import FakeClock
from drctl.engine.settings import default_settings, make_context
from drctl.kinds.global_accelerator import moto_global_accelerator as ext
from drctl.kinds.sandboxing import aws_time
from drctl.plan.loader import load_plan_text
from drctl.sandbox.outages import outages
from tests.support import build_sandbox, collect_checks, run_action

ACCELERATOR = (
    "arn:aws:globalaccelerator::123456789012:accelerator/1234abcd-abcd-1234-abcd-1234abcdef02"
)
LISTENER = f"{ACCELERATOR}/listener/0123abcd"

PLAN = f"""
version: 1
app: shop
tier: gold
strategy: warm-standby
objectives: {{rto: 5m, rpo: 1m}}
regions: {{primary: us-east-1, dr: eu-west-1}}
resources:
  - name: edge
    kind: global-accelerator
    accelerator: {ACCELERATOR}
    listener: {LISTENER}
"""


@pytest.fixture(autouse=True)
def no_outage_left() -> Iterator[None]:
    ext.reset_endpoint_health()
    yield
    outages.clear()
    ext.reset_endpoint_health()


def _built(tmp_path: Path, text: str = PLAN) -> tuple[Any, Any]:
    loaded = load_plan_text(text)
    settings = default_settings(state_dir=tmp_path / "state", clock=FakeClock())
    aws_time.follow(settings.clock.now)
    build_sandbox(loaded.plan, settings)
    return loaded, settings


def _check(loaded: Any, settings: Any) -> dict[str, Any]:
    ctx = make_context(loaded.plan, settings)
    return {c.name: c.run() for c in collect_checks(loaded.plan, ctx)}


def _ga() -> Any:
    return boto3.client("globalaccelerator", region_name="us-west-2")


def _groups() -> dict[str, dict[str, Any]]:
    groups = _ga().list_endpoint_groups(ListenerArn=LISTENER)["EndpointGroups"]
    return {g["EndpointGroupRegion"]: g for g in groups}


def _dials() -> dict[str, float]:
    """The dials described back from AWS, by Region."""
    return {r: g["TrafficDialPercentage"] for r, g in _groups().items()}


def test_a_built_sandbox_is_ready(aws: None, tmp_path: Path) -> None:
    loaded, settings = _built(tmp_path)
    results = _check(loaded, settings)
    assert {n: r.status.value for n, r in results.items()} == {
        "accelerator": "pass",
        "listener": "pass",
        "endpoint-groups": "pass",
        "health-checks": "pass",
        "primary-serving": "pass",
        "dr-endpoints": "pass",
    }, {n: r.detail for n, r in results.items()}
    assert "30 s (10 s x 3)" in results["health-checks"].detail
    assert _dials() == {"us-east-1": 100.0, "eu-west-1": 0.0}


def test_readiness_fails_on_what_would_break_a_failover(aws: None, tmp_path: Path) -> None:
    loaded, settings = _built(tmp_path)
    ga, groups = _ga(), _groups()
    # Detection slower than the RTO: 30 s x 10 = 5 min is not under... make it over 5 min.
    ga.update_endpoint_group(
        EndpointGroupArn=groups["us-east-1"]["EndpointGroupArn"],
        HealthCheckIntervalSeconds=30,
        ThresholdCount=10,
    )
    tight = load_plan_text(PLAN.replace("rto: 5m", "rto: 4m"))
    slow = _check(tight, settings)["health-checks"]
    assert slow.status.value == "fail" and "300 s (30 s x 10)" in slow.detail, slow.detail
    # DR's endpoint fails its health checks.
    endpoint = groups["eu-west-1"]["EndpointDescriptions"][0]["EndpointId"]
    ext.set_endpoint_health(endpoint, False)
    settings.clock.advance(30)
    dr = _check(loaded, settings)["dr-endpoints"]
    assert dr.status.value == "fail" and f"{endpoint} UNHEALTHY" in dr.detail
    # A disabled accelerator routes nothing.
    settings.clock.advance(ext.DEPLOY_SECONDS)
    ga.update_accelerator(AcceleratorArn=ACCELERATOR, Enabled=False)
    assert _check(loaded, settings)["accelerator"].status.value == "fail"
    # A listener of another accelerator is not this one's.
    other = load_plan_text(PLAN.replace("0123abcd", "9999abcd"))
    assert _check(other, settings)["listener"].status.value == "fail"


def test_failover_dials_dr_up_first_and_waits_for_the_deployment(aws: None, tmp_path: Path) -> None:
    loaded, settings = _built(tmp_path)
    seen: list[dict[str, float]] = []
    original = ext.GlobalAcceleratorBackend.update_endpoint_group

    def spy(self: Any, arn: str, params: dict[str, Any]) -> Any:
        group = original(self, arn, params)
        seen.append({g.region: g.dial for g in self.groups.values()})
        return group

    with mock.patch.object(ext.GlobalAcceleratorBackend, "update_endpoint_group", spy):
        record = run_action(loaded, settings, "failover")
    assert record.status == "succeeded", [(s.id, s.detail) for s in record.steps]
    # DR went to 100 before primary went to 0: some group was at 100% after every call.
    assert seen == [
        {"us-east-1": 100.0, "eu-west-1": 100.0},
        {"us-east-1": 0.0, "eu-west-1": 100.0},
    ]
    assert _dials() == {"us-east-1": 0.0, "eu-west-1": 100.0}
    # The step waited until AWS had deployed the change.
    status = _ga().describe_accelerator(AcceleratorArn=ACCELERATOR)["Accelerator"]["Status"]
    assert status == "DEPLOYED"
    assert record.rto_seconds is not None and record.rto_seconds >= ext.DEPLOY_SECONDS
    assert _check(loaded, settings)["primary-serving"].status.value == "warn"

    back = run_action(loaded, settings, "failback", from_run=record.run_id)
    assert back.status == "succeeded", [(s.id, s.detail) for s in back.steps]
    assert _dials() == {"us-east-1": 100.0, "eu-west-1": 0.0}


def test_active_active_failback_restores_the_dr_dial(aws: None, tmp_path: Path) -> None:
    text = PLAN + "    dr_traffic_dial: 100\n"
    loaded, settings = _built(tmp_path, text)
    assert _dials() == {"us-east-1": 100.0, "eu-west-1": 100.0}
    assert _check(loaded, settings)["primary-serving"].status.value == "pass"
    record = run_action(loaded, settings, "failover")
    assert record.status == "succeeded", [(s.id, s.detail) for s in record.steps]
    assert _dials() == {"us-east-1": 0.0, "eu-west-1": 100.0}
    back = run_action(loaded, settings, "failback", from_run=record.run_id)
    assert back.status == "succeeded", [(s.id, s.detail) for s in back.steps]
    assert _dials() == {"us-east-1": 100.0, "eu-west-1": 100.0}


def test_failover_does_not_call_dr_serving_without_a_healthy_dr_endpoint(
    aws: None, tmp_path: Path
) -> None:
    loaded, settings = _built(tmp_path)
    endpoint = _groups()["eu-west-1"]["EndpointDescriptions"][0]["EndpointId"]
    ext.set_endpoint_health(endpoint, False)
    record = run_action(loaded, settings, "failover")
    step = record.steps[0]
    assert step.status == "failed", (step.status, step.detail)
    assert "no healthy endpoint in eu-west-1" in step.detail


def test_unplanned_failover_with_the_primary_region_down(aws: None, tmp_path: Path) -> None:
    loaded, settings = _built(tmp_path)
    outages.add("us-east-1")
    record = run_action(loaded, settings, "failover", mode="unplanned")
    step = record.steps[0]
    assert record.status == "succeeded", (step.id, step.status, step.detail)
    # Traffic is on DR, read back from the dials; the primary's endpoint is found down.
    assert _dials() == {"us-east-1": 0.0, "eu-west-1": 100.0}
    groups = _groups()
    assert groups["eu-west-1"]["EndpointDescriptions"][0]["HealthState"] == "HEALTHY"
    assert groups["us-east-1"]["EndpointDescriptions"][0]["HealthState"] == "UNHEALTHY"
    # Nothing went to the dead region: the Global Accelerator API is in us-west-2.
    assert outages.refused() == {}


def test_plan_rejects_a_listener_of_another_accelerator() -> None:
    from drctl.errors import PlanError

    with pytest.raises(PlanError, match="listener of the accelerator"):
        load_plan_text(
            PLAN.replace(f"listener: {LISTENER}", f"listener: {ACCELERATOR}x/listener/a")
        )


def test_failover_with_the_ga_api_region_down_fails_fast_naming_the_dependency(
    aws: None, tmp_path: Path
) -> None:
    """The Global Accelerator API is served from us-west-2 only: with it out, the dials cannot
    move. The step fails at once (no retry budget) and says what still works: GA's own health
    checks send traffic to a healthy endpoint of another group, dial or not."""
    import time

    loaded, settings = _built(tmp_path)
    before = _dials()
    outages.add("us-west-2")
    started = time.monotonic()
    record = run_action(loaded, settings, "failover", mode="unplanned")
    took = time.monotonic() - started
    step = record.steps[0]
    assert record.status == "failed" and step.status == "failed"
    assert "globalaccelerator in us-west-2" in step.detail
    assert "health checks" in step.detail
    assert took < 10, f"took {took:.1f} s"
    outages.clear()
    assert _dials() == before  # nothing half-moved


WEIGHTS_PLAN = PLAN + "    move: weights\n"


def _weights(region: str) -> dict[str, int]:
    return {e["EndpointId"]: e["Weight"] for e in _groups()[region]["EndpointDescriptions"]}


def test_failover_by_weights_moves_traffic_with_the_dials_untouched(
    aws: None, tmp_path: Path
) -> None:
    """Weight 0 on every primary endpoint: GA fails over to DR's healthy endpoints whatever
    the dials; failback restores the weights the failover recorded -- read back each time."""
    loaded, settings = _built(tmp_path, WEIGHTS_PLAN)
    dials, home = _dials(), _weights("us-east-1")
    assert set(home.values()) == {128}
    group = _groups()["us-east-1"]
    custom = {e: 200 for e in home}
    _ga().update_endpoint_group(
        EndpointGroupArn=group["EndpointGroupArn"],
        EndpointConfigurations=[{"EndpointId": e, "Weight": w} for e, w in custom.items()],
    )
    settings.clock.sleep(120)  # the change deploys

    over = run_action(loaded, settings, "failover")
    step = over.steps[0]
    assert over.status == "succeeded", (step.status, step.detail)
    assert set(_weights("us-east-1").values()) == {0}
    assert _dials() == dials  # the dials did not move: GA's failover ignores them
    assert "traffic to eu-west-1 only" in step.detail
    assert step.data["weights_before"] == custom
    during = _check(loaded, settings)["primary-serving"]
    assert during.status.value == "warn" and "failover by weights is in effect" in during.detail

    again = run_action(loaded, settings, "failover")
    assert again.steps[0].status == "skipped"

    back = run_action(loaded, settings, "failback", from_run=over.run_id)
    assert back.status == "succeeded", back.steps[0].detail
    assert _weights("us-east-1") == custom  # as recorded, not AWS's default
    assert "traffic to us-east-1 only" in back.steps[0].detail
    results = _check(loaded, settings)
    assert results["primary-serving"].status.value == "pass"


def test_failover_by_weights_waits_for_a_healthy_dr_endpoint(aws: None, tmp_path: Path) -> None:
    loaded, settings = _built(tmp_path, WEIGHTS_PLAN)
    [dr_endpoint] = _weights("eu-west-1")
    ext.set_endpoint_health(dr_endpoint, False)
    settings.clock.sleep(300)  # its health checks find it down
    record = run_action(loaded, settings, "failover")
    assert record.status != "succeeded"
    assert "traffic would go to nowhere" in record.steps[0].detail


def test_serving_regions_follow_gas_documented_failover_rule() -> None:
    from drctl.kinds.global_accelerator.api import serving_regions

    def group(dial: float, *endpoints: tuple[str, int]) -> dict[str, Any]:
        return {
            "TrafficDialPercentage": dial,
            "EndpointDescriptions": [
                {"EndpointId": f"e{i}", "HealthState": health, "Weight": weight}
                for i, (health, weight) in enumerate(endpoints)
            ],
        }

    up, down = ("HEALTHY", 128), ("UNHEALTHY", 128)
    zero = ("HEALTHY", 0)
    assert serving_regions({"a": group(100, up), "b": group(0, up)}) == ["a"]
    assert serving_regions({"a": group(100, up), "b": group(100, up)}) == ["a", "b"]
    assert serving_regions({"a": group(100, down), "b": group(0, up)}) == ["b"]  # dial ignored
    assert serving_regions({"a": group(100, zero), "b": group(0, up)}) == ["b"]
    assert serving_regions({"a": group(100, zero), "b": group(0, zero)}) == []
