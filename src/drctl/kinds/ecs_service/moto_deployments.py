"""ECS service deployments that roll over time, as ``DescribeServices`` reports them.

moto sets ``runningCount`` to the new ``desiredCount`` in the same call (``services_stable`` is
true at once), never changes a deployment's counts after creation, and replaces a deployment in
place on ``forceNewDeployment``. A step that waits for stability therefore never waits here,
and would be surprised on AWS. This module models what ECS reports, on the sandbox's AWS clock
(:data:`drctl.kinds.sandboxing.aws_time`), never skipping a state.

Sources (Amazon ECS API reference and Developer Guide; botocore ``ecs`` model):

* ``Service`` / ``Deployment``
  (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Deployment.html):
  ``runningCount`` counts tasks ``RUNNING``, ``pendingCount`` tasks ``PENDING``; a deployment
  is ``PRIMARY`` (the newest), ``ACTIVE`` (older, still with tasks) or gone once drained.
  ``rolloutState`` "begins in an IN_PROGRESS state. When the service reaches a steady state,
  the deployment transitions to a COMPLETED state", with ``rolloutStateReason`` "ECS deployment
  <id> completed.".
* Task lifecycle (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-lifecycle-explanation.html):
  a new task is ``PENDING`` (provisioning, pulling the image) before ``RUNNING``; a stopped
  task gets ``stopTimeout`` (30 s by default) before it is gone. The sandbox starts tasks
  ``TASK_START_SECONDS`` after the request, one every ``TASK_STAGGER_SECONDS`` (the durations
  are the sandbox's choice), so ``runningCount`` rises one by one.
* Changing only ``desiredCount`` starts no new deployment: the ``PRIMARY`` deployment's counts
  move (its ``rolloutState`` is unchanged). A new task definition or ``forceNewDeployment``
  starts a new ``PRIMARY`` deployment ``IN_PROGRESS``; the old one turns ``ACTIVE`` and keeps
  its tasks until the new ones run (``minimumHealthyPercent`` 100, the default for the
  rolling update: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-ecs.html),
  then drains; the rollout is ``COMPLETED`` when it is gone.
* The ``services_stable`` waiter (botocore ``ecs`` waiters-2.json): one deployment and
  ``runningCount == desiredCount``, so it holds only at the end of all of the above.

Tasks whose image cannot be pulled never start (:mod:`moto_image_pull`): ``runningCount`` stays
below ``desiredCount`` while that lasts. Not modelled: the deployment circuit breaker, placement,
load balancer health checks, the ``CODE_DEPLOY``/``EXTERNAL`` controllers (left as moto has them).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from drctl.kinds.ecs_service import moto_image_pull as image_pull
from drctl.kinds.sandboxing import PatchSet, aws_time

__all__ = [
    "TASK_STAGGER_SECONDS",
    "TASK_START_SECONDS",
    "TASK_STOP_SECONDS",
    "desired_changed_at",
    "install",
    "is_installed",
    "uninstall",
]

TASK_START_SECONDS: Final = 40.0  # a new task: PENDING, then RUNNING
TASK_STAGGER_SECONDS: Final = 5.0  # the next task of the same request starts this much later
TASK_STOP_SECONDS: Final = 30.0  # a stopped task is gone after the default stopTimeout

_patches = PatchSet()
_lock = threading.RLock()
_STATE: Final = "_drctl_ecs"


@dataclass
class Tasks:
    """A deployment's task count moving from ``base`` to ``target`` from ``changed`` on."""

    base: int
    target: int
    changed: datetime
    error: str | None = None  # why the new tasks cannot start (their image cannot be pulled)

    def running(self, now: datetime) -> int:
        if self.error is not None and self.target > self.base:
            return self.base
        if self.target >= self.base:
            started = sum(
                1
                for i in range(self.target - self.base)
                if now >= self.changed + timedelta(seconds=TASK_START_SECONDS + i * _stagger())
            )
            return self.base + started
        stopped = now >= self.changed + timedelta(seconds=TASK_STOP_SECONDS)
        return self.target if stopped else self.base

    def pending(self, now: datetime) -> int:
        return max(0, self.target - self.running(now))

    def settled_at(self) -> datetime:
        """When the count reaches ``target``."""
        if self.target >= self.base:
            last = max(0, self.target - self.base - 1)
            extra = TASK_START_SECONDS + last * _stagger() if self.target > self.base else 0.0
            return self.changed + timedelta(seconds=extra)
        return self.changed + timedelta(seconds=TASK_STOP_SECONDS)


def _stagger() -> float:
    return TASK_STAGGER_SECONDS


@dataclass
class Deployment:
    """One deployment of the service: moto's fields, and its tasks over time."""

    fields: dict[str, Any]
    tasks: Tasks
    rolling: bool  # created by a rollout (IN_PROGRESS until steady), not by scaling
    drain_from: datetime | None = None  # set on an ACTIVE deployment: it drains from then
    completed: datetime | None = None  # when its rollout reached a steady state


@dataclass
class Rollout:
    """Everything this module keeps for one service."""

    desired: int
    desired_changed: datetime
    deployments: list[Deployment] = field(default_factory=list)


def _rollout(service: Any) -> Rollout | None:
    found: Rollout | None = service.__dict__.get(_STATE)
    return found


def desired_changed_at(service: Any) -> datetime | None:
    """When the service's desired count was last changed (Application Auto Scaling's idle
    scale-in counts from it)."""
    state = _rollout(service)
    return state.desired_changed if state else None


def _start(service: Any, deployment: Deployment, base: int, target: int, now: datetime) -> Tasks:
    """The deployment's tasks moving from ``base`` to ``target`` from ``now``: new tasks whose
    image cannot be pulled now fail to start (and are written as stopped tasks)."""
    error = None
    task_definition = str(deployment.fields.get("taskDefinition") or service.task_definition)
    if target > base:
        error = image_pull.task_definition_error(service._backend, task_definition, now)
    deployment_id = str(deployment.fields.get("id", ""))
    image_pull.failing(service, deployment_id, task_definition, target - base, now, error)
    return Tasks(base, target, now, error)


def _settle(state: Rollout, now: datetime, service: Any = None) -> None:
    """Retire the old deployments that have drained by ``now``; start draining the ones whose
    successor is fully running. Tasks that could not start are launched again once their
    image can be pulled (the scheduler keeps trying)."""
    if not state.deployments:
        return
    primary = state.deployments[0]
    if service is not None:
        since = image_pull.recovered(service, now)
        if since is not None and primary.tasks.error is not None:
            primary.tasks = _start(
                service, primary, primary.tasks.base, primary.tasks.target, since
            )
    steady = primary.tasks.settled_at()
    keep = [primary]
    for old in state.deployments[1:]:
        if old.drain_from is None and now >= steady:
            old.drain_from = steady
            old.tasks = Tasks(old.tasks.running(steady), 0, steady)
        if old.drain_from is not None and now >= old.tasks.settled_at():
            continue
        keep.append(old)
    done = _completed_at(state)
    state.deployments = keep
    if primary.rolling and primary.completed is None and now >= done:
        # Once steady, a rollout stays COMPLETED: later scaling moves counts, not the rollout.
        primary.completed = done


def _completed_at(state: Rollout) -> datetime:
    primary = state.deployments[0]
    done = primary.tasks.settled_at()
    for old in state.deployments[1:]:
        start = old.drain_from or primary.tasks.settled_at()
        done = max(done, start + timedelta(seconds=TASK_STOP_SECONDS))
    return done


def _get_desired(service: Any) -> int:
    state = _rollout(service)
    return state.desired if state else int(service.__dict__.get("_drctl_desired_init", 0) or 0)


def _set_desired(service: Any, value: Any) -> None:
    count = int(value or 0)
    now = aws_time.now()
    with _lock:
        state = _rollout(service)
        if state is None:
            # moto's __init__: the deployment does not exist yet (see _set_deployments).
            service.__dict__["_drctl_desired_init"] = count
            return
        _settle(state, now, service)
        if count != state.desired:
            state.desired, state.desired_changed = count, now
            if state.deployments:
                primary = state.deployments[0]
                primary.tasks = _start(service, primary, primary.tasks.running(now), count, now)


def _get_counts(service: Any) -> tuple[int, int]:
    state = _rollout(service)
    if state is None:
        return 0, 0
    now = aws_time.now()
    with _lock:
        _settle(state, now, service)
        running = sum(d.tasks.running(now) for d in state.deployments)
        pending = sum(d.tasks.pending(now) for d in state.deployments)
    return running, pending


def _get_running(service: Any) -> int:
    return _get_counts(service)[0]


def _get_pending(service: Any) -> int:
    return _get_counts(service)[1]


def _ignore(service: Any, value: Any) -> None:
    """moto writes the counts it believes in; the timeline above is what AWS reports."""


def _get_deployments(service: Any) -> list[dict[str, Any]]:
    state = _rollout(service)
    if state is None:
        return list(service.__dict__.get("_drctl_moto_deployments", []))
    now = aws_time.now()
    with _lock:
        _settle(state, now, service)
        described = []
        for index, deployment in enumerate(state.deployments):
            fields = dict(deployment.fields)
            fields.update(
                status="PRIMARY" if index == 0 else "ACTIVE",
                desiredCount=deployment.tasks.target,
                runningCount=deployment.tasks.running(now),
                pendingCount=deployment.tasks.pending(now),
            )
            if deployment.rolling:
                if deployment.completed is not None:
                    fields["rolloutState"] = "COMPLETED"
                    fields["rolloutStateReason"] = f"ECS deployment {fields['id']} completed."
                    fields["updatedAt"] = deployment.completed
                else:
                    fields["rolloutState"] = "IN_PROGRESS"
                    fields["rolloutStateReason"] = f"ECS deployment {fields['id']} in progress."
            described.append(fields)
    return described


def _set_deployments(service: Any, value: list[dict[str, Any]]) -> None:
    """moto's __init__ sets the first deployment: it starts the service's first rollout."""
    if _rollout(service) is not None:
        return
    if not value:
        service.__dict__["_drctl_moto_deployments"] = value
        return
    now = aws_time.now()
    desired = int(service.__dict__.get("_drctl_desired_init", 0) or 0)
    first = dict(value[0])
    first["createdAt"] = first["updatedAt"] = now
    deployment = Deployment(first, Tasks(0, 0, now), rolling=True)
    deployment.tasks = _start(service, deployment, 0, desired, now)
    service.__dict__[_STATE] = Rollout(desired, now, [deployment])


def _new_deployment(service: Any, task_definition: str | None) -> None:
    """A new task definition or ``forceNewDeployment``: a new PRIMARY rolls out, the old one
    turns ACTIVE and drains once the new tasks run."""
    state = _rollout(service)
    if state is None or not state.deployments:
        return
    from moto.moto_api._internal import mock_random

    now = aws_time.now()
    with _lock:
        _settle(state, now, service)
        fields = dict(state.deployments[0].fields)
        fields.update(
            id=f"ecs-svc/{mock_random.randint(0, 32**12)}",
            createdAt=now,
            updatedAt=now,
            taskDefinition=task_definition or fields.get("taskDefinition"),
        )
        for old in state.deployments:
            old.tasks = Tasks(old.tasks.running(now), old.tasks.running(now), now)
        new = Deployment(fields, Tasks(0, 0, now), rolling=True)
        new.tasks = _start(service, new, 0, state.desired, now)
        state.deployments.insert(0, new)


_original_update_service: Any = None


def _update_service(backend: Any, service_properties: dict[str, Any]) -> Any:
    force = bool(service_properties.get("force_new_deployment"))
    cluster = str(service_properties.get("cluster", "default"))
    name = str(service_properties.get("service", "")).split("/")[-1]
    task_definition = service_properties.get("task_definition")
    before = None
    if task_definition:
        before = backend._get_service(cluster, name).task_definition
    service = _original_update_service(backend, service_properties)
    if force or (task_definition and service.task_definition != before):
        _new_deployment(service, service.task_definition)
    return service


def install() -> None:
    """Patch moto's ECS service model; idempotent."""
    global _original_update_service
    if _patches.active:
        return
    from moto.ecs.models import EC2ContainerServiceBackend, Service

    _original_update_service = EC2ContainerServiceBackend.update_service
    _patches.replace(Service, "desired_count", property(_get_desired, _set_desired))
    _patches.replace(Service, "running_count", property(_get_running, _ignore))
    _patches.replace(Service, "pending_count", property(_get_pending, _ignore))
    _patches.replace(Service, "deployments", property(_get_deployments, _set_deployments))
    _patches.replace(EC2ContainerServiceBackend, "update_service", _update_service)


def uninstall() -> None:
    """Restore moto's ECS behaviour."""
    _patches.restore_all()


def is_installed() -> bool:
    """Whether this extension is in effect."""
    return _patches.active
