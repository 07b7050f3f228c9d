"""The replica failback's own steps (:mod:`.failback`) as AWS SDK calls, for Step Functions.

Each form mirrors its step's closures: the same describes, the same decisions, the same
calls. Where the CLI step decides on both Regions (``failback._home_state``: is home the
writable primary again, and does DR no longer take writes?), the form describes one Region
as its ``lookup`` and the other as its precheck, and the precheck's rule reads both answers
(the lookup's under ``$.lookup``). Instances are described by the ``db-instance-id`` filter,
which answers an empty list for a missing instance where ``DbInstanceIdentifier`` would fail
the task, so "missing" is a decision like any other.

Each move is idempotent on its own (its precheck reads AWS), so a rerun of the execution
makes only the calls still needed; a step of two moves is two parts:

* ``retire-old-primary``: rename the stale old primary aside, wait until its name is free;
* ``reprotect``: create the home replica of the DR instance, wait until it replicates;
* ``promote-home``, two parts: promote keeping the replica's backup retention, or with 7
  days when it keeps none (the CLI's ``retention or 7``: a Choice cannot pick a value);
* ``retire-dr``: rename the DR instance aside and wait until its name is free;
* ``reprotect-dr``: create the DR replica of home under that name, wait until it replicates.

Renames take time on AWS: the instance keeps its old name, ``renaming``, for a while, and the
new name is taken only then; so each rename's wait loop holds only once the old name has
gone and the new one is there, before anything is created under the old one.

The name an instance is kept aside under, ``<id>-pre-failback-<run>``, takes the last part
of the execution's name, which ``drctl failback --engine stepfunctions`` sets to the run id
(as the CLI's run suffix). What only AWS knows before the run (where a replica goes: the
placement of the instance it replaces; whether its source is encrypted; which custom
parameter groups set ``read_only``) is read when the definition is exported, as the CLI reads
it when its step runs; the ARN of a replica's source is read by the execution.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from drctl.engine.context import RunContext
from drctl.engine.declarative import (
    NoDeclarativeForm,
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
    starts_with,
)
from drctl.kinds.rds_instance import api
from drctl.kinds.rds_instance.replica import DEFAULT_BACKUP_RETENTION_DAYS
from drctl.plan.models import RdsInstance

ASIDE_MARK = "-pre-failback-"
MAX_IDENTIFIER = 63  # a DB instance identifier's limit (API_ModifyDBInstance)
RUN_SUFFIX_CHARS = 4  # drctl's run ids end with 4 hex digits (engine.runs.new_run_id)
REPROTECT_TAG = "drctl:reprotected-from"  # on each replica a failback creates: its source
LOOKUP = "$.lookup"
# The last part of the execution's name (its run id: ``...-failback-3f9a`` -> ``3f9a``).
_PARTS = "States.StringSplit($$.Execution.Name, '-')"
RUN_SUFFIX = f"States.ArrayGetItem({_PARTS}, States.MathAdd(States.ArrayLength({_PARTS}), -1))"
# botocore's request names (api.replica_arguments) -> the AWS SDK integration's.
_SDK_NAMES = {
    "DBInstanceIdentifier": "DbInstanceIdentifier",
    "DBInstanceClass": "DbInstanceClass",
    "DBSubnetGroupName": "DbSubnetGroupName",
    "DBParameterGroupName": "DbParameterGroupName",
}


@dataclass(frozen=True)
class _At:
    """Paths into one describe's answer (``$`` the probe's own, ``$.lookup`` the lookup's)."""

    root: str

    @property
    def instance(self) -> str:
        return f"{self.root}.DbInstances[0]"

    def field(self, name: str) -> str:
        return f"{self.instance}.{name}"

    @property
    def source(self) -> str:
        return self.field("ReadReplicaSourceDBInstanceIdentifier")

    @property
    def group(self) -> str:
        return self.field("DbParameterGroups[0].DbParameterGroupName")


PROBE, LOOKED_UP = _At("$"), _At(LOOKUP)


def describe(ids: list[str] | str, region: str, side: str) -> SdkCall:
    """DescribeDBInstances of these ids (a list, or an intrinsic making one): the instances
    that exist, none when none does."""
    key = "Values.$" if isinstance(ids, str) else "Values"
    return SdkCall(
        "rds", "describeDBInstances",
        {"Filters": [{"Name": "db-instance-id", key: ids}]}, region, side=side,
    )  # fmt: skip


def aside_expression(instance_id: str) -> str:
    """``<id>-pre-failback-<run>`` as the execution computes it (``failback.aside_name``)."""
    return f"States.Format('{instance_id}{ASIDE_MARK}{{}}', {RUN_SUFFIX})"


def _check_aside_fits(instance_id: str) -> None:
    if len(instance_id) + len(ASIDE_MARK) + RUN_SUFFIX_CHARS > MAX_IDENTIFIER:
        raise NoDeclarativeForm(
            f"{instance_id}{ASIDE_MARK}<run> would pass the {MAX_IDENTIFIER} characters of a "
            "DB instance identifier, which the CLI shortens and a state machine cannot"
        )


# ------------------------------------------------------------------ the CLI's decisions


def _fence_group(at: _At) -> Rule:
    """``api.is_fence_group`` of the instance's parameter group."""
    return any_of(starts_with(at.group, api.FENCE_PREFIX), starts_with(at.group, "drctl-readonly-"))


def replicates_from(at: _At, source_id: str) -> Rule:
    """``failback._replicates_from``: its source is ``source_id``, by id or by ARN."""
    return all_of(
        present(at.source),
        any_of(
            {"Variable": at.source, "StringEquals": source_id},
            {"Variable": at.source, "StringMatches": f"*:db:{source_id}"},
        ),
    )


def writable(at: _At, read_only_groups: tuple[str, ...]) -> Rule:
    """``api.writable``: there, standalone, not on a fence group, and not on a custom group
    that sets ``read_only`` (read when exporting: ``read_only_groups``)."""
    return all_of(
        present(at.instance),
        negate(present(at.source)),
        negate(_fence_group(at)),
        *(negate(equals(at.group, group)) for group in read_only_groups),
    )


def takes_writes(at: _At) -> Rule:
    """DR takes writes (``failback._home_state``): there, standalone, not fenced."""
    return all_of(present(at.instance), negate(present(at.source)), negate(_fence_group(at)))


def home_again(home: _At, dr: _At, read_only_groups: tuple[str, ...]) -> Rule:
    """``failback._home_state`` is not "away": home is writable and DR takes no writes (it
    replicates from home, is fenced, or is gone)."""
    return all_of(writable(home, read_only_groups), negate(takes_writes(dr)))


def created_after(home: _At, dr: _At) -> Rule:
    """Home's ``InstanceCreateTime`` is later than DR's (RFC 3339 strings in a state's data)."""
    created, other = home.field("InstanceCreateTime"), dr.field("InstanceCreateTime")
    return all_of(
        present(created), present(other), {"Variable": created, "TimestampGreaterThanPath": other}
    )


def both_live(home: _At, dr: _At, read_only_groups: tuple[str, ...]) -> Rule:
    """Both take writes and home is the newer instance: ``failback._both_take_writes`` calls
    that "home" when home carries the re-protect tag naming DR (an unplanned failback that
    stopped after promoting home), else waits for a person; a Choice cannot read a tag out of
    ``TagList``, so the form refuses either way rather than rename a live primary."""
    return all_of(writable(home, read_only_groups), takes_writes(dr), created_after(home, dr))


def available(at: _At) -> Rule:
    return equals(at.field("DbInstanceStatus"), "available")


def _renamed(instance_id: str) -> Rule:
    """Of ``[instance_id, its aside name]``, only the aside name is there: the rename is
    through (while ``renaming``, AWS still answers to the old name)."""
    return all_of(
        present(PROBE.instance),
        negate(present("$.DbInstances[1]")),
        negate(equals(PROBE.field("DbInstanceIdentifier"), instance_id)),
    )


def _rename(instance_id: str, region: str, side: str) -> tuple[SdkCall, Probe]:
    """Rename ``instance_id`` aside, and the wait until the rename is through."""
    call = SdkCall(
        "rds",
        "modifyDBInstance",
        {
            "DbInstanceIdentifier": instance_id,
            "NewDBInstanceIdentifier.$": aside_expression(instance_id),
            "ApplyImmediately": True,
        },
        region,
        side=side,
    )
    both = f"States.Array('{instance_id}', {aside_expression(instance_id)})"
    return call, Probe(describe(both, region, side), _renamed(instance_id))


# ------------------------------------------------------------------ what the export reads


def read_only_groups(ctx: RunContext, groups: list[str | None]) -> tuple[str, ...]:
    """Which of the custom ``groups`` set a read-only parameter (``api.writable`` reads the
    home instance's group: the old primary's, or the one its replacement is placed in)."""
    client = ctx.client("rds", "primary")
    found: list[str] = []
    for group in dict.fromkeys(g for g in groups if g):
        if api.is_fence_group(group) or api.default_group_family(group) is not None:
            continue
        params = api.user_parameters(client, group)
        if any(params.get(k, "").lower() == v for k, v in api.READ_ONLY_PARAMETERS.values()):
            found.append(group)
    return tuple(found)


def replica_parameters(
    res: RdsInstance, replica_id: str, placement: dict[str, Any] | None, encrypted: bool,
    region: str,
) -> dict[str, Any]:  # fmt: skip
    """CreateDBInstanceReadReplica's parameters (``api.replica_arguments``), the source's ARN
    read from the lookup; the CLI's refusals when the placement cannot be told."""
    if placement is None:
        raise NoDeclarativeForm(
            f"nothing tells where {replica_id} belongs in {region}: the instance it replaces "
            "is gone and the failover recorded no placement for it (the CLI step refuses too)"
        )
    if not encrypted:
        placement = {**placement, "kms_key_id": None}
    elif not placement.get("kms_key_id"):
        raise NoDeclarativeForm(
            f"{res.name}: the source is encrypted; an encrypted cross-region replica needs a "
            f"KMS key in {region} and the instance it replaces had none (the CLI step refuses "
            "too)"
        )
    arguments = api.replica_arguments(replica_id, "", placement, {})
    parameters = {
        _SDK_NAMES.get(k, k): v
        for k, v in arguments.items()
        if k not in ("SourceDBInstanceIdentifier", "Tags")
    }
    arn = LOOKED_UP.field("DbInstanceArn")
    parameters["SourceDBInstanceIdentifier.$"] = arn
    parameters["Tags"] = [{"Key": REPROTECT_TAG, "Value.$": arn}]
    return parameters


# ------------------------------------------------------------------ the forms


@dataclass(frozen=True)
class Sides:
    """Both Regions' describes of the plan's instances, and what the export read."""

    res: RdsInstance
    home_region: str
    dr_region: str
    read_only_groups: tuple[str, ...]

    def home(self) -> SdkCall:
        return describe([self.res.primary], self.home_region, "primary")

    def dr(self) -> SdkCall:
        return describe([self.res.dr], self.dr_region, "dr")

    def home_again(self, home: _At, dr: _At) -> Rule:
        return home_again(home, dr, self.read_only_groups)


def retire_old_primary(sides: Sides) -> SfnStep:
    """Skip when home is the primary again, when there is no old primary, or when it is the
    re-protecting replica already; fail when both take writes and home is the newer
    (:func:`both_live`); else rename it aside and wait until the name is free."""
    res = sides.res
    _check_aside_fits(res.primary)
    rename, renamed = _rename(res.primary, sides.home_region, "primary")
    refused = (
        f"{res.primary} and {res.dr} both take writes and {res.primary} is the newer: it may be "
        "the promoted home of an unplanned failback that stopped before re-protecting DR, "
        f"and may hold writes. A state machine cannot read the tag that tells: run drctl "
        f"failback from the CLI, or fence {res.dr} if {res.primary} holds the data"
    )
    return SfnStep(
        lookup=Probe(sides.dr(), present("$.DbInstances")),
        precheck=Probe(
            sides.home(),
            any_of(
                negate(present(PROBE.instance)),
                replicates_from(PROBE, res.dr),
                sides.home_again(PROBE, LOOKED_UP),
            ),
            fails=(both_live(PROBE, LOOKED_UP, sides.read_only_groups), refused),
        ),
        run=(rename,),
        verify=renamed,
    )


def reprotect(sides: Sides, placement: dict[str, Any] | None, encrypted: bool) -> SfnStep:
    """Skip when home replicates from DR already, or is the primary again; else create the
    home replica of the DR instance (its ARN from the lookup) and wait until it replicates."""
    res = sides.res
    home = sides.home()
    create = SdkCall(
        "rds",
        "createDBInstanceReadReplica",
        replica_parameters(res, res.primary, placement, encrypted, sides.home_region),
        sides.home_region,
        side="primary",
    )
    return SfnStep(
        lookup=Probe(sides.dr(), present("$.DbInstances")),
        precheck=Probe(
            home,
            any_of(replicates_from(PROBE, res.dr), sides.home_again(PROBE, LOOKED_UP)),
        ),
        run=(create,),
        verify=Probe(home, all_of(replicates_from(PROBE, res.dr), available(PROBE))),
    )


def promote_home(sides: Sides) -> SfnStep:
    """Skip when home is the primary again; else promote the home replica keeping its backup
    retention, or with 7 days when it keeps none, and wait until standalone and available."""
    res = sides.res
    retention = LOOKED_UP.field("BackupRetentionPeriod")
    keeps_backups = at_least(retention, 1)
    # The CLI step fails at once when home has no such instance (its describe raises).
    standalone = Probe(
        sides.home(),
        all_of(negate(present(PROBE.source)), available(PROBE)),
        fails=(negate(present(PROBE.instance)), f"{res.primary} not found in {sides.home_region}"),
    )

    def promote(days: int | None) -> SdkCall:
        parameters: dict[str, Any] = {"DbInstanceIdentifier": res.primary}
        if days is None:
            parameters["BackupRetentionPeriod.$"] = retention
        else:
            parameters["BackupRetentionPeriod"] = days
        # A second promote while the first is under way is refused: the wait sees it
        # through (api.promote_once).
        return SdkCall(
            "rds", "promoteReadReplica", parameters, sides.home_region, side="primary",
            tolerate_failure=True,
        )  # fmt: skip

    lookup = Probe(sides.home(), present("$.DbInstances"))
    done = sides.home_again(LOOKED_UP, PROBE)
    return SfnStep(
        parts=(
            SfnStep(
                lookup=lookup,
                precheck=Probe(sides.dr(), any_of(done, negate(keeps_backups))),
                run=(promote(None),),
                verify=standalone,
            ),
            SfnStep(
                lookup=lookup,
                precheck=Probe(sides.dr(), any_of(done, keeps_backups)),
                run=(promote(DEFAULT_BACKUP_RETENTION_DAYS),),
                verify=standalone,
            ),
        )
    )


def retire_dr(sides: Sides) -> SfnStep:
    """Skip when the DR instance is gone, replicates from home already, or home cannot be
    read (the CLI step reads home first and stops there); else rename it aside and wait until
    its name is free."""
    res = sides.res
    _check_aside_fits(res.dr)
    rename, renamed = _rename(res.dr, sides.dr_region, "dr")
    return SfnStep(
        lookup=Probe(sides.home(), present("$.DbInstances")),
        precheck=Probe(
            sides.dr(),
            any_of(
                negate(present(PROBE.instance)),
                replicates_from(PROBE, res.primary),
                negate(present(LOOKED_UP.instance)),
            ),
        ),
        run=(rename,),
        verify=renamed,
    )


def reprotect_dr(sides: Sides, placement: dict[str, Any] | None, encrypted: bool) -> SfnStep:
    """Skip when the DR instance replicates from home already; else create the DR replica of
    home (its ARN from the lookup) under the name ``retire-dr`` freed, and wait until it
    replicates."""
    res = sides.res
    parameters = replica_parameters(res, res.dr, placement, encrypted, sides.dr_region)
    dr = sides.dr()
    return SfnStep(
        lookup=Probe(sides.home(), present("$.DbInstances")),
        precheck=Probe(dr, replicates_from(PROBE, res.primary)),
        run=(
            SdkCall("rds", "createDBInstanceReadReplica", parameters, sides.dr_region, side="dr"),
        ),
        verify=Probe(dr, all_of(replicates_from(PROBE, res.primary), available(PROBE))),
    )
