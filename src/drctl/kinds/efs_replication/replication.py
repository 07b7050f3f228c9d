"""The steps both directions share: wait for a sync after writes stopped, delete a replication
configuration so its destination becomes writeable, clear a record left half-deleted, and
replicate to an existing file system. Each is named by its direction (``source`` and
``dest`` sides), so failover (home -> DR) and failback (DR -> home, then home -> DR again)
build theirs from the same four.

EFS facts they rest on (EFS User Guide, "Deleting replication configurations", "Using the
replica", "Configuring replication to an existing EFS file system"):
``LastReplicatedTimestamp`` is the end of the newest completed sync -- what was written before
it is in the destination; deleting a configuration takes minutes (``DELETING``) and then the
destination is writeable (its overwrite protection ``ENABLED`` again); a file system is in one
configuration at most; replicating to an existing file system needs its overwrite protection
``DISABLED`` and makes it match the source (what only it held is overwritten).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from drctl.aws.errors import aws_errors
from drctl.engine.context import RunContext
from drctl.engine.declarative import NoDeclarativeForm, Probe, SdkCall, SfnStep, equals
from drctl.engine.step import Phase, Precheck, Step, StepOutcome, Verification
from drctl.errors import AwsError, DrctlError
from drctl.kinds.efs_replication import api, declarative
from drctl.kinds.efs_replication.topology import (
    NAME,
    Link,
    dr_id,
    file_system,
    is_id,
    link,
    links,
    primary_id,
    protection,
    stamp,
)
from drctl.kinds.steps import aws_step
from drctl.plan.durations import human_seconds
from drctl.plan.models import EfsReplication

# EFS syncs most file systems at least every 15 minutes (its RPO); a wait for the next sync,
# or for a first sync of a new configuration, is given twice that.
SYNC_TIMEOUT_SECONDS = 1800.0
# A first sync to an existing file system copies what differs: for a large one, hours.
FIRST_SYNC_TIMEOUT_SECONDS = 6 * 3600.0


class Ends:
    """The two file systems of a step, resolved once per step (ids never change)."""

    def __init__(self, res: EfsReplication, ctx: RunContext, *, home_answers: bool) -> None:
        self.res, self.ctx, self.home_answers = res, ctx, home_answers
        self._ids: dict[str, str] = {}

    def id(self, side: str) -> str:
        if side not in self._ids:
            if side == "primary":
                self._ids[side] = primary_id(self.res, self.ctx, home_answers=self.home_answers)
            else:
                self._ids[side] = dr_id(self.res, self.ctx, home_answers=self.home_answers)
        return self._ids[side]

    def link(self, source: str, dest: str, *, seen_from: str) -> Link | None:
        """The configuration ``source`` side -> ``dest`` side as ``seen_from`` records it."""
        return link(self.ctx, seen_from, self.id(seen_from), self.id(source), self.id(dest))

    def text(self, side: str) -> str:
        """The id for a printed command: read when it can be, else a substitution reading it."""
        if not self.ctx.offline:
            try:
                return self.id(side)
            except Exception:
                pass  # unknown now: the command reads it itself
        return id_substitution(self.res, self.ctx, side, home_answers=self.home_answers)


def id_substitution(
    res: EfsReplication, ctx: RunContext, side: str, *, home_answers: bool = True
) -> str:
    """A shell substitution printing ``side``'s file system id (AWS CLI, no drctl);
    ``home_answers`` False: read in DR only."""
    home, dr = ctx.region("primary"), ctx.region("dr")
    if side == "primary" and is_id(res.file_system):
        return res.file_system
    if side == "dr" and res.dr_file_system and is_id(res.dr_file_system):
        return res.dr_file_system
    if side == "primary" and not home_answers:
        return (
            f'$(aws efs describe-replication-configurations --query "Replications[?'
            f"SourceFileSystemRegion=='{home}'].SourceFileSystemId | [0]\" "
            f"--output text --region {dr})"
        )
    name = res.file_system if side == "primary" else res.dr_file_system
    # Unquoted: a file system id has no spaces, and the queries keep their own quotes.
    if name:
        return (
            f"$(aws efs describe-file-systems --query \"FileSystems[?Name=='{name}']"
            f'.FileSystemId | [0]" --output text --region {ctx.region(side)})'
        )
    primary = id_substitution(res, ctx, "primary")
    if not is_id(primary):
        return (
            f'$(aws efs describe-replication-configurations --query "Replications[?'
            f"SourceFileSystemRegion=='{home}'].Destinations[0].FileSystemId | [0]\" "
            f"--output text --region {dr})"
        )
    return (
        f"$(aws efs describe-replication-configurations --file-system-id {primary} "
        f"--query 'Replications[0].Destinations[0].FileSystemId' --output text --region {home})"
    )


def _failed(res: EfsReplication, found: Link) -> None:
    if found.status in ("ERROR", "PAUSED", "PAUSING"):
        raise AwsError(
            f"{res.name}: replication {found.text()}",
            hint="see the EFS console's replication details; fix the cause, then rerun",
        )


def sync_step(
    res: EfsReplication,
    ctx: RunContext,
    *,
    source: str,
    dest: str,
    action: str,
    depends_on: list[str] | None = None,
    after: tuple[Callable[[], datetime], str] | None = None,
    settle_seconds: int = 0,
) -> Step:
    """Wait until a sync completed after this step began (``LastReplicatedTimestamp`` later
    than its start): everything written before it -- before the writers stopped, when the
    plan stops them in an earlier phase -- is then in the destination. ``after``: instead of
    the step's start, the time a sync must complete after (read when first needed) and what
    that time is (the write fence plus the time a policy takes to take effect);
    ``settle_seconds``: that wait, for Step Functions, which cannot add to a time (it waits
    that long from the step's start, then for a sync after: see :mod:`.declarative`)."""
    ends = Ends(res, ctx, home_answers=True)
    src_region, dst_region = ctx.region(source), ctx.region(dest)
    began: dict[str, datetime] = {}
    what_since = after[1] if after else "this step began"

    def since() -> datetime:
        if "at" not in began:
            began["at"] = after[0]() if after else ctx.clock.now()
        return began["at"]

    def state() -> tuple[bool, str]:
        if after is None:
            since()  # the step's start, fixed at its first look
        found = ends.link(source, dest, seen_from=dest)
        if found is None or found.status == "DELETING":
            what = "none" if found is None else found.text()
            return True, f"no replication {src_region} to {dst_region} to wait for ({what})"
        _failed(res, found)
        last, at = found.last, since()
        return (last is not None and last > at), (
            f"{found.text()} (waiting for a sync completed after {stamp(at)}: {what_since})"
        )

    def precheck() -> Precheck:
        done, text = state()
        return Precheck(done, text, f"a sync completed after {what_since}")

    def verify() -> Verification:
        done, text = state()
        return Verification(done, text)

    d_id = ends.text(dest)
    return aws_step(
        resource=res.name,
        kind=NAME,
        action=action,
        phase=Phase.DATA,
        description=f"Wait until EFS replication {src_region} to {dst_region} completes a sync "
        f"after {what_since} (LastReplicatedTimestamp later), so nothing written before is lost",
        cli=[
            f"aws efs describe-replication-configurations --file-system-id {d_id} --query "
            "'Replications[0].Destinations[0].[Status,LastReplicatedTimestamp]' "
            f"--region {dst_region}"
        ],
        where=f"{res.name} (efs {dst_region})",
        precheck=precheck,
        run=lambda: StepOutcome(detail=f"waiting for a sync to {dst_region}"),
        verify=verify,
        mutating=False,
        timeout_seconds=SYNC_TIMEOUT_SECONDS,
        poll_seconds=30.0,
        depends_on=depends_on,
        sfn=lambda: exported(
            ctx,
            lambda: declarative.sync(
                ctx, source, dest, ends.id(source), ends.id(dest), settle_seconds=settle_seconds
            ),
        ),
    )


def exported(ctx: RunContext, build: Callable[[], SfnStep]) -> SfnStep | None:
    """A step's declarative form, built from what AWS says now (file system ids, a policy);
    none offline, and none, saying why, when that cannot be read."""
    if ctx.offline:
        return None
    try:
        with aws_errors("efs"):
            return build()
    except DrctlError as exc:
        raise NoDeclarativeForm(f"what it acts on cannot be read now: {exc.message}") from exc


def stop_step(
    res: EfsReplication,
    ctx: RunContext,
    *,
    source: str,
    dest: str,
    action: str,
    local_only: bool = False,
    depends_on: list[str] | None = None,
) -> Step:
    """Delete the configuration ``source`` -> ``dest``, called in ``dest``'s Region (the one
    that must answer), and wait until the destination is writeable. ``local_only``: only
    that Region's record (``LOCAL_CONFIGURATION_ONLY``: the source's Region does not
    answer; the failback clears the record left there)."""
    home_answers = not local_only
    ends = Ends(res, ctx, home_answers=home_answers)
    dst_region, src_region = ctx.region(dest), ctx.region(source)
    client = ctx.client("efs", dest)

    def state() -> tuple[bool, str]:
        found = ends.link(source, dest, seen_from=dest)
        fs = file_system(ctx, dest, ends.id(dest))
        guard = protection(fs)
        text = f"{ends.id(dest)} in {dst_region}: {guard}" + (
            f"; {found.text()}" if found else ", in no replication configuration"
        )
        done = found is None and guard == "ENABLED"
        if done and home_answers:  # the source's Region lets it go too
            done = ends.link(source, dest, seen_from=source) is None
        return done, text

    def precheck() -> Precheck:
        done, text = state()
        return Precheck(done, text, f"writeable (overwrite protection ENABLED) in {dst_region}")

    def run() -> StepOutcome:
        found = ends.link(source, dest, seen_from=dest)
        data: dict[str, Any] = {
            "primary_file_system": ends.id("primary"),
            "dr_file_system": ends.id("dr"),
        }
        if found is None:
            return StepOutcome(detail="no configuration left to delete", data=data)
        last = found.last
        data["last_replicated"] = stamp(last) if last else None
        if found.status == "DELETING":
            return StepOutcome(detail=f"already deleting: {found.text()}", data=data)
        if dest == "dr":
            api.tag_replica(client, ends.id("dr"), ends.id("primary"))
        api.delete_replication(client, ends.id(source), local_only=local_only)
        now = ctx.clock.now()
        if local_only:
            lost = None if last is None else (now - last).total_seconds()
            data["data_loss_seconds"] = lost
            loss = (
                f"what was written in {src_region} after {stamp(last)} (the last sync, "
                f"{human_seconds(lost or 0)} ago) is not in {dst_region}"
                if last
                else f"it never completed a sync: {dst_region} holds none of {src_region}'s data"
            )
            data["write_fence"] = "not placed"
            detail = (
                f"replication deleted in {dst_region} only ({src_region} does not answer; its "
                f"record is cleared on failback); {loss}; no write fence was placed on "
                f"{ends.id(source)} (its Region does not answer): should it come back, its "
                "clients can write to it, and the failback overwrites what they write"
            )
        else:
            detail = f"replication {src_region} to {dst_region} deleted" + (
                f" (last sync {stamp(last)})" if last else ""
            )
        return StepOutcome(detail=detail, data=data)

    def verify() -> Verification:
        done, text = state()
        return Verification(done, text)

    s_id, d_id = ends.text(source), ends.text(dest)
    mode = " --deletion-mode LOCAL_CONFIGURATION_ONLY" if local_only else ""
    tag = (
        [
            f"aws efs tag-resource --resource-id {d_id} --tags "
            f"Key={api.REPLICA_TAG},Value={ends.text('primary')} --region {dst_region}"
        ]
        if dest == "dr"
        else []
    )
    return aws_step(
        resource=res.name,
        kind=NAME,
        action=action,
        phase=Phase.DATA,
        description=("Tag the DR copy as the primary's (drctl-replica-of), then d" if tag else "D")
        + f"elete the EFS replication {src_region} to {dst_region} (from {dst_region}"
        f"{', only its record there' if local_only else ''}) and wait until the "
        f"{dst_region} file system is writeable"
        + (
            f"; no write fence on the {src_region} file system: its Region does not answer"
            if local_only
            else ""
        ),
        cli=[
            *tag,
            f"aws efs delete-replication-configuration --source-file-system-id {s_id}{mode} "
            f"--region {dst_region}",
            f"aws efs describe-file-systems --file-system-id {d_id} "
            f"--query 'FileSystems[0].FileSystemProtection' --region {dst_region}",
        ],
        where=f"{res.name} (efs {dst_region})",
        precheck=precheck,
        run=run,
        verify=verify,
        poll_seconds=30.0,
        depends_on=depends_on,
        sfn=lambda: _stop_declarative(ends, source=source, dest=dest, local_only=local_only),
    )


def _stop_declarative(ends: Ends, *, source: str, dest: str, local_only: bool) -> SfnStep | None:
    """The stop as SDK calls: done when the destination's overwrite protection is ENABLED
    (writeable); tag the DR copy, delete (a rerun while it is DELETING may be refused: the
    wait loop sees it through), then wait for ENABLED. The ids are read when exporting."""
    if ends.ctx.offline:
        return None
    try:
        s_id, d_id = ends.id(source), ends.id(dest)
        primary = ends.id("primary")
    except Exception:
        return None
    region, side = ends.ctx.region(dest), dest
    probe = Probe(
        SdkCall("efs", "describeFileSystems", {"FileSystemId": d_id}, region, side=side),
        equals("$.FileSystems[0].FileSystemProtection.ReplicationOverwriteProtection", "ENABLED"),
    )
    delete: dict[str, object] = {"SourceFileSystemId": s_id}
    if local_only:
        delete["DeletionMode"] = api.LOCAL_ONLY
    calls = []
    if dest == "dr":
        tags = [{"Key": api.REPLICA_TAG, "Value": primary}]
        calls.append(
            SdkCall("efs", "tagResource", {"ResourceId": d_id, "Tags": tags}, region, side=side)
        )
    calls.append(
        SdkCall(
            "efs",
            "deleteReplicationConfiguration",
            delete,
            region,
            tolerate_failure=True,
            side=side,
        )
    )
    return SfnStep(precheck=probe, run=tuple(calls), verify=probe)


def clear_stale_step(
    res: EfsReplication,
    ctx: RunContext,
    *,
    side: str,
    action: str,
    depends_on: list[str] | None = None,
) -> Step:
    """Delete, in ``side``'s Region only, a configuration record whose other half is gone
    (``ERROR``: left by a failover that could only delete in the other Region): until it goes,
    the file system is "part of a replication configuration" and cannot be replicated to."""
    ends = Ends(res, ctx, home_answers=True)
    region = ctx.region(side)
    client = ctx.client("efs", side)

    def stale() -> list[Link]:
        return [k for k in links(ctx, side, ends.id(side)) if k.status in ("ERROR", "DELETING")]

    def precheck() -> Precheck:
        found = stale()
        current = "; ".join(k.text() for k in found) or f"no stale record in {region}"
        return Precheck(not found, current, f"no half-deleted replication record in {region}")

    def run() -> StepOutcome:
        cleared = []
        for k in stale():
            if k.status == "ERROR":
                api.delete_replication(client, k.source, local_only=True)
                cleared.append(k.text())
        return StepOutcome(detail="deleting " + ("; ".join(cleared) or "nothing (already going)"))

    def verify() -> Verification:
        found = stale()
        return Verification(not found, "; ".join(k.text() for k in found) or "none left")

    fs = ends.text(side)
    return aws_step(
        resource=res.name,
        kind=NAME,
        action=action,
        phase=Phase.DATA,
        description=f"Delete in {region} the replication record a failover could not delete "
        f"there (its Region was down), so the file system can be replicated to again",
        cli=[
            f"aws efs describe-replication-configurations --file-system-id {fs} "
            f"--query 'Replications[0].[SourceFileSystemId,Destinations[0].Status]' "
            f"--region {region}",
            f"aws efs delete-replication-configuration --source-file-system-id {fs} "
            f"--deletion-mode LOCAL_CONFIGURATION_ONLY --region {region}  # only when ERROR",
        ],
        where=f"{res.name} (efs {region})",
        precheck=precheck,
        run=run,
        verify=verify,
        poll_seconds=30.0,
        depends_on=depends_on,
        preparation=True,
        sfn=lambda: exported(ctx, lambda: declarative.clear_stale(ctx, side, ends.id(side))),
    )


def replicate_step(
    res: EfsReplication,
    ctx: RunContext,
    *,
    source: str,
    dest: str,
    action: str,
    preparation: bool = False,
    done_when_home_replicates: bool = False,
    depends_on: list[str] | None = None,
) -> Step:
    """Replicate ``source``'s file system to the existing one on ``dest`` (overwrite
    protection DISABLED first) and wait for the first sync. ``done_when_home_replicates``:
    nothing to do when home already replicates to DR (the failback got past this point)."""
    ends = Ends(res, ctx, home_answers=True)
    src_region, dst_region = ctx.region(source), ctx.region(dest)

    def state() -> tuple[bool, str]:
        if done_when_home_replicates:
            home = ends.link("primary", "dr", seen_from="dr")
            if home is not None and home.status != "DELETING":
                return True, f"home replicates to DR: {home.text()}"
        found = ends.link(source, dest, seen_from=dest)
        if found is None:
            return False, f"no replication {src_region} to {dst_region}"
        _failed(res, found)
        return found.synced, found.text()

    def precheck() -> Precheck:
        done, text = state()
        return Precheck(done, text, f"{src_region} to {dst_region} ENABLED, first sync done")

    def run() -> StepOutcome:
        found = ends.link(source, dest, seen_from=dest)
        if found is not None:
            return StepOutcome(detail=f"already replicating: {found.text()}")
        s_id, d_id = ends.id(source), ends.id(dest)
        guard = protection(file_system(ctx, dest, d_id))
        if guard == "ENABLED":
            api.set_overwrite_protection(ctx.client("efs", dest), d_id, "DISABLED")
        elif guard != "DISABLED":
            raise AwsError(
                f"{res.name}: {d_id} in {dst_region} has overwrite protection {guard}: it is "
                "part of another replication configuration",
                hint=f"aws efs describe-replication-configurations --file-system-id {d_id} "
                f"--region {dst_region}",
            )
        api.create_replication(ctx.client("efs", source), s_id, dst_region, d_id)
        return StepOutcome(
            detail=f"replicating {s_id} ({src_region}) to the existing {d_id} ({dst_region}), "
            f"which now follows it (read-only) and is overwritten to match",
            data={"source": s_id, "destination": d_id},
        )

    def verify() -> Verification:
        done, text = state()
        return Verification(done, text)

    s_text, d_text = ends.text(source), ends.text(dest)
    return aws_step(
        resource=res.name,
        kind=NAME,
        action=action,
        phase=Phase.DATA,
        description=f"Replicate the {src_region} file system to the existing one in "
        f"{dst_region} (overwrite protection disabled first; it becomes a read-only copy) and "
        "wait for the first sync",
        cli=[
            f"aws efs update-file-system-protection --file-system-id {d_text} "
            f"--replication-overwrite-protection DISABLED --region {dst_region}",
            f"aws efs create-replication-configuration --source-file-system-id {s_text} "
            f"--destinations Region={dst_region},FileSystemId={d_text} --region {src_region}",
            f"aws efs describe-replication-configurations --file-system-id {s_text} --query "
            "'Replications[0].Destinations[0].[Status,LastReplicatedTimestamp]' "
            f"--region {src_region}",
        ],
        where=f"{res.name} (efs {src_region})",
        precheck=precheck,
        run=run,
        verify=verify,
        timeout_seconds=FIRST_SYNC_TIMEOUT_SECONDS,
        poll_seconds=60.0,
        preparation=preparation,
        depends_on=depends_on,
        sfn=lambda: exported(
            ctx,
            lambda: declarative.replicate(
                ctx,
                source,
                dest,
                {"primary": ends.id("primary"), "dr": ends.id("dr")},
                done_when_home_replicates=done_when_home_replicates,
            ),
        ),
    )
