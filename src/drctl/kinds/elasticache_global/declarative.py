"""The failback steps of ``elasticache-global`` as Step Functions runs them (see
:mod:`drctl.engine.declarative`): each form mirrors its CLI step in :mod:`.failback`.

What a Choice cannot do -- search a listing -- a ``select`` does (a JSONPath filter in the
task's ``ResultSelector``, which takes the whole JSONPath syntax: a list, empty when nothing
matches), and the rules read its first item. What is known when exporting is written in: the
datastore the home group was left alone in (the one to retire), the DR group's node count,
where the home group's nodes run (its replacement is created there). What a step creates is
read back by a ``lookup`` (the id of the datastore the DR group is in, which carries the
prefix of the Region it was formed in).

Home-Region calls go through drctl's Region proxy, which the exporter adds; a listing there
asks for every page (``paginate``): a deleted replication group cannot be described by its id
(``ReplicationGroupNotFoundFault`` would fail the task), so the wait for one to be gone lists
the Region's replication groups.
"""

from __future__ import annotations

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
from drctl.kinds.elasticache_global import api
from drctl.kinds.elasticache_global.checks import LAG_METRIC, NAMESPACE
from drctl.kinds.elasticache_global.topology import Side, read
from drctl.plan.models import ElastiCacheGlobal

SERVICE = "elasticache"
SNAPSHOT_INFIX = "-pre-failback-"
FORMED = "$.formed.GlobalReplicationGroup"  # what CreateGlobalReplicationGroup answered


def _call(
    action: str,
    parameters: dict[str, object],
    region: str,
    *,
    side: str = "dr",
    paginate: bool = False,
    tolerate_failure: bool = False,
    result_path: str | None = None,
) -> SdkCall:
    return SdkCall(
        SERVICE,
        action,
        dict(parameters),
        region,
        tolerate_failure=tolerate_failure,
        side=side,
        result_path=result_path,
        paginate=paginate,
    )


def _sides(res: ElastiCacheGlobal, ctx: RunContext) -> tuple[Side, Side] | None:
    """Both sides as they are when exporting; None offline or when one does not answer."""
    if ctx.offline:
        return None
    try:
        return read(res, ctx, "primary"), read(res, ctx, "dr")
    except Exception:
        return None


def _home_listing(res: ElastiCacheGlobal, ctx: RunContext) -> Probe:
    """Every replication group of the home Region, narrowed to the home group: how many
    (0 or 1), its status and its ``GlobalReplicationGroupInfo`` (lists, empty when absent).
    What tells a deleted group gone (describing it by id would fail the task). Step
    Functions takes at most 256 KiB from a task, which bounds this listing to some hundred
    replication groups in the home Region."""
    mine = f"$.ReplicationGroups[?(@.ReplicationGroupId == '{res.primary}')]"
    return Probe(
        _call(
            "describeReplicationGroups", {}, ctx.region("primary"), side="primary", paginate=True
        ),
        {},
        select={
            "n": f"States.ArrayLength({mine})",
            "status": f"{mine}.Status",
            # One field below the filter: a list on AWS (and in moto, which unwraps deeper
            # single matches); its first item is read by the rules.
            "info": f"{mine}.GlobalReplicationGroupInfo",
        },
    )


def _probe(base: Probe, holds: Rule, fails: tuple[Rule, str] | None = None) -> Probe:
    return Probe(base.call, holds, select=base.select, fails=fails)


def _dr_datastore_lookup(res: ElastiCacheGlobal, ctx: RunContext) -> Probe:
    """The id of the datastore the DR group is in, at ``$.lookup.gid`` (the task fails when
    the DR group is in none: the CLI step refuses then too)."""
    return Probe(
        _call("describeReplicationGroups", {"ReplicationGroupId": res.dr}, ctx.region("dr")),
        {},
        select={
            "gid": "$.ReplicationGroups[0].GlobalReplicationGroupInfo.GlobalReplicationGroupId"
        },
    )


def _datastore_view(res: ElastiCacheGlobal, ctx: RunContext) -> Probe:
    """The DR group's datastore (id from the lookup), read in DR: its status and the home
    Region's member (a datastore has one member per Region) -- id, role and status."""
    region = ctx.region("primary")
    home = f"$.GlobalReplicationGroups[0].Members[?(@.ReplicationGroupRegion == '{region}')]"
    return Probe(
        _call(
            "describeGlobalReplicationGroups",
            {"GlobalReplicationGroupId.$": "$.lookup.gid", "ShowMemberInfo": True},
            ctx.region("dr"),
        ),
        {},
        select={
            "status": "$.GlobalReplicationGroups[0].Status",
            "home": f"{home}.ReplicationGroupId",
            "role": f"{home}.Role",
            "member": f"{home}.Status",
        },
    )


def _home_member(res: ElastiCacheGlobal) -> Rule:
    return equals("$.home[0]", res.primary)


def retire(res: ElastiCacheGlobal, ctx: RunContext) -> SfnStep | None:
    """``DeleteGlobalReplicationGroup`` (primary kept) of the datastore the home group was
    left alone in, read when exporting; done when the home Region no longer lists that
    datastore (every page of its few datastores). With none to retire when exporting, the
    form only checks that this still holds -- the home group standalone or in the DR group's
    datastore, else the execution fails at once: export again -- and with no home group then,
    nothing."""
    sides = _sides(res, ctx)
    if sides is None:
        return None
    home, dr = sides
    primary = ctx.region("primary")
    if home.datastore is not None and not home.has_member(res.dr, ctx.region("dr")):
        old = str(home.gid)
        listed = Probe(
            _call("describeGlobalReplicationGroups", {}, primary, side="primary", paginate=True),
            equals("$.n", 0),
            select={
                "n": "States.ArrayLength($.GlobalReplicationGroups[?(@.GlobalReplicationGroupId"
                f" == '{old}')])"
            },
        )
        return SfnStep(
            precheck=listed,
            # A rerun while the datastore is deleting is refused: the wait loop sees it go.
            run=(
                _call(
                    "deleteGlobalReplicationGroup",
                    {"GlobalReplicationGroupId": old, "RetainPrimaryReplicationGroup": True},
                    primary,
                    side="primary",
                    tolerate_failure=True,
                ),
            ),
            verify=listed,
        )
    if home.group is None:
        return SfnStep()  # no home group when exporting: nothing was left to retire
    gid = "$.ReplicationGroups[0].GlobalReplicationGroupInfo.GlobalReplicationGroupId"
    kept = [negate(present(gid))]
    if dr.gid is not None:
        kept.append(equals(gid, dr.gid))
    holds = any_of(*kept)
    changed = (negate(holds), f"{res.primary} is in another datastore than when exported")
    group = _call(
        "describeReplicationGroups", {"ReplicationGroupId": res.primary}, primary, side="primary"
    )
    return SfnStep(precheck=Probe(group, holds), verify=Probe(group, holds, fails=changed))


def form(res: ElastiCacheGlobal, ctx: RunContext) -> SfnStep:
    """``CreateGlobalReplicationGroup`` around the DR group with the plan's suffix; done when
    the DR group is in a datastore; waited until the one created (its id from the answer)
    is ``available``."""
    region = ctx.region("dr")
    group = _call("describeReplicationGroups", {"ReplicationGroupId": res.dr}, region)
    return SfnStep(
        precheck=Probe(
            group,
            present("$.ReplicationGroups[0].GlobalReplicationGroupInfo.GlobalReplicationGroupId"),
        ),
        run=(
            _call(
                "createGlobalReplicationGroup",
                {
                    "GlobalReplicationGroupIdSuffix": api.suffix_of(res.global_datastore),
                    "GlobalReplicationGroupDescription": (
                        f"drctl {ctx.plan.app} {res.name}: formed again from {region} by a failback"
                    ),
                    "PrimaryReplicationGroupId": res.dr,
                },
                region,
                result_path="$.formed",
            ),
        ),
        verify=Probe(
            _call(
                "describeGlobalReplicationGroups",
                {"GlobalReplicationGroupId.$": f"{FORMED}.GlobalReplicationGroupId"},
                region,
            ),
            equals("$.GlobalReplicationGroups[0].Status", "available"),
        ),
    )


def _snapshot_name(res: ElastiCacheGlobal) -> str:
    """``<primary>-pre-failback-<yyyy-mm-dd-hhmm>`` of the moment the delete is called (the
    CLI's name): the entered time (``2026-11-30T14:05:09.123Z``) split on ``T`` and ``:``.
    Seven intrinsic functions: AWS allows ten in a field
    (https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html)."""
    parts = "States.StringSplit($$.State.EnteredTime, 'T:')"
    date, hour, minute = (f"States.ArrayGetItem({parts}, {i})" for i in range(3))
    return f"States.Format('{res.primary}{SNAPSHOT_INFIX}{{}}-{{}}{{}}', {date}, {hour}, {minute})"


def rebuild(res: ElastiCacheGlobal, ctx: RunContext) -> SfnStep | None:
    """When the home group is a member of the DR group's datastore when exporting (the
    datastore stayed whole), only that is checked, as the CLI's precheck does. Otherwise
    four parts, each skipped when its effect is there: (1) delete the stale home group
    with a final snapshot, unless it is a member of the DR group's datastore, and wait until
    the home Region's listing has it no more; (2) create it again into that datastore (the
    DR group's node count, the subnet group and security groups read when exporting), unless
    it is a member; (3) wait until it is ``associated``; (4) unless it is the primary
    already (a rerun after promote-home), wait until a ``GlobalDatastoreReplicationLag``
    datapoint since that wait began is within the RPO (the CLI takes the newest of the last
    ten minutes; a Choice cannot sort)."""
    sides = _sides(res, ctx)
    if sides is None:
        return None
    home, dr = sides
    primary = ctx.region("primary")
    members = len((dr.group or {}).get("MemberClusters") or []) or 1
    where: dict[str, object] = {}
    if home.group is not None:
        where = api.placement(ctx.client(SERVICE, "primary"), home.group)
    lookup = _dr_datastore_lookup(res, ctx)
    view = _datastore_view(res, ctx)
    if home.has_member(res.dr, ctx.region("dr")):
        # Nothing to rebuild when exporting (the datastore stayed whole): the CLI step is
        # skipped, and so is this one -- unless that changed (export again then).
        member = _home_member(res)
        changed = (negate(member), f"{res.primary} left the DR group's datastore since export")
        return SfnStep(
            lookup=lookup, precheck=_probe(view, member), verify=_probe(view, member, changed)
        )
    listing = _home_listing(res, ctx)
    gone = equals("$.n", 0)
    delete = SfnStep(
        lookup=lookup,
        precheck=_probe(view, _home_member(res)),
        run=(
            _call(
                "deleteReplicationGroup",
                {
                    "ReplicationGroupId": res.primary,
                    "FinalSnapshotIdentifier.$": _snapshot_name(res),
                },
                primary,
                side="primary",
                tolerate_failure=True,  # already deleting (a rerun): the wait sees it go
            ),
        ),
        verify=_probe(
            listing,
            gone,
            fails=(
                all_of(present("$.status[0]"), negate(equals("$.status[0]", "deleting"))),
                f"{res.primary} was not deleted: still in a datastore? retire it first",
            ),
        ),
    )
    create = SfnStep(
        precheck=_probe(view, _home_member(res)),
        run=(
            _call(
                "createReplicationGroup",
                {
                    "ReplicationGroupId": res.primary,
                    "ReplicationGroupDescription.$": (
                        f"States.Format('drctl {ctx.plan.app} {res.name}: secondary of {{}}', "
                        "$.lookup.gid)"
                    ),
                    "GlobalReplicationGroupId.$": "$.lookup.gid",
                    "NumCacheClusters": members,
                    **where,
                },
                primary,
                side="primary",
            ),
        ),
    )
    # Associated, whatever its role: after promote-home (a rerun) it is the primary.
    joined = all_of(_home_member(res), equals("$.member[0]", "associated"))
    associated = SfnStep(precheck=_probe(view, joined), verify=_probe(view, joined))
    rpo = ctx.objectives.rpo_seconds
    home_group = _call(
        "describeReplicationGroups", {"ReplicationGroupId": res.primary}, primary, side="primary"
    )
    in_sync = SfnStep(
        lookup=Probe(
            home_group, {}, select={"cluster": "$.ReplicationGroups[0].MemberClusters[0]"}
        ),
        # Failed over home already (a rerun): nothing follows it to wait for.
        precheck=Probe(
            home_group,
            equals(
                "$.ReplicationGroups[0].GlobalReplicationGroupInfo.GlobalReplicationGroupMemberRole",
                "PRIMARY",
            ),
        ),
        verify=Probe(
            SdkCall(
                "cloudwatch",
                "getMetricStatistics",
                {
                    "Namespace": NAMESPACE,
                    "MetricName": LAG_METRIC,
                    "Dimensions": [{"Name": "CacheClusterId", "Value.$": "$.lookup.cluster"}],
                    "Statistics": ["Maximum"],
                    "Period": 60,
                    "StartTime.$": "$.polls.since",
                    "EndTime.$": "$$.State.EnteredTime",
                },
                primary,
                side="primary",
            ),
            at_least("$.InSync", 1),
            select={"InSync": f"States.ArrayLength($.Datapoints[?(@.Maximum <= {rpo})])"},
            wait_first=True,  # CloudWatch refuses an empty window
        ),
    )
    return SfnStep(parts=(delete, create, associated, in_sync))


def promote_home(res: ElastiCacheGlobal, ctx: RunContext) -> SfnStep:
    """``FailoverGlobalReplicationGroup`` to the home group, called in the home Region as
    the CLI does; done when the home Region's member of the DR group's datastore (read in
    DR, its id looked up first) is the home group, ``PRIMARY``, and the datastore
    ``available``."""
    primary = ctx.region("primary")
    view = _datastore_view(res, ctx)
    home_leads = all_of(
        _home_member(res),
        equals("$.role[0]", "PRIMARY"),
        equals("$.status", "available"),
    )
    return SfnStep(
        lookup=_dr_datastore_lookup(res, ctx),
        precheck=_probe(view, home_leads),
        # A rerun while the first failover is under way is refused: the wait sees it.
        run=(
            _call(
                "failoverGlobalReplicationGroup",
                {
                    "GlobalReplicationGroupId.$": "$.lookup.gid",
                    "PrimaryRegion": primary,
                    "PrimaryReplicationGroupId": res.primary,
                },
                primary,
                side="primary",
                tolerate_failure=True,
            ),
        ),
        verify=_probe(view, home_leads),
    )
