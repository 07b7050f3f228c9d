"""Discovery of ``aurora-global``: a global database whose writer cluster is in the primary
Region and which has a secondary cluster in the DR Region."""

from __future__ import annotations

from drctl.aws.discovery import arn_resource_name
from drctl.kinds.aurora_global import api
from drctl.kinds.discovery import Found, Scope
from drctl.plan.draft import DraftField, DraftResource

TYPES = ("AWS::RDS::GlobalCluster", "AWS::RDS::DBCluster")


def discover(scope: Scope) -> Found:
    found = Found()
    for glob in api.all_global_clusters(scope.client("rds", scope.primary)):
        ident = str(glob["GlobalClusterIdentifier"])
        writer = api.writer_arn(glob)
        if writer is None or api.region_of(writer) != scope.primary:
            continue  # written elsewhere: not this primary's
        arns = (writer, str(glob.get("GlobalClusterArn", "")))
        ids = (ident, arn_resource_name(writer))
        if not scope.wanted(scope.primary, types=TYPES, ids=ids, arns=arns):
            continue
        secondaries = {
            api.region_of(str(m["DBClusterArn"])): arn_resource_name(str(m["DBClusterArn"]))
            for m in glob.get("GlobalClusterMembers", [])
            if not m.get("IsWriter")
        }
        found.dr_regions += list(secondaries)
        if scope.dr is None:
            continue
        if scope.dr not in secondaries:
            found.unpaired.append(
                f"Aurora global database {ident} (writer in {scope.primary}): no secondary "
                f"cluster in {scope.dr}"
            )
            continue
        found.resources.append(
            DraftResource(
                "aurora-global",
                ident,
                (
                    DraftField(
                        "global_cluster",
                        ident,
                        f"writer {arn_resource_name(writer)}, secondary {secondaries[scope.dr]}",
                    ),
                ),
                (
                    ("global", ident),
                    (scope.primary, arn_resource_name(writer)),
                    (scope.dr, secondaries[scope.dr]),
                ),
            )
        )
    return found
