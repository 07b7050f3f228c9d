"""Reads behind ``drctl cost``'s idle list and standby estimate: unattached volumes, stopped
instances, DB instances by name, what an Auto Scaling group or ECS service runs, and the
largest value of a CloudWatch metric over a window."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def unattached_volumes(ec2: Any, tags: dict[str, str]) -> list[dict[str, Any]]:
    """EBS volumes in state ``available`` (attached to nothing) carrying ``tags``."""
    filters = [{"Name": "status", "Values": ["available"]}]
    filters += [{"Name": f"tag:{k}", "Values": [v]} for k, v in tags.items()]
    found = []
    for page in ec2.get_paginator("describe_volumes").paginate(Filters=filters):
        for v in page["Volumes"]:
            found.append({"id": v["VolumeId"], "size_gb": int(v["Size"]), "type": v["VolumeType"]})
    return found


def db_instances(rds: Any) -> list[dict[str, Any]]:
    """Every DB instance of the Region: id, class, status, storage, replica source."""
    found = []
    for page in rds.get_paginator("describe_db_instances").paginate():
        for db in page["DBInstances"]:
            found.append(
                {
                    "id": db["DBInstanceIdentifier"],
                    "class": db["DBInstanceClass"],
                    "status": db["DBInstanceStatus"],
                    "storage_gb": int(db.get("AllocatedStorage") or 0),
                    "storage_type": db.get("StorageType", "gp2"),
                    "replica_of": db.get("ReadReplicaSourceDBInstanceIdentifier"),
                    "cluster": db.get("DBClusterIdentifier"),
                }
            )
    return found


def group_instance_types(autoscaling: Any, name: str) -> list[str]:
    """The instance type of each instance the group runs now."""
    groups = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])[
        "AutoScalingGroups"
    ]
    if not groups:
        return []
    return [str(i.get("InstanceType", "")) for i in groups[0].get("Instances", [])]


def service_task_size(ecs: Any, cluster: str, service: str) -> tuple[int, float, float] | None:
    """(running count, vCPU, GB) of a service's task, or None when the task definition sets
    no task-level size (EC2 launch type: the instances are the cost)."""
    services = ecs.describe_services(cluster=cluster, services=[service]).get("services", [])
    if not services:
        return None
    svc = services[0]
    td = ecs.describe_task_definition(taskDefinition=svc["taskDefinition"])["taskDefinition"]
    if not td.get("cpu") or not td.get("memory"):
        return None
    return int(svc.get("runningCount", 0)), int(td["cpu"]) / 1024, int(td["memory"]) / 1024


def cluster_members(rds: Any, cluster: str) -> list[str]:
    """The DB instance ids of an Aurora cluster."""
    clusters = rds.describe_db_clusters(DBClusterIdentifier=cluster)["DBClusters"]
    return [m["DBInstanceIdentifier"] for m in clusters[0].get("DBClusterMembers", [])]


def global_members(rds: Any, global_cluster: str) -> list[str]:
    """The ARNs of a global database's member clusters."""
    found = rds.describe_global_clusters(GlobalClusterIdentifier=global_cluster)["GlobalClusters"]
    return [m["DBClusterArn"] for m in found[0].get("GlobalClusterMembers", [])] if found else []


def metric_maximum(
    cloudwatch: Any,
    *,
    namespace: str,
    metric: str,
    dimensions: dict[str, str],
    start: datetime,
    end: datetime,
    period: int = 3600,
) -> float | None:
    """The largest ``Maximum`` over the window, or None when there is no datapoint."""
    points = cloudwatch.get_metric_statistics(
        Namespace=namespace,
        MetricName=metric,
        Dimensions=[{"Name": k, "Value": v} for k, v in dimensions.items()],
        StartTime=start,
        EndTime=end,
        Period=period,
        Statistics=["Maximum"],
    ).get("Datapoints", [])
    return max(float(p["Maximum"]) for p in points) if points else None
