"""The AWS state a failover leaves, read back resource by resource through the plan's own
sessions (a plan with ``accounts:`` is read in each side's account), so the CLI engine's and
Step Functions' runs of one plan can be compared field by field (times and ids that differ
between two builds are left out)."""

from __future__ import annotations

from typing import Any

from drctl.engine.context import RunContext
from drctl.engine.settings import default_settings, make_context
from drctl.kinds import global_cluster
from drctl.kinds.arc_routing_control import api as arc
from drctl.kinds.aurora_global import api as aurora
from drctl.kinds.autoscaling_group import api as asg
from drctl.kinds.documentdb_global import api as docdb
from drctl.kinds.dynamodb_table import api as ddb
from drctl.kinds.ecs_service import api as ecs
from drctl.kinds.elasticache_global import api as elasticache
from drctl.kinds.global_accelerator import api as ga
from drctl.kinds.route53_record import api as r53
from drctl.kinds.route53_record.traffic import locate_failover, served_role
from drctl.plan.models import Plan, ResourceBase


def end_state(plan: Plan) -> dict[str, Any]:
    ctx = make_context(plan, default_settings())
    return {res.name: _read(ctx, res) for res in plan.resources}


def _read(ctx: RunContext, res: ResourceBase) -> Any:
    reader = _READERS.get(res.kind)
    if reader is None:
        raise AssertionError(f"no read-back for {res.kind}")
    return reader(ctx, res)


def _rds_instance(ctx: RunContext, res: Any) -> dict[str, Any]:
    def one(instance_id: str, side: str) -> dict[str, Any] | None:
        found = ctx.client("rds", side).describe_db_instances()["DBInstances"]
        inst = next((i for i in found if i["DBInstanceIdentifier"] == instance_id), None)
        if inst is None:
            return None
        group = (inst.get("DBParameterGroups") or [{}])[0]
        return {
            "status": inst["DBInstanceStatus"],
            "replica_of": inst.get("ReadReplicaSourceDBInstanceIdentifier"),
            "parameter_group": group.get("DBParameterGroupName"),
            "parameter_apply": group.get("ParameterApplyStatus"),
            "backup_retention": inst.get("BackupRetentionPeriod"),
        }

    def kept(instance_id: str, side: str) -> int:
        """How many instances a failback kept aside (``<id>-pre-failback-<run>``: the run's
        suffix differs between two runs, their number does not)."""
        found = ctx.client("rds", side).describe_db_instances()["DBInstances"]
        mark = f"{instance_id}-pre-failback-"
        return sum(1 for i in found if str(i["DBInstanceIdentifier"]).startswith(mark))

    state: dict[str, Any] = {
        "primary": one(res.primary, "primary"),
        "dr": one(res.dr, "dr"),
        "kept_aside": (kept(res.primary, "primary"), kept(res.dr, "dr")),
    }
    if res.recovery == "snapshot":
        state.update(_rds_snapshot_recovery(ctx, res))
    return state


def _rds_snapshot_recovery(ctx: RunContext, res: Any) -> dict[str, Any]:
    """What a backup-and-restore failback leaves besides the two instances: the instances it
    kept aside (``<id>-pre-failback-<run>``), the manual snapshots on each side by source
    instance, and whether home was restored from a failback's copy (names carry run ids,
    which differ between two runs: left out)."""
    aside: dict[str, list[str]] = {}
    manual: dict[str, list[tuple[str, str]]] = {}
    for side, instance_id in (("primary", res.primary), ("dr", res.dr)):
        rds = ctx.client("rds", side)
        found = rds.describe_db_instances()["DBInstances"]
        aside[side] = sorted(
            str(i["DBInstanceStatus"])
            for i in found
            if i["DBInstanceIdentifier"].startswith(f"{instance_id}-pre-failback-")
        )
        manual[side] = sorted(
            (str(s.get("DBInstanceIdentifier")), str(s["Status"]))
            for s in rds.describe_db_snapshots(SnapshotType="manual")["DBSnapshots"]
        )
    home = ctx.client("rds", "primary").describe_db_instances()["DBInstances"]
    tags = [
        t["Value"]
        for i in home
        if i["DBInstanceIdentifier"] == res.primary
        for t in i.get("TagList") or []
        if t["Key"] == "drctl:restored-from"
    ]
    prefix = f"drctl-{ctx.plan.app}-{res.name}-failback-"
    return {
        "kept_aside": aside,
        "manual_snapshots": manual,
        "home_restored_by_failback": any(t.startswith(prefix) for t in tags),
    }


def _route53_record(ctx: RunContext, res: Any) -> dict[str, Any]:
    client = ctx.client("route53", "global")
    _, records, hc = locate_failover(res, client)
    config = r53.get_health_check(client, hc["Id"])["HealthCheckConfig"]
    served, _ = served_role(client, records)
    return {
        "inverted": bool(config.get("Inverted")),
        "disabled": bool(config.get("Disabled")),
        "served": served,
    }


def _arc_routing_control(ctx: RunContext, res: Any) -> dict[str, Any]:
    """Each routing control's state, read on the cluster's data plane (the first endpoint
    that answers), and the record's answer."""
    config = ctx.sessions.client(arc.CONFIG_SERVICE, arc.CONFIG_REGION, "global")
    cluster = arc.find_cluster(config, res.cluster)
    assert cluster is not None, res.cluster
    endpoints = [(str(e["Region"]), str(e["Endpoint"])) for e in cluster["ClusterEndpoints"]]
    panel = arc.find_control_panel(config, cluster["ClusterArn"], res.control_panel)
    assert panel is not None, res.control_panel
    states = {}
    for ref in (res.primary_control, res.dr_control):
        control = arc.find_routing_control(config, panel["ControlPanelArn"], ref)
        assert control is not None, ref
        arn = str(control["RoutingControlArn"])
        states[ref], _, _ = arc.on_any_endpoint(
            endpoints,
            lambda region, url: ctx.sessions.endpoint_client(arc.CLUSTER_SERVICE, region, url),
            lambda cluster_client, arn=arn: arc.control_state(cluster_client, arn),
        )
    return states


def _s3_bucket(ctx: RunContext, res: Any) -> dict[str, Any]:
    """DR's versioning and replication rules (failback adds one home, under its role), and
    what each bucket shows: key -> (body, user metadata; a copy's source version id, which
    differs between builds, as "set")."""
    from drctl.kinds.s3_bucket import api as s3_api

    s3 = ctx.client("s3", "dr")
    config = s3_api.replication_config(s3, res.dr) or {}

    def shown(side: str, bucket: str) -> dict[str, Any]:
        client = ctx.client("s3", side)
        found = {}
        for key, latest in s3_api.latest_versions(client, bucket).items():
            if latest["DeleteMarker"]:
                continue
            got = client.get_object(Bucket=bucket, Key=key)
            metadata = {
                k: ("set" if k == s3_api.SYNCED_FROM else v)
                for k, v in got.get("Metadata", {}).items()
            }
            found[key] = (got["Body"].read().decode(), sorted(metadata.items()))
        return found

    return {
        "dr_versioning": s3.get_bucket_versioning(Bucket=res.dr).get("Status"),
        "dr_role": s3_api.role_name_of(str(config.get("Role", ""))),
        "dr_rules": sorted(
            (
                r.get("ID"),
                r.get("Priority"),
                r.get("Status"),
                r.get("Destination", {}).get("Bucket"),
            )
            for r in config.get("Rules", [])
        ),
        "primary": shown("primary", res.primary),
        "dr": shown("dr", res.dr),
    }


def _global_cluster(ctx: RunContext, res: Any) -> dict[str, Any]:
    """Aurora and DocumentDB global clusters: the same answer (DocumentDB's on ``docdb``)."""
    service = "docdb" if res.kind == "documentdb-global" else "rds"
    describe = docdb.describe_global if service == "docdb" else aurora.describe_global
    glob = describe(ctx.client(service, "dr"), res.global_cluster) or {}
    writer = global_cluster.writer_arn(glob)
    return {
        "writer_region": global_cluster.region_of(writer) if writer else None,
        "status": glob.get("Status"),
        "moving": global_cluster.failover_state(glob) is not None,
        "members": sorted(
            (global_cluster.region_of(str(m["DBClusterArn"])), m.get("SynchronizationStatus"))
            for m in glob.get("GlobalClusterMembers", [])
        ),
    }


def _dynamodb_table(ctx: RunContext, res: Any) -> dict[str, Any]:
    client = ctx.client("dynamodb", "dr")
    table = ddb.describe_table(client, res.table) or {}
    items = client.scan(TableName=res.table).get("Items", [])
    return {
        "status": table.get("TableStatus"),
        "replicas": sorted(
            (r["RegionName"], r.get("ReplicaStatus")) for r in table.get("Replicas", [])
        ),
        "probe_items_left": [i for i in items if "drctl_probe" in i],
    }


def _autoscaling_group(ctx: RunContext, res: Any) -> dict[str, Any]:
    group = asg.describe_group(ctx.client("autoscaling", "dr"), res.dr) or {}
    return {
        "min": group.get("MinSize"),
        "desired": group.get("DesiredCapacity"),
        "max": group.get("MaxSize"),
        "in_service": asg.in_service(group),
    }


def _ecs_service(ctx: RunContext, res: Any) -> dict[str, Any]:
    svc = ctx.client("ecs", "dr").describe_services(cluster=res.cluster, services=[res.service])
    service = svc["services"][0]
    target = ecs.scalable_target(
        ctx.client("application-autoscaling", "dr"), res.cluster, res.service
    )
    return {
        "desired": service.get("desiredCount"),
        "running": service.get("runningCount"),
        "stable": ecs.is_stable(service),
        "bounds": (target["MinCapacity"], target["MaxCapacity"]) if target else None,
    }


def _elasticache_global(ctx: RunContext, res: Any) -> dict[str, Any]:
    """Each side's group: its role in a datastore (None: standalone) and status, the
    datastore's id and status as DR sees it, and how many final snapshots of a replaced home
    group there are."""
    sides = {}
    for side, group_id in (("primary", res.primary), ("dr", res.dr)):
        group = elasticache.describe_group(ctx.client("elasticache", side), group_id)
        sides[side] = (elasticache.role_of(group), (group or {}).get("Status"))
    dr_client = ctx.client("elasticache", "dr")
    glob = elasticache.datastore_of(dr_client, res.global_datastore, res.dr, ctx.region("dr"))
    snapshots = ctx.client("elasticache", "primary").describe_snapshots()["Snapshots"]
    return {
        "roles": sides,
        "datastore": (glob or {}).get("GlobalReplicationGroupId"),
        "datastore_status": (glob or {}).get("Status"),
        # A replaced home group's final snapshot (named by the minute it was taken).
        "final_snapshots": sum(
            1 for s in snapshots if s["SnapshotName"].startswith(f"{res.primary}-pre-failback-")
        ),
    }


def _global_accelerator(ctx: RunContext, res: Any) -> dict[str, Any]:
    client = ga.client(ctx.sessions)
    groups = ga.endpoint_groups(client, res.listener) or {}
    return {
        region: float(ga.endpoint_group(client, group["EndpointGroupArn"])["TrafficDialPercentage"])
        for region, group in sorted(groups.items())
    }


def _secret(ctx: RunContext, res: Any) -> dict[str, Any]:
    def one(side: str) -> dict[str, Any] | None:
        try:
            desc = ctx.client("secretsmanager", side).describe_secret(SecretId=res.secret)
        except Exception:
            return None
        return {
            "primary_region": desc.get("PrimaryRegion"),
            "replicas": sorted(
                (e.get("Region"), e.get("Status")) for e in desc.get("ReplicationStatus") or []
            ),
        }

    return {"primary": one("primary"), "dr": one("dr")}


def _lambda_function(ctx: RunContext, res: Any) -> dict[str, Any]:
    def one(side: str) -> dict[str, Any]:
        client = ctx.client("lambda", side)
        mappings = [
            m
            for m in client.list_event_source_mappings()["EventSourceMappings"]
            if str(m.get("FunctionArn", "")).split(":")[6] == res.function
        ]
        concurrency = client.get_function_concurrency(FunctionName=res.function)
        return {
            "mappings": sorted(str(m.get("State")) for m in mappings),
            "reserved": concurrency.get("ReservedConcurrentExecutions"),
        }

    return {"primary": one("primary"), "dr": one("dr")}


def _eventbridge_rules(ctx: RunContext, res: Any) -> dict[str, Any]:
    def one(side: str, names: list[str]) -> dict[str, str]:
        events = ctx.client("events", side)
        return {
            n: str(events.describe_rule(Name=n, EventBusName=res.event_bus)["State"]) for n in names
        }

    return {"primary": one("primary", res.primary), "dr": one("dr", res.dr)}


def _custom(ctx: RunContext, res: Any) -> dict[str, Any]:
    """The sandbox's stand-ins flip an SSM parameter per Region (kinds/custom/sandbox.py)."""

    def one(side: str) -> str | None:
        try:
            found = ctx.client("ssm", side).get_parameter(Name=f"/drctl-sandbox/{res.name}")
        except Exception:
            return None
        return str(found["Parameter"]["Value"])

    return {"primary": one("primary"), "dr": one("dr")}


def _backup_vault(ctx: RunContext, res: Any) -> dict[str, Any]:
    """Each side's backup plans by name, with their selections (failover adds the DR plan
    that copies home; failback removes it)."""

    def plans(side: str) -> dict[str, list[str]]:
        client = ctx.client("backup", side)
        found: dict[str, list[str]] = {}
        for plan in client.list_backup_plans()["BackupPlansList"]:
            selections = client.list_backup_selections(BackupPlanId=plan["BackupPlanId"])
            found[plan["BackupPlanName"]] = sorted(
                s["SelectionName"] for s in selections["BackupSelectionsList"]
            )
        return found

    return {"primary": plans("primary"), "dr": plans("dr")}


def _efs_replication(ctx: RunContext, res: Any) -> dict[str, Any]:
    """Each side's file systems by Name tag (ids differ between builds): overwrite
    protection, drctl's tags, and the replication configurations by names and status."""

    def side_state(side: str) -> dict[str, Any]:
        client = ctx.client("efs", side)
        systems = client.describe_file_systems()["FileSystems"]
        names = {f["FileSystemId"]: f.get("Name") for f in systems}
        configs = client.describe_replication_configurations().get("Replications", [])
        return {
            "policies": sorted(
                (str(f.get("Name")), _efs_policy(client, f["FileSystemId"])) for f in systems
            ),
            "file_systems": sorted(
                (
                    f.get("Name"),
                    (f.get("FileSystemProtection") or {}).get("ReplicationOverwriteProtection"),
                    sorted(
                        (t["Key"], t["Value"] if t["Key"] != "drctl-replica-of" else "set")
                        for t in f.get("Tags", [])
                        if t["Key"].startswith("drctl")
                    ),
                )
                for f in systems
            ),
            "replications": sorted(
                (
                    names.get(c["SourceFileSystemId"], "elsewhere"),
                    [(d["Region"], d["Status"]) for d in c.get("Destinations", [])],
                )
                for c in configs
            ),
        }

    return {"primary": side_state("primary"), "dr": side_state("dr")}


def _efs_policy(client: Any, fs_id: str) -> Any:
    """A file system's policy as data (None: the default one), the write fence's time in
    its Sid and the file system ids left out (they differ between two runs)."""
    import json
    import re

    try:
        text = client.describe_file_system_policy(FileSystemId=fs_id)["Policy"]
    except client.exceptions.PolicyNotFound:
        return None
    text = json.dumps(json.loads(text), sort_keys=True)
    text = re.sub(r"DrctlWriteFence\d{8}T\d{6}Z", "DrctlWriteFence<time>", text)
    return re.sub(r"file-system/fs-[0-9a-f]+", "file-system/<id>", text)


def _manual(ctx: RunContext, res: Any) -> None:
    return None  # a person's act: nothing in AWS to read back


_READERS = {
    "arc-routing-control": _arc_routing_control,
    "aurora-global": _global_cluster,
    "backup-vault": _backup_vault,
    "custom": _custom,
    "autoscaling-group": _autoscaling_group,
    "documentdb-global": _global_cluster,
    "dynamodb-table": _dynamodb_table,
    "ecs-service": _ecs_service,
    "efs-replication": _efs_replication,
    "eventbridge-rules": _eventbridge_rules,
    "elasticache-global": _elasticache_global,
    "global-accelerator": _global_accelerator,
    "lambda-function": _lambda_function,
    "manual": _manual,
    "rds-instance": _rds_instance,
    "route53-record": _route53_record,
    "s3-bucket": _s3_bucket,
    "secret": _secret,
}
