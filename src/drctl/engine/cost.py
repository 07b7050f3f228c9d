"""``drctl cost``: what the DR side costs, what stands idle there, and an estimate of the
standby's monthly cost.

Three answers of different kinds, kept apart in the report:

- **spend**: the last 30 days from Cost Explorer, grouped by service, for resources tagged
  ``Application=<app>`` in regions.dr (what AWS billed; needs cost allocation tags activated);
- **idle**: unattached EBS volumes and stopped instances tagged for the app in regions.dr, kept
  ``<db>-pre-failback-*`` instances (evidence a failback kept, billed until deleted) in both
  Regions, and DR read replicas that served no reads and no connections for 7 days;
- **standby estimate**: the DR side's resources as they run now, priced from the table in
  ``drctl/data/prices.yaml`` (dated, its source stated) -- an estimate, labelled so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from typing import Any

import yaml

from drctl.aws import compute, cost_explorer, idle
from drctl.engine.context import RunContext
from drctl.engine.schedule import APP_TAG, read_record

SPEND_DAYS = 30
QUIET_DAYS = 7
PRICES = "prices.yaml"


@cache
def prices() -> dict[str, Any]:
    """The bundled price table (see its header for the source and date)."""
    from importlib import resources

    text = resources.files("drctl.data").joinpath(PRICES).read_text(encoding="utf-8")
    table: dict[str, Any] = yaml.load(text, Loader=yaml.CSafeLoader)
    return table


def _monthly(hourly: float) -> float:
    return round(hourly * float(prices()["hours_per_month"]), 2)


@dataclass
class Estimate:
    items: list[dict[str, Any]] = field(default_factory=list)
    not_estimated: list[dict[str, str]] = field(default_factory=list)

    def add(self, resource: str, what: str, monthly: float) -> None:
        self.items.append({"resource": resource, "what": what, "monthly": round(monthly, 2)})

    def skip(self, resource: str, why: str) -> None:
        self.not_estimated.append({"resource": resource, "why": why})

    def as_dict(self) -> dict[str, Any]:
        table = prices()
        return {
            "label": "estimate",
            "as_of": table["as_of"],
            "source": " ".join(str(table["source"]).split()),
            "currency": table["currency"],
            "monthly_total": round(sum(i["monthly"] for i in self.items), 2),
            "items": self.items,
            "not_estimated": self.not_estimated,
        }


def spend(ctx: RunContext) -> dict[str, Any]:
    """The last 30 days of the app's DR spend, by service, from Cost Explorer."""
    end = ctx.clock.now().date()
    start = end - timedelta(days=SPEND_DAYS)
    ce = ctx.sessions.client("ce", cost_explorer.ENDPOINT_REGION, "dr")
    by_service, unit, estimated = cost_explorer.cost_by_service(
        ce, start=start, end=end, tag_key=APP_TAG, tag_value=ctx.plan.app, region=ctx.region("dr")
    )
    ordered = sorted(by_service.items(), key=lambda kv: (-kv[1], kv[0]))
    return {
        "source": "cost-explorer",
        "start": start.isoformat(),
        "end": end.isoformat(),
        "filter": {"tag": f"{APP_TAG}={ctx.plan.app}", "region": ctx.region("dr")},
        "currency": unit,
        "estimated": estimated,
        "total": round(sum(by_service.values()), 2),
        "by_service": [{"service": s, "amount": round(a, 2)} for s, a in ordered],
    }


def _db_monthly(db: dict[str, Any], table: str = "rds_hourly") -> float | None:
    hourly = prices()[table].get(db["class"])
    if hourly is None:
        return None
    storage = prices()["storage_gb_month"].get(f"rds_{db['storage_type']}", 0.115)
    return round(_monthly(float(hourly)) + int(db["storage_gb"]) * float(storage), 2)


def idle_resources(ctx: RunContext) -> list[dict[str, Any]]:
    """What stands idle on the DR side (and kept pre-failback copies in either Region)."""
    dr = ctx.region("dr")
    app_tags = {APP_TAG: ctx.plan.app}
    ec2 = ctx.client("ec2", "dr")
    found: list[dict[str, Any]] = []
    gb_price = prices()["storage_gb_month"]
    for vol in idle.unattached_volumes(ec2, app_tags):
        price = float(gb_price.get(f"ebs_{vol['type']}", gb_price["ebs_gp3"]))
        found.append({"kind": "ebs-volume", "id": vol["id"], "region": dr,
                      "why": f"unattached {vol['size_gb']} GiB {vol['type']} volume",
                      "monthly_estimate": round(vol["size_gb"] * price, 2)})  # fmt: skip
    record = read_record(ctx.state_dir, ctx.plan.app) if ctx.state_dir else None
    scheduled = set((record or {}).get("instances", []))
    for inst in compute.tagged_instances(ec2, app_tags, ["stopped"]):
        why = (
            "stopped by `drctl schedule stop` (its EBS volumes are still billed)"
            if inst["id"] in scheduled
            else "stopped instance: its EBS volumes are billed; terminate it if unneeded"
        )
        found.append({"kind": "ec2-instance", "id": inst["id"], "region": dr, "why": why,
                      "monthly_estimate": None})  # fmt: skip
    rds_resources = [r for r in ctx.plan.resources if r.kind == "rds-instance"]
    for side in ("primary", "dr"):
        if not rds_resources:
            break
        prefixes = tuple(f"{i}-pre-failback-" for r in rds_resources for i in (r.primary, r.dr))
        for db in idle.db_instances(ctx.client("rds", side)):
            if db["id"].startswith(prefixes):
                found.append({"kind": "rds-instance", "id": db["id"], "region": ctx.region(side),
                              "why": "kept by a failback as evidence; delete it once no longer "
                                     "needed (take a final snapshot first)",
                              "monthly_estimate": _db_monthly(db)})  # fmt: skip
    found += _quiet_replicas(ctx, rds_resources)
    return found


def _quiet_replicas(ctx: RunContext, rds_resources: list[Any]) -> list[dict[str, Any]]:
    """DR read replicas with no reads and no connections for a week: standby only."""
    if not rds_resources:
        return []
    now = ctx.clock.now()
    cw = ctx.client("cloudwatch", "dr")
    dbs = {db["id"]: db for db in idle.db_instances(ctx.client("rds", "dr"))}
    found = []
    for res in rds_resources:
        db = dbs.get(res.dr)
        if db is None or not db["replica_of"]:
            continue
        readings = [
            idle.metric_maximum(cw, namespace="AWS/RDS", metric=metric,
                                dimensions={"DBInstanceIdentifier": res.dr},
                                start=now - timedelta(days=QUIET_DAYS),
                                end=now + timedelta(hours=1))  # the current hour's bucket too
            for metric in ("ReadIOPS", "DatabaseConnections")
        ]  # fmt: skip
        if any(r is None for r in readings) or any(r for r in readings if r):
            continue  # no data (cannot tell) or it serves reads
        found.append({"kind": "rds-replica", "id": res.dr, "region": ctx.region("dr"),
                      "why": f"no reads and no connections in {QUIET_DAYS} days: a pure standby; "
                             "it protects the RPO, so keep it, but a smaller instance class may do",
                      "monthly_estimate": _db_monthly(db)})  # fmt: skip
    return found


def standby_estimate(ctx: RunContext) -> dict[str, Any]:
    """The DR side as it runs now, priced from the bundled table."""
    est = Estimate()
    dbs: dict[str, dict[str, Any]] | None = None
    for res in ctx.plan.resources:
        if res.kind == "rds-instance":
            dbs = dbs or {db["id"]: db for db in idle.db_instances(ctx.client("rds", "dr"))}
            db = dbs.get(res.dr)
            monthly = _db_monthly(db) if db else None
            if db is None:
                est.skip(res.name, f"no DR instance {res.dr} now (restored at failover)")
            elif monthly is None:
                est.skip(res.name, f"no price for {db['class']} in the table")
            else:
                est.add(res.name, f"{db['class']} + {db['storage_gb']} GiB", monthly)
        elif res.kind == "aurora-global":
            _aurora(ctx, res, est)
        elif res.kind == "autoscaling-group":
            types = idle.group_instance_types(ctx.client("autoscaling", "dr"), res.dr)
            hourly = [prices()["ec2_hourly"].get(t) for t in types]
            if None in hourly:
                est.skip(res.name, f"no price for some of {sorted(set(types))}")
            else:
                what = f"{len(types)} x {', '.join(sorted(set(types))) or 'no instance'}"
                est.add(res.name, what, _monthly(sum(float(h or 0) for h in hourly)))
        elif res.kind == "ecs-service":
            size = idle.service_task_size(ctx.client("ecs", "dr"), res.cluster, res.service)
            if size is None:
                est.skip(res.name, "no task-level cpu/memory (EC2 launch type): see its instances")
            else:
                count, vcpu, gb = size
                fargate = prices()["fargate"]
                hourly = count * (vcpu * fargate["vcpu_hourly"] + gb * fargate["gb_hourly"])
                est.add(res.name, f"{count} Fargate task(s) of {vcpu:g} vCPU, {gb:g} GB",
                        _monthly(hourly))  # fmt: skip
        elif res.kind != "manual":
            est.skip(res.name, "usage-priced (storage, requests): see the Cost Explorer spend")
    return est.as_dict()


def _aurora(ctx: RunContext, res: Any, est: Estimate) -> None:
    rds = ctx.client("rds", "dr")
    dr = ctx.region("dr")
    members = [a for a in idle.global_members(rds, res.global_cluster) if f":{dr}:" in a]
    if not members:
        est.skip(res.name, f"no member cluster of {res.global_cluster} in {dr}")
        return
    dbs = {db["id"]: db for db in idle.db_instances(rds)}
    for arn in members:
        cluster = arn.rsplit(":", 1)[-1]
        for member in idle.cluster_members(rds, cluster):
            db = dbs.get(member)
            hourly = prices()["aurora_hourly"].get(db["class"]) if db else None
            if db is None or hourly is None:
                est.skip(res.name, f"no price for {member}'s class in the table")
                continue
            est.add(res.name, f"{member}: {db['class']}", _monthly(float(hourly)))
        if not idle.cluster_members(rds, cluster):
            est.add(res.name, f"{cluster}: headless secondary (storage only)", 0.0)


def report(ctx: RunContext) -> dict[str, Any]:
    return {
        "app": ctx.plan.app,
        "region": ctx.region("dr"),
        "spend": spend(ctx),
        "idle": idle_resources(ctx),
        "standby_estimate": standby_estimate(ctx),
    }
