"""AWS Backup's jobs as AWS runs them: scheduled backups, the cross-Region copies a plan's copy
rules make, recovery points, restores and deletions, over time -- none of which moto 5.2.5 has
(its backup backend keeps plans and vaults only, and never makes a recovery point).

Everything moves on the sandbox's AWS clock (:data:`drctl.kinds.sandboxing.aws_time`): a job
records when each transition is due and reports the state that is current when asked; nothing
jumps a state. Work that AWS does unasked (a plan's scheduled run, the copy its rule starts when
a backup completes, the table a finished restore creates) is brought up to date at the start of
every Backup request of the account (``_settle``), so each request sees what AWS would show.

Sources (AWS Backup API reference and Developer Guide; botocore ``backup`` model):

* ``StartBackupJob`` (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_StartBackupJob.html):
  returns ``BackupJobId`` and the ``RecoveryPointArn`` it will fill; a vault that does not
  exist is ``ResourceNotFoundException``. ``BackupJobState`` is ``CREATED`` -> ``RUNNING`` ->
  ``COMPLETED`` (``DescribeBackupJob``,
  https://docs.aws.amazon.com/aws-backup/latest/devguide/API_DescribeBackupJob.html). On-demand
  backups do not run a plan's copy rules; a plan's scheduled backups do.
* Backup plans (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_BackupRule.html):
  each rule runs on its ``ScheduleExpression`` (cron, UTC) for the resources its plan's
  selections assign (``CreateBackupSelection``,
  https://docs.aws.amazon.com/aws-backup/latest/devguide/API_CreateBackupSelection.html); a
  completed backup starts one copy job per ``CopyActions`` entry
  (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_CopyAction.html).
  ``DeleteBackupPlan`` of a plan that still has selections is ``InvalidRequestException``
  (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_DeleteBackupPlan.html: "Deletion is
  only possible if all related backup selections have been deleted").
* Copy jobs (``ListCopyJobs``, ``DescribeCopyJob``, ``StartCopyJob``,
  https://docs.aws.amazon.com/aws-backup/latest/devguide/API_CopyJob.html): ``CopyJobState`` is
  ``CREATED`` -> ``RUNNING`` -> ``COMPLETED`` (or ``FAILED`` with a ``StatusMessage``: here when
  the destination vault does not exist); a cross-Region copy job is listed in the source
  Region; the copy is a recovery point of the destination vault whose ``SourceBackupVaultArn``
  names the source vault and whose ``ResourceArn`` is the original resource's.
* Recovery points (``ListRecoveryPointsByBackupVault``, ``DescribeRecoveryPoint``,
  https://docs.aws.amazon.com/aws-backup/latest/devguide/API_DescribeRecoveryPoint.html):
  ``Status`` ``CREATING`` while its job runs, then ``COMPLETED``; ``DeleteRecoveryPoint``
  (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_DeleteRecoveryPoint.html) makes it
  ``DELETING`` before it is gone; deleting one still ``CREATING`` is
  ``InvalidResourceStateException``. A vault or recovery point that does not exist is
  ``ResourceNotFoundException``.
* Restores (``StartRestoreJob``, ``DescribeRestoreJob``,
  https://docs.aws.amazon.com/aws-backup/latest/devguide/API_StartRestoreJob.html,
  https://docs.aws.amazon.com/aws-backup/latest/devguide/API_DescribeRestoreJob.html): status
  ``PENDING`` -> ``RUNNING`` -> ``COMPLETED`` with ``CreatedResourceArn``; a recovery point not
  ``COMPLETED`` is ``InvalidRequestException``; DynamoDB needs the ``targetTableName`` metadata
  (https://docs.aws.amazon.com/aws-backup/latest/devguide/restoring-dynamodb.html), and a
  table of that name that exists fails the job.

Durations (AWS gives none; the sandbox's choices): ``BACKUP_*_SECONDS``, ``COPY_*_SECONDS``,
``RESTORE_*_SECONDS``, ``DELETE_SECONDS`` below. A plan tagged ``drctl-sandbox-established:
true`` stands for one that has run for a long time: its schedule is run from
``ESTABLISHED_HOURS`` before it was created, so DR holds copies at once.

Not modelled: schedules other than ``cron(M H ? * * *)`` with ``H`` ``*``, a number or
``*/n``/``a/n`` (other rules never run here); selections by tag (only ``Resources`` ARNs are
backed up); start and completion windows; vault lock retention on deletion; restores of
anything but DynamoDB (the job fails, saying so); the items of a table (a restored table has
the source's key schema and attributes, empty). A scheduled run while the plan's Region is out
(the sandbox's outage layer) does not happen.
"""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, Final
from urllib.parse import unquote

from drctl.kinds.backup_vault.jobs import (
    BACKUP_RUN_SECONDS,
    BACKUP_START_SECONDS,
    COPY_RUN_SECONDS,
    COPY_START_SECONDS,
    DELETE_SECONDS,
    ESTABLISHED_HOURS,
    ESTABLISHED_TAG,
    RESTORE_PENDING_SECONDS,
    RESTORE_RUN_SECONDS,
    BackupJob,
    CopyJob,
    RecoveryPoint,
    RegionState,
    RestoreJob,
    next_run,
    resource_type,
    ts,
)
from drctl.kinds.sandboxing import PatchSet, aws_time, unreachable

__all__ = [
    "BACKUP_RUN_SECONDS",
    "BACKUP_START_SECONDS",
    "COPY_RUN_SECONDS",
    "COPY_START_SECONDS",
    "DELETE_SECONDS",
    "ESTABLISHED_HOURS",
    "ESTABLISHED_TAG",
    "RESTORE_PENDING_SECONDS",
    "RESTORE_RUN_SECONDS",
    "install",
    "is_installed",
    "uninstall",
]


_patches = PatchSet()
_lock = threading.RLock()


def _region_of(arn: str) -> str:
    return arn.split(":")[3]


def _vault_name_of(arn: str) -> str:
    return arn.rsplit(":", 1)[-1]


def _down(region: str, when: datetime) -> bool:
    """Whether AWS Backup in ``region`` was out at ``when`` (the sandbox's outage layer)."""
    return any(
        start <= when and (end is None or when < end)
        for start, end in unreachable.periods("backup", region)
    )


def _state(backend: Any) -> RegionState:
    state = backend.__dict__.get("_drctl_jobs")
    if state is None:
        state = backend.__dict__["_drctl_jobs"] = RegionState()
    return state  # type: ignore[no-any-return]


def _backends(account: str) -> dict[str, Any]:
    """Every Region's backup backend of ``account`` that exists."""
    from moto.backup.models import backup_backends

    return dict(dict.items(backup_backends[account]))


def _backend(account: str, region: str) -> Any:
    from moto.backup.models import backup_backends

    return backup_backends[account][region]


# --------------------------------------------------------------------------- what AWS does unasked


def _snapshot(account: str, region: str, arn: str, resource_type: str) -> dict[str, Any] | None:
    """What a backup of ``arn`` holds (a DynamoDB table's definition); None: no such resource."""
    if resource_type != "DynamoDB":
        return {}
    from moto.dynamodb.models import dynamodb_backends

    if _region_of(arn) != region:
        return None
    table = dynamodb_backends[account][region].tables.get(arn.rsplit("/", 1)[-1])
    if table is None:
        return None
    desc = table.describe(base_key="Table")["Table"]
    return {
        "KeySchema": desc.get("KeySchema"),
        "AttributeDefinitions": desc.get("AttributeDefinitions"),
        "BillingMode": (desc.get("BillingModeSummary") or {}).get("BillingMode"),
    }


def _vault(account: str, region: str, name: str) -> Any | None:
    return _backend(account, region).vaults.get(name)


def _new_point(
    account: str,
    region: str,
    vault: Any,
    resource_arn: str,
    resource_type: str,
    created: datetime,
    completes: datetime,
    iam_role: str,
    **extra: Any,
) -> RecoveryPoint:
    arn = f"arn:aws:backup:{region}:{account}:recovery-point:{str(uuid.uuid4()).upper()}"
    point = RecoveryPoint(
        arn=arn,
        region=region,
        vault_name=vault.backup_vault_name,
        vault_arn=vault.backup_vault_arn,
        resource_arn=resource_arn,
        resource_type=resource_type,
        created=created,
        completes=completes,
        key_arn=vault.encryption_key_arn,
        iam_role=iam_role,
        **extra,
    )
    _state(_backend(account, region)).points[arn] = point
    return point


def _start_backup(
    account: str,
    region: str,
    vault_name: str,
    resource_arn: str,
    iam_role: str,
    created: datetime,
    plan_id: str | None = None,
    copy_actions: list[dict[str, Any]] | None = None,
) -> BackupJob:
    from moto.backup.exceptions import InvalidParameterValueException, ResourceNotFoundException

    vault = _vault(account, region, vault_name)
    if vault is None:
        raise ResourceNotFoundException(msg=f"Backup vault {vault_name} does not exist")
    kind = resource_type(resource_arn)
    if kind is None:
        raise InvalidParameterValueException(msg=f"Invalid resource ARN: {resource_arn}")
    job = BackupJob(
        job_id=str(uuid.uuid4()).upper(),
        region=region,
        account=account,
        vault_name=vault_name,
        vault_arn=vault.backup_vault_arn,
        point=None,  # type: ignore[arg-type]
        created=created,
        iam_role=iam_role,
        plan_id=plan_id,
        copy_actions=list(copy_actions or []),
    )
    snapshot = _snapshot(account, region, resource_arn, kind)
    if snapshot is None:
        job.failure = f"Resource {resource_arn} not found."
    job.point = _new_point(
        account,
        region,
        vault,
        resource_arn,
        kind,
        created,
        job.completes,
        iam_role,
        plan_id=plan_id,
        snapshot=snapshot or {},
    )
    if job.failure is not None:
        del _state(_backend(account, region)).points[job.point.arn]
    _state(_backend(account, region)).backup_jobs[job.job_id] = job
    return job


def _start_copy(
    account: str,
    region: str,
    source: RecoveryPoint,
    destination_arn: str,
    created: datetime,
    iam_role: str,
    backup_job: BackupJob | None = None,
) -> CopyJob:
    dest_region = _region_of(destination_arn)
    vault = _vault(account, dest_region, _vault_name_of(destination_arn))
    job = CopyJob(
        job_id=str(uuid.uuid4()).upper(),
        region=region,
        account=account,
        source=source,
        destination_vault_arn=destination_arn,
        destination=None,
        created=created,
        iam_role=iam_role,
        backup_job_id=backup_job.job_id if backup_job else None,
        plan_id=backup_job.plan_id if backup_job else None,
    )
    if vault is None:
        job.failure = (
            f"Copy job failed: the destination backup vault {destination_arn} does not exist."
        )
    else:
        job.destination = _new_point(
            account,
            dest_region,
            vault,
            source.resource_arn,
            source.resource_type,
            created,
            job.completes,
            iam_role,
            source_vault_arn=source.vault_arn,
            plan_id=job.plan_id,
            snapshot=dict(source.snapshot),
        )
    _state(_backend(account, region)).copy_jobs[job.job_id] = job
    return job


def _selected(state: RegionState, plan_id: str) -> list[tuple[str, str]]:
    """(resource ARN, role) of every resource the plan's selections assign by ARN."""
    found: list[tuple[str, str]] = []
    for selection in state.selections.get(plan_id, {}).values():
        for arn in selection["BackupSelection"].get("Resources") or []:
            if arn != "*" and (arn, selection["BackupSelection"]["IamRoleArn"]) not in found:
                found.append((arn, selection["BackupSelection"]["IamRoleArn"]))
    return found


def _established(backend: Any, plan: Any) -> bool:
    tags = backend.list_tags(plan.backup_plan_arn) or {}
    return tags.get(ESTABLISHED_TAG) == "true"


def _run_schedules(account: str, region: str, backend: Any, now: datetime) -> None:
    state = _state(backend)
    for plan in list(backend.plans.values()):
        if plan.deletion_date is not None:
            continue
        # Runs back up what the plan's selections assign: none before its first selection
        # (an established plan has had it for ESTABLISHED_HOURS already).
        created = state.selected_since.get(plan.backup_plan_id)
        if created is None:
            continue
        if _established(backend, plan):
            created -= timedelta(hours=ESTABLISHED_HOURS)
        for rule in plan.backup_plan.get("Rules", []):
            key = (plan.backup_plan_id, rule["RuleId"])
            last = state.last_run.get(key, created)
            while True:
                due = next_run(rule.get("ScheduleExpression", ""), last)
                if due is None or due > now:
                    break
                last = due
                if _down(region, due):
                    continue
                for arn, role in _selected(state, plan.backup_plan_id):
                    try:
                        _start_backup(
                            account,
                            region,
                            rule["TargetBackupVaultName"],
                            arn,
                            role,
                            due,
                            plan_id=plan.backup_plan_id,
                            copy_actions=rule.get("CopyActions") or [],
                        )
                    except Exception:  # a vault deleted since: AWS skips the run
                        continue
            state.last_run[key] = last


def _run_copies(account: str, region: str, backend: Any, now: datetime) -> None:
    for job in list(_state(backend).backup_jobs.values()):
        if job.copies_started or job.state(now) not in ("COMPLETED", "FAILED"):
            continue
        job.copies_started = True
        if job.state(now) == "FAILED" or _down(region, job.completes):
            continue
        for action in job.copy_actions:
            _start_copy(
                account,
                region,
                job.point,
                action["DestinationBackupVaultArn"],
                job.completes,
                job.iam_role,
                backup_job=job,
            )


def _run_restores(account: str, backend: Any, now: datetime) -> None:
    from moto.dynamodb.models import dynamodb_backends

    for job in _state(backend).restore_jobs.values():
        if job.settled or now < job.completes:
            continue
        job.settled = True
        if job.failure is not None or job.target is None:
            continue
        tables = dynamodb_backends[account][job.region]
        if job.target in tables.tables:
            job.failure = f"Table already exists: {job.target}"
            continue
        snap = job.point.snapshot
        table = tables.create_table(
            job.target,
            schema=snap.get("KeySchema") or [],
            throughput=None,
            attr=snap.get("AttributeDefinitions") or [],
            global_indexes=None,
            indexes=None,
            streams=None,
            billing_mode=snap.get("BillingMode") or "PAY_PER_REQUEST",
            sse_specification=None,
            tags=[],
            deletion_protection_enabled=False,
            warm_throughput=None,
        )
        job.created_arn = str(table.table_arn)


def _settle(account: str) -> None:
    """Bring every Region's jobs of ``account`` up to the AWS clock's now."""
    now = aws_time.now()
    with _lock:
        backends = _backends(account)
        for region, backend in backends.items():
            _run_schedules(account, region, backend, now)
        for region, backend in backends.items():
            _run_copies(account, region, backend, now)
        for backend in backends.values():
            _run_restores(account, backend, now)
            state = _state(backend)
            for arn, point in list(state.points.items()):
                if point.gone(now):
                    del state.points[arn]


# --------------------------------------------------------------------------- the API


def _param(resp: Any, member: str, location: str | None = None) -> Any:
    """A request parameter: the query string (by location name), the JSON body, the URI."""
    if location is not None:
        value = resp.querystring.get(location)
        if value:
            return value[0]
    if resp.body:
        try:
            body = json.loads(resp.body)
        except ValueError:
            body = {}
        if isinstance(body, dict) and member in body:
            return body[member]
    match = getattr(resp, "uri_match", None) or {}
    if location is not None and location in match:
        return unquote(str(match[location]))
    return None


def _time_param(resp: Any, location: str) -> datetime | None:
    value = resp.querystring.get(location)
    if not value:
        return None
    text = str(value[0])
    try:
        return datetime.fromtimestamp(float(text), UTC)
    except ValueError:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _begin(resp: Any) -> tuple[str, str, Any, datetime]:
    account, region = resp.current_account, resp.region
    _settle(account)
    return account, region, _backend(account, region), aws_time.now()


def _in_window(resp: Any, when: datetime, prefix: str = "created") -> bool:
    after = _time_param(resp, f"{prefix}After")
    before = _time_param(resp, f"{prefix}Before")
    return (after is None or when >= after) and (before is None or when <= before)


def _not_found(what: str) -> Exception:
    from moto.backup.exceptions import ResourceNotFoundException

    return ResourceNotFoundException(msg=what)


def _start_backup_job(self: Any) -> str:
    from moto.backup.exceptions import InvalidParameterValueException

    account, region, _, now = _begin(self)
    role = _param(self, "IamRoleArn")
    arn = _param(self, "ResourceArn")
    if not role or not arn:
        raise InvalidParameterValueException(msg="ResourceArn and IamRoleArn are required")
    with _lock:
        job = _start_backup(account, region, _param(self, "BackupVaultName"), arn, role, now)
    return json.dumps(
        {
            "BackupJobId": job.job_id,
            "RecoveryPointArn": job.point.arn,
            "CreationDate": ts(job.created),
            "IsParent": False,
        }
    )


def _describe_backup_job(self: Any) -> str:
    _, _, backend, now = _begin(self)
    job_id = _param(self, "BackupJobId", "backupJobId") or self.path.rstrip("/").split("/")[-1]
    job = _state(backend).backup_jobs.get(job_id)
    if job is None:
        raise _not_found(f"Backup job {job_id} not found")
    return json.dumps(job.as_dict(now))


def _list_backup_jobs(self: Any) -> str:
    _, _, backend, now = _begin(self)
    jobs = [
        j.as_dict(now)
        for j in _state(backend).backup_jobs.values()
        if _in_window(self, j.created)
        and _param(self, "ByResourceArn", "resourceArn") in (None, j.point.resource_arn)
        and _param(self, "ByState", "state") in (None, j.state(now))
        and _param(self, "ByBackupVaultName", "backupVaultName") in (None, j.vault_name)
    ]
    return json.dumps({"BackupJobs": jobs})


def _start_copy_job(self: Any) -> str:
    from moto.backup.exceptions import InvalidRequestException

    account, region, backend, now = _begin(self)
    arn = _param(self, "RecoveryPointArn")
    vault = _param(self, "SourceBackupVaultName")
    point = _state(backend).points.get(arn)
    if point is None or point.vault_name != vault:
        raise _not_found(f"Recovery point {arn} not found in backup vault {vault}")
    if point.status(now) != "COMPLETED":
        raise InvalidRequestException(
            msg=f"Recovery point {arn} is {point.status(now)}: only a COMPLETED recovery point "
            "can be copied"
        )
    with _lock:
        job = _start_copy(
            account,
            region,
            point,
            _param(self, "DestinationBackupVaultArn"),
            now,
            _param(self, "IamRoleArn") or point.iam_role,
        )
    return json.dumps({"CopyJobId": job.job_id, "CreationDate": ts(job.created), "IsParent": False})


def _describe_copy_job(self: Any) -> str:
    _, _, backend, now = _begin(self)
    job_id = _param(self, "CopyJobId", "copyJobId") or self.path.rstrip("/").split("/")[-1]
    job = _state(backend).copy_jobs.get(job_id)
    if job is None:
        raise _not_found(f"Copy job {job_id} not found")
    return json.dumps({"CopyJob": job.as_dict(now)})


def _list_copy_jobs(self: Any) -> str:
    _, _, backend, now = _begin(self)
    jobs = [
        j.as_dict(now)
        for j in _state(backend).copy_jobs.values()
        if _in_window(self, j.created)
        and _param(self, "ByResourceArn", "resourceArn") in (None, j.source.resource_arn)
        and _param(self, "ByState", "state") in (None, j.state(now))
        and _param(self, "ByDestinationVaultArn", "destinationVaultArn")
        in (None, j.destination_vault_arn)
    ]
    return json.dumps({"CopyJobs": jobs})


def _vault_from_path(self: Any, backend: Any) -> Any:
    parts = self.path.split("/backup-vaults/", 1)[-1].split("/")
    name = unquote(parts[0])
    vault = backend.vaults.get(name)
    if vault is None:
        raise _not_found(f"Backup vault {name} does not exist")
    return vault


def _point_from_path(self: Any, backend: Any, now: datetime) -> RecoveryPoint:
    vault = _vault_from_path(self, backend)
    arn = unquote(self.path.split("/recovery-points/", 1)[-1].rstrip("/"))
    point = _state(backend).points.get(arn)
    if point is None or point.vault_name != vault.backup_vault_name:
        raise _not_found(f"Recovery point {arn} not found")
    return point


def _list_recovery_points(self: Any) -> str:
    _, _, backend, now = _begin(self)
    vault = _vault_from_path(self, backend)
    points = [
        p.as_dict(now)
        for p in _state(backend).points.values()
        if p.vault_name == vault.backup_vault_name
        and _in_window(self, p.created)
        and _param(self, "ByResourceArn", "resourceArn") in (None, p.resource_arn)
        and _param(self, "ByResourceType", "resourceType") in (None, p.resource_type)
        and _param(self, "ByBackupPlanId", "backupPlanId") in (None, p.plan_id)
    ]
    return json.dumps({"RecoveryPoints": points})


def _describe_recovery_point(self: Any) -> str:
    _, _, backend, now = _begin(self)
    return json.dumps(_point_from_path(self, backend, now).as_dict(now))


def _delete_recovery_point(self: Any) -> str:
    from moto.backup.exceptions import BackupClientError

    _, _, backend, now = _begin(self)
    point = _point_from_path(self, backend, now)
    if point.status(now) == "CREATING":
        error = BackupClientError(
            "InvalidResourceStateException",
            f"Recovery point {point.arn} is being created: it can be deleted once COMPLETED",
        )
        raise error
    if point.deleting_since is None:
        point.deleting_since = now
    return "{}"


def _start_restore_job(self: Any) -> str:
    from moto.backup.exceptions import InvalidParameterValueException, InvalidRequestException

    account, region, backend, now = _begin(self)
    arn = _param(self, "RecoveryPointArn")
    point = _state(backend).points.get(arn)
    if point is None:
        raise _not_found(f"Recovery point {arn} not found")
    if point.status(now) != "COMPLETED":
        raise InvalidRequestException(
            msg=f"Recovery point {arn} is {point.status(now)}: only a COMPLETED recovery point "
            "can be restored"
        )
    metadata = _param(self, "Metadata") or {}
    target = metadata.get("targetTableName")
    failure = None
    if point.resource_type == "DynamoDB":
        if not target:
            raise InvalidParameterValueException(
                msg="Metadata targetTableName is required to restore a DynamoDB recovery point"
            )
    else:
        failure = f"The sandbox restores DynamoDB recovery points only, not {point.resource_type}."
    job = RestoreJob(
        job_id=str(uuid.uuid4()).upper(),
        region=region,
        account=account,
        point=point,
        created=now,
        iam_role=_param(self, "IamRoleArn") or point.iam_role,
        target=target,
        failure=failure,
    )
    point.last_restore = now
    with _lock:
        _state(backend).restore_jobs[job.job_id] = job
    return json.dumps({"RestoreJobId": job.job_id})


def _describe_restore_job(self: Any) -> str:
    _, _, backend, now = _begin(self)
    job_id = _param(self, "RestoreJobId", "restoreJobId") or self.path.rstrip("/").split("/")[-1]
    job = _state(backend).restore_jobs.get(job_id)
    if job is None:
        raise _not_found(f"Restore job {job_id} not found")
    return json.dumps(job.as_dict(now))


def _list_restore_jobs(self: Any) -> str:
    _, _, backend, now = _begin(self)
    jobs = [
        j.as_dict(now)
        for j in _state(backend).restore_jobs.values()
        if _in_window(self, j.created)
        and _param(self, "ByStatus", "status") in (None, j.status(now))
    ]
    return json.dumps({"RestoreJobs": jobs})


# --------------------------------------------------------------------------- selections, plans


def _plan_id_from_path(self: Any) -> str:
    return unquote(self.path.split("/backup/plans/", 1)[-1].split("/")[0])


def _live_plan(backend: Any, plan_id: str) -> Any:
    plan = backend.plans.get(plan_id)
    if plan is None or plan.deletion_date is not None:
        raise _not_found(f"Backup plan {plan_id} not found")
    return plan


def _create_backup_selection(self: Any) -> str:
    from moto.backup.exceptions import AlreadyExistsException, InvalidParameterValueException

    _, _, backend, now = _begin(self)
    plan_id = _plan_id_from_path(self)
    _live_plan(backend, plan_id)
    selection = _param(self, "BackupSelection") or {}
    if not selection.get("SelectionName") or not selection.get("IamRoleArn"):
        raise InvalidParameterValueException(msg="SelectionName and IamRoleArn are required")
    own = _state(backend).selections.setdefault(plan_id, {})
    if any(
        s["BackupSelection"]["SelectionName"] == selection["SelectionName"] for s in own.values()
    ):
        raise AlreadyExistsException(msg=f"Selection {selection['SelectionName']} already exists")
    selection_id = str(uuid.uuid4())
    _state(backend).selected_since.setdefault(plan_id, now)
    own[selection_id] = {
        "BackupSelection": selection,
        "SelectionId": selection_id,
        "BackupPlanId": plan_id,
        "CreationDate": ts(now),
        "CreatorRequestId": _param(self, "CreatorRequestId") or "",
    }
    return json.dumps(
        {"SelectionId": selection_id, "BackupPlanId": plan_id, "CreationDate": ts(now)}
    )


def _list_backup_selections(self: Any) -> str:
    _, _, backend, _now = _begin(self)
    plan_id = _plan_id_from_path(self)
    _live_plan(backend, plan_id)
    listed = [
        {
            "SelectionId": s["SelectionId"],
            "SelectionName": s["BackupSelection"]["SelectionName"],
            "BackupPlanId": plan_id,
            "CreationDate": s["CreationDate"],
            "IamRoleArn": s["BackupSelection"]["IamRoleArn"],
        }
        for s in _state(backend).selections.get(plan_id, {}).values()
    ]
    return json.dumps({"BackupSelectionsList": listed})


def _selection_from_path(self: Any, backend: Any) -> tuple[str, str, dict[str, Any]]:
    plan_id = _plan_id_from_path(self)
    selection_id = unquote(self.path.rstrip("/").rsplit("/", 1)[-1])
    found = _state(backend).selections.get(plan_id, {}).get(selection_id)
    if found is None:
        raise _not_found(f"Backup selection {selection_id} of plan {plan_id} not found")
    return plan_id, selection_id, found


def _get_backup_selection(self: Any) -> str:
    _, _, backend, _now = _begin(self)
    return json.dumps(_selection_from_path(self, backend)[2])


def _delete_backup_selection(self: Any) -> str:
    _, _, backend, _now = _begin(self)
    plan_id, selection_id, _found = _selection_from_path(self, backend)
    del _state(backend).selections[plan_id][selection_id]
    return "{}"


_original_create_plan: Any = None
_original_delete_plan: Any = None


def _create_backup_plan(self: Any, backup_plan: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
    """A deleted plan's name can be used again (moto refuses it)."""
    from moto.backup.exceptions import AlreadyExistsException

    name = backup_plan["BackupPlanName"]
    if any(
        p.backup_plan.get("BackupPlanName") == name and p.deletion_date is None
        for p in self.plans.values()
    ):
        raise AlreadyExistsException(msg="Backup plan with the same plan document already exists")
    hidden = {
        pid: p for pid, p in self.plans.items() if p.backup_plan.get("BackupPlanName") == name
    }
    for pid in hidden:
        del self.plans[pid]
    try:
        return _original_create_plan(self, backup_plan, *args, **kwargs)
    finally:
        self.plans.update(hidden)


def _delete_backup_plan(self: Any, backup_plan_id: str) -> Any:
    """Refused while the plan has selections; a plan already deleted is not found."""
    from moto.backup.exceptions import InvalidRequestException

    plan = self.plans.get(backup_plan_id)
    if plan is None or plan.deletion_date is not None:
        raise _not_found(f"Backup plan {backup_plan_id} not found")
    if _state(self).selections.get(backup_plan_id):
        raise InvalidRequestException(
            msg="Related backup plan selections must be deleted prior to backup plan deletion"
        )
    return _original_delete_plan(self, backup_plan_id)


_METHODS: Final = {
    "start_backup_job": _start_backup_job,
    "describe_backup_job": _describe_backup_job,
    "list_backup_jobs": _list_backup_jobs,
    "start_copy_job": _start_copy_job,
    "describe_copy_job": _describe_copy_job,
    "list_copy_jobs": _list_copy_jobs,
    "list_recovery_points_by_backup_vault": _list_recovery_points,
    "describe_recovery_point": _describe_recovery_point,
    "delete_recovery_point": _delete_recovery_point,
    "start_restore_job": _start_restore_job,
    "describe_restore_job": _describe_restore_job,
    "list_restore_jobs": _list_restore_jobs,
    "create_backup_selection": _create_backup_selection,
    "list_backup_selections": _list_backup_selections,
    "get_backup_selection": _get_backup_selection,
    "delete_backup_selection": _delete_backup_selection,
}
# Both with and without the trailing slash: botocore sends ``/backup-jobs`` for StartBackupJob
# and ``/backup-jobs/`` for ListBackupJobs, and the server's routes match slashes exactly.
_PATHS: Final = (
    r"{0}/backup-jobs$",
    r"{0}/backup-jobs/$",
    r"{0}/backup-jobs/(?P<backupJobId>[^/]+)$",
    r"{0}/copy-jobs$",
    r"{0}/copy-jobs/$",
    r"{0}/copy-jobs/(?P<copyJobId>[^/]+)$",
    r"{0}/restore-jobs$",
    r"{0}/restore-jobs/$",
    r"{0}/restore-jobs/(?P<restoreJobId>[^/]+)$",
    r"{0}/backup-vaults/(?P<backupVaultName>[^/]+)/recovery-points/$",
    r"{0}/backup-vaults/(?P<backupVaultName>[^/]+)/recovery-points/(?P<recoveryPointArn>.+)$",
    r"{0}/backup/plans/(?P<backupPlanId>[^/]+)/selections/$",
    r"{0}/backup/plans/(?P<backupPlanId>[^/]+)/selections/(?P<selectionId>[^/]+)$",
)


def install() -> None:
    """Patch moto's AWS Backup; idempotent."""
    global _original_create_plan, _original_delete_plan
    if _patches.active:
        return
    from moto.backup import urls
    from moto.backup.models import BackupBackend
    from moto.backup.responses import BackupResponse

    _original_create_plan = BackupBackend.create_backup_plan
    _original_delete_plan = BackupBackend.delete_backup_plan
    _patches.replace(BackupBackend, "create_backup_plan", _create_backup_plan)
    _patches.replace(BackupBackend, "delete_backup_plan", _delete_backup_plan)
    for name, method in _METHODS.items():
        _patches.replace(BackupResponse, name, method)
    for path in _PATHS:
        _patches.add_item(urls.url_paths, path, BackupResponse.dispatch)


def uninstall() -> None:
    """Restore moto's AWS Backup."""
    _patches.restore_all()


def is_installed() -> bool:
    """Whether this extension is in effect."""
    return _patches.active


def settle(account: str) -> None:
    """Bring ``account``'s jobs up to now (tests and the sandbox builder read state directly)."""
    _settle(account)
