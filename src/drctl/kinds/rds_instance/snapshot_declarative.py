"""The backup-and-restore failback steps (``snapshot_failback``) as AWS SDK calls, for Step
Functions (``drctl export``).

Each form mirrors its step's closures with the same reads and the same calls, spelled for
the AWS SDK integration. What is expressed otherwise, and where the states decide less:

* Names made at run time: the CLI derives its snapshot and kept-aside names from the run id
  (``failback.run_suffix``: its last ``-`` part). An execution drctl starts is named from
  the run id (``drctl failback --engine stepfunctions``), and a redriven execution keeps its
  name, so the states derive the same names from ``$$.Execution.Name`` with intrinsics.
* "Failback already complete" (``_is_home``) reads two Regions: ``SfnStep.skip_if`` reads
  the DR instance (gone) and then the home instance (standalone, available, not on a fence
  group), and skips the step when both hold. The CLI also refuses to call it home when
  ``dr`` left a snapshot newer than ``primary`` (deleted by hand after taking writes): that
  is the newest of a listing compared with another Region's answer, which the states do not
  check, so that refusal stays the CLI's (``docs/commands/export.md`` says so); nor do they
  read a custom parameter group's read-only setting (``api.writable``).
* Re-protecting home (``snapshot``, ``copy-to-dr``): the CLI is done once DR holds a
  snapshot of ``primary`` taken after that instance was created. The states name the
  snapshot after the failback that restored ``primary`` (the suffix in its
  ``drctl:restored-from`` tag, the run that restored it), so an execution started later
  finds the copy the first one made and calls nothing (a copy of ``primary`` made otherwise,
  by ``drctl backup``, does not count here: the states then take their own). A home
  instance without that tag (restored by hand) fails these two steps at run time, where
  the CLI names its snapshots after its own run: re-protect it with ``drctl backup``.

Every describe of a name that may not exist uses ``Filters`` (an empty answer, not an
error), so a precheck reads "missing" rather than failing the execution.
"""

from __future__ import annotations

from typing import Any

from drctl.engine.context import RunContext
from drctl.engine.declarative import (
    NoDeclarativeForm,
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
from drctl.kinds.rds_instance.declarative import standalone_available
from drctl.plan.models import RdsInstance

# The run id's last part, as failback.run_suffix: "20261130T140000Z-app-failback-3f9a" -> 3f9a.
RUN_SUFFIX = (
    "States.ArrayGetItem(States.StringSplit($$.Execution.Name, '-'), "
    "States.MathAdd(States.ArrayLength(States.StringSplit($$.Execution.Name, '-')), -1))"
)
# The restoring run's suffix, from the home instance's drctl:restored-from tag kept by the
# lookup ("drctl-<app>-<resource>-failback-<suffix>-home": the next to last part).
_TAG = "$.lookup.restored_from[0]"
RESTORING_SUFFIX = (
    f"States.ArrayGetItem(States.StringSplit({_TAG}, '-'), "
    f"States.MathAdd(States.ArrayLength(States.StringSplit({_TAG}, '-')), -2))"
)
Selection = dict[str, str]  # a Probe's select: name -> path or intrinsic
ASIDE_MAX = 63  # a DB instance identifier's length limit
RUN_SUFFIX_LENGTH = 4  # engine.runs.new_run_id ends with 2 random bytes in hex
_INSTANCE = "$.DbInstances[0]"
_STATUS = f"{_INSTANCE}.DbInstanceStatus"
_GROUP = f"{_INSTANCE}.DbParameterGroups[0].DbParameterGroupName"
_SNAPSHOT_STATUS = "$.DbSnapshots[0].Status"
_RESTORED_FROM = f"$.DbInstances[*].TagList[?(@.Key == '{api.RESTORED_FROM_TAG}')].Value"


def named(template: str, suffix: str = RUN_SUFFIX) -> str:
    """An intrinsic naming something at run time: ``template``'s ``{}`` is the suffix."""
    return f"States.Format('{template}', {suffix})"


def instances(instance_id: str, region: str, side: str) -> SdkCall:
    """DescribeDBInstances of one id by filter: an empty list when it does not exist."""
    return SdkCall(
        "rds",
        "describeDBInstances",
        {"Filters": [{"Name": "db-instance-id", "Values": [instance_id]}]},
        region,
        side=side,
    )


def snapshots(name: str, region: str, side: str) -> SdkCall:
    """DescribeDBSnapshots of one id named at run time (``name``: an intrinsic) by filter."""
    return SdkCall(
        "rds",
        "describeDBSnapshots",
        {"Filters": [{"Name": "db-snapshot-id", "Values.$": f"States.Array({name})"}]},
        region,
        side=side,
    )


def available(name: str, region: str, side: str) -> Probe:
    return Probe(snapshots(name, region, side), equals(_SNAPSHOT_STATUS, "available"))


def absent(instance_id: str, region: str, side: str) -> Probe:
    return Probe(instances(instance_id, region, side), negate(present(_INSTANCE)))


def home_reached(res: RdsInstance, ctx: RunContext) -> tuple[Probe, Probe]:
    """``_is_home`` read by two describes: ``dr`` gone, then ``primary`` writable
    (standalone, available, not on a drctl read-only group)."""
    fenced = any_of(starts_with(_GROUP, api.FENCE_PREFIX), starts_with(_GROUP, "drctl-readonly-"))
    return (
        absent(res.dr, ctx.region("dr"), "dr"),
        Probe(
            instances(res.primary, ctx.region("primary"), "primary"),
            all_of(standalone_available(), negate(fenced)),
        ),
    )


class Names:
    """What the failback names at run time, as intrinsics (``snapshot_failback``'s names)."""

    def __init__(self, res: RdsInstance, ctx: RunContext) -> None:
        self.prefix = f"drctl-{ctx.plan.app}-{res.name}"
        self.dr_snapshot = named(f"{self.prefix}-failback-{{}}")
        self.home_copy = named(f"{self.prefix}-failback-{{}}-home")
        self.reprotect = named(f"{self.prefix}-{{}}", RESTORING_SUFFIX)
        self.reprotect_copy = named(f"{self.prefix}-{{}}-dr", RESTORING_SUFFIX)

    @staticmethod
    def aside(instance_id: str) -> str:
        """``failback.aside_name``: ``<id>-pre-failback-<suffix>``. The CLI cuts a name
        past AWS's limit, an intrinsic cannot: an id that would need it (with the 4
        characters of a drctl run id's suffix) has no form."""
        if len(instance_id) + len("-pre-failback-") + RUN_SUFFIX_LENGTH > ASIDE_MAX:
            raise NoDeclarativeForm(
                f"{instance_id}-pre-failback-<run> exceeds the {ASIDE_MAX} characters of an "
                "instance id, which the CLI cuts and an intrinsic cannot"
            )
        return named(f"{instance_id}-pre-failback-{{}}")


def _arn_parts(ctx: RunContext, res: RdsInstance) -> tuple[str, str, bool]:
    """(partition, account of the DR instance, encrypted) read now from the DR instance:
    the cross-Region copies name their source by ARN and need a key when encrypted."""
    if ctx.offline:
        raise NoDeclarativeForm("the DR instance's ARN and encryption are read when exporting")
    try:
        inst = api.describe_instance(ctx.client("rds", "dr"), res.dr)
    except Exception as exc:
        raise NoDeclarativeForm(f"{res.dr} cannot be read now ({exc})") from None
    if inst is None:
        raise NoDeclarativeForm(f"{res.dr} not found in {ctx.region('dr')}: nothing to bring home")
    arn = str(inst.get("DBInstanceArn", ""))
    parts = arn.split(":")
    if len(parts) < 5 or not parts[4]:
        raise NoDeclarativeForm(f"{res.dr} has no readable ARN")
    if parts[1] == "aws-us-gov":
        # There a cross-Region copy needs a presigned URL, which only an SDK computes.
        raise NoDeclarativeForm("AWS GovCloud (US) needs a presigned URL for the copies")
    return parts[1], parts[4], bool(inst.get("StorageEncrypted"))


def _account(ctx: RunContext, side: str, fallback: str) -> str:
    """The account the plan's ``accounts:`` role of ``side`` is in, else ``fallback``."""
    accounts = ctx.plan.accounts
    spec = getattr(accounts, side, None) if accounts is not None else None
    if spec is not None:
        return str(spec.role_arn).split(":")[4]
    return fallback


def _copy(
    source: str, target: str, region: str, side: str, encrypted: bool, source_region: str = ""
) -> SdkCall:
    """CopyDBSnapshot called in the destination Region (``api.copy_to_region``), the source
    named by its ARN. ``source_region``: for a call through the Region proxy, whose boto3
    presigns the source Region's request from it as the CLI's call does; the integration's
    own task does not take it, and outside AWS GovCloud (US) RDS ignores the presigned URL
    (API_CopyDBSnapshot, PreSignedUrl), so the ARN alone is the copy there."""
    parameters: dict[str, Any] = {
        "SourceDBSnapshotIdentifier.$": source,
        "TargetDBSnapshotIdentifier.$": target,
        "CopyTags": True,
    }
    if source_region:
        parameters["SourceRegion"] = source_region
    if encrypted:
        parameters["KmsKeyId"] = "alias/aws/rds"
    return SdkCall("rds", "copyDBSnapshot", parameters, region, side=side)


def _tags(res: RdsInstance, ctx: RunContext) -> list[dict[str, str]]:
    return [
        {"Key": "drctl:app", "Value": ctx.plan.app},
        {"Key": "drctl:resource", "Value": res.name},
    ]


def _create_snapshot(res: RdsInstance, ctx: RunContext, side: str, name: str) -> SdkCall:
    """A manual snapshot of ``side``'s instance, named by the intrinsic ``name`` (from the
    execution's name, as the CLI names it from the run id), tagged as the CLI tags it."""
    instance = res.primary if side == "primary" else res.dr
    return SdkCall(
        "rds",
        "createDBSnapshot",
        {"DbInstanceIdentifier": instance, "DbSnapshotIdentifier.$": name, "Tags": _tags(res, ctx)},
        ctx.region(side),
        side=side,
    )


def snapshot_dr(res: RdsInstance, ctx: RunContext) -> SfnStep:
    region = ctx.region("dr")
    names = Names(res, ctx)
    done = available(names.dr_snapshot, region, "dr")
    return SfnStep(
        skip_if=home_reached(res, ctx),
        precheck=done,
        run=(_create_snapshot(res, ctx, "dr", names.dr_snapshot),),
        verify=done,
    )


def copy_home(res: RdsInstance, ctx: RunContext) -> SfnStep:
    p_region, d_region = ctx.region("primary"), ctx.region("dr")
    names = Names(res, ctx)
    partition, account, encrypted = _arn_parts(ctx, res)
    source = named(
        f"arn:{partition}:rds:{d_region}:{account}:snapshot:{names.prefix}-failback-{{}}"
    )
    copy = _copy(source, names.home_copy, p_region, "primary", encrypted, source_region=d_region)
    done = available(names.home_copy, p_region, "primary")
    return SfnStep(skip_if=home_reached(res, ctx), precheck=done, run=(copy,), verify=done)


def _home_instance(res: RdsInstance, region: str, home_copy: str) -> tuple[SdkCall, Selection]:
    """The home instance read for the rules: how many there are, its restored-from tag, its
    status, and this run's home copy's name to compare the tag with."""
    return instances(res.primary, region, "primary"), {
        "count": "States.ArrayLength($.DbInstances)",
        "restored_from": _RESTORED_FROM,
        "status": "$.DbInstances[*].DbInstanceStatus",
        "ours": home_copy,
    }


def _ours() -> dict[str, Any]:
    return all_of(
        present("$.restored_from[0]"),
        {"Variable": "$.restored_from[0]", "StringEqualsPath": "$.ours"},
    )


def retire_old_primary(res: RdsInstance, ctx: RunContext) -> SfnStep:
    region = ctx.region("primary")
    names = Names(res, ctx)
    aside = names.aside(res.primary)
    call, select = _home_instance(res, region, names.home_copy)
    name = res.primary.lower()  # RDS keeps identifiers in lowercase
    dr_created = "$.lookup.DbInstances[0].InstanceCreateTime"
    # Restored by an earlier failback after this DR instance was created: a failback that
    # died before retire-dr (``snapshot_failback._restored_home``, which the CLI calls home;
    # a stale restore of an earlier cycle is older than DR). It may take writes: refuse.
    restored_since = all_of(
        present("$.restored_from[0]"),
        negate(_ours()),
        present("$.created[0]"),
        present(dr_created),
        {"Variable": "$.created[0]", "TimestampGreaterThanPath": dr_created},
    )
    refused = (
        f"{res.primary} was restored by an earlier failback after {res.dr} was created, and "
        "may take writes since: finish that failback with the CLI (drctl failback), which "
        "keeps it and only retires DR and re-protects"
    )
    return SfnStep(
        lookup=Probe(instances(res.dr, ctx.region("dr"), "dr"), present("$.DbInstances")),
        skip_if=home_reached(res, ctx),
        precheck=Probe(
            call,
            any_of(equals("$.count", 0), _ours()),
            select={**select, "created": "$.DbInstances[*].InstanceCreateTime"},
            fails=(restored_since, refused),
        ),
        run=(
            SdkCall(
                "rds",
                "modifyDBInstance",
                {
                    "DbInstanceIdentifier": res.primary,
                    "NewDBInstanceIdentifier.$": aside,
                    "ApplyImmediately": True,
                },
                region,
                side="primary",
            ),
        ),
        # The name is free and the instance kept under the other name: of the two names
        # asked for, only one exists and it is not the primary's.
        verify=Probe(
            SdkCall(
                "rds",
                "describeDBInstances",
                {
                    "Filters": [
                        {"Name": "db-instance-id", "Values.$": f"States.Array('{name}', {aside})"}
                    ]
                },
                region,
                side="primary",
            ),
            all_of(equals("$.count", 1), equals("$.named", 0)),
            select={
                "count": "States.ArrayLength($.DbInstances)",
                "named": "States.ArrayLength("
                f"$.DbInstances[?(@.DbInstanceIdentifier == '{name}')])",
            },
        ),
    )


def restore_home(res: RdsInstance, ctx: RunContext) -> SfnStep:
    """Restore the home copy as ``primary`` with the DR instance's class (read now, as the
    failover's restore reads the primary's)."""
    region = ctx.region("primary")
    names = Names(res, ctx)
    try:
        away = api.describe_instance(ctx.client("rds", "dr"), res.dr) or {}
    except Exception as exc:
        raise NoDeclarativeForm(f"{res.dr} cannot be read now ({exc})") from None
    instance_class = str(away.get("DBInstanceClass") or "db.t3.micro")
    call, select = _home_instance(res, region, names.home_copy)
    return SfnStep(
        skip_if=home_reached(res, ctx),
        precheck=Probe(call, all_of(_ours(), equals("$.status[0]", "available")), select=select),
        # A rerun while the first restore is under way is refused: the wait sees it through.
        run=(
            SdkCall(
                "rds",
                "restoreDBInstanceFromDBSnapshot",
                {
                    "DbSnapshotIdentifier.$": names.home_copy,
                    "DbInstanceIdentifier": res.primary,
                    "DbInstanceClass": instance_class,
                    "PubliclyAccessible": False,
                    "DeletionProtection": False,
                    "Tags": [{"Key": api.RESTORED_FROM_TAG, "Value.$": names.home_copy}],
                },
                region,
                side="primary",
                tolerate_failure=True,
            ),
        ),
        verify=Probe(instances(res.primary, region, "primary"), equals(_STATUS, "available")),
    )


def retire_dr(res: RdsInstance, ctx: RunContext) -> SfnStep:
    region = ctx.region("dr")
    gone = absent(res.dr, region, "dr")
    return SfnStep(
        precheck=gone,
        run=(
            SdkCall(
                "rds",
                "modifyDBInstance",
                {
                    "DbInstanceIdentifier": res.dr,
                    "NewDBInstanceIdentifier.$": Names.aside(res.dr),
                    "ApplyImmediately": True,
                },
                region,
                side="dr",
            ),
        ),
        verify=gone,
    )


def _restoring_run(res: RdsInstance, ctx: RunContext) -> Probe:
    """The lookup of the re-protecting steps: the home instance's restored-from tag."""
    return Probe(
        instances(res.primary, ctx.region("primary"), "primary"),
        at_least("$.count", 1),
        select={
            "count": "States.ArrayLength($.DbInstances)",
            "restored_from": _RESTORED_FROM,
        },
    )


def reprotect_snapshot(res: RdsInstance, ctx: RunContext) -> SfnStep:
    """``backup_steps``' snapshot, done once DR holds the copy (``_unless_reprotected``)."""
    p_region, d_region = ctx.region("primary"), ctx.region("dr")
    names = Names(res, ctx)
    done = available(names.reprotect, p_region, "primary")
    return SfnStep(
        lookup=_restoring_run(res, ctx),
        skip_if=(available(names.reprotect_copy, d_region, "dr"),),
        precheck=done,
        run=(_create_snapshot(res, ctx, "primary", names.reprotect),),
        verify=done,
    )


def reprotect_copy(res: RdsInstance, ctx: RunContext) -> SfnStep:
    """``backup_steps``' copy-to-dr: called in DR, the state machine's own Region."""
    p_region, d_region = ctx.region("primary"), ctx.region("dr")
    names = Names(res, ctx)
    partition, dr_account, encrypted = _arn_parts(ctx, res)
    account = _account(ctx, "primary", dr_account)
    source = named(
        f"arn:{partition}:rds:{p_region}:{account}:snapshot:{names.prefix}-{{}}", RESTORING_SUFFIX
    )
    done = available(names.reprotect_copy, d_region, "dr")
    return SfnStep(
        lookup=_restoring_run(res, ctx),
        precheck=done,
        run=(_copy(source, names.reprotect_copy, d_region, "dr", encrypted),),
        verify=done,
    )
