"""The AWS state a failover leaves, read back resource by resource, so the CLI engine's and
Step Functions' runs of one plan can be compared field by field (times and ids that differ
between two builds are left out)."""

from __future__ import annotations

from typing import Any

import boto3

from drctl.kinds.route53_record import api as r53
from drctl.kinds.route53_record.traffic import locate_failover, served_role
from drctl.plan.models import Plan, ResourceBase


def end_state(plan: Plan) -> dict[str, Any]:
    return {res.name: _read(plan, res) for res in plan.resources}


def _read(plan: Plan, res: ResourceBase) -> Any:
    reader = _READERS.get(res.kind)
    if reader is None:
        raise AssertionError(f"no read-back for {res.kind}")
    return reader(plan, res)


def _rds_instance(plan: Plan, res: Any) -> dict[str, Any]:
    def one(instance_id: str, region: str) -> dict[str, Any]:
        rds = boto3.client("rds", region_name=region)
        inst = rds.describe_db_instances(DBInstanceIdentifier=instance_id)["DBInstances"][0]
        group = (inst.get("DBParameterGroups") or [{}])[0]
        return {
            "status": inst["DBInstanceStatus"],
            "replica_of": inst.get("ReadReplicaSourceDBInstanceIdentifier"),
            "parameter_group": group.get("DBParameterGroupName"),
            "parameter_apply": group.get("ParameterApplyStatus"),
            "backup_retention": inst.get("BackupRetentionPeriod"),
        }

    return {"primary": one(res.primary, plan.regions.primary), "dr": one(res.dr, plan.regions.dr)}


def _route53_record(plan: Plan, res: Any) -> dict[str, Any]:
    client = boto3.client("route53", region_name="us-east-1")
    _, records, hc = locate_failover(res, client)
    config = r53.get_health_check(client, hc["Id"])["HealthCheckConfig"]
    served, _ = served_role(client, records)
    return {
        "inverted": bool(config.get("Inverted")),
        "disabled": bool(config.get("Disabled")),
        "served": served,
    }


def _s3_bucket(plan: Plan, res: Any) -> dict[str, Any]:
    s3 = boto3.client("s3", region_name=plan.regions.dr)
    return {"dr_versioning": s3.get_bucket_versioning(Bucket=res.dr).get("Status")}


def _manual(plan: Plan, res: Any) -> None:
    return None  # a person's act: nothing in AWS to read back


_READERS = {
    "manual": _manual,
    "rds-instance": _rds_instance,
    "route53-record": _route53_record,
    "s3-bucket": _s3_bucket,
}
