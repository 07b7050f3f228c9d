"""The plan models on their own: kinds, defaults, tier objectives, cross-field rules."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pydantic import ValidationError

from drctl.plan import models as m
from drctl.plan.durations import Duration
from drctl.plan.tiers import (
    STRATEGY_RANGES,
    TIER_OBJECTIVES,
    Strategy,
    Tier,
    strategy_fit_warnings,
)

BASE: dict[str, Any] = {
    "version": 1,
    "app": "shop",
    "strategy": "warm-standby",
    "objectives": {"rto": "15m", "rpo": "5m"},
    "regions": {"primary": "us-east-1", "dr": "us-west-2"},
    "resources": [
        {"kind": "s3-bucket", "name": "assets", "primary": "a-use1", "dr": "a-usw2"},
        {"kind": "rds-instance", "name": "orders-db", "primary": "orders", "dr": "orders-dr"},
        {"kind": "aurora-global", "name": "catalog", "global_cluster": "catalog"},
        {"kind": "documentdb-global", "name": "reviews", "global_cluster": "reviews"},
        {"kind": "dynamodb-table", "name": "profiles", "table": "UserProfiles"},
        {"kind": "autoscaling-group", "name": "web", "dr": "web-usw2", "desired": 6},
        {"kind": "ecs-service", "name": "checkout", "cluster": "c", "service": "s", "desired": 4},
        {
            "kind": "route53-record",
            "name": "api",
            "zone": "shop.example.com.",
            "record": "api.shop.example.com.",
            "depends_on": ["orders-db", "web"],
        },
        {
            "kind": "arc-routing-control",
            "name": "storefront",
            "cluster": "shop-cluster",
            "control_panel": "shop",
            "primary_control": "shop-use1",
            "dr_control": "shop-usw2",
            "zone": "shop.example.com.",
            "record": "www.shop.example.com.",
        },
        {
            "kind": "global-accelerator",
            "name": "edge",
            "accelerator": "arn:aws:globalaccelerator::123456789012:accelerator/"
            "1234abcd-abcd-1234-abcd-1234abcdef03",
            "listener": "arn:aws:globalaccelerator::123456789012:accelerator/"
            "1234abcd-abcd-1234-abcd-1234abcdef03/listener/0123abcd",
        },
        {"kind": "secret", "name": "db-credentials", "secret": "shop/db"},
        {"kind": "efs-replication", "name": "uploads", "file_system": "shop-uploads"},
        {
            "kind": "elasticache-global",
            "name": "sessions",
            "global_datastore": "shop-sessions",
            "primary": "shop-sessions-use1",
            "dr": "shop-sessions-usw2",
        },
        {
            "kind": "backup-vault",
            "name": "audit-backups",
            "vault": "shop-backups",
            "dr_vault": "shop-backups-dr",
            "backup_plan": "shop-hourly",
            "resources": ["arn:aws:dynamodb:us-east-1:123456789012:table/audit"],
        },
        {
            "kind": "eventbridge-rules",
            "name": "jobs",
            "primary": ["nightly"],
            "dr": ["nightly-dr"],
        },
        {"kind": "lambda-function", "name": "worker", "function": "shop-worker", "alias": "live"},
        {"kind": "manual", "name": "call-partner", "instructions": "Call them."},
        {"kind": "custom", "name": "flags", "failover": {"run": {"command": {"argv": ["true"]}}}},
    ],
}


def plan(**changes: Any) -> m.Plan:
    data = copy.deepcopy(BASE)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return m.Plan.model_validate(data)


def test_each_kind_becomes_its_model_with_defaults() -> None:
    p = plan()
    assert [type(r) for r in p.resources] == [
        m.S3Bucket,
        m.RdsInstance,
        m.AuroraGlobal,
        m.DocumentDbGlobal,
        m.DynamoDbTable,
        m.AutoScalingGroup,
        m.EcsService,
        m.Route53Record,
        m.ArcRoutingControl,
        m.GlobalAccelerator,
        m.Secret,
        m.EfsReplication,
        m.ElastiCacheGlobal,
        m.BackupVault,
        m.EventBridgeRules,
        m.LambdaFunction,
        m.Manual,
        m.Custom,
    ]
    assert set(m.RESOURCE_MODELS) == {r.kind for r in p.resources}
    db = p.resource("orders-db")
    assert isinstance(db, m.RdsInstance)
    assert db.recovery == "replica"
    assert db.depends_on == []
    assert p.resource("api").depends_on == ["orders-db", "web"]
    assert p.state.backend is m.StateBackend.LOCAL
    assert p.state.bucket is None
    jobs = p.resource("jobs")
    assert isinstance(jobs, m.EventBridgeRules) and jobs.event_bus == "default"
    backups = p.resource("audit-backups")
    assert isinstance(backups, m.BackupVault) and backups.rpo is None
    assert backups.iam_role == "service-role/AWSBackupDefaultServiceRole"
    worker = p.resource("worker")
    assert isinstance(worker, m.LambdaFunction) and worker.reserved_concurrency is None
    assert p.experiments == [] and p.drills == []
    assert p.tier is None and p.accounts is None and p.notifications is None
    assert p.strategy is Strategy.WARM_STANDBY


def test_lookups_by_name() -> None:
    p = plan(
        experiments=[
            {
                "name": "stop-web",
                "actions": {"stop": {"action_id": "aws:ec2:stop-instances"}},
                "role_arn": "arn:aws:iam::123456789012:role/fis",
            }
        ]
    )
    assert p.resource("web").name == "web"
    assert p.experiment("stop-web").region is m.Side.PRIMARY
    with pytest.raises(KeyError):
        p.resource("nope")
    with pytest.raises(KeyError):
        p.experiment("nope")


def test_models_are_frozen() -> None:
    p = plan()
    with pytest.raises(ValidationError):
        p.app = "other"  # type: ignore[misc]


def test_durations_serialize_as_written() -> None:
    dumped = plan(objectives={"rto": "900s", "rpo": "5m"}).model_dump(mode="json")
    assert dumped["objectives"] == {"rto": "900s", "rpo": "5m"}


def test_seed_tier_table_matches_the_contract() -> None:
    table = {
        t.value: (o.rto_seconds, o.rpo_seconds, o.availability) for t, o in TIER_OBJECTIVES.items()
    }
    assert table == {
        "platinum": (300, 60, "99.99%"),
        "gold": (1800, 900, "99.9%"),
        "silver": (4 * 3600, 3600, "99.5%"),
        "bronze": (24 * 3600, 24 * 3600, "99%"),
    }


@pytest.mark.parametrize(
    ("tier", "rto", "rpo"),
    [("platinum", 300, 60), ("gold", 1800, 900), ("silver", 14400, 3600), ("bronze", 86400, 86400)],
)
def test_tier_gives_default_objectives(tier: str, rto: int, rpo: int) -> None:
    eff = plan(tier=tier, objectives=None, strategy="active-active").effective_objectives()
    assert (eff.rto_seconds, eff.rpo_seconds) == (rto, rpo)
    assert eff.rto_source == eff.rpo_source == f"tier {tier}"


def test_own_objectives_override_the_tier_one_by_one() -> None:
    eff = plan(tier="gold", objectives={"rto": "10m"}).effective_objectives()
    assert (eff.rto_seconds, eff.rto_source) == (600, "objectives")
    assert (eff.rpo_seconds, eff.rpo_source) == (900, "tier gold")


def test_objectives_without_tier() -> None:
    eff = plan().effective_objectives()
    assert (eff.rto_seconds, eff.rpo_seconds) == (900, 300)
    assert eff.rto_source == eff.rpo_source == "objectives"
    assert plan().objectives == m.Objectives(rto=Duration(900), rpo=Duration(300))


def test_effective_objectives_refuse_a_plan_with_neither() -> None:
    # The loader rejects such plans; the model alone says what is missing.
    with pytest.raises(ValueError, match="plan has no rto"):
        plan(objectives=None).effective_objectives()


@pytest.mark.parametrize(
    "record",
    [
        {"record": "api.example.com."},
        {"record": "api.example.com.", "zone": "example.com.", "zone_id": "Z123"},
    ],
)
def test_route53_record_needs_exactly_one_zone(record: dict[str, str]) -> None:
    with pytest.raises(ValidationError, match="give exactly one of zone"):
        m.Route53Record.model_validate({"kind": "route53-record", "name": "api", **record})


def test_route53_record_by_zone_id() -> None:
    rec = m.Route53Record.model_validate(
        {"kind": "route53-record", "name": "api", "zone_id": "Z0ABC", "record": "api.x."}
    )
    assert rec.zone is None and rec.zone_id == "Z0ABC"


def test_s3_state_backend_needs_a_bucket() -> None:
    with pytest.raises(ValidationError, match=r"state\.backend s3 needs a bucket"):
        m.State.model_validate({"backend": "s3"})
    state = m.State.model_validate({"backend": "s3", "bucket": "shop-state"})
    assert state.backend is m.StateBackend.S3 and state.bucket == "shop-state"


@pytest.mark.parametrize(
    ("value", "ok"),
    [("shop", True), ("a", True), ("a-1", True), ("Shop", False), ("-a", False), ("a-", False)],
)
def test_names_are_lowercase_dns_labels(value: str, ok: bool) -> None:
    data = {"name": value, "type": "checks"}
    if ok:
        assert m.Drill.model_validate(data).name == value
    else:
        with pytest.raises(ValidationError) as info:
            m.Drill.model_validate(data)
        assert [(e["type"], e["loc"]) for e in info.value.errors()] == [
            ("string_pattern_mismatch", ("name",))
        ]


def test_unknown_keys_are_forbidden_everywhere() -> None:
    with pytest.raises(ValidationError) as info:
        m.Regions.model_validate({"primary": "us-east-1", "dr": "us-west-2", "third": "x"})
    assert [e["type"] for e in info.value.errors()] == ["extra_forbidden"]


# --------------------------------------------------------------------------- strategy fit


def test_backup_restore_cannot_promise_five_minutes() -> None:
    assert strategy_fit_warnings(Strategy.BACKUP_RESTORE, 300, 3600) == [
        "strategy backup-restore recovers in hours to days; it cannot meet an RTO of 5m "
        "(consider pilot-light or warm-standby or active-active)"
    ]


def test_rto_and_rpo_warnings_together() -> None:
    assert strategy_fit_warnings(Strategy.PILOT_LIGHT, 300, 30) == [
        "strategy pilot-light recovers in 10 minutes to hours; it cannot meet an RTO of 5m "
        "(consider warm-standby or active-active)",
        "strategy pilot-light loses minutes to hours of data; it cannot meet an RPO of 30s",
    ]


@pytest.mark.parametrize("strategy", list(Strategy))
def test_objectives_at_the_floor_do_not_warn(strategy: Strategy) -> None:
    rng = STRATEGY_RANGES[strategy]
    assert strategy_fit_warnings(strategy, rng.min_rto_seconds, rng.min_rpo_seconds) == []
    assert strategy_fit_warnings(strategy, 86400, 86400) == []


def test_active_active_has_nothing_faster() -> None:
    assert strategy_fit_warnings(Strategy.ACTIVE_ACTIVE, 0, 0) == []
    assert strategy_fit_warnings(Strategy.WARM_STANDBY, 30, 60) == [
        "strategy warm-standby recovers in minutes; it cannot meet an RTO of 30s "
        "(consider active-active)"
    ]


def test_tier_and_strategy_enums_match_the_contract() -> None:
    assert [t.value for t in Tier] == ["platinum", "gold", "silver", "bronze"]
    assert [s.value for s in Strategy] == [
        "backup-restore",
        "pilot-light",
        "warm-standby",
        "active-active",
    ]


def test_arc_controls_by_name_need_their_control_panel() -> None:
    """A routing-control name is unique only within its panel; ARNs are unique on their own."""
    base = {
        "kind": "arc-routing-control",
        "name": "t",
        "cluster": "c",
        "primary_control": "a",
        "dr_control": "b",
        "zone": "z.example.com",
        "record": "www.z.example.com",
    }
    with pytest.raises(ValidationError, match="need control_panel"):
        plan(resources=[base])
    arn = "arn:aws:route53-recovery-control::123456789012:controlpanel/p/routingcontrol/"
    ok = plan(resources=[{**base, "primary_control": arn + "a", "dr_control": arn + "b"}])
    assert isinstance(ok.resources[0], m.ArcRoutingControl)
