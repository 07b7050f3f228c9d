"""The restore drill for a backup-vault: the newest copy in the DR vault restored with AWS
Backup (``StartRestoreJob`` in regions.dr) as a throw-away resource, timed, compared with the
source and deleted -- what AWS Backup restore testing does, run by ``drctl test``.

It restores the newest COMPLETED copy of the plan's first resource. Restores of DynamoDB
tables are supported (``targetTableName`` is the throw-away's name; the drill deletes the
table); other resource types are refused before anything starts, saying so.

The restored table is compared with its source: the key schema, and the number of items.
The restored copy is counted exactly (a ``Scan`` with ``Select=COUNT`` of the throw-away
table); the source is not scanned -- a full read of a production table for a drill -- but
read from ``DescribeTable``'s ``ItemCount``, which DynamoDB refreshes about every six hours.
AWS reports no item count of a recovery point, so the two differ by what was written since
the backup (and since the refresh): a difference warns, naming both figures, and only an
empty copy of a source that has items fails.
"""

from __future__ import annotations

from typing import Any

from drctl.engine.context import RunContext
from drctl.engine.step import Check, CheckResult, failed, passed
from drctl.errors import DrctlError
from drctl.kinds.backup_vault import api
from drctl.kinds.backup_vault.copies import NAME, account_of, role_arn
from drctl.kinds.contract import Restored
from drctl.kinds.steps import check_maker
from drctl.plan.durations import human_seconds
from drctl.plan.models import BackupVault

SUPPORTED = "DynamoDB"
FINISHED_BADLY = ("FAILED", "ABORTED")


def _table_of(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


class BackupRestore:
    def __init__(self) -> None:
        # Restore job of each throw-away this process started (the drill runs in one process;
        # AWS keeps no name of a restore job to find it by).
        self._jobs: dict[str, str] = {}

    def _source(self, res: BackupVault, ctx: RunContext) -> dict[str, Any]:
        arn = res.resources[0]
        client = ctx.client("backup", "dr")
        if api.describe_vault(client, res.dr_vault) is None:
            raise DrctlError(f"{res.name}: no backup vault {res.dr_vault} in {ctx.region('dr')}")
        point = api.newest_completed(client, res.dr_vault, arn)
        if point is None:
            raise DrctlError(
                f"{res.name}: no COMPLETED copy of {arn} in {res.dr_vault} ({ctx.region('dr')})"
            )
        if point.get("ResourceType") != SUPPORTED:
            raise DrctlError(
                f"{res.name}: the restore drill restores {SUPPORTED} recovery points; "
                f"{arn} is {point.get('ResourceType')}"
            )
        return point

    def checks(self, res: BackupVault, ctx: RunContext) -> list[Check]:
        dr = ctx.region("dr")
        check = check_maker(res.name, NAME, f"{res.name} restore source in {dr}")

        def source() -> CheckResult:
            try:
                point = self._source(res, ctx)
            except DrctlError as exc:
                return failed(f"restore drill: {exc.message.split(': ', 1)[-1]}")
            age = (ctx.clock.now() - point["CreationDate"]).total_seconds()
            return passed(
                f"restore drill: {point['RecoveryPointArn'].rsplit(':', 1)[-1]} of "
                f"{_table_of(res.resources[0])} in {res.dr_vault} ({human_seconds(age)} old)"
            )

        return [check("restore-source", "a COMPLETED copy to restore in DR", source)]

    def target_name(self, res: BackupVault, suffix: str) -> str:
        return f"{_table_of(res.resources[0])}-drill-{suffix}"[:255]

    def start(
        self, res: BackupVault, ctx: RunContext, target: str, tags: dict[str, str]
    ) -> Restored:
        point = self._source(res, ctx)
        account = account_of(str(point["BackupVaultArn"]))
        job = api.start_restore(
            ctx.client("backup", "dr"),
            str(point["RecoveryPointArn"]),
            role_arn(res, account),
            {"targetTableName": target},
            SUPPORTED,
        )
        self._jobs[target] = job
        primary = ctx.client("dynamodb", "primary")
        source = api.describe_table(primary, _table_of(res.resources[0]))
        comparisons: tuple[tuple[str, Any], ...] = ()
        if source is not None:
            count = int(source.get("ItemCount", 0))
            comparisons = (("key_schema", _keys(source)), ("item_count", count))
        return Restored(
            f"recovery point {point['RecoveryPointArn']} (restore job {job})",
            comparisons,
            drifting=frozenset({"item_count"}),
        )

    def status(self, res: BackupVault, ctx: RunContext, target: str) -> tuple[bool, str]:
        job_id = self._jobs.get(target)
        if job_id is None:
            return False, "no restore job started"
        job = api.describe_restore(ctx.client("backup", "dr"), job_id) or {}
        status = str(job.get("Status", "missing"))
        if status in FINISHED_BADLY:
            raise DrctlError(
                f"restore job {job_id} {status}: {job.get('StatusMessage', 'no message')}"
            )
        if status != "COMPLETED":
            return False, f"restore job {status}"
        table = api.describe_table(ctx.client("dynamodb", "dr"), target)
        state = str((table or {}).get("TableStatus", "missing"))
        return state == "ACTIVE", f"restore job COMPLETED, table {state}"

    def observed(self, res: BackupVault, ctx: RunContext, target: str) -> dict[str, Any]:
        dynamodb = ctx.client("dynamodb", "dr")
        table = api.describe_table(dynamodb, target)
        if table is None:
            return {"key_schema": [], "item_count": None}
        return {"key_schema": _keys(table), "item_count": api.count_items(dynamodb, target)}

    def delete(self, res: BackupVault, ctx: RunContext, target: str) -> bool:
        job_id = self._jobs.get(target)
        if job_id is not None:
            job = api.describe_restore(ctx.client("backup", "dr"), job_id) or {}
            if job.get("Status") in ("PENDING", "RUNNING"):
                raise DrctlError(
                    f"restore job {job_id} is still {job.get('Status')}: table {target} appears "
                    "when it completes"
                )
        existed = api.delete_table(ctx.client("dynamodb", "dr"), target)
        self._jobs.pop(target, None)
        return existed


def _keys(table: dict[str, Any]) -> list[str]:
    """A table's key schema as ``name:HASH``/``name:RANGE`` (order kept)."""
    return [f"{k.get('AttributeName')}:{k.get('KeyType')}" for k in table.get("KeySchema", [])]
