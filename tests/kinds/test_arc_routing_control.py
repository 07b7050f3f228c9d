"""arc-routing-control: the ARC extension's semantics, readiness, and a failover that survives
us-east-1 and the Route 53 control plane being down -- with zero control-plane calls."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from drctl.engine.clock import FakeClock
from drctl.engine.settings import default_settings, make_context
from drctl.kinds.sandboxing import aws_time
from drctl.plan.loader import load_plan_text
from drctl.sandbox.outages import outages
from tests.support import build_sandbox, collect_checks, run_action

PLAN = """
version: 1
app: shop
tier: gold
strategy: warm-standby
regions: {primary: us-east-1, dr: us-west-2}
resources:
  - name: storefront
    kind: arc-routing-control
    cluster: shop-cluster
    control_panel: shop-panel
    primary_control: shop-us-east-1
    dr_control: shop-us-west-2
    zone: shop.example.com
    record: www.shop.example.com
"""

R53_PLAN = """
version: 1
app: legacy
tier: gold
strategy: warm-standby
regions: {primary: us-east-1, dr: us-west-2}
resources:
  - name: storefront
    kind: route53-record
    zone: legacy.example.com
    record: www.legacy.example.com
"""


@pytest.fixture(autouse=True)
def no_outage_left() -> Iterator[None]:
    yield
    outages.clear()


def _config() -> Any:
    return boto3.client("route53-recovery-control-config", region_name="us-west-2")


def _setup_panel(rule_type: str = "ATLEAST", inverted: bool = False) -> tuple[Any, list[str], Any]:
    """A cluster with three controls (first On) and an assertion rule over them."""
    config = _config()
    cluster = config.create_cluster(ClusterName="c")["Cluster"]
    arns = [
        config.create_routing_control(ClusterArn=cluster["ClusterArn"], RoutingControlName=n)[
            "RoutingControl"
        ]["RoutingControlArn"]
        for n in ("a", "b", "c")
    ]
    endpoint = cluster["ClusterEndpoints"][1]
    data = boto3.client(
        "route53-recovery-cluster",
        region_name=endpoint["Region"],
        endpoint_url=endpoint["Endpoint"],
    )
    data.update_routing_control_state(RoutingControlArn=arns[0], RoutingControlState="On")
    panel = config.describe_routing_control(RoutingControlArn=arns[0])["RoutingControl"]
    rule = config.create_safety_rule(
        AssertionRule={
            "ControlPanelArn": panel["ControlPanelArn"],
            "AssertedControls": arns[:2],
            "Name": "one-on",
            "RuleConfig": {"Type": rule_type, "Threshold": 1, "Inverted": inverted},
            "WaitPeriodMs": 5000,
        }
    )["AssertionRule"]
    return data, arns, rule


def _states(data: Any, arns: list[str]) -> list[str]:
    return [
        data.get_routing_control_state(RoutingControlArn=a)["RoutingControlState"] for a in arns
    ]


def _entries(**states: str) -> list[dict[str, str]]:
    return [{"RoutingControlArn": k, "RoutingControlState": v} for k, v in states.items()]


# ---------------------------------------------------------------- the extension


def test_cluster_has_five_regional_endpoints_on_reserved_names(aws: None) -> None:
    cluster = _config().create_cluster(ClusterName="c")["Cluster"]
    regions = [e["Region"] for e in cluster["ClusterEndpoints"]]
    assert len(regions) == 5 and len(set(regions)) == 5
    assert all(e["Endpoint"].endswith(".example/v1") for e in cluster["ClusterEndpoints"])
    panels = _config().list_control_panels(ClusterArn=cluster["ClusterArn"])["ControlPanels"]
    assert [p["DefaultControlPanel"] for p in panels] == [True]


def test_new_routing_controls_are_off_and_an_update_is_one_transaction(aws: None) -> None:
    data, arns, _ = _setup_panel()
    assert _states(data, arns) == ["On", "Off", "Off"]
    # Swapping in one call keeps one On throughout: allowed.
    data.update_routing_control_states(
        UpdateRoutingControlStateEntries=_entries(**{arns[0]: "Off", arns[1]: "On"})
    )
    assert _states(data, arns) == ["Off", "On", "Off"]


def test_an_update_breaking_an_assertion_rule_is_refused_whole(aws: None) -> None:
    data, arns, rule = _setup_panel()
    with pytest.raises(ClientError) as caught:
        data.update_routing_control_state(RoutingControlArn=arns[0], RoutingControlState="Off")
    assert caught.value.response["Error"]["Code"] == "ConflictException"
    assert rule["SafetyRuleArn"] in caught.value.response["Error"]["Message"]
    # A transaction touching a control outside the rule changes nothing when refused.
    with pytest.raises(ClientError):
        data.update_routing_control_states(
            UpdateRoutingControlStateEntries=_entries(**{arns[0]: "Off", arns[2]: "On"})
        )
    assert _states(data, arns) == ["On", "Off", "Off"]
    # Break glass: the rule named in SafetyRulesToOverride is skipped.
    data.update_routing_control_state(
        RoutingControlArn=arns[0],
        RoutingControlState="Off",
        SafetyRulesToOverride=[rule["SafetyRuleArn"]],
    )
    assert _states(data, arns) == ["Off", "Off", "Off"]


@pytest.mark.parametrize(
    ("rule_type", "inverted", "after", "allowed"),
    [
        ("AND", False, ("On", "Off"), False),  # AND: both must be On
        ("OR", False, ("Off", "On"), True),
        ("ATLEAST", True, ("On", "On"), False),  # inverted ATLEAST 1: none may be On
    ],
)
def test_rule_types_and_inversion(
    aws: None, rule_type: str, inverted: bool, after: tuple[str, str], allowed: bool
) -> None:
    data, arns, _ = _setup_panel(rule_type, inverted)
    call = lambda: data.update_routing_control_states(  # noqa: E731
        UpdateRoutingControlStateEntries=_entries(**{arns[0]: after[0], arns[1]: after[1]})
    )
    if allowed:
        call()
        assert _states(data, arns[:2]) == list(after)
    else:
        with pytest.raises(ClientError, match="ConflictException"):
            call()


def test_a_gating_rule_holds_its_targets_while_the_gate_is_off(aws: None) -> None:
    data, arns, rule = _setup_panel()
    config = _config()
    config.create_safety_rule(
        GatingRule={
            "ControlPanelArn": rule["ControlPanelArn"],
            "GatingControls": [arns[2]],
            "TargetControls": [arns[1]],
            "Name": "gate",
            "RuleConfig": {"Type": "OR", "Threshold": 1, "Inverted": False},
            "WaitPeriodMs": 5000,
        }
    )
    with pytest.raises(ClientError, match="Gating rule gate"):
        data.update_routing_control_state(RoutingControlArn=arns[1], RoutingControlState="On")
    data.update_routing_control_state(RoutingControlArn=arns[2], RoutingControlState="On")
    data.update_routing_control_state(RoutingControlArn=arns[1], RoutingControlState="On")
    assert _states(data, arns) == ["On", "On", "On"]


def test_each_endpoint_can_be_down_on_its_own(aws: None) -> None:
    config = _config()
    cluster = config.create_cluster(ClusterName="c")["Cluster"]
    arn = config.create_routing_control(ClusterArn=cluster["ClusterArn"], RoutingControlName="a")[
        "RoutingControl"
    ]["RoutingControlArn"]
    outages.add("route53-recovery-cluster@us-east-1")
    answered = {}
    for endpoint in cluster["ClusterEndpoints"]:
        data = boto3.client(
            "route53-recovery-cluster",
            region_name=endpoint["Region"],
            endpoint_url=endpoint["Endpoint"],
            config=boto3.session.Config(retries={"total_max_attempts": 1}),
        )
        try:
            data.get_routing_control_state(RoutingControlArn=arn)
            answered[endpoint["Region"]] = True
        except EndpointConnectionError:
            answered[endpoint["Region"]] = False
    assert [r for r, up in answered.items() if not up] == ["us-east-1"]


def test_recovery_control_health_checks_follow_the_control(aws: None) -> None:
    data, arns, _ = _setup_panel()
    r53 = boto3.client("route53", region_name="us-east-1")
    with pytest.raises(ClientError, match="RoutingControlArn"):
        r53.create_health_check(CallerReference="x", HealthCheckConfig={"Type": "RECOVERY_CONTROL"})
    ids = [
        r53.create_health_check(
            CallerReference=f"hc-{i}",
            HealthCheckConfig={"Type": "RECOVERY_CONTROL", "RoutingControlArn": arn},
        )["HealthCheck"]["Id"]
        for i, arn in enumerate(arns[:2])
    ]
    config = r53.get_health_check(HealthCheckId=ids[0])["HealthCheck"]["HealthCheckConfig"]
    assert config["RoutingControlArn"] == arns[0] and "IPAddress" not in config

    def healthy(hc_id: str) -> bool:
        observations = r53.get_health_check_status(HealthCheckId=hc_id)["HealthCheckObservations"]
        return all(o["StatusReport"]["Status"].startswith("Success") for o in observations)

    assert [healthy(i) for i in ids] == [True, False]
    data.update_routing_control_states(
        UpdateRoutingControlStateEntries=_entries(**{arns[0]: "Off", arns[1]: "On"})
    )
    assert [healthy(i) for i in ids] == [False, True]
    listed = _config().list_associated_route53_health_checks(RoutingControlArn=arns[1])
    assert listed["HealthCheckIds"] == [ids[1]]


# ---------------------------------------------------------------- the kind


def _built(tmp_path: Path, text: str = PLAN) -> tuple[Any, Any]:
    loaded = load_plan_text(text)
    settings = default_settings(state_dir=tmp_path / "state", clock=FakeClock())
    aws_time.follow(settings.clock.now)
    build_sandbox(loaded.plan, settings)
    return loaded, settings


def _check(loaded: Any, settings: Any) -> dict[str, Any]:
    ctx = make_context(loaded.plan, settings)
    return {c.name: c.run() for c in collect_checks(loaded.plan, ctx)}


def _answer() -> tuple[str, list[str]]:
    """Which side the failover record answers with, and its RECOVERY_CONTROL checks' health."""
    r53 = boto3.client("route53", region_name="us-east-1")
    zone = r53.list_hosted_zones_by_name(DNSName="shop.example.com.")["HostedZones"][0]
    answer = r53.test_dns_answer(
        HostedZoneId=zone["Id"], RecordName="www.shop.example.com", RecordType="A"
    )["RecordData"]
    return ("DR" if answer == ["198.51.100.20"] else "PRIMARY"), answer


def test_a_built_sandbox_is_ready(aws: None, tmp_path: Path) -> None:
    loaded, settings = _built(tmp_path)
    results = _check(loaded, settings)
    assert {n: r.status.value for n, r in results.items()} == {
        "cluster": "pass",
        "routing-controls": "pass",
        "safety-rule": "pass",
        "health-checks": "pass",
        "primary-serving": "pass",
    }, {n: r.detail for n, r in results.items()}
    assert (tmp_path / "state" / "arc" / "shop.storefront.json").stat().st_mode & 0o077 == 0


def test_a_record_without_recovery_control_checks_fails_readiness(
    aws: None, tmp_path: Path
) -> None:
    loaded, settings = _built(tmp_path)
    r53 = boto3.client("route53", region_name="us-east-1")
    zone = r53.list_hosted_zones_by_name(DNSName="shop.example.com.")["HostedZones"][0]
    sets = r53.list_resource_record_sets(HostedZoneId=zone["Id"])["ResourceRecordSets"]
    primary = next(r for r in sets if r.get("Failover") == "PRIMARY")
    primary.pop("HealthCheckId")
    r53.change_resource_record_sets(
        HostedZoneId=zone["Id"],
        ChangeBatch={"Changes": [{"Action": "UPSERT", "ResourceRecordSet": primary}]},
    )
    result = _check(loaded, settings)["health-checks"]
    assert result.status.value == "fail" and "PRIMARY record has no health check" in result.detail


def test_failover_and_failback_move_the_record_through_the_controls(
    aws: None, tmp_path: Path
) -> None:
    loaded, settings = _built(tmp_path)
    _check(loaded, settings)
    record = run_action(loaded, settings, "failover")
    assert record.status == "succeeded", [(s.id, s.detail) for s in record.steps]
    assert _answer()[0] == "DR"
    assert _check(loaded, settings)["primary-serving"].status.value == "warn"
    back = run_action(loaded, settings, "failback", from_run=record.run_id)
    assert back.status == "succeeded", [(s.id, s.detail) for s in back.steps]
    assert _answer()[0] == "PRIMARY"


def _journal_calls(settings: Any, run_id: str) -> list[dict[str, Any]]:
    import json

    journal = next((settings.state_dir).rglob(f"{run_id}*.jsonl"))
    calls: list[dict[str, Any]] = []
    for line in journal.read_text().splitlines():
        calls.extend(json.loads(line).get("calls") or [])
    return calls


@pytest.mark.parametrize(
    "down",
    [
        (),
        ("route53-recovery-cluster@us-west-2",),
        ("route53-recovery-cluster@us-west-2", "route53-recovery-cluster@eu-west-1"),
    ],
    ids=["region-out", "plus-one-endpoint", "plus-two-endpoints"],
)
def test_unplanned_failover_with_us_east_1_and_route53_out(
    aws: None, tmp_path: Path, down: tuple[str, ...]
) -> None:
    loaded, settings = _built(tmp_path)
    assert _check(loaded, settings)["cluster"].status.value == "pass"  # keeps the targets
    # The control planes are out too, so a single call to one would fail the run.
    outages.add("us-east-1", "route53", "route53-recovery-control-config", *down)
    started = time.monotonic()
    record = run_action(loaded, settings, "failover", mode="unplanned")
    wall = time.monotonic() - started
    step = record.steps[0]
    assert record.status == "succeeded", (step.id, step.status, step.detail)
    assert wall < 10, f"{wall:.1f}s"
    refused = outages.refused()
    assert not any(k.startswith(("route53@", "route53-recovery-control-config")) for k in refused)
    calls = _journal_calls(settings, record.run_id)
    assert calls and {(c["service"], c["operation"]) for c in calls} == {
        ("route53-recovery-cluster", "UpdateRoutingControlStates")
    }, calls
    assert all(c["region"] not in ("us-east-1", *[d.split("@")[1] for d in down]) for c in calls)
    outages.clear()
    side, _ = _answer()
    assert side == "DR"  # read back through the RECOVERY_CONTROL health checks


def test_route53_record_traffic_in_the_same_outage_fails_fast_naming_the_control_plane(
    aws: None, tmp_path: Path
) -> None:
    loaded, settings = _built(tmp_path, R53_PLAN)
    outages.add("us-east-1", "route53")
    started = time.monotonic()
    record = run_action(loaded, settings, "failover", mode="unplanned")
    wall = time.monotonic() - started
    step = record.steps[0]
    assert step.status == "failed", (step.id, step.status, step.detail)
    assert "Route 53 control plane" in step.detail and "us-east-1" in step.detail
    assert wall < 10, f"{wall:.1f}s: a retry budget was spent on a dead control plane"
    assert outages.refused() == {"route53@us-east-1": 1}


def test_check_warns_when_traffic_moves_only_through_the_route53_control_plane(
    aws: None, tmp_path: Path
) -> None:
    loaded, settings = _built(tmp_path, R53_PLAN)
    result = _check(loaded, settings)["control-plane"]
    assert result.status.value == "warn"
    assert "us-east-1" in result.detail and "arc-routing-control" in result.detail
    both = load_plan_text(
        R53_PLAN + PLAN.split("resources:\n", 1)[1].replace("storefront", "storefront-arc")
    )
    built = _check(both, settings)
    assert built["control-plane"].status.value == "pass", built["control-plane"].detail
