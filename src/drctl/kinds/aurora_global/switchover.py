"""Moving the writer of an Aurora global database: managed switchover (planned) or failover with
data loss (unplanned), and back.

Both calls only start the move: the global cluster is ``switching-over`` / ``failing-over``
with a ``FailoverState`` for minutes, and the step is done when the writer is in the target
region, the global cluster ``available`` and the ``FailoverState`` gone. A switchover is
refused by AWS unless both clusters are available, no other move is in progress and the engine
versions match; drctl checks the same first and names what is wrong. After a failover the old
primary comes back as a ``pending-resync`` secondary; failback waits until it is ``connected``
before switching back to it (AWS refuses a switchover to a member that is not synchronized).
Sources: the Aurora user guide, "Using switchover or failover in Amazon Aurora Global Database"
(https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-disaster-recovery.html).
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
    equals,
    negate,
    present,
)
from drctl.engine.step import (
    Phase,
    Precheck,
    Step,
    StepOutcome,
    Verification,
)
from drctl.errors import AwsError
from drctl.kinds.aurora_global import api
from drctl.kinds.steps import aws_step
from drctl.plan.models import AuroraGlobal

NAME = "aurora-global"
RESYNC_TIMEOUT_SECONDS = 6 * 3600.0


def short(arn: str) -> str:
    return arn.rsplit(":", 1)[-1]


def _global(res: AuroraGlobal, ctx: RunContext) -> dict[str, Any]:
    glob = api.describe_global(ctx.client("rds", "dr"), res.global_cluster)
    if glob is None:
        raise AwsError(f"{res.name}: global cluster {res.global_cluster} not found")
    return glob


def _side_of(ctx: RunContext, arn: str) -> str | None:
    region = api.region_of(arn)
    if region == ctx.region("primary"):
        return "primary"
    if region == ctx.region("dr"):
        return "dr"
    return None


def switchover_problems(
    res: AuroraGlobal, ctx: RunContext, glob: dict[str, Any], target: str
) -> list[str]:
    """What would make AWS refuse a switchover to ``target`` now, in words; [] when none.

    The AWS preconditions: no switchover or failover in progress, the target synchronized with
    the writer, writer and target ``available``, and the same engine version on both.
    """
    problems = []
    state = api.failover_state(glob)
    if state is not None:
        problems.append(
            f"a move of the writer is in progress ({state.get('Status')} to "
            f"{short(str(state.get('ToDbClusterArn', '?')))})"
        )
    sync = api.synchronization(glob, target)
    if sync not in (None, "connected"):
        problems.append(f"{short(target)} is {sync}, not connected to the writer")
    writer = api.writer_arn(glob)
    versions: dict[str, str] = {}
    for arn in (writer, target):
        side = _side_of(ctx, arn) if arn else None
        if arn is None or side is None:
            continue
        cluster = api.describe_cluster(ctx.client("rds", side), arn)
        if cluster is None:
            problems.append(f"{short(arn)} not found in {api.region_of(arn)}")
            continue
        if cluster.get("Status") != "available":
            problems.append(f"{short(arn)} is {cluster.get('Status')}, not available")
        versions[short(arn)] = str(cluster.get("EngineVersion"))
    if len(set(versions.values())) > 1:
        listed = ", ".join(f"{name} {v}" for name, v in versions.items())
        problems.append(f"engine versions differ ({listed}); a switchover needs them to match")
    return problems


def target_arn_text(res: AuroraGlobal, ctx: RunContext, region: str) -> str:
    """The target member's ARN for the printed command: read from AWS when it can be; else a
    shell substitution that reads it, so the command still runs as printed."""
    if not ctx.offline:
        try:
            glob = ctx.memo.get(
                ("aurora", res.global_cluster),
                lambda: api.describe_global(ctx.client("rds", "dr"), res.global_cluster),
            )
            arn = api.member_in(glob, region) if glob else None
            if arn:
                return arn
        except Exception:
            pass  # unknown now: the command reads it itself
    query = (
        "GlobalClusters[0].GlobalClusterMembers"
        f"[?contains(DBClusterArn, ':{region}:')].DBClusterArn | [0]"
    )
    return (
        f'"$(aws rds describe-global-clusters --global-cluster-identifier {res.global_cluster} '
        f'--query "{query}" --output text --region {region})"'
    )


def failover(res: AuroraGlobal, ctx: RunContext) -> list[Step]:
    return [_move_writer(res, ctx, "dr", "switch-writer")]


def failback(res: AuroraGlobal, ctx: RunContext) -> list[Step]:
    return [_await_resync(res, ctx), _move_writer(res, ctx, "primary", "switch-writer-home")]


def _await_resync(res: AuroraGlobal, ctx: RunContext) -> Step:
    """Wait until the home member is a ``connected`` secondary again (after a failover it is
    ``pending-resync`` until its storage has caught up with the writer in DR)."""
    region = ctx.region("primary")

    def state() -> tuple[str | None, str | None]:
        glob = _global(res, ctx)
        home = api.member_in(glob, region)
        return home, api.synchronization(glob, home) if home else None

    def precheck() -> Precheck:
        home, sync = state()
        if home is None:
            raise AwsError(f"{res.name}: no member of {res.global_cluster} in {region}")
        target = "connected to the writer"
        return Precheck(sync in (None, "connected"), f"{short(home)} {sync or 'connected'}", target)

    def verify() -> Verification:
        home, sync = state()
        ok = sync in (None, "connected")
        return Verification(ok, f"{short(home or '?')} {sync or 'connected'}")

    return aws_step(
        resource=res.name,
        kind=NAME,
        action="await-home-resync",
        phase=Phase.DATA,
        description=f"Wait until the {region} member of {res.global_cluster} has resynchronized "
        "with the writer (SynchronizationStatus connected): a switchover to it needs that",
        cli=[
            f"aws rds describe-global-clusters --global-cluster-identifier {res.global_cluster} "
            "--query 'GlobalClusters[0].GlobalClusterMembers[]"
            ".[DBClusterArn,SynchronizationStatus]' "
            f"--region {region}"
        ],
        where=f"{res.name} (rds {region})",
        precheck=precheck,
        run=lambda: StepOutcome(detail="waiting for the home member to resynchronize"),
        verify=verify,
        mutating=False,
        # Resynchronizing rebuilds the old primary's storage from the writer: for a large
        # database that is hours, not the minutes of the RTO the default timeout follows.
        timeout_seconds=RESYNC_TIMEOUT_SECONDS,
        poll_seconds=60.0,
        # The application still serves from DR while the old primary catches up: not
        # downtime, so not part of the failback's RTO.
        preparation=True,
        sfn=lambda: _declarative_resync(res, ctx, region),
    )


def _declarative_resync(res: AuroraGlobal, ctx: RunContext, region: str) -> SfnStep | None:
    """Wait until the home member's SynchronizationStatus is ``connected`` (or absent, as
    for a writer). Its position in the member list is read when exporting, its ARN checked
    too; described in the home Region, as the CLI does."""
    if ctx.offline:
        return None
    try:
        glob = _global(res, ctx)
    except Exception:
        return None
    members = [str(m["DBClusterArn"]) for m in glob.get("GlobalClusterMembers", [])]
    home = api.member_in(glob, region)
    if home is None:
        return None
    member = f"$.GlobalClusters[0].GlobalClusterMembers[{members.index(home)}]"
    probe = Probe(
        SdkCall(
            "rds", "describeGlobalClusters", {"GlobalClusterIdentifier": res.global_cluster},
            region, side="primary",
        ),
        all_of(
            equals(f"{member}.DbClusterArn", home),
            any_of(
                negate(present(f"{member}.SynchronizationStatus")),
                equals(f"{member}.SynchronizationStatus", "connected"),
            ),
        ),
    )  # fmt: skip
    return SfnStep(precheck=probe, verify=probe)


def _move_writer(res: AuroraGlobal, ctx: RunContext, side: str, action: str) -> Step:
    region = ctx.region(side)
    client = ctx.client("rds", side)
    planned = ctx.mode == "planned" or side == "primary"

    def precheck() -> Precheck:
        g = _global(res, ctx)
        writer = api.writer_arn(g) or "none"
        state = api.failover_state(g)
        done = writer != "none" and api.region_of(writer) == region and state is None
        current = f"writer {short(writer)}" + (f", {state['Status']}" if state else "")
        return Precheck(done, current, f"writer in {region}")

    def run() -> StepOutcome:
        g = _global(res, ctx)
        target = api.member_in(g, region)
        if target is None:
            raise AwsError(f"{res.name}: no member of {res.global_cluster} in {region}")
        previous = api.writer_arn(g)
        state = api.failover_state(g)
        if state is not None and state.get("ToDbClusterArn") == target:
            # An earlier attempt's call went through: wait for it, do not call again.
            return StepOutcome(
                detail=f"a move to {short(target)} is already {state.get('Status')}",
                data={"previous_writer": state.get("FromDbClusterArn")},
            )
        if planned:
            problems = switchover_problems(res, ctx, g, target)
            if problems:
                raise AwsError(
                    f"{res.name}: cannot switch {res.global_cluster} over to {short(target)}: "
                    + "; ".join(problems),
                    hint="wait until it is available and synchronized, or upgrade the members "
                    "to the same engine version; `drctl check` lists the same",
                )
            api.switchover(client, res.global_cluster, target)
        else:
            if state is not None:
                raise AwsError(
                    f"{res.name}: a move of {res.global_cluster} to "
                    f"{short(str(state.get('ToDbClusterArn')))} is {state.get('Status')}"
                )
            api.failover(client, res.global_cluster, target)
        how = "switchover" if planned else "failover with data loss allowed"
        return StepOutcome(
            detail=f"{how} to {short(target)} started", data={"previous_writer": previous}
        )

    def verify() -> Verification:
        g = _global(res, ctx)
        writer = api.writer_arn(g) or ""
        state = api.failover_state(g)
        ok = (
            bool(writer)
            and api.region_of(writer) == region
            and g.get("Status") == "available"
            and state is None
        )
        moving = f", {state['Status']}" if state else ""
        return Verification(ok, f"writer {short(writer)}, {g.get('Status')}{moving}")

    op = "switchover-global-cluster" if planned else "failover-global-cluster --allow-data-loss"
    return aws_step(
        resource=res.name,
        kind=NAME,
        action=action,
        phase=Phase.DATA,
        description=f"Make the {region} member of {res.global_cluster} the writer "
        f"({'managed switchover, no data loss' if planned else 'failover, data loss allowed'}) "
        "and wait until the global cluster is available again",
        cli=[
            f"aws rds {op} --global-cluster-identifier {res.global_cluster} "
            f"--target-db-cluster-identifier {target_arn_text(res, ctx, region)} "
            f"--region {region}",
            f"aws rds describe-global-clusters --global-cluster-identifier {res.global_cluster} "
            f"--query 'GlobalClusters[0].[Status,FailoverState]' --region {region}",
        ],
        where=f"{res.name} (rds {region})",
        precheck=precheck,
        run=run,
        verify=verify,
        poll_seconds=15.0,
        sfn=lambda: _declarative(res, ctx, region, planned),
    )


def _declarative(res: AuroraGlobal, ctx: RunContext, region: str, planned: bool) -> SfnStep | None:
    """Switch over (planned) or fail over with data loss allowed to the member in
    ``region``; done when that member is the writer, the global cluster ``available`` and
    no move in progress. A Choice cannot search the member list, so the target's position in
    it is read when exporting (with its ARN checked too: a changed membership times out, it
    never passes). The preconditions the CLI names before a switchover show here as AWS's
    refusal and the timeout."""
    if ctx.offline:
        return None
    try:
        glob = _global(res, ctx)
    except Exception:
        return None
    members = [str(m["DBClusterArn"]) for m in glob.get("GlobalClusterMembers", [])]
    target = api.member_in(glob, region)
    if target is None:
        return None
    member = f"$.GlobalClusters[0].GlobalClusterMembers[{members.index(target)}]"
    side = "primary" if region == ctx.region("primary") else "dr"
    call = SdkCall(
        "rds", "describeGlobalClusters", {"GlobalClusterIdentifier": res.global_cluster},
        region, side=side,
    )  # fmt: skip
    moved = all_of(
        equals(f"{member}.DbClusterArn", target),
        equals(f"{member}.IsWriter", True),
        equals("$.GlobalClusters[0].Status", "available"),
        negate(present("$.GlobalClusters[0].FailoverState.Status")),
    )
    params: dict[str, object] = {
        "GlobalClusterIdentifier": res.global_cluster,
        "TargetDbClusterIdentifier": target,
    }
    if not planned:
        params["AllowDataLoss"] = True
    return SfnStep(
        precheck=Probe(call, moved),
        # A rerun while the first move is under way is refused: the wait loop sees it through.
        run=(
            SdkCall(
                "rds",
                "switchoverGlobalCluster" if planned else "failoverGlobalCluster",
                params,
                region,
                tolerate_failure=True,
                side=side,
            ),
        ),
        verify=Probe(call, moved),
    )
