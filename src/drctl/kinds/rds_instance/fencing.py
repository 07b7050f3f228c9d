"""Safety steps of ``rds-instance``: measure lag, fence, drain -- so there is never an
instant with two writable primaries both taking traffic, and no planned move loses data.

Planned failover: ``fence`` the primary (read-only parameter group), ``drain``
(wait until the replica's lag is within a few seconds), then promote. Unplanned:
promote and move traffic first, then ``fence-old-primary`` as soon as it is
reachable; when it is not, the step waits and the run says so (resume it when
the region is back).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from drctl.engine.context import RunContext
from drctl.engine.declarative import SfnStep
from drctl.engine.gate import LagReading
from drctl.engine.step import Phase, Precheck, Step, StepOutcome, StepWaiting, Verification
from drctl.errors import AwsError, DrctlError
from drctl.kinds.rds_instance import api, declarative
from drctl.kinds.steps import aws_step
from drctl.plan.durations import human_seconds
from drctl.plan.models import RdsInstance

NAME = "rds-instance"
# ReplicaLag is whole seconds at one-minute resolution: "drained" means within this.
DRAIN_THRESHOLD_SECONDS = 5.0


# RDS publishes ReplicaLag once a minute: a datapoint older than a few periods is stale.
STALE_AFTER_SECONDS = 180.0


def lag(res: RdsInstance, ctx: RunContext) -> LagReading:
    """The replica's lag for the RPO gate, failing closed: -1 (replication not running), no
    datapoint, or a stale one is unknown, and unknown refuses a planned failover."""
    source = f"CloudWatch AWS/RDS ReplicaLag of {res.dr} ({ctx.region('dr')})"
    inst = api.describe_instance(ctx.client("rds", "dr"), res.dr)
    if inst is None or api.replica_source(inst) is None:
        # Already promoted (a rerun, or failback's direction): nothing left to lose here.
        return LagReading(res.name, NAME, None, source, "not a replica: nothing replicates")
    now = ctx.clock.now()
    point = api.replica_lag_datapoint(ctx.client("cloudwatch", "dr"), res.dr, now)
    if point is None:
        return LagReading(
            res.name, NAME, None, source, "no datapoint in the last 10 minutes", fail_closed=True
        )
    seconds, at = point
    age = (now - at).total_seconds()
    if seconds < 0:
        return LagReading(
            res.name, NAME, None, source, "ReplicaLag is -1: replication is not running",
            fail_closed=True,
        )  # fmt: skip
    if age > STALE_AFTER_SECONDS:
        return LagReading(
            res.name, NAME, None, source,
            f"newest datapoint is {human_seconds(age)} old (stale: RDS publishes every minute)",
            fail_closed=True,
        )  # fmt: skip
    return LagReading(res.name, NAME, seconds, source, "")


def fence_step(
    res: RdsInstance,
    ctx: RunContext,
    *,
    side: str,
    instance_id: str,
    action: str,
    phase: Phase,
    wait_if_unreachable: bool = False,
    fenced_at: dict[str, datetime] | None = None,
) -> Step:
    """Put ``instance_id`` on ``side`` into a read-only copy of its parameter group; done
    when the group is in-sync (``fenced_at`` records when, for the drain)."""
    fenced_at = {} if fenced_at is None else fenced_at
    region = ctx.region(side)
    client = ctx.client("rds", side)

    def describe() -> dict[str, Any]:
        inst = api.describe_instance(client, instance_id)
        if inst is None:
            raise AwsError(f"{res.name}: {instance_id} not found in {region}")
        return inst

    def read_only(inst: dict[str, Any]) -> tuple[str, str]:
        parameter = api.read_only_parameter(str(inst.get("Engine", "")))
        if parameter is None:
            raise DrctlError(
                f"{res.name}: drctl cannot fence engine {inst.get('Engine')} automatically",
                hint="add a manual step that stops writes, and fail over with --mode unplanned",
            )
        return parameter

    def precheck() -> Precheck:
        try:
            inst = describe()
        except DrctlError as exc:
            if wait_if_unreachable:
                return Precheck(False, f"unreachable ({exc.message})", "read-only")
            raise
        if api.replica_source(inst) is not None:
            return Precheck(True, f"{instance_id} is a read replica: no writes to stop", "")
        group = api.parameter_group(inst) or "?"
        state = api.parameter_apply_status(inst)
        fenced = api.is_fence_group(group) and state == "in-sync"
        if fenced:
            fenced_at.setdefault(instance_id, ctx.clock.now())
        return Precheck(fenced, f"parameter group {group} ({state})", "read-only, in-sync")

    def run() -> StepOutcome:
        try:
            inst = describe()
            parameter = read_only(inst)
            original = api.parameter_group(inst) or ""
            group = original
            if not api.is_fence_group(original):
                group = api.fence_group_for(client, instance_id, original, parameter)
                api.apply_parameter_group(client, instance_id, group)
        except DrctlError as exc:
            if wait_if_unreachable:
                raise StepWaiting(
                    f"{res.name}: old primary {instance_id} in {region} unreachable, not fenced "
                    f"yet ({exc.message}); resume this run when the region is back"
                ) from None
            raise
        return StepOutcome(
            detail=f"{instance_id} read-only ({parameter[0]}={parameter[1]} via {group}, "
            + (
                f"a new group of the family of {original})"
                if api.default_group_family(original)
                else f"a copy of {original})"
            ),
            data={"instance": instance_id, "original_parameter_group": original,
                  "fence_group": group},
        )  # fmt: skip

    def verify() -> Verification:
        """Writes stop only when the read-only group is in-sync: a static parameter needs
        a reboot, which is made here once the group waits for it."""
        inst = describe()
        group = api.parameter_group(inst)
        state = api.parameter_apply_status(inst)
        status = inst.get("DBInstanceStatus")
        if not api.is_fence_group(group):
            return Verification(False, f"parameter group {group} ({state})")
        if state == "pending-reboot" and status == "available":
            api.reboot(client, instance_id)
            return Verification(False, f"{group} pending-reboot: rebooting {instance_id}")
        ok = state == "in-sync" and status == "available"
        if ok:
            fenced_at[instance_id] = ctx.clock.now()
        return Verification(ok, f"parameter group {group} {state}, instance {status}")

    return aws_step(
        resource=res.name,
        kind=NAME,
        action=action,
        phase=phase,
        description=f"Stop writes on {instance_id} in {region}: a copy of its parameter group "
        "(of a default group, which AWS does not copy: a new group of its family) with "
        "read_only=1 / default_transaction_read_only=on, applied (rebooted when static) "
        "and in-sync",
        cli=_fence_cli(ctx, side, instance_id, region),
        where=f"{res.name} (rds {region})",
        precheck=precheck,
        run=run,
        verify=verify,
        poll_seconds=10.0,
        sfn=lambda: declarative.fence(
            ctx,
            side,
            instance_id,
            unreachable_note=f"{instance_id} in {region} unreachable, not fenced: fence it "
            "when the Region is back (drctl failover --resume, or the fence commands)"
            if wait_if_unreachable
            else None,
        ),
    )


def _fence_cli(ctx: RunContext, side: str, instance_id: str, region: str) -> list[str]:
    """The commands of the fence, with the real group names when drctl can read them."""
    current, parameter = "", ("read_only", "1")
    if not ctx.offline:
        try:
            inst = api.describe_instance(ctx.client("rds", side), instance_id) or {}
        except Exception:
            inst = {}
        current = api.parameter_group(inst) or ""
        parameter = api.read_only_parameter(str(inst.get("Engine", ""))) or parameter
    source = current or "$CURRENT_GROUP"
    fence = api.FENCE_PREFIX + instance_id
    lines = []
    if not current:
        lines.append(
            "# the current parameter group could not be read before the run: set "
            f"CURRENT_GROUP=$(aws rds describe-db-instances --db-instance-identifier "
            f"{instance_id} --query 'DBInstances[0].DBParameterGroups[0].DBParameterGroupName' "
            f"--output text --region {region})"
        )
    family = api.default_group_family(current)
    if family is not None:  # AWS refuses to copy a default group: a new one of its family
        make = (
            f"aws rds create-db-parameter-group --db-parameter-group-name {fence} "
            f"--db-parameter-group-family {family} --description "
            f"'drctl fencing of {instance_id}: no writes' --region {region}"
        )
    else:
        make = (
            f"aws rds copy-db-parameter-group --source-db-parameter-group-identifier {source} "
            f"--target-db-parameter-group-identifier {fence} "
            f"--target-db-parameter-group-description "
            f"'drctl fencing of {instance_id}: no writes' --region {region}"
        )
        if not current:
            lines.append(
                "# when $CURRENT_GROUP is a default group (default. then its family), which "
                "AWS does not copy, create the group instead: aws rds "
                f"create-db-parameter-group --db-parameter-group-name {fence} "
                '--db-parameter-group-family "${CURRENT_GROUP#default.}" --description '
                f"'drctl fencing of {instance_id}: no writes' --region {region}"
            )
    return [
        *lines,
        make,
        f"aws rds modify-db-parameter-group --db-parameter-group-name {fence} "
        f'--parameters "ParameterName={parameter[0]},ParameterValue={parameter[1]},'
        f'ApplyMethod=immediate" --region {region}',
        f"aws rds modify-db-instance --db-instance-identifier {instance_id} "
        f"--db-parameter-group-name {fence} --apply-immediately --region {region}",
        "# wait until DBParameterGroups[0].ParameterApplyStatus is in-sync; when it is "
        f"pending-reboot: aws rds reboot-db-instance --db-instance-identifier {instance_id} "
        f"--region {region}",
    ]


def drain_step(
    res: RdsInstance,
    ctx: RunContext,
    *,
    replica_side: str,
    replica: str,
    fenced_at: dict[str, datetime] | None = None,
    source: str = "",
) -> Step:
    """Wait until the replica has applied what the fenced primary wrote.

    Only datapoints newer than the fence count. MySQL's ReplicaLag drains to 0; PostgreSQL's
    is "now - last replayed transaction", which grows while the fenced source is idle, so
    there the replica has caught up when the transaction it replayed last is no older than
    the fence (datapoint time - lag >= fence time).
    """
    region = ctx.region(replica_side)
    fenced_at = {} if fenced_at is None else fenced_at
    started: dict[str, datetime] = {}
    # The printed query's window, as real timestamps: the last 10 minutes as of printing.
    now = ctx.clock.now()
    if ctx.offline:
        # Written down for later (a runbook): the window is whenever the command is run.
        window_start = "\"$(date -u -d '-10 min' +%Y-%m-%dT%H:%M:%SZ)\""
        window_end = "\"$(date -u -d '+1 min' +%Y-%m-%dT%H:%M:%SZ)\""
    else:
        window_start = (now - timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
        window_end = (now + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def since() -> datetime:
        return fenced_at.get(source) or started.setdefault("at", ctx.clock.now())

    def precheck() -> Precheck:
        inst = api.describe_instance(ctx.client("rds", replica_side), replica)
        if inst is not None and api.replica_source(inst) is None:
            return Precheck(True, f"{replica} is no longer a replica", "lag drained")
        return Precheck(False, "waiting for datapoints after the fence", "caught up")

    def verify() -> Verification:
        inst = api.describe_instance(ctx.client("rds", replica_side), replica)
        if inst is None:
            raise AwsError(f"{res.name}: replica {replica} not found in {region}: nothing to drain")
        now = ctx.clock.now()
        point = api.replica_lag_datapoint(ctx.client("cloudwatch", replica_side), replica, now)
        fence = since()
        if point is None or point[1] <= fence:
            return Verification(False, "no ReplicaLag datapoint newer than the fence yet")
        seconds, at = point
        if seconds < 0:
            return Verification(False, "ReplicaLag -1: replication is not running")
        if str(inst.get("Engine", "")).startswith("postgres"):
            replayed = at - timedelta(seconds=seconds)
            ok = replayed >= fence - timedelta(seconds=DRAIN_THRESHOLD_SECONDS)
            return Verification(
                ok, f"replica lag {human_seconds(seconds)} (idle since the fence: "
                f"{'caught up' if ok else 'still replaying'})",
            )  # fmt: skip
        ok = seconds <= DRAIN_THRESHOLD_SECONDS
        return Verification(ok, f"replica lag {human_seconds(seconds)}")

    return aws_step(
        resource=res.name,
        kind=NAME,
        action="drain",
        phase=Phase.DATA,
        description=f"Wait until {replica} in {region} has caught up after writes stopped "
        f"(ReplicaLag datapoints newer than the fence: <= {DRAIN_THRESHOLD_SECONDS:.0f}s, or "
        "for PostgreSQL the last replayed transaction no older than the fence)",
        cli=[
            "aws cloudwatch get-metric-statistics --namespace AWS/RDS --metric-name ReplicaLag "
            f"--dimensions Name=DBInstanceIdentifier,Value={replica} --statistics Maximum "
            f"--period 60 --start-time {window_start} --end-time {window_end} "
            f"--region {region}",
            "# repeat until a datapoint newer than the moment the fence was in-sync shows the "
            "replica caught up",
        ],
        where=f"{res.name} (cloudwatch {region})",
        precheck=precheck,
        run=lambda: StepOutcome(detail="waiting for the replica to catch up"),
        verify=verify,
        mutating=False,
        timeout_seconds=3600.0,
        poll_seconds=15.0,
        sfn=lambda: _declarative_drain(ctx, replica_side, replica, region),
    )


def _declarative_drain(ctx: RunContext, side: str, replica: str, region: str) -> SfnStep | None:
    """The drain for Step Functions; the engine is read when exporting (None offline)."""
    if ctx.offline:
        return None
    try:
        inst = api.describe_instance(ctx.client("rds", side), replica) or {}
    except Exception:
        return None
    return declarative.drain(replica, region, str(inst.get("Engine", "")))
