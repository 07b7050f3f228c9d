"""Discovery of ``dynamodb-table``: a global table (version 2019.11.21) of the primary Region
with a replica in the DR Region (``Replicas`` of DescribeTable)."""

from __future__ import annotations

from drctl.kinds.discovery import Found, Scope
from drctl.kinds.dynamodb_table import api
from drctl.plan.draft import DraftField, DraftResource

TYPES = ("AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable")


def discover(scope: Scope) -> Found:
    found = Found()
    dynamodb = scope.client("dynamodb", scope.primary)
    for name in api.table_names(dynamodb):
        if not scope.wanted(scope.primary, types=TYPES, ids=(name,), arn_suffix=f":table/{name}"):
            continue
        table = api.describe_table(dynamodb, name)
        if table is None:
            continue  # deleted since it was listed
        replicas = [
            str(r["RegionName"])
            for r in table.get("Replicas", [])
            if r.get("RegionName") != scope.primary
        ]
        found.dr_regions += replicas
        if scope.dr is None:
            continue
        if scope.dr not in replicas:
            found.unpaired.append(
                f"DynamoDB table {name} in {scope.primary}: no replica in {scope.dr} "
                "(not a global table there)"
            )
            continue
        found.resources.append(
            DraftResource(
                "dynamodb-table",
                name,
                (DraftField("table", name, f"global table, replica in {scope.dr}"),),
                ((scope.primary, name), (scope.dr, name)),
            )
        )
    return found
