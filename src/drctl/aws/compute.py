"""DR compute that ``drctl schedule`` stops and starts: Auto Scaling groups, ECS services (and
the Application Auto Scaling target that would otherwise scale a stopped service back up),
EC2 instances. Tags are read here so the schedule can honour the tag convention."""

from __future__ import annotations

from typing import Any

Tags = dict[str, str]


def group(autoscaling: Any, name: str) -> dict[str, Any] | None:
    """The group's capacities and tags, or None when it does not exist."""
    found = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])
    if not found["AutoScalingGroups"]:
        return None
    g = found["AutoScalingGroups"][0]
    return {
        "min": int(g["MinSize"]),
        "max": int(g["MaxSize"]),
        "desired": int(g["DesiredCapacity"]),
        "tags": {t["Key"]: t["Value"] for t in g.get("Tags", [])},
    }


def set_group(autoscaling: Any, name: str, *, minimum: int, desired: int) -> None:
    """Min and desired capacity (max is left alone: it is the group's ceiling, not its load)."""
    autoscaling.update_auto_scaling_group(
        AutoScalingGroupName=name, MinSize=minimum, DesiredCapacity=desired
    )


def service(ecs: Any, cluster: str, name: str) -> dict[str, Any] | None:
    """The service's desired count, ARN and tags, or None when it does not exist."""
    found = ecs.describe_services(cluster=cluster, services=[name], include=["TAGS"])
    live = [s for s in found.get("services", []) if s.get("status") != "INACTIVE"]
    if not live:
        return None
    s = live[0]
    return {
        "arn": s["serviceArn"],
        "desired": int(s["desiredCount"]),
        "tags": {t["key"]: t["value"] for t in s.get("tags", [])},
    }


def set_desired(ecs: Any, cluster: str, name: str, desired: int) -> None:
    ecs.update_service(cluster=cluster, service=name, desiredCount=desired)


def scalable_target(appscaling: Any, cluster: str, name: str) -> dict[str, int] | None:
    """The service's desired-count scalable target (min, max), or None."""
    found = appscaling.describe_scalable_targets(
        ServiceNamespace="ecs", ResourceIds=[f"service/{cluster}/{name}"]
    )["ScalableTargets"]
    if not found:
        return None
    return {"min": int(found[0]["MinCapacity"]), "max": int(found[0]["MaxCapacity"])}


def set_scalable_target(
    appscaling: Any, cluster: str, name: str, *, minimum: int, maximum: int
) -> None:
    appscaling.register_scalable_target(
        ServiceNamespace="ecs",
        ResourceId=f"service/{cluster}/{name}",
        ScalableDimension="ecs:service:DesiredCount",
        MinCapacity=minimum,
        MaxCapacity=maximum,
    )


def tagged_instances(ec2: Any, tags: Tags, states: list[str]) -> list[dict[str, Any]]:
    """Instances carrying every one of ``tags``, in one of ``states``: id, state, type, tags."""
    filters = [{"Name": f"tag:{k}", "Values": [v]} for k, v in tags.items()]
    filters.append({"Name": "instance-state-name", "Values": states})
    found = []
    for page in ec2.get_paginator("describe_instances").paginate(Filters=filters):
        for reservation in page["Reservations"]:
            for i in reservation["Instances"]:
                found.append(
                    {
                        "id": i["InstanceId"],
                        "state": i["State"]["Name"],
                        "type": i.get("InstanceType", ""),
                        "tags": {t["Key"]: t["Value"] for t in i.get("Tags", [])},
                    }
                )
    return found


def instance_states(ec2: Any, ids: list[str]) -> dict[str, str]:
    if not ids:
        return {}
    found = {}
    for reservation in ec2.describe_instances(InstanceIds=ids)["Reservations"]:
        for i in reservation["Instances"]:
            found[i["InstanceId"]] = i["State"]["Name"]
    return found


def stop_instances(ec2: Any, ids: list[str]) -> None:
    ec2.stop_instances(InstanceIds=ids)


def start_instances(ec2: Any, ids: list[str]) -> None:
    ec2.start_instances(InstanceIds=ids)


def db_instance_tags(rds: Any, identifier: str) -> Tags | None:
    """The DB instance's tags (None when it does not exist)."""
    from botocore.exceptions import ClientError

    try:
        found = rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "DBInstanceNotFound":
            return None
        raise
    return {t["Key"]: t["Value"] for t in found[0].get("TagList", [])} if found else None
