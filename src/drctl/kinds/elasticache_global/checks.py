"""Readiness of an ElastiCache global datastore: it exists and is available, the primary
Region's group is its primary and the DR group an ``associated`` secondary, both groups run
the datastore's engine and node type with encryption in transit and at rest, and the DR
group's replication lag (CloudWatch ``GlobalDatastoreReplicationLag``) is within the RPO.
"""

from __future__ import annotations

from drctl.aws import cloudwatch
from drctl.engine.context import RunContext
from drctl.engine.gate import LagReading
from drctl.engine.step import Check, CheckResult, failed, passed
from drctl.kinds.elasticache_global.topology import NAME, Side, read
from drctl.kinds.steps import check_maker, lag_within_rpo
from drctl.plan.models import ElastiCacheGlobal

LAG_METRIC = "GlobalDatastoreReplicationLag"
NAMESPACE = "AWS/ElastiCache"


def checks(res: ElastiCacheGlobal, ctx: RunContext) -> list[Check]:
    home, dr = ctx.region("primary"), ctx.region("dr")
    rpo = ctx.objectives.rpo_seconds

    def side(name: str) -> Side:
        return ctx.memo.get(("elasticache", name, res.name), lambda: read(res, ctx, name))

    def datastore() -> CheckResult:
        origin = side("primary")
        if not origin.exists:
            return failed(f"no replication group {res.primary} in {home}")
        if origin.datastore is None:
            return failed(
                f"{res.primary} in {home} is not in a global datastore named {res.global_datastore}"
            )
        status = origin.datastore_status
        members = len(origin.datastore.get("Members", []) or [])
        text = f"{origin.gid} {status}, {members} members"
        return passed(text) if status == "available" else failed(text, status, "available")

    def primary_member() -> CheckResult:
        origin = side("primary")
        if origin.role != "PRIMARY":
            return failed(f"{origin.text()}: not the datastore's primary", origin.role, "PRIMARY")
        return passed(f"{res.primary} in {home} is the primary")

    def dr_member() -> CheckResult:
        there = side("dr")
        if not there.exists:
            return failed(f"no replication group {res.dr} in {dr}")
        if there.datastore is None:
            return failed(
                f"{res.dr} in {dr} is standalone (disassociated): nothing replicates to it; "
                "fail back to re-form the datastore"
            )
        if there.role != "SECONDARY" or there.member_status != "associated":
            return failed(
                f"{there.text()}: not an associated secondary",
                f"{there.role} {there.member_status}",
                "SECONDARY associated",
            )
        return passed(f"{res.dr} in {dr} is an associated secondary of {there.gid}")

    def engine() -> CheckResult:
        origin, there = side("primary"), side("dr")
        glob = origin.datastore or there.datastore
        if glob is None or origin.group is None or there.group is None:
            return failed("no datastore and both groups to compare")
        wanted = {
            "Engine": glob.get("Engine"),
            "CacheNodeType": glob.get("CacheNodeType"),
            "ClusterEnabled": glob.get("ClusterEnabled"),
        }
        problems = [
            f"{s.group_id} {key} {s.group.get(key)} (datastore {value})"
            for s in (origin, there)
            if s.group is not None
            for key, value in wanted.items()
            if key in s.group and s.group.get(key) != value
        ]
        if problems:
            return failed("; ".join(problems))
        return passed(
            f"{glob.get('Engine')} {glob.get('EngineVersion')} on {glob.get('CacheNodeType')} "
            "in both Regions"
        )

    def encryption() -> CheckResult:
        groups = [s for s in (side("primary"), side("dr")) if s.group is not None]
        if len(groups) < 2:
            return failed("both groups are needed to judge")
        plain = [
            f"{s.group_id}: {what}"
            for s in groups
            if s.group is not None
            for key, what in (
                ("TransitEncryptionEnabled", "no encryption in transit"),
                ("AtRestEncryptionEnabled", "no encryption at rest"),
            )
            if not s.group.get(key)
        ]
        if plain:
            return failed("; ".join(plain))
        return passed("encrypted in transit and at rest in both Regions")

    def lag() -> CheckResult:
        reading = lag_reading(res, ctx)
        if reading is None:
            return failed("no secondary: nothing replicates, so no lag to measure")
        return lag_within_rpo(
            reading.seconds, rpo, what=LAG_METRIC, missing=f"no {LAG_METRIC} datapoint",
        )  # fmt: skip

    check = check_maker(res.name, NAME, f"{res.name} (elasticache {res.global_datastore})")
    return [
        check("global-datastore", "global datastore exists and is available", datastore),
        check("primary-member", "the primary Region's group is the primary", primary_member),
        check("dr-member", "the DR group is an associated secondary", dr_member),
        check("engine", "both groups run the datastore's engine and node type", engine),
        check("encryption", "encryption in transit and at rest on both groups", encryption),
        check("replication-lag", "replication lag within the RPO", lag),
    ]


def lag_reading(res: ElastiCacheGlobal, ctx: RunContext) -> LagReading | None:
    """The lag of the datastore's secondary (whichever side it is on now), read in the DR
    Region first (an unplanned run cannot read the primary's); None when no side is a
    secondary (standalone groups: nothing replicates)."""
    sides = [read(res, ctx, "dr")]
    if sides[0].role != "SECONDARY" and sides[0].datastore is not None:
        sides.append(read(res, ctx, "primary"))
    follower = next((s for s in sides if s.role == "SECONDARY"), None)
    if follower is None or follower.group is None:
        return None
    source = f"CloudWatch {NAMESPACE} {LAG_METRIC} of {follower.group_id} ({follower.region})"
    clusters = follower.group.get("MemberClusters") or []
    if follower.member_status != "associated" or not clusters:
        return LagReading(
            res.name, NAME, None, source,
            f"{follower.group_id} is {follower.member_status}: not replicating yet",
            fail_closed=True,
        )  # fmt: skip
    seconds = cloudwatch.latest_maximum(
        ctx.client("cloudwatch", follower.side),
        namespace=NAMESPACE,
        metric=LAG_METRIC,
        dimensions={"CacheClusterId": str(clusters[0])},
        now=ctx.clock.now(),
    )
    return LagReading(
        res.name, NAME, seconds, source,
        "" if seconds is not None else "no datapoint in the last 10 minutes",
        fail_closed=True,
    )  # fmt: skip


def lag(res: ElastiCacheGlobal, ctx: RunContext) -> LagReading | None:
    return lag_reading(res, ctx)
