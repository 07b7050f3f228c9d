"""`elasticache-global`: readiness on a fresh sandbox and on a broken datastore; a planned
failover swaps the roles and failback swaps them back; an unplanned one (primary Region out)
promotes the DR group from DR only, as AWS documents, and failback fails over home; a DR
group that left the datastore (by hand) is re-formed by failback: the datastore from DR, home
rebuilt as its secondary, then failed over home; every rerun a no-op, twice over."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from drctl.engine.settings import make_context
from drctl.kinds.elasticache_global import moto_global_datastore as ext
from drctl.plan.loader import load_plan_text
from drctl.sandbox.outages import outages
from tests.support import (
    build_plan_text,
    collect_checks,
    invoke,
    run_action,
    run_checks,
    step_statuses,
)

HOME, DR = "us-east-1", "us-west-2"
PLAN = f"""
version: 1
app: shop
tier: gold
strategy: warm-standby
objectives: {{rto: 1h, rpo: 5m}}
regions: {{primary: {HOME}, dr: {DR}}}
resources:
  - kind: elasticache-global
    name: sessions
    global_datastore: sessions
    primary: shop-sessions
    dr: shop-sessions-dr
"""


@pytest.fixture(autouse=True)
def no_outage_left() -> Iterator[None]:
    yield
    outages.clear()


@pytest.fixture
def loaded(aws: None, settings: Any) -> Any:
    return build_plan_text(PLAN, settings)  # the datastore moves as the run's fake clock sleeps


def _ec(region: str) -> Any:
    return boto3.client("elasticache", region_name=region)


def _datastores(region: str) -> list[dict[str, Any]]:
    found = _ec(region).describe_global_replication_groups(ShowMemberInfo=True)
    return list(found["GlobalReplicationGroups"])


def _roles(region: str) -> dict[str, tuple[str, str]]:
    [glob] = _datastores(region)
    assert glob["Status"] == "available"
    return {m["ReplicationGroupId"]: (m["Role"], m["Status"]) for m in glob["Members"]}


def _group(region: str, group: str) -> dict[str, Any]:
    return dict(
        _ec(region).describe_replication_groups(ReplicationGroupId=group)["ReplicationGroups"][0]
    )


HOME_LEADS = {
    "shop-sessions": ("PRIMARY", "associated"),
    "shop-sessions-dr": ("SECONDARY", "associated"),
}


def _fail_back_within_the_datastore(loaded: Any, settings: Any, run_id: str) -> None:
    """Failback when home is still the datastore's secondary: only ``promote-home`` runs,
    and home leads again."""
    settings.clock.advance(120)  # the new secondary publishes its lag
    back = run_action(loaded, settings, "failback", from_run=run_id)
    assert back.status == "succeeded", [(s.id, s.detail) for s in back.steps]
    assert step_statuses(back) == {
        "sessions.retire-old-datastore": "skipped",
        "sessions.form-datastore": "skipped",
        "sessions.rebuild-home": "skipped",
        "sessions.promote-home": "succeeded",
    }
    assert _roles(HOME) == HOME_LEADS


def test_checks_pass_on_the_sandbox_datastore(loaded: Any, settings: Any) -> None:
    results = run_checks(loaded, settings)
    assert {n: r.status.value for n, r in results.items()} == {
        "global-datastore": "pass",
        "primary-member": "pass",
        "dr-member": "pass",
        "engine": "pass",
        "encryption": "pass",
        "replication-lag": "pass",
    }
    [glob] = _datastores(HOME)
    assert glob["GlobalReplicationGroupId"] == f"{ext.region_prefix(HOME)}-sessions"
    assert results["global-datastore"].detail.startswith(glob["GlobalReplicationGroupId"])
    assert "0.4s" in results["replication-lag"].detail
    assert _roles(DR) == HOME_LEADS


def test_checks_fail_on_a_lag_over_the_rpo_and_on_a_standalone_dr(
    loaded: Any, settings: Any
) -> None:
    ext.set_lag("shop-sessions-dr", 400.0)
    settings.clock.advance(60)
    assert run_checks(loaded, settings)["replication-lag"].status.value == "fail"
    [glob] = _datastores(DR)
    _ec(DR).disassociate_global_replication_group(
        GlobalReplicationGroupId=glob["GlobalReplicationGroupId"],
        ReplicationGroupId="shop-sessions-dr",
        ReplicationGroupRegion=DR,
    )
    settings.clock.advance(ext.DISASSOCIATE_SECONDS)
    results = run_checks(loaded, settings)
    assert results["dr-member"].status.value == "fail"
    assert "standalone" in results["dr-member"].detail
    assert results["replication-lag"].status.value == "fail"


def test_checks_fail_without_encryption(loaded: Any, settings: Any) -> None:
    _ec(HOME).create_replication_group(
        ReplicationGroupId="plain", ReplicationGroupDescription="x", Engine="redis"
    )
    plan = load_plan_text(PLAN.replace("primary: shop-sessions\n", "primary: plain\n")).plan
    ctx = make_context(plan, settings)
    results = {c.name: c.run() for c in collect_checks(plan, ctx)}
    assert results["encryption"].status.value == "fail"
    assert "plain: no encryption in transit" in results["encryption"].detail
    assert results["primary-member"].status.value == "fail"


def test_planned_failover_and_failback_swap_the_roles_twice(loaded: Any, settings: Any) -> None:
    for _ in (1, 2):
        record = run_action(loaded, settings, "failover")
        assert record.status == "succeeded", [(s.id, s.detail) for s in record.steps]
        assert step_statuses(record) == {"sessions.promote-dr": "succeeded"}
        assert [c["operation"] for c in record.steps[0].calls] == ["FailoverGlobalReplicationGroup"]
        assert record.steps[0].duration_seconds is not None
        assert record.steps[0].duration_seconds >= ext.FAILOVER_SECONDS  # modifying first
        assert _roles(DR) == {
            "shop-sessions": ("SECONDARY", "associated"),
            "shop-sessions-dr": ("PRIMARY", "associated"),
        }
        info = _group(DR, "shop-sessions-dr")["GlobalReplicationGroupInfo"]
        assert info["GlobalReplicationGroupMemberRole"] == "PRIMARY"
        rerun = run_action(loaded, settings, "failover")
        assert set(step_statuses(rerun).values()) == {"skipped"}

        _fail_back_within_the_datastore(loaded, settings, record.run_id)
        again = run_action(loaded, settings, "failback", from_run=record.run_id)
        assert set(step_statuses(again).values()) == {"skipped"}
        assert all(s.calls == [] for s in again.steps)
        settings.clock.advance(120)


def test_unplanned_failover_promotes_dr_from_dr_only_and_failback_fails_over_home_twice(
    loaded: Any, settings: Any
) -> None:
    for _ in (1, 2):
        outages.add(HOME)
        settings.clock.advance(120)  # nothing reaches DR meanwhile: what a failover loses
        record = run_action(loaded, settings, "failover", mode="unplanned")
        assert record.status == "succeeded", [(s.id, s.detail) for s in record.steps]
        assert step_statuses(record) == {"sessions.promote-dr": "succeeded"}
        assert [c["operation"] for c in record.steps[0].calls] == ["FailoverGlobalReplicationGroup"]
        assert "not yet replicated are lost" in record.steps[0].detail
        lost = float(record.steps[0].detail.split("ReplicationLag: ")[1].split(" s")[0])
        assert lost >= 60, record.steps[0].detail  # the lag grew while home was out
        assert not outages.refused(), "the promotion never calls the Region that is down"
        info = _group(DR, "shop-sessions-dr")["GlobalReplicationGroupInfo"]
        assert info["GlobalReplicationGroupMemberRole"] == "PRIMARY"
        rerun = run_action(loaded, settings, "failover", mode="unplanned")
        assert set(step_statuses(rerun).values()) == {"skipped"}
        outages.clear()
        # The old primary came back as the secondary of the same datastore.
        assert _roles(HOME) == {
            "shop-sessions": ("SECONDARY", "associated"),
            "shop-sessions-dr": ("PRIMARY", "associated"),
        }

        _fail_back_within_the_datastore(loaded, settings, record.run_id)
        assert _ec(HOME).describe_snapshots()["Snapshots"] == []  # nothing rebuilt
        settings.clock.advance(120)
        assert {r.status.value for r in run_checks(loaded, settings).values()} == {"pass"}


def test_a_disassociation_while_the_primarys_region_is_out_is_refused(loaded: Any) -> None:
    """AWS documents promotion, not disassociation, for a primary Region that is down: the
    sandbox refuses it, so drctl depends on nothing AWS does not document."""
    [glob] = _datastores(DR)
    outages.add(HOME)
    with pytest.raises(_ec(DR).exceptions.InvalidGlobalReplicationGroupStateFault) as caught:
        _ec(DR).disassociate_global_replication_group(
            GlobalReplicationGroupId=glob["GlobalReplicationGroupId"],
            ReplicationGroupId="shop-sessions-dr",
            ReplicationGroupRegion=DR,
        )
    assert "promote the secondary" in str(caught.value)
    outages.clear()
    assert _roles(DR) == HOME_LEADS


def _leave(settings: Any) -> None:
    """The DR group leaves the datastore by hand (an operator's disassociation)."""
    [glob] = _datastores(DR)
    _ec(DR).disassociate_global_replication_group(
        GlobalReplicationGroupId=glob["GlobalReplicationGroupId"],
        ReplicationGroupId="shop-sessions-dr",
        ReplicationGroupRegion=DR,
    )
    settings.clock.advance(ext.DISASSOCIATE_SECONDS)


def test_failback_reforms_a_datastore_dr_left_twice(loaded: Any, settings: Any) -> None:
    for cycle in (1, 2):
        _leave(settings)
        record = run_action(loaded, settings, "failover", mode="unplanned")
        assert step_statuses(record) == {"sessions.promote-dr": "skipped"}  # writable already
        dr_group = _group(DR, "shop-sessions-dr")
        assert "GlobalReplicationGroupInfo" not in dr_group and dr_group["Status"] == "available"
        assert _roles(HOME) == {"shop-sessions": ("PRIMARY", "associated")}  # alone, stale

        back = run_action(loaded, settings, "failback", from_run=record.run_id)
        assert back.status == "succeeded", [(s.id, s.detail) for s in back.steps]
        assert step_statuses(back) == {
            "sessions.retire-old-datastore": "succeeded",
            "sessions.form-datastore": "succeeded",
            "sessions.rebuild-home": "succeeded",
            "sessions.promote-home": "succeeded",
        }
        rebuild = next(s for s in back.steps if s.action == "rebuild-home")
        assert [c["operation"] for c in rebuild.calls] == [
            "DeleteReplicationGroup",
            "CreateReplicationGroup",
        ]
        assert "final snapshot shop-sessions-pre-failback-" in rebuild.detail
        snapshots = _ec(HOME).describe_snapshots()["Snapshots"]
        assert len(snapshots) == cycle  # each replaced home group kept as a snapshot
        for snapshot in snapshots:  # named by the minute, as the Step Functions form names it
            name = snapshot["SnapshotName"]
            assert re.fullmatch(r"shop-sessions-pre-failback-\d{4}-\d{2}-\d{2}-\d{4}", name)
        [glob] = _datastores(HOME)
        assert glob["GlobalReplicationGroupId"] == f"{ext.region_prefix(DR)}-sessions"
        assert _roles(HOME) == HOME_LEADS
        again = run_action(loaded, settings, "failback", from_run=record.run_id)
        assert set(step_statuses(again).values()) == {"skipped"}
        assert all(s.calls == [] for s in again.steps)
        settings.clock.advance(120)
        assert {r.status.value for r in run_checks(loaded, settings).values()} == {"pass"}


def test_a_failover_while_the_datastore_is_modifying_is_refused(loaded: Any) -> None:
    [glob] = _datastores(DR)
    gid = glob["GlobalReplicationGroupId"]
    _ec(DR).failover_global_replication_group(
        GlobalReplicationGroupId=gid, PrimaryRegion=DR, PrimaryReplicationGroupId="shop-sessions-dr"
    )
    with pytest.raises(_ec(DR).exceptions.InvalidGlobalReplicationGroupStateFault):
        _ec(DR).failover_global_replication_group(
            GlobalReplicationGroupId=gid,
            PrimaryRegion=DR,
            PrimaryReplicationGroupId="shop-sessions-dr",
        )


def test_a_bad_replication_group_id_is_reported_with_its_position(tmp_path: Any) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(PLAN.replace("dr: shop-sessions-dr", "dr: shop--sessions"))
    result = invoke("plan", "validate", str(path))
    assert result.exit_code == 2
    assert "plan.yaml:13:" in result.output
    assert "not a valid replication group id" in result.output


def test_dry_run_lists_the_steps_and_changes_nothing(loaded: Any, settings: Any) -> None:
    from drctl.engine.settings import default_settings

    dry = default_settings(state_dir=settings.state_dir, dry_run=True, clock=settings.clock)
    record = run_action(loaded, dry, "failover", mode="unplanned")
    assert [s.id for s in record.steps] == ["sessions.promote-dr"]
    assert all(s.calls == [] for s in record.steps)
    assert _roles(DR) == HOME_LEADS


def test_the_same_group_on_both_sides_is_refused(tmp_path: Any) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(PLAN.replace("dr: shop-sessions-dr", "dr: shop-sessions"))
    result = invoke("plan", "validate", str(path))
    assert result.exit_code == 2
    assert "primary and dr name the same replication group" in result.output


@pytest.mark.parametrize(
    ("name", "gid", "named"),
    [
        ("sessions", "abcde-sessions", True),  # a suffix, behind any Region's prefix
        ("sessions", "fghij-sessions", True),  # re-formed from another Region
        ("abcde-sessions", "fghij-sessions", True),  # a full id names its re-formed twin
        ("sessions", "abcde-sessions-old", False),
        ("sessions", "sessions", True),
        ("cart", "abcde-sessions", False),
    ],
)
def test_a_plan_names_its_datastore_by_suffix_or_full_id(name: str, gid: str, named: bool) -> None:
    from drctl.kinds.elasticache_global import api

    assert api.names_it(name, gid) is named
    assert api.suffix_of("abcde-sessions") == api.suffix_of("sessions") == "sessions"


def test_the_rpo_gate_refuses_a_planned_failover_over_the_rpo(loaded: Any, settings: Any) -> None:
    from drctl.errors import GateRefused

    ext.set_lag("shop-sessions-dr", 400.0)  # the RPO is 5 minutes
    settings.clock.advance(60)
    with pytest.raises(GateRefused):
        run_action(loaded, settings, "failover", accept_data_loss=False)
    assert _roles(DR) == HOME_LEADS  # nothing moved


def test_the_rpo_gate_fails_closed_on_an_unknown_lag(
    loaded: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from drctl.aws import cloudwatch
    from drctl.errors import GateRefused

    monkeypatch.setattr(cloudwatch, "latest_maximum", lambda *a, **k: None)  # no datapoint
    with pytest.raises(GateRefused) as refused:
        run_action(loaded, settings, "failover", accept_data_loss=False)
    assert "sessions" in refused.value.message
    assert _roles(DR) == HOME_LEADS
    record = run_action(loaded, settings, "failover", mode="unplanned")  # journaled, not enforced
    assert record.status == "succeeded"
