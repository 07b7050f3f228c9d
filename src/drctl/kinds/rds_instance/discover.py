"""Discovery of ``rds-instance``: a standalone DB instance in the primary Region paired with its
cross-Region read replica (``ReadReplicaDBInstanceIdentifiers`` holds the replica's ARN)."""

from __future__ import annotations

from drctl.aws.discovery import arn_region, arn_resource_name
from drctl.kinds.discovery import Found, Scope
from drctl.kinds.rds_instance import api
from drctl.plan.draft import DraftField, DraftResource

TYPES = ("AWS::RDS::DBInstance",)


def discover(scope: Scope) -> Found:
    found = Found()
    for inst in api.all_instances(scope.client("rds", scope.primary)):
        if inst.get("DBClusterIdentifier") or inst.get("ReadReplicaSourceDBInstanceIdentifier"):
            continue  # an Aurora member (aurora-global) or itself a replica
        ident = str(inst["DBInstanceIdentifier"])
        if not scope.wanted(
            scope.primary, types=TYPES, ids=(ident,), arns=(str(inst["DBInstanceArn"]),)
        ):
            continue
        replicas = {
            arn_region(r): arn_resource_name(r)
            for r in inst.get("ReadReplicaDBInstanceIdentifiers", [])
            if str(r).startswith("arn:")  # a cross-Region replica is named by its ARN
        }
        found.dr_regions += [r for r in replicas if r != scope.primary]
        if scope.dr is None:
            continue
        replica = replicas.get(scope.dr)
        if replica is None:
            found.unpaired.append(
                f"RDS DB instance {ident} in {scope.primary}: no cross-Region read replica "
                f"in {scope.dr} (snapshot recovery? add it with recovery: snapshot)"
            )
            continue
        found.resources.append(
            DraftResource(
                "rds-instance",
                ident,
                (
                    DraftField("primary", ident),
                    DraftField("dr", replica, f"its cross-Region read replica in {scope.dr}"),
                ),
                ((scope.primary, ident), (scope.dr, replica)),
            )
        )
    return found
