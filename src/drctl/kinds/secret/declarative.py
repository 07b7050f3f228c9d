"""A failback's replication of a secret as Step Functions runs it (``drctl export
stepfunctions``): :func:`drctl.kinds.secret.failback.replicate_step` as two parts.

The CLI step reads the source secret (the Region it replicates from), and the answer decides
everything: a copy there that is a replica (going home: DR still follows home) or a primary
whose ReplicationStatus lists the target ``InSync`` is done; a primary that lists the target
otherwise is replicating already (no call, wait); else it replicates. One ``DescribeSecret``
answers all of it, but the target's entry is not at a position the definition can know (the
call adds it), so the answer is searched with a JSONPath filter in the task's
``ResultSelector`` -- paths there follow the whole JsonPath syntax, filters included
(https://docs.aws.amazon.com/step-functions/latest/dg/amazon-states-language-paths.html:
``$.jar[?(@.a >= 5)]``), where a Choice reads only reference paths. The filter starts with a
deep scan (``$..ReplicationStatus``): a secret with no replica has no ``ReplicationStatus`` at
all, and a scan finds nothing rather than failing on the missing member.

1. ``replicate``: skipped when done or when the target is listed already;
   ``ReplicateSecretToRegions`` otherwise, overwriting the copy there, with the key the target
   Region's copy is encrypted with (read when exporting, as the CLI reads it before the call:
   the failback does not change it; none when that copy uses the AWS managed key or is gone);
2. ``wait``: skipped when done; otherwise the source is described until the target is
   ``InSync``, and a ``Failed`` entry fails the step at once, as the CLI stops.
"""

from __future__ import annotations

from typing import Any

from drctl.engine.context import RunContext
from drctl.engine.declarative import (
    Probe,
    Rule,
    SdkCall,
    SfnStep,
    all_of,
    any_of,
    at_least,
    equals,
    negate,
    present,
)
from drctl.kinds.secret import api
from drctl.kinds.secret.topology import read
from drctl.plan.models import Secret

_SECRET = "$.Secret"  # the whole answer, kept beside what the filters select


def replicate_parts(
    res: Secret, ctx: RunContext, *, source: str, target: str
) -> tuple[SfnStep, SfnStep] | None:
    """The two parts of replicating ``source``'s secret to ``target``; None offline or when
    the target's key cannot be read (the export then names the step)."""
    if ctx.offline:
        return None
    src_region, dst_region = ctx.region(source), ctx.region(target)
    try:
        there = read(res, ctx, target)
    except Exception:
        return None
    key = there.key if there.exists else None
    replica: dict[str, Any] = {"Region": dst_region}
    if key and not api.is_aws_managed(key):
        replica["KmsKeyId"] = key
    describe = SdkCall(
        "secretsmanager", "describeSecret", {"SecretId": res.secret}, src_region, side=source
    )
    entry = f"$..ReplicationStatus[?(@.Region == '{dst_region}')]"
    select = {
        "Secret": "$",
        "Listed": f"States.ArrayLength({entry})",
        "InSync": f"States.ArrayContains({entry}.Status, 'InSync')",
        "Failed": f"States.ArrayContains({entry}.Status, 'Failed')",
    }
    primary = primary_in(src_region)
    synced = all_of(primary, equals("$.InSync", True))
    # Going home, DR still a replica (of home): replication was never stopped.
    done = any_of(negate(primary), synced) if target == "primary" else synced
    replicate = SdkCall(
        "secretsmanager",
        "replicateSecretToRegions",
        {
            "SecretId": res.secret,
            "AddReplicaRegions": [replica],
            "ForceOverwriteReplicaSecret": True,
        },
        src_region,
        side=source,
    )
    listed = all_of(primary, at_least("$.Listed", 1))
    failed = all_of(primary, equals("$.Failed", True))
    return (
        SfnStep(precheck=Probe(describe, any_of(done, listed), select=select), run=(replicate,)),
        SfnStep(
            precheck=Probe(describe, done, select=select),
            verify=Probe(
                describe,
                done,
                select=select,
                fails=(
                    failed,
                    f"replication of {res.secret} to {dst_region} Failed: remove the Region "
                    f"from its replication in {src_region}, fix the cause (KMS key), then fail "
                    "back again",
                ),
            ),
        ),
    )


def primary_in(region: str) -> Rule:
    """The described secret (kept at ``$.Secret``) is a primary in ``region``: it names no
    other primary's Region."""
    path = f"{_SECRET}.PrimaryRegion"
    return any_of(negate(present(path)), equals(path, region))
