"""The ``rds-instance`` replica steps as AWS SDK calls, for Step Functions (``drctl export``).

Each form mirrors a step's closures (``replica.promote_step``, ``fencing.fence_step``): the
same describe, the same calls, the same conditions on ``DescribeDBInstances``. What only AWS
knows when the run starts (the primary's backup retention, the instance's parameter group
and engine) is read when the definition is exported; offline, or when it cannot be read,
the step has no declarative form and the export names it.
"""

from __future__ import annotations

from typing import Any

from drctl.engine.context import RunContext
from drctl.engine.declarative import (
    Probe,
    SdkCall,
    SfnStep,
    all_of,
    any_of,
    at_least,
    equals,
    negate,
    present,
    starts_with,
)
from drctl.kinds.rds_instance import api

_INSTANCE = "$.DbInstances[0]"
_SOURCE = f"{_INSTANCE}.ReadReplicaSourceDBInstanceIdentifier"
_STATUS = f"{_INSTANCE}.DbInstanceStatus"
_GROUP = f"{_INSTANCE}.DbParameterGroups[0].DbParameterGroupName"
_APPLY = f"{_INSTANCE}.DbParameterGroups[0].ParameterApplyStatus"


def describe(instance_id: str, region: str, side: str = "dr") -> SdkCall:
    return SdkCall(
        "rds", "describeDBInstances", {"DbInstanceIdentifier": instance_id}, region, side=side
    )


def standalone_available() -> dict[str, Any]:
    """``api.is_standalone_writable`` as a Choice rule."""
    return all_of(negate(present(_SOURCE)), equals(_STATUS, "available"))


def promote(instance_id: str, region: str, retention_days: int) -> SfnStep:
    """Promote the replica; a rerun finds it standalone and only verifies."""
    probe = Probe(describe(instance_id, region), standalone_available())
    return SfnStep(
        precheck=probe,
        # A second promote while the first is under way is refused (InvalidDBInstanceState):
        # the wait loop then sees the first one through, as ``api.promote_once`` does.
        run=(
            SdkCall(
                "rds",
                "promoteReadReplica",
                {"DbInstanceIdentifier": instance_id, "BackupRetentionPeriod": retention_days},
                region,
                tolerate_failure=True,
            ),
        ),
        verify=probe,
    )


def _fenced() -> dict[str, Any]:
    return all_of(
        any_of(starts_with(_GROUP, api.FENCE_PREFIX), starts_with(_GROUP, "drctl-readonly-")),
        equals(_APPLY, "in-sync"),
    )


def fence(
    ctx: RunContext, side: str, instance_id: str, *, unreachable_note: str | None = None
) -> SfnStep | None:
    """Copy the instance's parameter group (a default one: a new group of its family) with
    the read-only parameter set, apply it,
    reboot when it waits for one; None when the group or engine cannot be read now."""
    if ctx.offline:
        return None
    region = ctx.region(side)
    try:
        inst = api.describe_instance(ctx.client("rds", side), instance_id) or {}
    except Exception:
        return None
    current = api.parameter_group(inst)
    parameter = api.read_only_parameter(str(inst.get("Engine", "")))
    if not current or parameter is None:
        return None
    group = current if api.is_fence_group(current) else (api.FENCE_PREFIX + instance_id)[:255]
    apply = SdkCall(
        "rds",
        "modifyDBInstance",
        {
            "DbInstanceIdentifier": instance_id,
            "DbParameterGroupName": group,
            "ApplyImmediately": True,
        },
        region,
        side=side,
    )
    calls: tuple[SdkCall, ...] = (apply,)
    if group != current:
        description = f"drctl fencing of {instance_id}: no writes"
        tags = [
            {"Key": "drctl:purpose", "Value": "fencing"},
            {"Key": api.ORIGINAL_GROUP_TAG, "Value": current},
        ]
        family = api.default_group_family(current)
        # A default group cannot be copied: a new group of its family (see fence_group_for).
        if family is not None:
            made = SdkCall(
                "rds",
                "createDBParameterGroup",
                {
                    "DbParameterGroupName": group,
                    "DbParameterGroupFamily": family,
                    "Description": description,
                    "Tags": tags,
                },
                region,
                side=side,
                tolerate_failure=True,  # a rerun finds the group made
            )
        else:
            made = SdkCall(
                "rds",
                "copyDBParameterGroup",
                {
                    "SourceDBParameterGroupIdentifier": current,
                    "TargetDBParameterGroupIdentifier": group,
                    "TargetDBParameterGroupDescription": description,
                    "Tags": tags,
                },
                region,
                side=side,
                tolerate_failure=True,  # a rerun finds the copy made
            )
        calls = (
            made,
            SdkCall(
                "rds",
                "modifyDBParameterGroup",
                {
                    "DbParameterGroupName": group,
                    "Parameters": [
                        {
                            "ParameterName": parameter[0],
                            "ParameterValue": parameter[1],
                            "ApplyMethod": "immediate",
                        }
                    ],
                },
                region,
                side=side,
            ),
            apply,
        )
    call = describe(instance_id, region, side)
    reboot = SdkCall(
        "rds", "rebootDBInstance", {"DbInstanceIdentifier": instance_id}, region, side=side
    )
    return SfnStep(
        precheck=Probe(call, any_of(present(_SOURCE), _fenced())),
        run=calls,
        verify=Probe(
            call,
            all_of(_fenced(), equals(_STATUS, "available")),
            nudge=(
                all_of(equals(_APPLY, "pending-reboot"), equals(_STATUS, "available")),
                reboot,
            ),
        ),
        unreachable_note=unreachable_note,
    )


DRAINED_SECONDS = 5  # as fencing.DRAIN_THRESHOLD_SECONDS


def drain(replica: str, region: str, engine: str) -> SfnStep | None:
    """Wait until ReplicaLag datapoints since the wait began (the fence is in-sync by then:
    it is the step before) show the replica within 5 s, and none shows replication stopped
    (-1). The CLI takes the newest datapoint after the fence; a Choice cannot sort, so here
    any datapoint of the window counts, the minute of the fence included (CloudWatch rounds
    the start down to the minute). PostgreSQL's ReplicaLag grows while an idle source is
    fenced, which the CLI compares with the fence's time: no declarative form (None)."""
    if engine.startswith("postgres"):
        return None
    datapoints = "$.Datapoints"
    return SfnStep(
        # Promoted already (a rerun): nothing replicates, nothing to drain.
        precheck=Probe(describe(replica, region), negate(present(_SOURCE))),
        verify=Probe(
            SdkCall(
                "cloudwatch",
                "getMetricStatistics",
                {
                    "Namespace": "AWS/RDS",
                    "MetricName": "ReplicaLag",
                    "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": replica}],
                    "Statistics": ["Maximum"],
                    "Period": 60,
                    "StartTime.$": "$.polls.since",
                    "EndTime.$": "$$.State.EnteredTime",
                },
                region,
            ),
            all_of(at_least("$.CaughtUp", 1), equals("$.Stopped", 0)),
            select={
                "CaughtUp": f"States.ArrayLength({datapoints}[?(@.Maximum <= {DRAINED_SECONDS})])",
                "Stopped": f"States.ArrayLength({datapoints}[?(@.Maximum < 0)])",
            },
            # The window starts when the wait does: CloudWatch refuses an empty one.
            wait_first=True,
        ),
    )
