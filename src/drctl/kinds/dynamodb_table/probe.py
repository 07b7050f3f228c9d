"""The failover and failback steps of a global table: prove the replica on the serving side
writable with a dedicated probe item, and on failback first make sure the home replica is
still in the global table.

A Region that was unreachable for more than 20 hours has left the global table (DynamoDB
removes a ``REGION_DISABLED`` replica then, without deleting it): writes made in DR since then
never reach it, so failing back to it would serve stale data. Failback refuses, with the
commands that re-add it; a replica being re-added (``CREATING``) is waited for.
"""

from __future__ import annotations

import base64
import json
import shlex

from drctl.aws import cloudwatch
from drctl.engine.context import RunContext
from drctl.engine.declarative import Probe, SdkCall, SfnStep, all_of, equals, present
from drctl.engine.step import (
    Phase,
    Precheck,
    Step,
    StepOutcome,
    Verification,
)
from drctl.errors import AwsError
from drctl.kinds.dynamodb_table import api
from drctl.kinds.steps import aws_step
from drctl.plan.models import DynamoDbTable

NAME = "dynamodb-table"
# Adding a replica copies the whole table: minutes for a small one, hours for a large one.
REPLICA_CREATE_TIMEOUT_SECONDS = 6 * 3600.0


def _latency_seconds(res: DynamoDbTable, ctx: RunContext) -> float | None:
    ms = cloudwatch.latest_maximum(
        ctx.client("cloudwatch", "primary"),
        namespace="AWS/DynamoDB",
        metric="ReplicationLatency",
        dimensions={"TableName": res.table, "ReceivingRegion": ctx.region("dr")},
        now=ctx.clock.now(),
    )
    return None if ms is None else ms / 1000.0


def failover(res: DynamoDbTable, ctx: RunContext) -> list[Step]:
    return [probe_step(res, ctx, "dr", "probe-dr")]


def failback(res: DynamoDbTable, ctx: RunContext) -> list[Step]:
    home = home_replica_step(res, ctx)
    return [home, probe_step(res, ctx, "primary", "probe-home", depends_on=[home.id])]


def readd_commands(res: DynamoDbTable, ctx: RunContext, stale_table: bool) -> list[str]:
    """The AWS CLI commands that put the home Region back into the global table."""
    home, dr = ctx.region("primary"), ctx.region("dr")
    commands = []
    if stale_table:
        commands += [
            f"aws dynamodb create-backup --table-name {res.table} "
            f"--backup-name {res.table}-left-group --region {home}",
            f"aws dynamodb delete-table --table-name {res.table} --region {home}",
        ]
    commands.append(
        f"aws dynamodb update-table --table-name {res.table} "
        f'--replica-updates \'[{{"Create":{{"RegionName":"{home}"}}}}]\' --region {dr}'
    )
    return commands


def home_replica_step(res: DynamoDbTable, ctx: RunContext) -> Step:
    """Failback only to a home replica that is in the global table: refuse one that left it,
    wait for one being (re-)added."""
    home, dr = ctx.region("primary"), ctx.region("dr")
    client = ctx.client("dynamodb", "dr")

    def status() -> str | None:
        desc = api.describe_table(client, res.table)
        if desc is None:
            raise AwsError(f"{res.name}: no table {res.table} in {dr}")
        entry = api.replica(desc, home)
        return None if entry is None else str(entry.get("ReplicaStatus"))

    def stale_table_at_home() -> bool:
        present = api.table_present(ctx.client("dynamodb", "primary"), res.table)
        return present is not False  # unknown: name the backup and delete too

    def refuse(state: str | None) -> AwsError:
        if state is None:
            commands = " && ".join(readd_commands(res, ctx, stale_table_at_home()))
            return AwsError(
                f"{res.name}: {res.table} in {home} is no longer a replica of the global table "
                f"(as {dr} describes it): a Region unreachable for more than 20 hours is "
                f"removed from the group, and nothing written in {dr} since has reached it, so "
                "failing back would serve stale data. Re-add it, then run failback again (it "
                f"waits while the replica is CREATING): {commands}",
                hint=commands,
            )
        if state == "REGION_DISABLED":
            return AwsError(
                f"{res.name}: the {home} replica of {res.table} is REGION_DISABLED: {dr} "
                f"cannot reach {home}, so writes made in {dr} are not replicating home",
                hint=f"fail back once {home} answers again and its replica is ACTIVE",
            )
        return AwsError(
            f"{res.name}: the {home} replica of {res.table} is {state}",
            hint=f"wait until it is ACTIVE: aws dynamodb describe-table --table-name "
            f"{res.table} --region {dr}",
        )

    def precheck() -> Precheck:
        state = status()
        return Precheck(state == "ACTIVE", f"{home} replica {state or 'not in the group'}",
                        f"{home} replica ACTIVE")  # fmt: skip

    def run() -> StepOutcome:
        state = status()
        if state in ("CREATING", "UPDATING"):
            return StepOutcome(detail=f"the {home} replica is {state}: waiting until ACTIVE")
        if state != "ACTIVE":
            raise refuse(state)
        return StepOutcome(detail=f"the {home} replica is ACTIVE")

    def verify() -> Verification:
        state = status()
        if state == "ACTIVE":
            return Verification(True, f"{home} replica ACTIVE")
        if state in ("CREATING", "UPDATING"):
            return Verification(False, f"{home} replica {state}")
        raise refuse(state)

    return aws_step(
        resource=res.name,
        kind=NAME,
        action="await-home-replica",
        phase=Phase.DATA,
        description=f"Make sure {res.table} in {home} is still a replica of the global table "
        f"(refuse one removed after an outage, wait for one being added) as {dr} sees it",
        cli=[
            f"aws dynamodb describe-table --table-name {res.table} "
            f"--query \"Table.Replicas[?RegionName=='{home}'].ReplicaStatus\" --region {dr}"
        ],
        where=f"{res.name} (dynamodb {dr})",
        precheck=precheck,
        run=run,
        verify=verify,
        mutating=False,
        timeout_seconds=REPLICA_CREATE_TIMEOUT_SECONDS,
        poll_seconds=30.0,
        sfn=lambda: _declarative_home_replica(res, ctx),
    )


def _declarative_home_replica(res: DynamoDbTable, ctx: RunContext) -> SfnStep | None:
    """Wait until the home replica is ACTIVE, as the DR Region describes the table. A Choice
    cannot search the replica list, so the home replica's position is read when exporting
    (its RegionName checked too). A replica not in the group at export time: no form (the CLI
    refuses it, naming the commands that re-add it); one that turns REGION_DISABLED times out
    here where the CLI stops at once."""
    if ctx.offline:
        return None
    home = ctx.region("primary")
    try:
        desc = api.describe_table(ctx.client("dynamodb", "dr"), res.table)
    except Exception:
        return None
    regions = [str(r.get("RegionName")) for r in (desc or {}).get("Replicas", [])]
    if home not in regions:
        return None
    entry = f"$.Table.Replicas[{regions.index(home)}]"
    probe = Probe(
        SdkCall("dynamodb", "describeTable", {"TableName": res.table}, ctx.region("dr")),
        all_of(equals(f"{entry}.RegionName", home), equals(f"{entry}.ReplicaStatus", "ACTIVE")),
    )
    return SfnStep(precheck=probe, verify=probe)


def probe_step(
    res: DynamoDbTable,
    ctx: RunContext,
    side: str,
    action: str,
    depends_on: list[str] | None = None,
) -> Step:
    """Write the probe item (key ``drctl-probe#<run id>`` in the table's own key schema) to
    ``side``'s replica, read it back, remove it."""
    region = ctx.region(side)
    client = ctx.client("dynamodb", side)

    def precheck() -> Precheck:
        desc = api.describe_table(client, res.table)
        status = desc.get("TableStatus") if desc else "missing"
        return Precheck(False, f"{res.table} {status} in {region}", "ACTIVE and writable now")

    def run() -> StepOutcome:
        desc = api.describe_table(client, res.table)
        if desc is None or desc.get("TableStatus") != "ACTIVE":
            raise AwsError(f"{res.name}: {res.table} not ACTIVE in {region}")
        key = api.probe_key(api.key_schema_of(desc), ctx.run_id or "manual")
        api.probe_put(client, res.table, key, ctx.clock.now().isoformat())
        try:
            readable = api.item_exists(client, res.table, key)
        finally:
            api.delete_item(client, res.table, key)
        if not readable:
            raise AwsError(f"{res.name}: the probe item written to {region} could not be read")
        marked = f"{api.PROBE_MARK}{ctx.run_id or 'manual'}"
        return StepOutcome(
            detail=f"{res.table} in {region} took a write (probe item {marked}, removed)",
            data={"probe": marked},
        )

    return aws_step(
        resource=res.name,
        kind=NAME,
        action=action,
        phase=Phase.DATA,
        description=f"Prove {res.table} writable in {region}: write the probe item "
        f"{api.PROBE_MARK}{ctx.run_id or 'RUN_ID'} (this run's id), read it back, remove it",
        cli=_probe_cli(res, ctx, side),
        where=f"{res.name} (dynamodb {region})",
        precheck=precheck,
        run=run,
        poll_seconds=5.0,
        depends_on=depends_on,
        sfn=lambda: _declarative(res, ctx, side),
    )


SFN_RUN_MARK = "stepfunctions"  # the probe item's key: drctl-probe#stepfunctions


def _declarative(res: DynamoDbTable, ctx: RunContext, side: str) -> SfnStep | None:
    """Put the probe item, read it back (consistent read) until it is there, remove it. The
    key schema is read when exporting; a binary key cannot be written from JSON (None)."""
    if ctx.offline:
        return None
    region = ctx.region(side)
    try:
        desc = api.describe_table(ctx.client("dynamodb", side), res.table)
    except Exception:
        return None
    if desc is None:
        return None
    schema = api.key_schema_of(desc)
    if any(kind == "B" for _, kind in schema):
        return None
    key = api.marked_key(schema, api.PROBE_MARK, SFN_RUN_MARK)
    item = {
        **key,
        "drctl_probe": {"S": "drctl writability probe: removed by the step that wrote it"},
        "drctl_written_at": {"S.$": "$$.State.EnteredTime"},
    }
    return SfnStep(
        run=(SdkCall("dynamodb", "putItem", {"TableName": res.table, "Item": item}, region),),
        verify=Probe(
            SdkCall(
                "dynamodb",
                "getItem",
                {"TableName": res.table, "Key": key, "ConsistentRead": True},
                region,
            ),
            present("$.Item"),
        ),
        after=(SdkCall("dynamodb", "deleteItem", {"TableName": res.table, "Key": key}, region),),
    )


def _probe_cli(res: DynamoDbTable, ctx: RunContext, side: str) -> list[str]:
    """The probe's commands with its real key, in the table's own key schema, when the table
    can be read now; otherwise the key is described in words."""
    region = ctx.region(side)
    schema: list[tuple[str, str]] | None = None
    if not ctx.offline:
        try:
            desc = api.describe_table(ctx.client("dynamodb", side), res.table)
            schema = api.key_schema_of(desc) if desc else None
        except Exception:
            schema = None
    lines = [f"aws dynamodb describe-table --table-name {res.table} --region {region}"]
    if schema is None:
        return [
            *lines,
            f"# then put-item, get-item and delete-item of the probe item whose key attributes "
            f"hold {api.PROBE_MARK} and this run's id (the key schema could not be read now)",
        ]
    key = api.probe_key(schema, ctx.run_id or "manual")
    as_json = json.dumps(
        {
            name: {t: base64.b64encode(v).decode() if isinstance(v, bytes) else v}
            for name, value in key.items()
            for t, v in value.items()
        }
    )
    return [
        *lines,
        f"aws dynamodb put-item --table-name {res.table} --item {shlex.quote(as_json)} "
        f"--region {region}",
        f"aws dynamodb get-item --table-name {res.table} --key {shlex.quote(as_json)} "
        f"--consistent-read --region {region}",
        f"aws dynamodb delete-item --table-name {res.table} --key {shlex.quote(as_json)} "
        f"--region {region}",
    ]
