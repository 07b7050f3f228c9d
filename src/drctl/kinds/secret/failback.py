"""Failback of a secret: put the original topology back -- primary in regions.primary, replica
in regions.dr -- without losing what was written in DR meanwhile.

After a planned failover nothing changed (replication stayed): every step finds its effect
present and is skipped. After an unplanned one DR holds a promoted, standalone secret, which is
the authoritative value (it may have been rotated or changed in DR), and the home Region still
holds the old primary, stale. Secrets Manager cannot move a primary between Regions, so:

1. ``replicate-home``: replicate the DR secret to home, overwriting the stale copy
   (``ForceOverwriteReplicaSecret``) with the home key, and wait until it is ``InSync``;
2. ``promote-home``: promote the home replica (``StopReplicationToReplica`` in home);
3. ``replicate-dr``: replicate home to DR again, overwriting DR's now-standalone copy of the
   same value, with DR's key, and wait until it is ``InSync``.
"""

from __future__ import annotations

from drctl.engine.context import RunContext
from drctl.engine.declarative import SfnStep
from drctl.engine.step import Phase, Precheck, Step, StepOutcome, Verification
from drctl.errors import AwsError
from drctl.kinds.secret import api, declarative
from drctl.kinds.secret.failover import SYNC_TIMEOUT_SECONDS, promote_step
from drctl.kinds.secret.topology import NAME, read, require
from drctl.kinds.steps import aws_step
from drctl.plan.models import Secret


def failback(res: Secret, ctx: RunContext) -> list[Step]:
    home = replicate_step(res, ctx, source="dr", target="primary", action="replicate-home")
    promote = promote_step(
        res, ctx, side="primary", action="promote-home", phase=Phase.DATA, depends_on=[home.id]
    )
    back = replicate_step(
        res, ctx, source="primary", target="dr", action="replicate-dr", depends_on=[promote.id]
    )
    return [home, promote, back]


def replicate_step(
    res: Secret,
    ctx: RunContext,
    *,
    source: str,
    target: str,
    action: str,
    depends_on: list[str] | None = None,
) -> Step:
    """Replicate ``source``'s primary to ``target``; done when ``target`` follows it InSync,
    or (going home) when DR still follows home: then there is nothing to bring back."""
    src_region, dst_region = ctx.region(source), ctx.region(target)
    client = ctx.client("secretsmanager", source)
    going_home = target == "primary"

    def done() -> tuple[bool, str]:
        src = read(res, ctx, source)
        if going_home and src.exists and not src.is_primary:
            # DR is (still) a replica of home: replication was never stopped.
            return True, f"{src.text()}: nothing to bring back"
        if src.is_primary and src.in_sync_to(dst_region):
            return True, src.text()
        return False, src.text()

    def precheck() -> Precheck:
        ok, text = done()
        return Precheck(ok, text, f"primary in {src_region}, replica in {dst_region} InSync")

    def run() -> StepOutcome:
        src = read(res, ctx, source)
        desc = require(src, res)
        if not src.is_primary:
            raise AwsError(
                f"{res.name}: {res.secret} in {src_region} is a replica of "
                f"{src.primary_region}: only a primary can be replicated",
            )
        if src.replica_in(dst_region) is not None:
            return StepOutcome(detail=f"already replicating to {dst_region}: waiting for InSync")
        dst = read(res, ctx, target)
        key = dst.key if dst.exists else None
        api.replicate(client, res.secret, dst_region, key)
        return StepOutcome(
            detail=f"{res.secret} replicating {src_region} -> {dst_region} (key {key or 'default'},"
            f" overwriting the copy in {dst_region})",
            data={"from": src_region, "to": dst_region, "kms_key": key, "was": desc.get("ARN")},
        )

    def verify() -> Verification:
        src = read(res, ctx, source)
        entry = src.replica_in(dst_region)
        if entry is not None and entry.get("Status") == "Failed":
            raise AwsError(
                f"{res.name}: replication of {res.secret} to {dst_region} Failed: "
                f"{entry.get('StatusMessage', '')}",
                hint=f"aws secretsmanager remove-regions-from-replication --secret-id "
                f"{res.secret} --remove-replica-regions {dst_region} --region {src_region}, "
                "fix the cause (KMS key), then fail back again",
            )
        ok, text = done()
        return Verification(ok, text)

    what = (
        f"Replicate {res.secret} from {src_region} (promoted there) to {dst_region}, "
        f"overwriting the stale copy in {dst_region}, and wait until it is InSync"
        if going_home
        else f"Replicate {res.secret} from {src_region} to {dst_region} again, replacing the "
        f"standalone copy there, and wait until it is InSync"
    )
    return aws_step(
        resource=res.name,
        kind=NAME,
        action=action,
        phase=Phase.DATA,
        description=what,
        cli=[
            f"aws secretsmanager replicate-secret-to-regions --secret-id {res.secret} "
            f'--add-replica-regions Region={dst_region},KmsKeyId="$(aws secretsmanager '
            f"describe-secret --secret-id {res.secret} --region {dst_region} --query KmsKeyId "
            '--output text)" '
            f"--force-overwrite-replica-secret --region {src_region}",
            f"aws secretsmanager describe-secret --secret-id {res.secret} "
            f"--query 'ReplicationStatus[?Region==`\"{dst_region}\"`].Status' "
            f"--region {src_region}",
        ],
        where=f"{res.name} (secretsmanager {src_region})",
        precheck=precheck,
        run=run,
        verify=verify,
        timeout_seconds=SYNC_TIMEOUT_SECONDS,
        poll_seconds=10.0,
        depends_on=depends_on,
        sfn=lambda: _declarative(res, ctx, source=source, target=target),
    )


def _declarative(res: Secret, ctx: RunContext, *, source: str, target: str) -> SfnStep | None:
    parts = declarative.replicate_parts(res, ctx, source=source, target=target)
    return None if parts is None else SfnStep(parts=parts)
