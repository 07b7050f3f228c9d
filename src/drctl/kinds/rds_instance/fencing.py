"""Safety steps of ``rds-instance``: measure lag, fence, drain -- so there is never an
instant with two writable primaries both taking traffic, and no planned move loses data.

Planned failover: ``fence`` the primary (read-only parameter group), ``drain``
(wait until the replica's lag is within a few seconds), then promote. Unplanned:
promote and move traffic first, then ``fence-old-primary`` as soon as it is
reachable; when it is not, the step waits and the run says so (resume it when
the region is back).
"""

from __future__ import annotations

from typing import Any

from drctl.engine.context import RunContext
from drctl.engine.gate import LagReading
from drctl.engine.step import Phase, Precheck, Step, StepOutcome, StepWaiting, Verification
from drctl.errors import AwsError, DrctlError
from drctl.kinds.rds_instance import api
from drctl.kinds.steps import aws_step
from drctl.plan.durations import human_seconds
from drctl.plan.models import RdsInstance

NAME = "rds-instance"
# ReplicaLag is whole seconds at one-minute resolution: "drained" means within this.
DRAIN_THRESHOLD_SECONDS = 5.0


def lag(res: RdsInstance, ctx: RunContext) -> LagReading:
    source = f"CloudWatch AWS/RDS ReplicaLag of {res.dr} ({ctx.region('dr')})"
    inst = api.describe_instance(ctx.client("rds", "dr"), res.dr)
    if inst is None or api.replica_source(inst) is None:
        return LagReading(res.name, NAME, None, source, "not a replica: nothing replicates")
    seconds = api.replica_lag_seconds(ctx.client("cloudwatch", "dr"), res.dr, ctx.clock.now())
    detail = "" if seconds is not None else "no datapoint in the last 10 minutes"
    return LagReading(res.name, NAME, seconds, source, detail)


def fence_step(
    res: RdsInstance,
    ctx: RunContext,
    *,
    side: str,
    instance_id: str,
    action: str,
    phase: Phase,
    wait_if_unreachable: bool = False,
) -> Step:
    """Put ``instance_id`` on ``side`` into a read-only parameter group."""
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
        fenced = group.startswith("drctl-readonly-")
        return Precheck(fenced, f"parameter group {group}", "read-only parameter group")

    def run() -> StepOutcome:
        try:
            inst = describe()
            parameter = read_only(inst)
            original = api.parameter_group(inst)
            family = api.family_of(client, original or "")
            group = api.ensure_read_only_group(client, family, parameter)
            api.apply_parameter_group(client, instance_id, group)
        except DrctlError as exc:
            if wait_if_unreachable:
                raise StepWaiting(
                    f"{res.name}: old primary {instance_id} in {region} unreachable, not fenced "
                    f"yet ({exc.message}); resume this run when the region is back"
                ) from None
            raise
        return StepOutcome(
            detail=f"{instance_id} read-only ({parameter[0]}={parameter[1]} via {group})",
            data={"instance": instance_id, "original_parameter_group": original},
        )

    def verify() -> Verification:
        groups = describe().get("DBParameterGroups") or []
        ok = bool(groups) and str(groups[0]["DBParameterGroupName"]).startswith("drctl-readonly-")
        state = groups[0].get("ParameterApplyStatus") if groups else "none"
        return Verification(ok and state in ("in-sync", "applying"), f"parameter group {state}")

    return aws_step(
        resource=res.name,
        kind=NAME,
        action=action,
        phase=phase,
        description=f"Stop writes on {instance_id} in {region}: read-only parameter group "
        "(read_only=1 / default_transaction_read_only=on), no reboot",
        cli=[
            "aws rds create-db-parameter-group --db-parameter-group-name drctl-readonly-<family> "
            f"--db-parameter-group-family <family> --description fencing --region {region}",
            "aws rds modify-db-parameter-group --db-parameter-group-name drctl-readonly-<family> "
            '--parameters "ParameterName=read_only,ParameterValue=1,ApplyMethod=immediate" '
            f"--region {region}",
            f"aws rds modify-db-instance --db-instance-identifier {instance_id} "
            "--db-parameter-group-name drctl-readonly-<family> --apply-immediately "
            f"--region {region}",
        ],
        where=f"{res.name} (rds {region})",
        precheck=precheck,
        run=run,
        verify=verify,
        poll_seconds=10.0,
    )


def drain_step(res: RdsInstance, ctx: RunContext, *, replica_side: str, replica: str) -> Step:
    """Wait until the replica has applied what the fenced primary wrote."""
    region = ctx.region(replica_side)

    def current() -> float | None:
        return api.replica_lag_seconds(
            ctx.client("cloudwatch", replica_side), replica, ctx.clock.now()
        )

    def precheck() -> Precheck:
        inst = api.describe_instance(ctx.client("rds", replica_side), replica)
        if inst is not None and api.replica_source(inst) is None:
            return Precheck(True, f"{replica} is no longer a replica", "lag drained")
        seconds = current()
        now = "unknown" if seconds is None else human_seconds(seconds)
        return Precheck(False, f"replica lag {now}", f"<= {DRAIN_THRESHOLD_SECONDS:.0f}s")

    def verify() -> Verification:
        seconds = current()
        if seconds is None:
            return Verification(False, "no ReplicaLag datapoint yet")
        ok = seconds <= DRAIN_THRESHOLD_SECONDS
        return Verification(ok, f"replica lag {human_seconds(seconds)}")

    return aws_step(
        resource=res.name,
        kind=NAME,
        action="drain",
        phase=Phase.DATA,
        description=f"Wait until {replica} in {region} has caught up (ReplicaLag <= "
        f"{DRAIN_THRESHOLD_SECONDS:.0f}s) after writes stopped",
        cli=[
            "aws cloudwatch get-metric-statistics --namespace AWS/RDS --metric-name ReplicaLag "
            f"--dimensions Name=DBInstanceIdentifier,Value={replica} --statistics Maximum "
            f"--period 60 --start-time <10 minutes ago> --end-time <now> --region {region}"
        ],
        where=f"{res.name} (cloudwatch {region})",
        precheck=precheck,
        run=lambda: StepOutcome(detail="waiting for the replica to catch up"),
        verify=verify,
        mutating=False,
        poll_seconds=15.0,
    )
