"""``drctl schedule stop|start``: the DR side's non-critical compute off outside the hours it
is needed, and back to exactly what it was.

The tag convention is the seed guide's ("Automated DR Resource Scheduling"): a resource is
schedulable when tagged ``Purpose=DR`` and ``Critical=false``. drctl applies it to the plan's
DR Auto Scaling groups and ECS services (scaled to 0) and to running EC2 instances in
regions.dr that also carry ``Application=<app>`` (stopped), so one plan's schedule never stops
another application's instances. Instances that belong to an Auto Scaling group are left to
their group (stopping one makes the group replace it).

Never scheduled, whatever their tags: anything that protects data. An RDS read replica cannot
be stopped (AWS: "You can't stop a DB instance that has a read replica, or that is a read
replica") and it is what keeps the RPO; an Aurora global database's secondary cluster holds
the replicated storage (stopping a member of a global database is not supported), and so does
a DocumentDB global cluster's. The guide's
script stops DR RDS instances; drctl refuses and says why.

``stop`` writes what it changed (capacities, desired counts, scalable-target minimums,
instance ids) to an owner-only file in the state directory *before* changing anything, so a
``stop`` that fails half way can still be undone by ``start``; ``start`` restores exactly that
and removes the file. A second ``stop`` while a record exists is refused (it would record the
zeros). ``stop`` is refused while the DR side serves (a failover newer than any failback).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from drctl.aws import compute
from drctl.engine.context import RunContext
from drctl.engine.journal import PRIVATE_FILE, private_dir
from drctl.engine.runs import list_runs
from drctl.errors import GateRefused
from drctl.plan.models import AuroraGlobal, DocumentDbGlobal

SCHEDULABLE = {"Purpose": "DR", "Critical": "false"}
APP_TAG = "Application"
# Kinds whose DR side is a global cluster's secondary: why it is never scheduled.
GLOBAL_CLUSTERS = {
    "aurora-global": "secondary cluster of an Aurora global database: it holds the replicated "
    "data and a global database member cannot be stopped; never scheduled",
    "documentdb-global": "secondary cluster of a DocumentDB global cluster: it holds the "
    "replicated data; never scheduled",
}
ASG_TAG = "aws:autoscaling:groupName"


@dataclass
class Change:
    """One resource the schedule changes, keeps or refuses, with the AWS CLI command."""

    kind: str
    name: str
    region: str
    status: str  # planned | done | skipped | refused
    change: str
    command: str | None = None
    reason: str | None = None


def record_path(state_dir: Path, app: str) -> Path:
    return state_dir / "schedule" / f"{app}.json"


def read_record(state_dir: Path, app: str) -> dict[str, Any] | None:
    path = record_path(state_dir, app)
    if not path.is_file():
        return None
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def write_record(state_dir: Path, app: str, record: dict[str, Any]) -> Path:
    """Owner-only (0600 in a 0700 directory): it names the account's resources."""
    path = record_path(state_dir, app)
    private_dir(path.parent)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    with os.fdopen(fd, "w") as out:
        json.dump(record, out, indent=2)
    os.replace(tmp, path)
    return path


def _schedulable(tags: dict[str, str]) -> bool:
    return all(tags.get(k, "").lower() == v.lower() for k, v in SCHEDULABLE.items())


NOT_TAGGED = "not tagged Purpose=DR and Critical=false: kept running"


def dr_serving(ctx: RunContext) -> str | None:
    """The run id of a failover no failback has followed (the DR side serves), else None."""
    if ctx.state_dir is None:
        return None
    for run in list_runs(ctx.state_dir):
        if run.app != ctx.plan.app or run.action not in ("failover", "failback"):
            continue
        if run.status not in ("succeeded", "failed", "aborted", "waiting", "interrupted"):
            continue
        return run.run_id if run.action == "failover" else None
    return None


def plan_stop(ctx: RunContext) -> tuple[list[Change], dict[str, Any]]:
    """What ``stop`` would change (reading AWS only), and the record that undoes it."""
    dr = ctx.region("dr")
    changes: list[Change] = []
    record: dict[str, Any] = {"app": ctx.plan.app, "region": dr, "groups": {}, "services": {},
                              "targets": {}, "instances": []}  # fmt: skip
    autoscaling = ctx.client("autoscaling", "dr")
    for res in ctx.plan.resources:
        if res.kind == "autoscaling-group":
            g = compute.group(autoscaling, res.dr)
            if g is None:
                changes.append(Change(res.kind, res.dr, dr, "skipped", "-", reason="not found"))
            elif not _schedulable(g["tags"]):
                changes.append(Change(res.kind, res.dr, dr, "skipped", "-", reason=NOT_TAGGED))
            else:
                record["groups"][res.dr] = {"min": g["min"], "desired": g["desired"]}
                changes.append(
                    Change(
                        res.kind, res.dr, dr, "planned",
                        f"min {g['min']} -> 0, desired {g['desired']} -> 0",
                        f"aws autoscaling update-auto-scaling-group --region {dr} "
                        f"--auto-scaling-group-name {res.dr} --min-size 0 --desired-capacity 0",
                    )
                )  # fmt: skip
        elif res.kind == "ecs-service":
            changes += _plan_service(ctx, res, record)
        elif res.kind == "rds-instance":
            changes.append(_refuse_db(ctx, res))
        elif isinstance(res, AuroraGlobal | DocumentDbGlobal):
            changes.append(
                Change(
                    res.kind, res.global_cluster, dr, "refused", "-",
                    reason=GLOBAL_CLUSTERS[res.kind],
                )
            )  # fmt: skip
    changes += _plan_instances(ctx, record)
    return changes, record


def _plan_service(ctx: RunContext, res: Any, record: dict[str, Any]) -> list[Change]:
    dr = ctx.region("dr")
    name = f"{res.cluster}/{res.service}"
    svc = compute.service(ctx.client("ecs", "dr"), res.cluster, res.service)
    if svc is None:
        return [Change(res.kind, name, dr, "skipped", "-", reason="not found")]
    if not _schedulable(svc["tags"]):
        return [Change(res.kind, name, dr, "skipped", "-", reason=NOT_TAGGED)]
    record["services"][name] = {"desired": svc["desired"]}
    found = [
        Change(
            res.kind, name, dr, "planned", f"desired {svc['desired']} -> 0",
            f"aws ecs update-service --region {dr} --cluster {res.cluster} "
            f"--service {res.service} --desired-count 0",
        )
    ]  # fmt: skip
    target = compute.scalable_target(
        ctx.client("application-autoscaling", "dr"), res.cluster, res.service
    )
    if target and target["min"] > 0:
        # Left alone, Application Auto Scaling would raise the count back to its minimum.
        record["targets"][name] = target
        found.append(
            Change(
                "scalable-target", name, dr, "planned", f"min {target['min']} -> 0",
                f"aws application-autoscaling register-scalable-target --region {dr} "
                f"--service-namespace ecs --resource-id service/{name} "
                f"--scalable-dimension ecs:service:DesiredCount --min-capacity 0 "
                f"--max-capacity {target['max']}",
            )
        )  # fmt: skip
    return found


def _refuse_db(ctx: RunContext, res: Any) -> Change:
    dr = ctx.region("dr")
    tags = compute.db_instance_tags(ctx.client("rds", "dr"), res.dr)
    why = (
        f"DR copy of {res.primary}: a read replica keeps the RPO and AWS cannot stop a read "
        "replica; a restored instance is the recovered database; never scheduled"
    )
    if tags is not None and _schedulable(tags):
        return Change(res.kind, res.dr, dr, "refused", "-", reason=f"tagged schedulable, but {why}")
    return Change(res.kind, res.dr, dr, "refused", "-", reason=why)


def _plan_instances(ctx: RunContext, record: dict[str, Any]) -> list[Change]:
    dr = ctx.region("dr")
    tags = {**SCHEDULABLE, APP_TAG: ctx.plan.app}
    found = []
    for inst in compute.tagged_instances(ctx.client("ec2", "dr"), tags, ["running"]):
        if ASG_TAG in inst["tags"]:
            reason = f"in Auto Scaling group {inst['tags'][ASG_TAG]}: the group decides"
            found.append(Change("ec2-instance", inst["id"], dr, "skipped", "-", reason=reason))
            continue
        record["instances"].append(inst["id"])
        found.append(
            Change(
                "ec2-instance", inst["id"], dr, "planned", "running -> stopped",
                f"aws ec2 stop-instances --region {dr} --instance-ids {inst['id']}",
            )
        )  # fmt: skip
    return found


def stop(ctx: RunContext, changes: list[Change], record: dict[str, Any]) -> Path:
    """Record, then scale to zero and stop; every planned change becomes done."""
    assert ctx.state_dir is not None
    path = write_record(ctx.state_dir, ctx.plan.app, {**record, "stopped_at": _now(ctx)})
    for name in record["groups"]:
        compute.set_group(ctx.client("autoscaling", "dr"), name, minimum=0, desired=0)
    appscaling = ctx.client("application-autoscaling", "dr")
    for name, target in record["targets"].items():
        cluster, service = name.split("/", 1)
        compute.set_scalable_target(appscaling, cluster, service, minimum=0, maximum=target["max"])
    for name in record["services"]:
        cluster, service = name.split("/", 1)
        compute.set_desired(ctx.client("ecs", "dr"), cluster, service, 0)
    if record["instances"]:
        compute.stop_instances(ctx.client("ec2", "dr"), record["instances"])
    for c in changes:
        if c.status == "planned":
            c.status = "done"
    return path


def plan_start(ctx: RunContext, record: dict[str, Any]) -> list[Change]:
    """What ``start`` restores from the record (instances: those that are stopped now)."""
    dr = record.get("region", ctx.region("dr"))
    changes = []
    for name, cap in record["groups"].items():
        changes.append(
            Change(
                "autoscaling-group", name, dr, "planned",
                f"min -> {cap['min']}, desired -> {cap['desired']}",
                f"aws autoscaling update-auto-scaling-group --region {dr} "
                f"--auto-scaling-group-name {name} --min-size {cap['min']} "
                f"--desired-capacity {cap['desired']}",
            )
        )  # fmt: skip
    for name, svc in record["services"].items():
        cluster, service = name.split("/", 1)
        changes.append(
            Change(
                "ecs-service", name, dr, "planned", f"desired -> {svc['desired']}",
                f"aws ecs update-service --region {dr} --cluster {cluster} "
                f"--service {service} --desired-count {svc['desired']}",
            )
        )  # fmt: skip
    for name, target in record["targets"].items():
        changes.append(
            Change(
                "scalable-target", name, dr, "planned", f"min -> {target['min']}",
                f"aws application-autoscaling register-scalable-target --region {dr} "
                f"--service-namespace ecs --resource-id service/{name} "
                f"--scalable-dimension ecs:service:DesiredCount "
                f"--min-capacity {target['min']} --max-capacity {target['max']}",
            )
        )  # fmt: skip
    states = compute.instance_states(ctx.client("ec2", "dr"), list(record["instances"]))
    for iid in record["instances"]:
        state = states.get(iid, "gone")
        if state == "stopped":
            changes.append(
                Change("ec2-instance", iid, dr, "planned", "stopped -> running",
                       f"aws ec2 start-instances --region {dr} --instance-ids {iid}")
            )  # fmt: skip
        else:
            changes.append(
                Change("ec2-instance", iid, dr, "skipped", "-", reason=f"instance is {state}")
            )
    return changes


def start(ctx: RunContext, changes: list[Change], record: dict[str, Any]) -> None:
    """Restore every recorded value, then forget the record."""
    assert ctx.state_dir is not None
    for name, cap in record["groups"].items():
        compute.set_group(
            ctx.client("autoscaling", "dr"), name, minimum=cap["min"], desired=cap["desired"]
        )
    for name, svc in record["services"].items():
        cluster, service = name.split("/", 1)
        compute.set_desired(ctx.client("ecs", "dr"), cluster, service, svc["desired"])
    appscaling = ctx.client("application-autoscaling", "dr")
    for name, target in record["targets"].items():
        cluster, service = name.split("/", 1)
        compute.set_scalable_target(
            appscaling, cluster, service, minimum=target["min"], maximum=target["max"]
        )
    to_start = [c.name for c in changes if c.kind == "ec2-instance" and c.status == "planned"]
    if to_start:
        compute.start_instances(ctx.client("ec2", "dr"), to_start)
    for c in changes:
        if c.status == "planned":
            c.status = "done"
    record_path(ctx.state_dir, ctx.plan.app).unlink()


def refuse_stop(ctx: RunContext) -> None:
    """Refusals before anything is read: a pending record, a DR side that serves."""
    assert ctx.state_dir is not None
    existing = read_record(ctx.state_dir, ctx.plan.app)
    if existing is not None:
        raise GateRefused(
            f"{ctx.plan.app}: DR compute already stopped at {existing.get('stopped_at')} "
            f"({record_path(ctx.state_dir, ctx.plan.app)})",
            hint="run `drctl schedule start` first; a second stop would record the zeros",
        )
    serving = dr_serving(ctx)
    if serving:
        raise GateRefused(
            f"{ctx.plan.app}: the DR side serves since failover {serving}; stopping its "
            "compute would be an outage",
            hint="fail back first (drctl failback), then schedule the DR side",
        )


def _now(ctx: RunContext) -> str:
    from drctl.engine.clock import iso

    return iso(ctx.clock.now())


def as_dicts(changes: list[Change]) -> list[dict[str, Any]]:
    return [asdict(c) for c in changes]
