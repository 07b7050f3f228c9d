"""ECS tasks that cannot pull their container image: PENDING, then STOPPED, again and again.

moto never starts a service's tasks, and :mod:`moto_deployments` starts them all after
``TASK_START_SECONDS`` whatever their image. On AWS a task whose image cannot be pulled never
runs: a DR service whose task definition names an image in the primary Region's ECR registry
does not start during that Region's outage, and a failover that scales it up waits for ever.
This module decides whether a task definition's images can be pulled at a given AWS time, and
writes the stopped tasks and service events the ECS scheduler leaves while it keeps trying.

Sources (Amazon ECS Developer Guide and API reference; botocore ``ecs`` model):

* Stopped task errors
  (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/stopped-task-errors.html):
  a task whose image cannot be pulled stops with ``stopCode`` ``TaskFailedToStart`` and a
  ``stoppedReason`` / container ``reason`` ``CannotPullContainerError: ...``: "failed to resolve
  ref <image>: <image>: not found" for a repository or tag that does not exist, "... dial tcp
  <address>:443: i/o timeout" when the registry cannot be reached. Stopped tasks stay visible to
  ``ListTasks``/``DescribeTasks`` for at least an hour.
* ``Task`` (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Task.html): a service's
  task has ``group`` ``service:<name>`` and ``startedBy`` the deployment id; ``stoppedAt``,
  ``stopCode``, ``stoppedReason``; ``Container.reason``.
* Service scheduler
  (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_services.html): a replica
  service keeps launching tasks to reach ``desiredCount`` (``runningCount`` stays below it) and
  writes a service event "(service <name>) has started <n> tasks: (task <id>) ..." each time.

Modelled: an image in an ECR registry (``<account>.dkr.ecr.<region>.amazonaws.com/<repo>``)
whose Region's ``ecr`` is out (the sandbox's outage layer, :data:`unreachable`), or whose
repository does not exist in that account and Region. Each round of tasks is ``PENDING`` for
``PULL_FAIL_SECONDS`` then ``STOPPED``; the next round starts ``RETRY_SECONDS`` later (the
sandbox's durations; AWS's retry interval grows with repeated failures). Not modelled: missing
tags in an existing repository (the sandbox pushes no images), private registries other than
ECR, the deployment circuit breaker, the growing retry interval.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from drctl.kinds.sandboxing import PatchSet, aws_time, unreachable

__all__ = [
    "PULL_FAIL_SECONDS",
    "RETRY_SECONDS",
    "STOPPED_VISIBLE_SECONDS",
    "STOP_CODE",
    "catch_up",
    "failing",
    "install",
    "is_installed",
    "pull_error",
    "recovered",
    "task_definition_error",
    "uninstall",
]

PULL_FAIL_SECONDS: Final = 30.0  # a task that cannot pull: PENDING this long, then STOPPED
RETRY_SECONDS: Final = 30.0  # the scheduler launches the next round this long after
STOPPED_VISIBLE_SECONDS: Final = 3600.0  # stopped tasks are listed for (at least) an hour
STOP_CODE: Final = "TaskFailedToStart"
MAX_EVENTS: Final = 100  # DescribeServices returns the service's latest 100 events

_ECR: Final = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/"
    r"(?P<repo>[a-z0-9][a-z0-9._/-]*?)(?::(?P<tag>[\w.-]+))?(?:@(?P<digest>\S+))?$"
)
_UNREACHABLE_ADDRESS: Final = "192.0.2.10"  # RFC 5737 documentation range
_FAILING: Final = "_drctl_failing"
_EVENTS: Final = "_drctl_events"
_patches = PatchSet()


def _repository_exists(account: str, region: str, name: str) -> bool:
    from moto.ecr.models import ecr_backends

    return name in ecr_backends[account][region].repositories


def pull_error(image: str, now: datetime) -> str | None:
    """Why ``image`` cannot be pulled at ``now`` (the ``CannotPullContainerError`` text AWS
    writes), or None when it can (or is not in an ECR registry: not modelled)."""
    found = _ECR.match(image)
    if found is None:
        return None
    account, region, repo = found["account"], found["region"], found["repo"]
    registry = image.split("/", 1)[0]
    reference = found["digest"] or found["tag"] or "latest"
    if any(
        start <= now and (end is None or now < end)
        for start, end in unreachable.periods("ecr", region)
    ):
        return (
            "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed "
            f'to resolve ref {image}: failed to do request: Head "https://{registry}/v2/{repo}/'
            f'manifests/{reference}": dial tcp {_UNREACHABLE_ADDRESS}:443: i/o timeout'
        )
    if not _repository_exists(account, region, repo):
        return (
            "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed "
            f"to resolve ref {image}: {image}: not found"
        )
    return None


def task_definition_error(backend: Any, task_definition: str | None, now: datetime) -> str | None:
    """The first pull error of the task definition's container images at ``now``."""
    if not task_definition:
        return None
    described = backend.describe_task_definition(task_definition)
    for container in described.container_definitions:
        error = pull_error(str(container.get("image", "")), now)
        if error is not None:
            return error
    return None


def _stopped_task(service: Any, deployment_id: str, created: datetime, error: str) -> Any:
    from moto.ecs.models import Task

    backend = service._backend
    task: Any = Task(
        backend.clusters[service.cluster_name],
        backend.describe_task_definition(service.task_definition),
        None,
        None,
        backend,
        group=f"service:{service.name}",
        launch_type=service.launch_type or "",
        started_by=deployment_id,
        # awsvpc tasks get the service's subnets (moto attaches an ENI, as AWS does on PENDING)
        networking_configuration=getattr(service, "network_configuration", None) or None,
    )
    stopped = created + timedelta(seconds=PULL_FAIL_SECONDS)
    task.last_status = task.desired_status = "STOPPED"
    task.stop_code, task.stopped_reason = STOP_CODE, error
    task.created_at, task.stopping_at, task.stopped_at = created, stopped, stopped
    for container in task.containers:
        container.last_status, container.reason, container.exitCode = "STOPPED", error, None
    backend.tasks.setdefault(service.cluster_name, {})[task.task_arn] = task
    return task


def _event(service: Any, at: datetime, message: str) -> None:
    written: list[dict[str, Any]] = service.__dict__.setdefault(_EVENTS, [])
    written.insert(0, {"id": str(uuid.uuid4()), "createdAt": at, "message": message})
    del written[MAX_EVENTS:]


@dataclass
class Failing:
    """The primary deployment's tasks that cannot start: ``missing`` of them launched in rounds
    from ``since``; ``rounds`` already written as stopped tasks."""

    deployment_id: str
    task_definition: str
    missing: int
    since: datetime
    error: str
    rounds: int = 0
    recovered: datetime | None = None  # the first round whose images could be pulled


def failing(
    service: Any,
    deployment_id: str,
    task_definition: str,
    missing: int,
    since: datetime,
    error: str | None,
) -> None:
    """From ``since`` on, ``missing`` tasks of the deployment fail to start with ``error``
    (None or 0 missing: they start). Rounds due before ``since`` are written first."""
    catch_up(service, since)
    if error is None or missing <= 0:
        service.__dict__.pop(_FAILING, None)
        return
    service.__dict__[_FAILING] = Failing(deployment_id, task_definition, missing, since, error)


def catch_up(service: Any, now: datetime) -> None:
    """Write the rounds of failing tasks that have stopped by ``now``."""
    record: Failing | None = service.__dict__.get(_FAILING)
    if record is None or record.recovered is not None:
        return
    period = timedelta(seconds=PULL_FAIL_SECONDS + RETRY_SECONDS)
    while True:
        created = record.since + record.rounds * period
        if created > now:
            break
        if task_definition_error(service._backend, record.task_definition, created) is None:
            record.recovered = created  # this round pulls its images and starts
            break
        if created + timedelta(seconds=PULL_FAIL_SECONDS) > now:
            break
        tasks = [
            _stopped_task(service, record.deployment_id, created, record.error)
            for _ in range(record.missing)
        ]
        ids = " ".join(f"(task {task.id})" for task in tasks)
        _event(
            service, created, f"(service {service.name}) has started {record.missing} tasks: {ids}."
        )
        record.rounds += 1
    _forget_old(service, now)


def recovered(service: Any, now: datetime) -> datetime | None:
    """When the failing tasks' round could pull its images (by ``now``): the scheduler's tasks
    start from then. The record ends with it."""
    catch_up(service, now)
    record: Failing | None = service.__dict__.get(_FAILING)
    if record is None or record.recovered is None:
        return None
    del service.__dict__[_FAILING]
    return record.recovered


def _forget_old(service: Any, now: datetime) -> None:
    """Stopped tasks leave ListTasks after ``STOPPED_VISIBLE_SECONDS`` (keeps the sandbox
    bounded through a long outage)."""
    tasks = service._backend.tasks.get(service.cluster_name, {})
    horizon = now - timedelta(seconds=STOPPED_VISIBLE_SECONDS)
    for arn in [
        arn
        for arn, task in tasks.items()
        if getattr(task, "stop_code", None) == STOP_CODE and task.stopped_at < horizon
    ]:
        del tasks[arn]


def _catch_up_all(backend: Any) -> None:
    now = aws_time.now()
    for service in list(backend.services.values()):
        catch_up(service, now)


def _get_events(service: Any) -> list[dict[str, Any]]:
    catch_up(service, aws_time.now())
    return list(service.__dict__.get(_EVENTS, [])) + list(
        service.__dict__.get("_drctl_moto_events", [])
    )


def _set_events(service: Any, value: list[dict[str, Any]]) -> None:
    service.__dict__["_drctl_moto_events"] = value


_original_list_tasks: Any = None
_original_describe_tasks: Any = None


def _list_tasks(backend: Any, *args: Any, **kwargs: Any) -> Any:
    _catch_up_all(backend)
    return _original_list_tasks(backend, *args, **kwargs)


def _describe_tasks(backend: Any, *args: Any, **kwargs: Any) -> Any:
    _catch_up_all(backend)
    return _original_describe_tasks(backend, *args, **kwargs)


def install() -> None:
    """Patch moto's ECS task listing and service events; idempotent."""
    global _original_list_tasks, _original_describe_tasks
    if _patches.active:
        return
    from moto.ecs.models import EC2ContainerServiceBackend, Service

    _original_list_tasks = EC2ContainerServiceBackend.list_tasks
    _original_describe_tasks = EC2ContainerServiceBackend.describe_tasks
    _patches.replace(EC2ContainerServiceBackend, "list_tasks", _list_tasks)
    _patches.replace(EC2ContainerServiceBackend, "describe_tasks", _describe_tasks)
    _patches.replace(Service, "events", property(_get_events, _set_events))


def uninstall() -> None:
    """Restore moto's behaviour."""
    _patches.restore_all()


def is_installed() -> bool:
    """Whether this extension is in effect."""
    return _patches.active
