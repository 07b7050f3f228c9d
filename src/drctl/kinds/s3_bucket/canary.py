"""The replication drill's canary for a bucket: a marked object written to the primary bucket,
looked for in the DR bucket, and every version of it removed from both afterwards."""

from __future__ import annotations

from drctl.engine.clock import iso
from drctl.engine.context import RunContext
from drctl.kinds.contract import CanaryMark
from drctl.kinds.s3_bucket import api
from drctl.plan.models import S3Bucket


class S3Canary:
    def mark(self, res: S3Bucket, ctx: RunContext, marker: str) -> CanaryMark:
        key = f"{api.CANARY_PREFIX}{marker}"
        return CanaryMark(
            where=f"s3://{res.dr}",
            event={"event": "canary", "resource": res.name, "bucket": res.primary, "key": key},
            key=key,
        )

    def write(self, res: S3Bucket, ctx: RunContext, mark: CanaryMark) -> None:
        body = f"written {iso(ctx.clock.now())}".encode()
        api.canary_put(ctx.client("s3", "primary"), res.primary, str(mark.key), body)

    def arrived(self, res: S3Bucket, ctx: RunContext, mark: CanaryMark) -> bool:
        return api.object_exists(ctx.client("s3", "dr"), res.dr, str(mark.key))

    def remove(self, res: S3Bucket, ctx: RunContext, mark: CanaryMark) -> None:
        api.canary_remove_all_versions(ctx.client("s3", "primary"), res.primary, str(mark.key))
        api.canary_remove_all_versions(ctx.client("s3", "dr"), res.dr, str(mark.key))
