"""Failback of ``rds-instance`` (replica recovery): re-protect, then a planned move home.

After a failover the DR instance is the standalone primary. Bringing the app
home without losing what it wrote meanwhile:

1. ``retire-old-primary``: the stale old primary (if it survived) is renamed
   ``<primary>-pre-failback-<run>`` -- kept, not deleted: it is evidence, and
   deleting databases is for people to decide.
2. ``reprotect``: a cross-region read replica of the DR instance is created in
   regions.primary under the original name, and waited for until it replicates.
3. planned mode: ``fence-dr`` (read-only) and ``drain-home`` (lag caught up);
4. ``promote-home``: the home replica is promoted; traffic then moves home.
5. after traffic: ``retire-dr`` renames the DR instance aside (kept) and
   ``reprotect-dr`` creates a fresh replica of the home primary under the DR name,
   so the plan is protected again exactly as before the failover.

Steps 1 and 2 run while the application still serves from DR: they are preparation
(:attr:`drctl.engine.step.Step.preparation`), and with step 5 (post-recovery, after
traffic) not counted in the failback's RTO, which runs from the fence to traffic home.

A rename takes minutes on AWS: the instance keeps answering to its old name, ``renaming``,
and the old name stays taken (a create under it fails ``DBInstanceAlreadyExists``) until the
new name takes effect. So each rename is its own step, verified only once the old name is
free and the new one answers; the step that creates under the old name comes after. A
resumed run that finds the instance ``renaming`` waits for that rename instead of asking
again (AWS refuses a second one with ``InvalidDBInstanceState``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from drctl.engine.context import RunContext
from drctl.engine.declarative import NoDeclarativeForm, SfnStep
from drctl.engine.step import Phase, Precheck, Step, StepOutcome, StepWaiting, Verification
from drctl.errors import AwsError, DrctlError
from drctl.kinds.rds_instance import api, failback_forms, topology
from drctl.kinds.rds_instance.fencing import drain_step, fence_step
from drctl.kinds.rds_instance.replica import DEFAULT_BACKUP_RETENTION_DAYS
from drctl.kinds.steps import aws_step
from drctl.plan.models import RdsInstance

NAME = "rds-instance"
REPROTECT_TAG = failback_forms.REPROTECT_TAG


def run_suffix(ctx: RunContext) -> str:
    """The run id's last part: names a run derives (kept-aside instances, snapshots) carry
    it, so a resumed run finds what its first attempt created."""
    return (ctx.run_id or "manual").rsplit("-", 1)[-1]


def aside_name(instance_id: str, ctx: RunContext) -> str:
    """``<id>-pre-failback-<run>``: where failback keeps an instance it replaces (found
    again by ``drctl cleanup`` and ``drctl cost``)."""
    return f"{instance_id}-pre-failback-{run_suffix(ctx)}"[:63].rstrip("-")


def _tags(inst: dict[str, Any]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in inst.get("TagList") or []}


def _replicates_from(inst: dict[str, Any] | None, source_id: str) -> bool:
    source = api.replica_source(inst) if inst else None
    return bool(source) and (source == source_id or str(source).endswith(f":db:{source_id}"))


def _fenced(inst: dict[str, Any] | None) -> bool:
    return api.is_fence_group(api.parameter_group(inst or {}))


def renaming(inst: dict[str, Any] | None) -> bool:
    """Whether a rename of ``inst`` is under way: AWS keeps answering to the old name, status
    ``renaming``, for minutes, and the old name stays taken until the new one takes effect."""
    return inst is not None and inst.get("DBInstanceStatus") == "renaming"


def rename_aside(client: Any, instance_id: str, aside: str) -> str:
    """Rename ``instance_id`` to ``aside``, unless a rename of it is under way already (an
    earlier attempt of this run, resumed: AWS refuses a second one while ``renaming``)."""
    if renaming(api.describe_instance(client, instance_id)):
        return f"{instance_id} is renaming already (an earlier attempt); waiting for it"
    api.rename_instance(client, instance_id, aside)
    return f"renamed {instance_id} to {aside} (kept; delete it when satisfied)"


def renamed_aside(client: Any, instance_id: str, aside: str, region: str) -> Verification:
    """The rename is through: ``instance_id`` is free (no longer ``renaming``) and the
    instance answers to ``aside``. Until then nothing may be created under the old name."""
    old = api.describe_instance(client, instance_id)
    if old is not None:
        status = old.get("DBInstanceStatus")
        return Verification(False, f"{instance_id} still holds its name ({status})")
    new = api.describe_instance(client, aside)
    if new is None:
        return Verification(False, f"{instance_id} free, {aside} not visible yet")
    return Verification(
        True, f"{instance_id} free, {aside} exists in {region} ({new.get('DBInstanceStatus')})"
    )


def rename_cli(instance_id: str, aside: str, region: str) -> list[str]:
    """The rename and its wait, as commands: ``aws rds wait`` has no "renamed" waiter, so a
    describe loop runs until AWS answers DBInstanceNotFound for the old name."""
    return [
        f"aws rds modify-db-instance --db-instance-identifier {instance_id} "
        f"--new-db-instance-identifier {aside} --apply-immediately --region {region}",
        f"# the old name is taken while the instance is renaming (minutes): wait until "
        f"{instance_id} is not found, then {aside} answers",
        f"while aws rds describe-db-instances --db-instance-identifier {instance_id} "
        f"--query 'DBInstances[0].DBInstanceStatus' --output text --region {region}; "
        "do sleep 15; done",
        f"aws rds describe-db-instances --db-instance-identifier {aside} "
        f"--query 'DBInstances[0].DBInstanceStatus' --output text --region {region}",
    ]


def _home_state(res: RdsInstance, ctx: RunContext) -> tuple[str, str]:
    """Where this deployment stands, read from AWS alone -- who is writable, who replicates
    from whom, what is fenced, which instance is newer -- never from a tag alone (a drill's
    tag once made a fenced home look like the primary and discarded what was written in DR):
    ("protected", ...) -- home is standalone and writable and DR replicates from it;
    ("home", ...)      -- home is standalone and writable, DR takes no writes (fenced, or a
                          replica), or both take writes and home is the promoted replica of
                          this DR instance (:func:`_both_take_writes`): only re-protecting DR
                          is left;
    ("away", ...)      -- otherwise (the failover's state, or part of the way back).
    Both writable with nothing telling which holds the data: the step waits for a person
    (:class:`StepWaiting`, exit 3) rather than rename a writable primary."""
    rds_home = ctx.client("rds", "primary")
    home = api.describe_instance(rds_home, res.primary)
    away = api.describe_instance(ctx.client("rds", "dr"), res.dr)
    home_writable = home is not None and api.writable(rds_home, home)[0]
    if home_writable and _replicates_from(away, res.primary):
        return "protected", f"{res.dr} replicates from {res.primary}, which is writable"
    dr_takes_writes = away is not None and api.replica_source(away) is None and not _fenced(away)
    if home_writable and not dr_takes_writes:
        return "home", f"{res.primary} is the writable primary again"
    if home is not None and away is not None and home_writable:
        return _both_take_writes(res, ctx, home, away)
    return "away", ""


def _both_take_writes(
    res: RdsInstance, ctx: RunContext, home: dict[str, Any], away: dict[str, Any]
) -> tuple[str, str]:
    """Home and DR are both standalone and writable. Two histories lead here:

    * the outage's old primary survived unfenced (an unplanned failover): it is older than
      the DR instance, which was created as its replica -- or with it, by the sandbox --
      so "away": it is renamed aside (kept) and replaced by a replica of DR;
    * an unplanned failback (DR never fenced) promoted home and died before re-protecting
      DR: home was created after the DR instance, as its replica, and carries the tag naming
      its ARN -- so "home": the application may already write there, and renaming it would
      discard those writes. The tag alone does not decide (ARNs are by name: a stale home of
      an earlier cycle names the same ARN), the creation times do: a stale home is older than
      the DR instance re-created after it.

    Home newer than DR without that tag (made by hand?) is neither: drctl waits for a person."""
    home_created, dr_created = home.get("InstanceCreateTime"), away.get("InstanceCreateTime")
    if home_created is not None and dr_created is not None and home_created <= dr_created:
        return "away", ""
    dr_arn = away.get("DBInstanceArn")
    if home_created is not None and dr_arn and _tags(home).get(REPROTECT_TAG) == dr_arn:
        return "home", (
            f"{res.primary} is the promoted replica of {res.dr} (created from it, after it); "
            f"{res.dr} was never fenced"
        )
    p, d = ctx.region("primary"), ctx.region("dr")
    raise StepWaiting(
        f"{res.name}: both {res.primary} ({p}) and {res.dr} ({d}) are standalone and take "
        f"writes, and {res.primary} is not the older one nor drctl's replica of {res.dr}: "
        "drctl cannot tell which holds the application's data and renames neither. If "
        f"{res.primary} does, fence {res.dr} (read_only in its parameter group) and rerun "
        f"failback: it then only re-protects DR. If {res.dr} does, rename {res.primary} "
        f"aside (aws rds modify-db-instance --db-instance-identifier {res.primary} "
        f"--new-db-instance-identifier {res.primary}-kept --apply-immediately --region {p}) "
        "and rerun failback"
    )


def failback_steps(res: RdsInstance, ctx: RunContext) -> list[Step]:
    steps = [_retire_old_primary(res, ctx), _reprotect(res, ctx)]
    if ctx.mode == "planned":
        fenced_at: dict[str, datetime] = {}
        steps.append(
            fence_step(
                res,
                ctx,
                side="dr",
                instance_id=res.dr,
                action="fence-dr",
                phase=Phase.DATA,
                fenced_at=fenced_at,
            )
        )
        steps.append(
            drain_step(
                res, ctx, replica_side="primary", replica=res.primary, fenced_at=fenced_at,
                source=res.dr,
            )
        )  # fmt: skip
    steps.append(_promote_home(res, ctx))
    steps.append(_retire_dr(res, ctx))
    steps.append(_reprotect_dr(res, ctx))
    return steps


def _retire_old_primary(res: RdsInstance, ctx: RunContext) -> Step:
    region = ctx.region("primary")
    client = ctx.client("rds", "primary")
    aside = aside_name(res.primary, ctx)

    def precheck() -> Precheck:
        state, why = _home_state(res, ctx)
        if state != "away":
            return Precheck(True, why, "")
        inst = api.describe_instance(client, res.primary)
        if inst is None:
            return Precheck(True, f"no {res.primary} in {region}", "name free for the replica")
        if _replicates_from(inst, res.dr):
            return Precheck(True, f"{res.primary} is already the re-protecting replica", "")
        if renaming(inst):
            return Precheck(False, f"{res.primary} renaming", f"renamed to {aside}")
        return Precheck(False, f"stale old primary {res.primary}", f"renamed to {aside}")

    def run() -> StepOutcome:
        inst = api.describe_instance(client, res.primary)
        placed = topology.of_instance(client, inst) if inst is not None else None
        return StepOutcome(
            detail=rename_aside(client, res.primary, aside),
            data={"renamed_to": aside, "topology": placed},
        )

    def verify() -> Verification:
        return renamed_aside(client, res.primary, aside, region)

    return aws_step(
        resource=res.name,
        kind=NAME,
        action="retire-old-primary",
        phase=Phase.DATA,
        description=f"Rename the stale old primary {res.primary} in {region} to {aside} "
        "(kept, not deleted) and wait until the rename is through, so the name can carry the "
        "re-protecting replica",
        cli=rename_cli(res.primary, aside, region),
        where=f"{res.name} (rds {region})",
        precheck=precheck,
        run=run,
        verify=verify,
        poll_seconds=15.0,
        preparation=True,  # the old primary takes no traffic; the app serves from DR
        sfn=lambda: failback_forms.retire_old_primary(_sides(res, ctx)),
    )


def _replaced_topology(
    res: RdsInstance, ctx: RunContext, side: str, candidates: list[str]
) -> dict[str, Any] | None:
    """The placement of the instance a new replica on ``side`` replaces: the first of
    ``candidates`` that exists there, else what the failover recorded (see
    :mod:`~drctl.kinds.rds_instance.topology`)."""
    client = ctx.client("rds", side)
    for instance_id in candidates:
        inst = api.describe_instance(client, instance_id)
        if inst is not None:
            return topology.of_instance(client, inst)
    return topology.recorded(ctx.recorded, res.name, side)


def _create_replica_step(
    res: RdsInstance,
    ctx: RunContext,
    *,
    action: str,
    phase: Phase,
    side: str,
    replica_id: str,
    source_side: str,
    source_id: str,
    home_first: bool,
    preparation: bool,
    form: Callable[[failback_forms.Sides, dict[str, Any] | None, bool], SfnStep],
) -> Step:
    region, source_region = ctx.region(side), ctx.region(source_side)
    client, source_client = ctx.client("rds", side), ctx.client("rds", source_side)
    aside = aside_name(replica_id, ctx)
    # The instance the replica replaces, renamed aside by the step before (retire-old-primary,
    # retire-dr), or still under its name when that step has not run yet (a dry run).
    replaced = [aside, replica_id]

    def precheck() -> Precheck:
        inst = api.describe_instance(client, replica_id)
        if _replicates_from(inst, source_id):
            return Precheck(True, f"{replica_id} replicates from {source_id}", "")
        if home_first:
            state, why = _home_state(res, ctx)
            if state != "away":
                return Precheck(True, why, "")
        now = "missing" if inst is None else "a standalone instance"
        return Precheck(False, f"{replica_id} {now}", f"read replica of {source_id}")

    def run() -> StepOutcome:
        source = api.describe_instance(source_client, source_id)
        if source is None:
            raise AwsError(f"{res.name}: {source_id} not found in {source_region}")
        placement = _replaced_topology(res, ctx, side, replaced)
        if placement is None:
            raise DrctlError(
                f"{res.name}: nothing tells where {replica_id} belongs in {region}: the instance "
                "it replaces is gone and the failover recorded no placement for it",
                hint="create the replica by hand in the right subnet group, security groups "
                "and parameter group, then resume",
            )
        existing = api.describe_instance(client, replica_id)
        if existing is not None:
            # AWS would answer DBInstanceAlreadyExists; say which step frees the name.
            raise DrctlError(
                f"{res.name}: {replica_id} in {region} still holds the name "
                f"({existing.get('DBInstanceStatus')}): the rename aside is not through",
                hint=f"wait until {replica_id} is renamed to {aside} (the step before), then "
                "resume",
            )
        data: dict[str, Any] = {"topology": placement}
        if not source.get("StorageEncrypted"):
            placement = {**placement, "kms_key_id": None}
        elif not placement.get("kms_key_id"):
            raise DrctlError(
                f"{res.name}: {source_id} is encrypted; an encrypted cross-region replica "
                f"needs a KMS key in {region} and the instance it replaces had none",
                hint="create the replica by hand with --kms-key-id, then resume",
            )
        api.create_cross_region_replica(
            client,
            api.replica_arguments(
                replica_id,
                str(source["DBInstanceArn"]),
                placement,
                {REPROTECT_TAG: str(source["DBInstanceArn"])},
            ),
        )
        return StepOutcome(
            detail=f"creating {replica_id} in {region} from {source_id} "
            f"({topology.describe(placement)})",
            data=data,
        )

    def verify() -> Verification:
        inst = api.describe_instance(client, replica_id)
        if inst is None:
            return Verification(False, f"{replica_id} not visible yet")
        ok = _replicates_from(inst, source_id) and inst.get("DBInstanceStatus") == "available"
        return Verification(ok, f"{replica_id} {inst.get('DBInstanceStatus')}")

    return aws_step(
        resource=res.name,
        kind=NAME,
        action=action,
        phase=phase,
        description=f"Create {replica_id} in {region} as a read replica of {source_id} "
        f"({source_region}), placed like the instance it replaces, and wait until it replicates",
        cli=_replica_cli(res, ctx, side, replica_id, source_side, source_id, replaced),
        where=f"{res.name} (rds {region})",
        precheck=precheck,
        run=run,
        verify=verify,
        poll_seconds=30.0,
        preparation=preparation,
        sfn=lambda: _replica_form(res, ctx, side, replaced, form),
    )


def _replica_form(
    res: RdsInstance,
    ctx: RunContext,
    side: str,
    replaced: list[str],
    form: Callable[[failback_forms.Sides, dict[str, Any] | None, bool], SfnStep],
) -> SfnStep:
    """The step's declarative form, with what its run reads first: the placement of the
    instance the replica replaces, and whether its source is encrypted (the DR instance's:
    home's replacement is a replica of it)."""
    sides = _sides(res, ctx)
    try:
        placement = _replaced_topology(res, ctx, side, replaced)
        dr = api.describe_instance(ctx.client("rds", "dr"), res.dr)
    except Exception as exc:
        raise NoDeclarativeForm(f"its placement could not be read now ({exc})") from None
    if dr is None:
        raise NoDeclarativeForm(f"{res.dr} is not in {ctx.region('dr')} to replicate from")
    return form(sides, placement, bool(dr.get("StorageEncrypted")))


def _sides(res: RdsInstance, ctx: RunContext) -> failback_forms.Sides:
    """Both Regions, and the custom parameter groups home may be on that set read_only
    (``api.writable`` reads them when the step runs; the export reads them now)."""
    if ctx.offline:
        raise NoDeclarativeForm(
            "where its replicas go and which parameter groups are read-only are read from "
            "AWS when exporting, and this export is offline"
        )
    try:
        client = ctx.client("rds", "primary")
        home = api.describe_instance(client, res.primary)
        placed = _replaced_topology(
            res, ctx, "primary", [aside_name(res.primary, ctx), res.primary]
        )
        groups = [
            api.parameter_group(home) if home else None,
            (placed or {}).get("parameter_group"),
        ]
        read_only = failback_forms.read_only_groups(ctx, groups)
    except Exception as exc:
        raise NoDeclarativeForm(f"its parameter groups could not be read now ({exc})") from None
    return failback_forms.Sides(res, ctx.region("primary"), ctx.region("dr"), read_only)


def _replica_cli(
    res: RdsInstance,
    ctx: RunContext,
    side: str,
    replica_id: str,
    source_side: str,
    source_id: str,
    replaced: list[str],
) -> list[str]:
    """The commands as they will run: the source's ARN and the placement read now when
    drctl can; otherwise said in words, never as a ``<placeholder>`` a shell would choke on."""
    region = ctx.region(side)
    source_arn, placement = None, None
    if not ctx.offline:
        try:
            found = api.describe_instance(ctx.client("rds", source_side), source_id)
            source_arn = str(found["DBInstanceArn"]) if found else None
            placement = _replaced_topology(res, ctx, side, replaced)
        except Exception:
            pass
    lines = []
    if source_arn is None:
        lines.append(
            f"# SOURCE_ARN: the DBInstanceArn of {source_id} in {ctx.region(source_side)}, "
            "read when the step runs: SOURCE_ARN=$(aws rds describe-db-instances "
            f"--db-instance-identifier {source_id} --query 'DBInstances[0].DBInstanceArn' "
            f"--output text --region {ctx.region(source_side)})"
        )
    flags = topology.cli_flags(placement) if placement else ""
    if placement is None:
        lines.append(
            f"# drctl adds the subnet group, security groups, parameter group, Multi-AZ, KMS "
            f"key, class and storage type of the instance {replica_id} replaces, read when "
            "the step runs"
        )
    return [
        *lines,
        f"aws rds create-db-instance-read-replica --db-instance-identifier {replica_id} "
        f"--source-db-instance-identifier {source_arn or '$SOURCE_ARN'} "
        + (f"{flags} " if flags else "")
        + f"--region {region}",
        f"aws rds wait db-instance-available --db-instance-identifier {replica_id} "
        f"--region {region}",
    ]


def _reprotect(res: RdsInstance, ctx: RunContext) -> Step:
    return _create_replica_step(
        res, ctx, action="reprotect", phase=Phase.DATA, side="primary",
        replica_id=res.primary, source_side="dr", source_id=res.dr, home_first=True,
        preparation=True, form=failback_forms.reprotect,
    )  # fmt: skip


def _retire_dr(res: RdsInstance, ctx: RunContext) -> Step:
    """The DR instance (the primary of the outage, home's source until ``promote-home``)
    renamed aside, kept, and waited for until the rename is through, so that ``reprotect-dr``
    can create the fresh replica of home under its name (AWS keeps the old name taken while
    an instance is ``renaming``)."""
    region = ctx.region("dr")
    client = ctx.client("rds", "dr")
    aside = aside_name(res.dr, ctx)

    def precheck() -> Precheck:
        inst = api.describe_instance(client, res.dr)
        if inst is None:
            return Precheck(True, f"no {res.dr} in {region}", "name free for the replica")
        if _replicates_from(inst, res.primary):
            return Precheck(True, f"{res.dr} replicates from {res.primary}", "")
        if renaming(inst):
            return Precheck(False, f"{res.dr} renaming", f"renamed to {aside}")
        return Precheck(False, f"{res.dr} a standalone instance", f"renamed to {aside}")

    def run() -> StepOutcome:
        # Home first: with no home to replicate from, the DR instance keeps its name.
        if api.describe_instance(ctx.client("rds", "primary"), res.primary) is None:
            raise AwsError(f"{res.name}: {res.primary} not found in {ctx.region('primary')}")
        inst = api.describe_instance(client, res.dr)
        placed = topology.of_instance(client, inst) if inst is not None else None
        return StepOutcome(
            detail=rename_aside(client, res.dr, aside),
            data={"renamed_to": aside, "topology": placed},
        )

    def verify() -> Verification:
        return renamed_aside(client, res.dr, aside, region)

    return aws_step(
        resource=res.name,
        kind=NAME,
        action="retire-dr",
        phase=Phase.NOTIFY,
        description=f"Rename {res.dr} in {region} to {aside} (kept, not deleted) and wait "
        "until the rename is through, so the name can carry a fresh replica of home",
        cli=rename_cli(res.dr, aside, region),
        where=f"{res.name} (rds {region})",
        precheck=precheck,
        run=run,
        verify=verify,
        poll_seconds=15.0,
        sfn=lambda: failback_forms.retire_dr(_sides(res, ctx)),
    )


def _reprotect_dr(res: RdsInstance, ctx: RunContext) -> Step:
    return _create_replica_step(
        res, ctx, action="reprotect-dr", phase=Phase.NOTIFY, side="dr",
        replica_id=res.dr, source_side="primary", source_id=res.primary, home_first=False,
        preparation=False, form=failback_forms.reprotect_dr,
    )  # fmt: skip


def _promote_home(res: RdsInstance, ctx: RunContext) -> Step:
    region = ctx.region("primary")
    client = ctx.client("rds", "primary")

    def describe() -> dict[str, Any]:
        inst = api.describe_instance(client, res.primary)
        if inst is None:
            raise AwsError(f"{res.name}: {res.primary} not found in {region}")
        return inst

    def precheck() -> Precheck:
        state, why = _home_state(res, ctx)
        if state != "away":
            return Precheck(True, why, "")
        source = api.replica_source(describe())
        return Precheck(False, f"read replica of {source}", "standalone, writable")

    def run() -> StepOutcome:
        retention = int(describe().get("BackupRetentionPeriod") or 0)
        retention = retention or DEFAULT_BACKUP_RETENTION_DAYS
        api.promote_read_replica(client, res.primary, backup_retention_days=retention)
        return StepOutcome(detail=f"promoted {res.primary} in {region}")

    def verify() -> Verification:
        inst = describe()
        return Verification(
            api.is_standalone_writable(inst),
            f"{res.primary} {inst.get('DBInstanceStatus')}",
        )

    return aws_step(
        resource=res.name,
        kind=NAME,
        action="promote-home",
        phase=Phase.DATA,
        description=f"Promote {res.primary} in {region} to the writable primary again",
        cli=[
            f"aws rds promote-read-replica --db-instance-identifier {res.primary} "
            f"--region {region}",
            f"aws rds wait db-instance-available --db-instance-identifier {res.primary} "
            f"--region {region}",
        ],
        where=f"{res.name} (rds {region})",
        precheck=precheck,
        run=run,
        verify=verify,
        poll_seconds=15.0,
        sfn=lambda: failback_forms.promote_home(_sides(res, ctx)),
    )
