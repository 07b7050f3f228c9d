"""The ``efs-replication`` steps as AWS SDK calls, for Step Functions (``drctl export``).

Each form mirrors a step's closures (:mod:`.fence_steps`, :mod:`.replication`): the same
describe calls, the same conditions on their answers, the same calls. The file system ids are
read when the definition is exported (offline, or when they cannot be read, the step has no
declarative form and the export names it). Answers that mean "nothing there" are errors in
EFS (``PolicyNotFound``: the default policy; ``ReplicationNotFound``: in no configuration):
the probes catch exactly those and read an empty answer instead.

What a state machine cannot do as the CLI does, and what it does instead:

* the write fence's policy is rebuilt at run time from the policy read then (intrinsics: the
  policy parsed, the deny appended, written back as text), so a state machine deployed long
  before the failover keeps whatever statements the policy has by then; its ``Sid`` carries
  the time the state was entered, to the second (the CLI rounds up to the next second);
* a state machine cannot add to a time: the planned failover's wait for a sync after the
  fence plus :data:`~.fence.FENCE_SETTLE_SECONDS` first waits that long from the step's
  start, then for a sync completed after that -- the CLI's moment when the fence was just
  placed (the wait follows it), later on a rerun long after the fence (that wait and the
  next sync), never earlier;
* lifting the fence removes statements by their ``Sid`` (a JSONPath filter cannot test a
  prefix on AWS and in moto alike): the policy without drctl's statements is computed when
  the failback is exported (a failback is exported after its failover), and the execution
  refuses to write it when the policy it reads is no longer the one exported.
"""

from __future__ import annotations

import json
from typing import Any

from drctl.engine.context import RunContext
from drctl.engine.declarative import (
    Compute,
    Probe,
    Rule,
    SdkCall,
    SfnStep,
    all_of,
    any_of,
    equals,
    negate,
    present,
)
from drctl.kinds.efs_replication import api
from drctl.kinds.efs_replication.fence import (
    FENCE_SID,
    STANDIN_SID,
    has_ours,
    standin_statement,
    without_fence,
)
from drctl.kinds.efs_replication.topology import file_system, links

POLICY_NOT_FOUND = "Efs.PolicyNotFoundException"
REPLICATION_NOT_FOUND = "Efs.ReplicationNotFoundException"
_LINK = "$.Replications[0]"
_SOURCE = f"{_LINK}.SourceFileSystemId"
_DEST = f"{_LINK}.Destinations[0]"
_STATUS = f"{_DEST}.Status"
_LAST = f"{_DEST}.LastReplicatedTimestamp"
_FAILED = ("ERROR", "PAUSED", "PAUSING")
# The fence's Sid from the time the state was entered: "2026-11-30T12:00:00.192Z" split at
# its separators is year, month, day, hours, minutes, seconds (and milliseconds).
_CLOCK = "States.StringSplit($$.State.EnteredTime, '-:T.Z')"
FENCE_SID_EXPRESSION = (
    f"States.Format('{FENCE_SID}{{}}{{}}{{}}T{{}}{{}}{{}}Z', "
    + ", ".join(f"States.ArrayGetItem({_CLOCK}, {i})" for i in range(6))
    + ")"
)


def _matches(path: str, text: str) -> Rule:
    """``path`` (a string) contains ``text`` (no ``*`` or backslash in it)."""
    return all_of(present(path), {"Variable": path, "StringMatches": f"*{text}*"})


def fenced() -> Rule:
    """``fence.fenced_at`` as a rule on ``DescribeFileSystemPolicy``'s answer."""
    return _matches("$.Policy", f'"{FENCE_SID}')


def ours() -> Rule:
    """``fence.has_ours``: the fence or the default policy's stand-in is in the policy."""
    return any_of(fenced(), _matches("$.Policy", f'"{STANDIN_SID}"'))


def link_is(source_id: str, dest_id: str) -> Rule:
    """The configuration read is ``source_id`` -> ``dest_id`` (``topology.link``)."""
    return all_of(equals(_SOURCE, source_id), equals(f"{_DEST}.FileSystemId", dest_id))


def failed(source_id: str, dest_id: str) -> Rule:
    return all_of(link_is(source_id, dest_id), any_of(*(equals(_STATUS, s) for s in _FAILED)))


def _links(fs_id: str, region: str, side: str) -> SdkCall:
    return SdkCall(
        "efs", "describeReplicationConfigurations", {"FileSystemId": fs_id}, region, side=side
    )


def _probe(call: SdkCall, holds: Rule, **more: Any) -> Probe:
    """A probe of a configuration: in none, ``ReplicationNotFound`` is no configuration."""
    return Probe(
        call, holds, missing=(REPLICATION_NOT_FOUND,), missing_answer={"Replications": []}, **more
    )


def _policy_probe(call: SdkCall, holds: Rule, answer: dict[str, Any] | None = None) -> Probe:
    """A probe of a policy: ``PolicyNotFound`` is the default policy (no policy of its own)."""
    return Probe(call, holds, missing=(POLICY_NOT_FOUND,), missing_answer=answer or {})


def sync(
    ctx: RunContext, source: str, dest: str, s_id: str, d_id: str, *, settle_seconds: int = 0
) -> SfnStep:
    """Wait for a sync completed after the wait began (``settle_seconds`` after the step
    began); done at once when the configuration is gone or going (``DELETING``); fail at
    once when it is ``ERROR``/``PAUSED``/``PAUSING``. Read in the destination's Region."""
    call = _links(d_id, ctx.region(dest), dest)
    gone = any_of(negate(link_is(s_id, d_id)), equals(_STATUS, "DELETING"))
    after = all_of(
        link_is(s_id, d_id),
        present(_LAST),
        {"Variable": _LAST, "TimestampGreaterThanPath": "$.polls.since"},
    )
    why = "the replication is ERROR, PAUSED or PAUSING: see the EFS console, fix it, rerun"
    return SfnStep(
        precheck=_probe(call, gone),
        verify=_probe(
            call,
            any_of(gone, after),
            fails=(failed(s_id, d_id), why),
            settle_seconds=settle_seconds,
        ),
    )


def fence(ctx: RunContext, fs_id: str) -> SfnStep:
    """Add the deny of ``ClientWrite`` to the primary's policy as read at run time (none: the
    default policy's stand-in first), every statement of it kept."""
    region = ctx.region("primary")
    arn = str(file_system(ctx, "primary", fs_id)["FileSystemArn"])
    read = SdkCall(
        "efs", "describeFileSystemPolicy", {"FileSystemId": fs_id}, region, side="primary"
    )
    default = {"Version": "2012-10-17", "Statement": [standin_statement(arn)]}
    deny = {
        "Sid.$": FENCE_SID_EXPRESSION,
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": ["elasticfilesystem:ClientWrite"],
        "Resource": arn,
    }
    listed = present("$.fence.doc.Statement[0]")
    return SfnStep(
        lookup=_policy_probe(read, fenced(), {"Policy": json.dumps(default)}),
        precheck=_policy_probe(read, fenced()),
        compute=(
            Compute("$.fence", {"doc.$": "States.StringToJson($.lookup.Policy)", "deny": deny}),
            # IAM lets a policy's Statement be one statement rather than a list of them.
            Compute("$.kept", {"items.$": "$.fence.doc.Statement"}, when=listed),
            Compute(
                "$.kept", {"items.$": "States.Array($.fence.doc.Statement)"}, when=negate(listed)
            ),
            Compute(
                "$.joined", {"pair.$": "States.Array($.kept.items, States.Array($.fence.deny))"}
            ),
            Compute("$.joined", {"Statement.$": "$.joined.pair[*][*]"}),  # the two lists as one
            Compute(
                "$.fenced",
                {"text.$": "States.JsonToString(States.JsonMerge($.fence.doc, $.joined, false))"},
            ),
        ),
        run=(
            SdkCall(
                "efs",
                "putFileSystemPolicy",
                {"FileSystemId": fs_id, "Policy.$": "$.fenced.text"},
                region,
                side="primary",
            ),
        ),
        verify=_policy_probe(read, fenced()),
    )


def lift(ctx: RunContext, fs_id: str) -> SfnStep:
    """Write the policy as it was before the fence (computed now from the fenced policy), or
    delete it when there was none -- only when the policy is still the one read now."""
    region = ctx.region("primary")
    read = SdkCall(
        "efs", "describeFileSystemPolicy", {"FileSystemId": fs_id}, region, side="primary"
    )
    lifted = _policy_probe(read, negate(ours()))
    policy = api.file_system_policy(ctx.client("efs", "primary"), fs_id)
    changed = (
        "the file system policy is not the one read when the failback was exported: export "
        "the failback again (drctl export stepfunctions), or lift the fence with drctl failback"
    )
    if policy is None or not has_ours(policy):
        # Nothing to lift now: the execution checks that still holds, and refuses otherwise.
        return SfnStep(precheck=lifted, compute=(Compute(fail=changed),))
    before = without_fence(policy)
    call = (
        SdkCall("efs", "deleteFileSystemPolicy", {"FileSystemId": fs_id}, region, side="primary")
        if before is None
        else SdkCall(
            "efs",
            "putFileSystemPolicy",
            {"FileSystemId": fs_id, "Policy": before},
            region,
            side="primary",
        )
    )
    return SfnStep(
        lookup=_policy_probe(read, negate(ours())),
        precheck=lifted,
        compute=(Compute(when=negate(equals("$.lookup.Policy", policy)), fail=changed),),
        run=(call,),
        verify=lifted,
    )


def clear_stale(ctx: RunContext, side: str, fs_id: str) -> SfnStep:
    """Delete, in ``side``'s Region only, a record left ``ERROR`` (``DELETING``: going)."""
    region = ctx.region(side)
    stale = any_of(equals(_STATUS, "ERROR"), equals(_STATUS, "DELETING"))
    found = links(ctx, side, fs_id)
    source = next(
        (k.source for k in found if k.status in ("ERROR", "DELETING")),
        next((k.source for k in found), fs_id),
    )
    probe = _probe(_links(fs_id, region, side), negate(stale))
    delete = SdkCall(
        "efs",
        "deleteReplicationConfiguration",
        {"SourceFileSystemId": source, "DeletionMode": api.LOCAL_ONLY},
        region,
        side=side,
        tolerate_failure=True,  # already going (DELETING): the wait loop sees it through
    )
    return SfnStep(precheck=probe, run=(delete,), verify=probe)


def replicate(
    ctx: RunContext,
    source: str,
    dest: str,
    ids: dict[str, str],
    *,
    done_when_home_replicates: bool,
) -> SfnStep:
    """Disable the destination's overwrite protection, replicate ``source`` to it, wait for
    the first sync. Done when that configuration is ENABLED and synced -- or, with
    ``done_when_home_replicates``, when home replicates to DR again (read in DR, where both
    configurations are recorded: DR is the source of one, the destination of the other)."""
    s_id, d_id = ids[source], ids[dest]
    src_region, dst_region = ctx.region(source), ctx.region(dest)
    synced = all_of(link_is(s_id, d_id), equals(_STATUS, "ENABLED"), present(_LAST))
    done = synced
    if done_when_home_replicates:
        home = all_of(link_is(ids["primary"], ids["dr"]), negate(equals(_STATUS, "DELETING")))
        done = any_of(home, synced)
    why = "the replication is ERROR, PAUSED or PAUSING: see the EFS console, fix it, rerun"
    return SfnStep(
        precheck=_probe(_links(ids["dr"], ctx.region("dr"), "dr"), done),
        run=(
            # A rerun finds the destination already protected as REPLICATING and the
            # configuration there: both calls are refused, and the wait loop follows it.
            SdkCall(
                "efs",
                "updateFileSystemProtection",
                {"FileSystemId": d_id, "ReplicationOverwriteProtection": "DISABLED"},
                dst_region,
                side=dest,
                tolerate_failure=True,
            ),
            SdkCall(
                "efs",
                "createReplicationConfiguration",
                {
                    "SourceFileSystemId": s_id,
                    "Destinations": [{"Region": dst_region, "FileSystemId": d_id}],
                },
                src_region,
                side=source,
                tolerate_failure=True,
            ),
        ),
        verify=_probe(_links(d_id, dst_region, dest), synced, fails=(failed(s_id, d_id), why)),
    )
