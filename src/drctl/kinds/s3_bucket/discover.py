"""Discovery of ``s3-bucket``: a bucket in the primary Region whose enabled replication rule
writes to a bucket in the DR Region."""

from __future__ import annotations

from drctl.kinds.discovery import Found, Scope
from drctl.kinds.s3_bucket import api
from drctl.plan.draft import DraftField, DraftResource

TYPES = ("AWS::S3::Bucket",)


def discover(scope: Scope) -> Found:
    found = Found()
    s3 = scope.client("s3", scope.primary)
    for name in api.bucket_names(s3):
        if not scope.wanted(scope.primary, types=TYPES, ids=(name,), arns=(api.bucket_arn(name),)):
            continue
        if api.bucket_region(s3, name) != scope.primary:
            continue  # the tagging API lists buckets of every Region
        destinations: dict[str, str] = {}
        for dest in api.replication_destinations(s3, name):
            region = api.bucket_region(s3, dest)
            if region is not None and region != scope.primary:
                destinations.setdefault(region, dest)
        found.dr_regions += list(destinations)
        if scope.dr is None:
            continue
        if scope.dr not in destinations:
            found.unpaired.append(
                f"S3 bucket {name} in {scope.primary}: no replication rule to a bucket "
                f"in {scope.dr}"
            )
            continue
        dest = destinations[scope.dr]
        found.resources.append(
            DraftResource(
                "s3-bucket",
                name,
                (
                    DraftField("primary", name),
                    DraftField("dr", dest, f"its replication destination in {scope.dr}"),
                ),
                ((scope.primary, name), (scope.dr, dest)),
            )
        )
    return found
