"""Moving the writer of a global cluster: what ``aurora-global`` and ``documentdb-global`` share.

Aurora global databases and Amazon DocumentDB global clusters are one API on one endpoint
(``rds``; the ``docdb`` client signs for it too): ``DescribeGlobalClusters`` lists the members
with ``IsWriter`` and ``SynchronizationStatus``, ``SwitchoverGlobalCluster`` moves the writer
without data loss, ``FailoverGlobalCluster`` with ``AllowDataLoss`` moves it when the old
writer's Region is down. Both calls only start the move: the global cluster shows a
``FailoverState`` for minutes, and the step is done when the writer is in the target Region,
the global cluster ``available`` and the ``FailoverState`` gone. A switchover is refused unless
both clusters are available, no other move is in progress, the target is synchronized and the
engine versions match; drctl checks the same first and names what is wrong. After a failover
the old primary comes back as a ``pending-resync`` secondary; failback waits until it is
``connected`` before switching back to it.

Sources: "Using switchover or failover in Amazon Aurora Global Database"
(https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-disaster-recovery.html),
"Disaster recovery and Amazon DocumentDB global clusters"
(https://docs.aws.amazon.com/documentdb/latest/developerguide/global-clusters-disaster-recovery.html),
and the two API references (``SwitchoverGlobalCluster``, ``FailoverGlobalCluster``,
``FailoverState``), which give the same shapes.

Each kind keeps its boto3 calls in its own ``api.py`` and hands them here as a
:class:`GlobalApi`; this module only reads the answers and builds the steps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from drctl.aws.errors import is_not_found
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
from drctl.engine.gate import LagReading
from drctl.engine.step import (
    Check,
    CheckResult,
    Phase,
    Precheck,
    Step,
    StepOutcome,
    Verification,
    failed,
    passed,
)
from drctl.errors import AwsError
from drctl.kinds.handbook import HandCheck
from drctl.kinds.steps import aws_step, check_maker
from drctl.plan.durations import human_seconds

RESYNC_TIMEOUT_SECONDS = 6 * 3600.0


class GlobalResource(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def global_cluster(self) -> str: ...


@dataclass(frozen=True)
class GlobalApi:
    """A kind's boto3 calls (its ``api.py``), each taking the client first."""

    describe_global: Callable[[Any, str], dict[str, Any] | None]
    describe_cluster: Callable[[Any, str], dict[str, Any] | None]
    switchover: Callable[[Any, str, str], None]
    failover: Callable[[Any, str, str], None]


@dataclass(frozen=True)
class Flavor:
    """What differs between the kinds that move a global cluster's writer."""

    kind: str  # the plan kind: "aurora-global"
    service: str  # the boto3 client and AWS CLI command: "rds" / "docdb"
    sfn_service: str  # the Step Functions aws-sdk service name
    label: str  # how a check names the resource: "aurora" / "docdb"
    api: GlobalApi
    # The secondary's replication lag (seconds, None unknown) and the metric read: what an
    # unplanned failover loses, said in the step's detail.
    lag: Callable[[Flavor, Any, RunContext], tuple[float | None, str]]


# ---------------------------------------------------------------- reading an answer


def region_of(arn: str) -> str:
    return arn.split(":")[3]


def short(arn: str) -> str:
    return arn.rsplit(":", 1)[-1]


def writer_arn(glob: dict[str, Any]) -> str | None:
    for member in glob.get("GlobalClusterMembers", []):
        if member.get("IsWriter"):
            return str(member["DBClusterArn"])
    return None


def member_in(glob: dict[str, Any], region: str) -> str | None:
    for member in glob.get("GlobalClusterMembers", []):
        if region_of(str(member["DBClusterArn"])) == region:
            return str(member["DBClusterArn"])
    return None


def follower(ctx: RunContext, glob: dict[str, Any]) -> tuple[str, str] | None:
    """(member ARN, side) of the member replicating from the writer now: the DR member while
    home writes, the home member once DR does. AWS publishes the lag metrics for secondaries
    only ("available only in secondary AWS Regions"); the writer's last datapoints date from
    before it was promoted, so reading them after a failover would measure nothing."""
    writer = writer_arn(glob)
    for side in ("dr", "primary"):
        arn = member_in(glob, ctx.region(side))
        if arn is not None and arn != writer:
            return arn, side
    return None


def measured_member(ctx: RunContext, glob: dict[str, Any]) -> tuple[str, str] | None:
    """The follower whose lag metric can be read: none while it is ``pending-resync`` (it
    replicates nothing, so it publishes nothing; after an unplanned failover its Region may
    still be down, and is not called)."""
    found = follower(ctx, glob)
    if found is None or synchronization(glob, found[0]) == "pending-resync":
        return None
    return found


def lag_reading(flavor: Flavor, res: GlobalResource, ctx: RunContext, namespace: str) -> LagReading:
    """The RPO gate's reading: the secondary's lag; unknown (no datapoint) refuses a planned
    run, except for a home member still ``pending-resync`` after a failover. Failing back to it
    is a switchover, which AWS starts only once every secondary is synchronized (it loses
    nothing), and the failback waits for the resync itself (``await-home-resync``)."""
    seconds, metric = flavor.lag(flavor, res, ctx)
    source = f"CloudWatch {namespace} {metric}"
    if seconds is not None:
        return LagReading(res.name, flavor.kind, seconds, source)
    glob = describe(flavor, res, ctx)
    found = follower(ctx, glob) if glob else None
    if found is not None and found[1] == "primary":
        arn = found[0]
        if synchronization(glob or {}, arn) == "pending-resync":
            return LagReading(
                res.name, flavor.kind, None, source,
                f"{short(arn)} is pending-resync after the failover: nothing replicates to it "
                "yet; the failback waits until it is connected, then switches over (no data "
                "loss)",
            )  # fmt: skip
    return LagReading(
        res.name, flavor.kind, None, source, "no datapoint in the last 10 minutes",
        fail_closed=True,
    )  # fmt: skip


def failover_state(glob: dict[str, Any]) -> dict[str, Any] | None:
    """The switchover or failover in progress on the global cluster (AWS leaves the field
    empty, or out, when there is none)."""
    state = glob.get("FailoverState") or None
    return dict(state) if state and state.get("Status") else None


def synchronization(glob: dict[str, Any], arn: str) -> str | None:
    """A member's ``SynchronizationStatus`` (``connected`` / ``pending-resync``)."""
    for member in glob.get("GlobalClusterMembers", []):
        if member.get("DBClusterArn") == arn:
            status = member.get("SynchronizationStatus")
            return str(status) if status else None
    return None


def first_found(
    call: Callable[[], list[dict[str, Any]]], fault: str, key: str | None = None, name: str = ""
) -> dict[str, Any] | None:
    """The item a describe call lists (the first whose ``key`` is ``name``, when given);
    None when AWS answers ``fault`` (not found) or lists none."""
    try:
        found = call()
    except Exception as exc:
        if is_not_found(exc, fault):
            return None
        raise
    matching = [item for item in found if key is None or item.get(key) == name]
    return dict(matching[0]) if matching else None


def describe(flavor: Flavor, res: GlobalResource, ctx: RunContext) -> dict[str, Any] | None:
    """The global cluster, read once per run from the DR Region (it answers while the
    primary is down)."""
    return ctx.memo.get(
        (flavor.label, res.global_cluster),
        lambda: flavor.api.describe_global(ctx.client(flavor.service, "dr"), res.global_cluster),
    )


def _global(flavor: Flavor, res: GlobalResource, ctx: RunContext) -> dict[str, Any]:
    glob = flavor.api.describe_global(ctx.client(flavor.service, "dr"), res.global_cluster)
    if glob is None:
        raise AwsError(f"{res.name}: global cluster {res.global_cluster} not found")
    return glob


def _side_of(ctx: RunContext, arn: str) -> str | None:
    region = region_of(arn)
    if region == ctx.region("primary"):
        return "primary"
    if region == ctx.region("dr"):
        return "dr"
    return None


def member_cluster(
    flavor: Flavor, res: GlobalResource, ctx: RunContext, side: str
) -> dict[str, Any] | None:
    """The member cluster in ``side``'s Region, described there (None when absent)."""
    glob = describe(flavor, res, ctx)
    arn = member_in(glob, ctx.region(side)) if glob else None
    if arn is None:
        return None
    return ctx.memo.get(
        (f"{flavor.label}-cluster", arn),
        lambda: flavor.api.describe_cluster(ctx.client(flavor.service, side), arn),
    )


def switchover_problems(
    flavor: Flavor, res: GlobalResource, ctx: RunContext, glob: dict[str, Any], target: str
) -> list[str]:
    """What would make AWS refuse a switchover to ``target`` now, in words; [] when none.

    The AWS preconditions: no switchover or failover in progress, the target synchronized with
    the writer, writer and target ``available``, and the same engine version on both.
    """
    problems = []
    state = failover_state(glob)
    if state is not None:
        problems.append(
            f"a move of the writer is in progress ({state.get('Status')} to "
            f"{short(str(state.get('ToDbClusterArn', '?')))})"
        )
    sync = synchronization(glob, target)
    if sync not in (None, "connected"):
        problems.append(f"{short(target)} is {sync}, not connected to the writer")
    writer = writer_arn(glob)
    versions: dict[str, str] = {}
    for arn in (writer, target):
        side = _side_of(ctx, arn) if arn else None
        if arn is None or side is None:
            continue
        cluster = flavor.api.describe_cluster(ctx.client(flavor.service, side), arn)
        if cluster is None:
            problems.append(f"{short(arn)} not found in {region_of(arn)}")
            continue
        if cluster.get("Status") != "available":
            problems.append(f"{short(arn)} is {cluster.get('Status')}, not available")
        versions[short(arn)] = str(cluster.get("EngineVersion"))
    if len(set(versions.values())) > 1:
        listed = ", ".join(f"{name} {v}" for name, v in versions.items())
        problems.append(f"engine versions differ ({listed}); a switchover needs them to match")
    return problems


def target_arn_text(flavor: Flavor, res: GlobalResource, ctx: RunContext, region: str) -> str:
    """The target member's ARN for the printed command: read from AWS when it can be; else a
    shell substitution that reads it, so the command still runs as printed."""
    if not ctx.offline:
        try:
            glob = describe(flavor, res, ctx)
            arn = member_in(glob, region) if glob else None
            if arn:
                return arn
        except Exception:
            pass  # unknown now: the command reads it itself
    query = (
        "GlobalClusters[0].GlobalClusterMembers"
        f"[?contains(DBClusterArn, ':{region}:')].DBClusterArn | [0]"
    )
    return (
        f'"$(aws {flavor.service} describe-global-clusters '
        f"--global-cluster-identifier {res.global_cluster} "
        f'--query "{query}" --output text --region {region})"'
    )


def data_loss_text(flavor: Flavor, res: GlobalResource, ctx: RunContext) -> str:
    """What a failover with data loss loses, from the DR member's last lag reading."""
    try:
        seconds, metric = flavor.lag(flavor, res, ctx)
    except Exception:
        seconds, metric = None, "the lag metric"
    if seconds is None:
        return f"writes not yet replicated are lost; how many is unknown (no {metric} datapoint)"
    if seconds == 0:
        return f"no replicated write is lost ({metric} was 0 at its last datapoint)"
    return (
        f"writes of about the last {human_seconds(seconds)} before the outage may be lost "
        f"({metric} at its last datapoint)"
    )


# ---------------------------------------------------------------- steps


def failover(flavor: Flavor, res: GlobalResource, ctx: RunContext) -> list[Step]:
    return [_move_writer(flavor, res, ctx, "dr", "switch-writer")]


def failback(flavor: Flavor, res: GlobalResource, ctx: RunContext) -> list[Step]:
    return [
        _await_resync(flavor, res, ctx),
        _move_writer(flavor, res, ctx, "primary", "switch-writer-home"),
    ]


def _await_resync(flavor: Flavor, res: GlobalResource, ctx: RunContext) -> Step:
    """Wait until the home member is a ``connected`` secondary again (after a failover it is
    ``pending-resync`` until its storage has caught up with the writer in DR)."""
    region = ctx.region("primary")

    def state() -> tuple[str | None, str | None]:
        glob = _global(flavor, res, ctx)
        home = member_in(glob, region)
        return home, synchronization(glob, home) if home else None

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
        kind=flavor.kind,
        action="await-home-resync",
        phase=Phase.DATA,
        description=f"Wait until the {region} member of {res.global_cluster} has resynchronized "
        "with the writer (SynchronizationStatus connected): a switchover to it needs that",
        cli=[
            f"aws {flavor.service} describe-global-clusters "
            f"--global-cluster-identifier {res.global_cluster} "
            "--query 'GlobalClusters[0].GlobalClusterMembers[]"
            ".[DBClusterArn,SynchronizationStatus]' "
            f"--region {region}"
        ],
        where=f"{res.name} ({flavor.service} {region})",
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
        sfn=lambda: _declarative_resync(flavor, res, ctx, region),
    )


def _member_path(
    flavor: Flavor, res: GlobalResource, ctx: RunContext, region: str
) -> tuple[str, str] | None:
    """The ARN of the member in ``region`` and its JSONPath in a DescribeGlobalClusters
    answer, read when exporting (a Choice cannot search the member list, so the position is
    fixed then and the ARN checked too). None offline, or when there is no such member."""
    if ctx.offline:
        return None
    try:
        glob = _global(flavor, res, ctx)
    except Exception:
        return None
    members = [str(m["DBClusterArn"]) for m in glob.get("GlobalClusterMembers", [])]
    arn = member_in(glob, region)
    if arn is None:
        return None
    return arn, f"$.GlobalClusters[0].GlobalClusterMembers[{members.index(arn)}]"


def _declarative_resync(
    flavor: Flavor, res: GlobalResource, ctx: RunContext, region: str
) -> SfnStep | None:
    """Wait until the home member's SynchronizationStatus is ``connected`` (or absent, as
    for a writer). Its position in the member list is read when exporting, its ARN checked
    too; described in the home Region, as the CLI does."""
    found = _member_path(flavor, res, ctx, region)
    if found is None:
        return None
    home, member = found
    probe = Probe(
        SdkCall(
            flavor.sfn_service, "describeGlobalClusters",
            {"GlobalClusterIdentifier": res.global_cluster}, region, side="primary",
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


def _move_writer(
    flavor: Flavor, res: GlobalResource, ctx: RunContext, side: str, action: str
) -> Step:
    region = ctx.region(side)
    client = ctx.client(flavor.service, side)
    planned = ctx.mode == "planned" or side == "primary"

    def precheck() -> Precheck:
        g = _global(flavor, res, ctx)
        writer = writer_arn(g) or "none"
        state = failover_state(g)
        done = writer != "none" and region_of(writer) == region and state is None
        current = f"writer {short(writer)}" + (f", {state['Status']}" if state else "")
        return Precheck(done, current, f"writer in {region}")

    def run() -> StepOutcome:
        g = _global(flavor, res, ctx)
        target = member_in(g, region)
        if target is None:
            raise AwsError(f"{res.name}: no member of {res.global_cluster} in {region}")
        previous = writer_arn(g)
        state = failover_state(g)
        if state is not None and state.get("ToDbClusterArn") == target:
            # An earlier attempt's call went through: wait for it, do not call again.
            return StepOutcome(
                detail=f"a move to {short(target)} is already {state.get('Status')}",
                data={"previous_writer": state.get("FromDbClusterArn")},
            )
        if planned:
            problems = switchover_problems(flavor, res, ctx, g, target)
            if problems:
                raise AwsError(
                    f"{res.name}: cannot switch {res.global_cluster} over to {short(target)}: "
                    + "; ".join(problems),
                    hint="wait until it is available and synchronized, or upgrade the members "
                    "to the same engine version; `drctl check` lists the same",
                )
            flavor.api.switchover(client, res.global_cluster, target)
            return StepOutcome(
                detail=f"switchover to {short(target)} started",
                data={"previous_writer": previous},
            )
        if state is not None:
            raise AwsError(
                f"{res.name}: a move of {res.global_cluster} to "
                f"{short(str(state.get('ToDbClusterArn')))} is {state.get('Status')}"
            )
        lost = data_loss_text(flavor, res, ctx)
        flavor.api.failover(client, res.global_cluster, target)
        return StepOutcome(
            detail=f"failover with data loss allowed to {short(target)} started: {lost}",
            data={"previous_writer": previous, "data_loss": lost},
        )

    def verify() -> Verification:
        g = _global(flavor, res, ctx)
        writer = writer_arn(g) or ""
        state = failover_state(g)
        ok = (
            bool(writer)
            and region_of(writer) == region
            and g.get("Status") == "available"
            and state is None
        )
        moving = f", {state['Status']}" if state else ""
        return Verification(ok, f"writer {short(writer)}, {g.get('Status')}{moving}")

    op = "switchover-global-cluster" if planned else "failover-global-cluster --allow-data-loss"
    return aws_step(
        resource=res.name,
        kind=flavor.kind,
        action=action,
        phase=Phase.DATA,
        description=f"Make the {region} member of {res.global_cluster} the writer "
        f"({'managed switchover, no data loss' if planned else 'failover, data loss allowed'}) "
        "and wait until the global cluster is available again",
        cli=[
            f"aws {flavor.service} {op} --global-cluster-identifier {res.global_cluster} "
            f"--target-db-cluster-identifier {target_arn_text(flavor, res, ctx, region)} "
            f"--region {region}",
            f"aws {flavor.service} describe-global-clusters "
            f"--global-cluster-identifier {res.global_cluster} "
            f"--query 'GlobalClusters[0].[Status,FailoverState]' --region {region}",
        ],
        where=f"{res.name} ({flavor.service} {region})",
        precheck=precheck,
        run=run,
        verify=verify,
        poll_seconds=15.0,
        sfn=lambda: _declarative(flavor, res, ctx, region, planned),
    )


def _declarative(
    flavor: Flavor, res: GlobalResource, ctx: RunContext, region: str, planned: bool
) -> SfnStep | None:
    """Switch over (planned) or fail over with data loss allowed to the member in
    ``region``; done when that member is the writer, the global cluster ``available`` and
    no move in progress. A Choice cannot search the member list, so the target's position in
    it is read when exporting (with its ARN checked too: a changed membership times out, it
    never passes). The preconditions the CLI names before a switchover show here as AWS's
    refusal and the timeout."""
    found = _member_path(flavor, res, ctx, region)
    if found is None:
        return None
    target, member = found
    side = "primary" if region == ctx.region("primary") else "dr"
    call = SdkCall(
        flavor.sfn_service,
        "describeGlobalClusters",
        {"GlobalClusterIdentifier": res.global_cluster},
        region,
        side=side,
    )
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
                flavor.sfn_service,
                "switchoverGlobalCluster" if planned else "failoverGlobalCluster",
                params,
                region,
                tolerate_failure=True,
                side=side,
            ),
        ),
        verify=Probe(call, moved),
    )


# ---------------------------------------------------------------- readiness


def checks(
    flavor: Flavor,
    res: GlobalResource,
    ctx: RunContext,
    lag: Callable[[], CheckResult],
    extra: list[Check] | None = None,
) -> list[Check]:
    """The readiness every global cluster shares -- it exists, its writer is home, a
    secondary is in DR, storage is encrypted, the lag is within the RPO (``lag``: the kind's
    metric) and a switchover would be accepted -- with the kind's ``extra`` checks before the
    lag."""
    p_region, d_region = ctx.region("primary"), ctx.region("dr")

    def glob() -> dict[str, Any] | None:
        return describe(flavor, res, ctx)

    def exists() -> CheckResult:
        g = glob()
        if g is None:
            return failed(f"global cluster {res.global_cluster} not found")
        members = len(g.get("GlobalClusterMembers", []))
        return passed(f"{res.global_cluster} {g.get('Status')}, {members} members")

    def writer() -> CheckResult:
        g = glob()
        arn = writer_arn(g) if g else None
        if arn is None:
            return failed("no writer cluster")
        if region_of(arn) != p_region:
            return failed(f"the writer is in {region_of(arn)}, not {p_region}")
        return passed(f"writer {short(arn)} in {p_region}")

    def secondary() -> CheckResult:
        g = glob()
        arn = member_in(g, d_region) if g else None
        if arn is None:
            return failed(f"no secondary cluster in {d_region}")
        return passed(f"secondary {short(arn)} in {d_region}")

    def encrypted() -> CheckResult:
        g = glob()
        if g is None:
            return failed("global cluster not found")
        return (
            passed("storage encrypted")
            if g.get("StorageEncrypted")
            else failed("storage not encrypted")
        )

    def switchover_ready() -> CheckResult:
        g = glob()
        target = member_in(g, d_region) if g else None
        if g is None or target is None:
            return failed(f"no secondary cluster in {d_region} to switch over to")
        problems = switchover_problems(flavor, res, ctx, g, target)
        if problems:
            return failed("; ".join(problems))
        return passed(f"{short(target)} connected, available, same engine version")

    check = check_maker(res.name, flavor.kind, f"{res.name} ({flavor.label} {res.global_cluster})")
    return [
        check("global-cluster", "global cluster exists", exists),
        check("writer", "writer in the primary region", writer),
        check("secondary", "secondary cluster in the DR region", secondary),
        check("encryption", "storage encrypted", encrypted),
        *(extra or []),
        check("replication-lag", "replication lag within the RPO", lag),
        check(
            "switchover-ready", "a switchover to the DR member would be accepted", switchover_ready
        ),
    ]


def on_member(
    flavor: Flavor,
    res: GlobalResource,
    ctx: RunContext,
    side: str,
    test: Callable[[dict[str, Any]], CheckResult],
) -> Callable[[], CheckResult]:
    """A check of the member cluster in ``side``'s Region (failing when there is none)."""

    def run() -> CheckResult:
        cluster = member_cluster(flavor, res, ctx, side)
        if cluster is None:
            return failed(f"no member cluster in {ctx.region(side)}")
        return test(cluster)

    return run


def deletion_protected(cluster: dict[str, Any]) -> CheckResult:
    """Deletion protection on a member cluster: deleting the primary takes the writer along."""
    who = cluster["DBClusterIdentifier"]
    if not cluster.get("DeletionProtection"):
        return failed(f"deletion protection is off on {who}")
    return passed(f"deletion protection is on for {who}")


def hand_verifications(
    members: Callable[[str], str], ctx: RunContext, action: str
) -> dict[str, list[HandCheck]]:
    """The handbook's verification of each step, ``members(region)`` being the kind's
    ``describe-global-clusters`` command that lists the members."""
    p, d = ctx.region("primary"), ctx.region("dr")
    if action == "failover":
        return {
            "switch-writer": [
                HandCheck(
                    f"the writer is in {d}",
                    members(d),
                    f'`"available"`, no failover state, and the member in {d} with IsWriter `true`',
                )
            ]
        }
    return {
        "await-home-resync": [
            HandCheck(
                f"the {p} member is back in the global cluster",
                members(d),
                f'a member in {p} (IsWriter `false`), `"connected"`',
            )
        ],
        "switch-writer-home": [
            HandCheck(
                f"the writer is home in {p}",
                members(p),
                f'`"available"`, no failover state, and the member in {p} with IsWriter `true`',
            )
        ],
    }
