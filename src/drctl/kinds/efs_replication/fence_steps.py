"""The steps that place and lift the write fence (:mod:`.fence`): ``fence-writes`` first in a
planned failover (calls to the primary's Region, which answers), ``lift-fence`` in the failback
once the home file system is writeable again. The policy itself is the record: a rerun reads
the fence and its time back from AWS, and the lift restores what the fence kept."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from drctl.engine.context import RunContext
from drctl.engine.step import Phase, Precheck, Step, StepOutcome, Verification
from drctl.errors import AwsError
from drctl.kinds.efs_replication import api, declarative
from drctl.kinds.efs_replication.fence import (
    FENCE_SETTLE_SECONDS,
    fenced_at,
    has_ours,
    with_fence,
    without_fence,
)
from drctl.kinds.efs_replication.replication import Ends, exported
from drctl.kinds.efs_replication.topology import NAME, file_system, stamp
from drctl.kinds.steps import aws_step
from drctl.plan.models import EfsReplication

FENCE_ACTION = "fence-writes"
LIFT_ACTION = "lift-fence"
_CAVEAT = (
    "; it governs NFS clients only, AWS does not say whether clients already connected lose "
    "write access at once, and policy changes take several minutes to take effect: stop the "
    "writers too"
)


def _policy(ctx: RunContext, fs_id: str) -> str | None:
    return api.file_system_policy(ctx.client("efs", "primary"), fs_id)


def sync_after_fence(res: EfsReplication, ctx: RunContext) -> datetime:
    """The time a sync must complete after for the failover to lose nothing: the fence's time
    read from the primary's policy, plus :data:`FENCE_SETTLE_SECONDS`."""
    fs_id = Ends(res, ctx, home_answers=True).id("primary")
    at = fenced_at(_policy(ctx, fs_id))
    if at is None:
        raise AwsError(
            f"{res.name}: {fs_id} in {ctx.region('primary')} has no write fence (drctl's "
            "Deny of ClientWrite in its file system policy): a sync could not prove nothing "
            "was written after it",
            hint=f"run the failover again: its {FENCE_ACTION} step places the fence",
        )
    return at + timedelta(seconds=FENCE_SETTLE_SECONDS)


def fence_step(res: EfsReplication, ctx: RunContext) -> Step:
    """Deny ``ClientWrite`` on the primary file system, keeping its policy's statements."""
    ends = Ends(res, ctx, home_answers=True)
    region = ctx.region("primary")
    client = ctx.client("efs", "primary")

    def state() -> tuple[bool, str]:
        fs_id = ends.id("primary")
        at = fenced_at(_policy(ctx, fs_id))
        if at is None:
            return False, f"{fs_id} in {region}: writes allowed (no drctl fence in its policy)"
        return True, f"{fs_id} in {region}: writes denied since {stamp(at)}"

    def precheck() -> Precheck:
        done, text = state()
        return Precheck(done, text, "ClientWrite denied to every principal")

    def run() -> StepOutcome:
        fs_id = ends.id("primary")
        before = _policy(ctx, fs_id)
        at = fenced_at(before)
        if at is not None:  # fenced by an attempt that stopped before it was recorded
            return StepOutcome(
                detail=f"already fenced at {stamp(at)}", data={"fenced_at": stamp(at)}
            )
        arn = str(file_system(ctx, "primary", fs_id)["FileSystemArn"])
        now = ctx.clock.now()  # to the next whole second: the Sid keeps seconds, rounded up
        now = now.replace(microsecond=0) + timedelta(seconds=1 if now.microsecond else 0)
        api.put_file_system_policy(client, fs_id, with_fence(before, arn, now))
        kept = "its policy's statements kept" if before else "it had no policy (the default)"
        return StepOutcome(
            detail=f"writes to {fs_id} in {region} denied from {stamp(now)} ({kept}); the "
            f"failover counts a sync only from {FENCE_SETTLE_SECONDS / 60:.0f} minutes after",
            data={"fenced_at": stamp(now), "previous_policy": before},
        )

    def verify() -> Verification:
        done, text = state()
        return Verification(done, text)

    fs = ends.text("primary")
    return aws_step(
        resource=res.name,
        kind=NAME,
        action=FENCE_ACTION,
        phase=Phase.FENCE,
        description=f"Fence writes to the {region} file system: add to its file system policy a "
        "Deny of elasticfilesystem:ClientWrite for every principal (IAM-authorised and "
        "anonymous NFS clients), keeping its statements (none: a stand-in for the default "
        "policy's read access), so a later sync holds everything it accepted" + _CAVEAT,
        cli=[
            f"aws efs describe-file-system-policy --file-system-id {fs} --query Policy "
            f"--output text --region {region}  # PolicyNotFound: none, the default policy",
            f"aws efs put-file-system-policy --file-system-id {fs} --policy "
            f"file://fenced-policy.json --region {region}  # fenced-policy.json: the policy "
            "read above, every statement kept (none: a statement Sid DrctlDefaultAccess, "
            'Allow, Principal {"AWS": "*"}, ClientMount and ClientRootAccess), plus Sid '
            "DrctlWriteFence followed by the UTC time as YYYYMMDDTHHMMSSZ, Effect Deny, "
            'Principal {"AWS": "*"}, Action elasticfilesystem:ClientWrite, Resource the file '
            "system ARN",
        ],
        where=f"{res.name} (efs {region})",
        precheck=precheck,
        run=run,
        verify=verify,
        poll_seconds=5.0,
        sfn=lambda: exported(ctx, lambda: declarative.fence(ctx, ends.id("primary"))),
    )


def lift_step(res: EfsReplication, ctx: RunContext, *, depends_on: list[str]) -> Step:
    """Restore the home file system's policy as it was before the fence (or none)."""
    ends = Ends(res, ctx, home_answers=True)
    region = ctx.region("primary")
    client = ctx.client("efs", "primary")

    def state() -> tuple[bool, str]:
        fs_id = ends.id("primary")
        policy = _policy(ctx, fs_id)
        if has_ours(policy):
            at = fenced_at(policy)
            since = f" since {stamp(at)}" if at else ""
            return False, f"{fs_id} in {region}: drctl's write fence in its policy{since}"
        what = "no policy (the default)" if policy is None else "its own policy"
        return True, f"{fs_id} in {region}: no drctl fence, {what}"

    def precheck() -> Precheck:
        done, text = state()
        return Precheck(done, text, "the policy the file system had before the fence")

    def run() -> StepOutcome:
        fs_id = ends.id("primary")
        policy = _policy(ctx, fs_id)
        if policy is None or not has_ours(policy):
            return StepOutcome(detail="no fence to lift")
        before = without_fence(policy)
        data: dict[str, Any] = {"restored_policy": before}
        if before is None:
            api.delete_file_system_policy(client, fs_id)
            return StepOutcome(
                detail=f"fence lifted: {fs_id} back to the default policy (it had none)", data=data
            )
        api.put_file_system_policy(client, fs_id, before)
        return StepOutcome(detail=f"fence lifted: {fs_id}'s own policy restored", data=data)

    def verify() -> Verification:
        done, text = state()
        return Verification(done, text)

    fs = ends.text("primary")
    return aws_step(
        resource=res.name,
        kind=NAME,
        action=LIFT_ACTION,
        phase=Phase.DATA,
        description=f"Lift the write fence from the {region} file system, now the source again: "
        "its file system policy without drctl's statements (the policy it had before the "
        "failover), or no policy when it had none",
        cli=[
            f"aws efs describe-file-system-policy --file-system-id {fs} --query Policy "
            f"--output text --region {region}",
            f"aws efs put-file-system-policy --file-system-id {fs} --policy "
            f"file://policy-before-fence.json --region {region}  # policy-before-fence.json: "
            "the policy read above without its DrctlWriteFence... and DrctlDefaultAccess "
            "statements",
            f"aws efs delete-file-system-policy --file-system-id {fs} --region {region}  "
            "# instead, when only those statements are left (it had no policy)",
        ],
        where=f"{res.name} (efs {region})",
        precheck=precheck,
        run=run,
        verify=verify,
        poll_seconds=5.0,
        depends_on=depends_on,
        sfn=lambda: exported(ctx, lambda: declarative.lift(ctx, ends.id("primary"))),
    )
