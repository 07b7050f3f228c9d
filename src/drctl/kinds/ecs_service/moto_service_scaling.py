"""Application Auto Scaling bounds on an ECS service's desired count.

moto stores an ECS service's scalable target (``RegisterScalableTarget`` with ResourceId
``service/<cluster>/<service>`` and dimension ``ecs:service:DesiredCount``) and its scaling
policies, and checks that the service exists, but never touches the service: its desired count
ignores the min/max and no policy ever scales it. A failover that raises only the desired count
therefore keeps its tasks here, while on AWS a target-tracking policy scales an idle DR service
back in to its minimum a quarter of an hour later. This module models both.

Sources (Application Auto Scaling API reference and User Guide; botocore
``application-autoscaling`` model):

* ``RegisterScalableTarget``
  (https://docs.aws.amazon.com/autoscaling/application/APIReference/API_RegisterScalableTarget.html):
  "If the specified resource is not active in the target service, this operation does not
  change the resource's current capacity. Otherwise, it changes the resource's current capacity
  to a value that is inside of this range." A new target needs both ``MinCapacity`` and
  ``MaxCapacity``; a minimum above the maximum is a ``ValidationException``. "Application Auto
  Scaling scaling policies will not scale capacity to values that are outside of the minimum
  and maximum range."
* Target tracking
  (https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-target-tracking.html):
  the policy scales in when the metric stays below the target; its scale-in alarm needs 15
  one-minute datapoints (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-autoscaling-targettracking.html).
  The sandbox's services carry no load, so a service with a target-tracking policy whose scale
  in is allowed (no ``DisableScaleIn``, ``SuspendedState.DynamicScalingInSuspended`` not set)
  is scaled in to ``MinCapacity`` ``SCALE_IN_SECONDS`` after its desired count last changed.
  Step scaling acts only through CloudWatch alarms, which moto never evaluates: not modelled.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Final

from drctl.kinds.ecs_service.moto_deployments import desired_changed_at
from drctl.kinds.sandboxing import PatchSet, aws_time

__all__ = ["DIMENSION", "SCALE_IN_SECONDS", "install", "is_installed", "uninstall"]

DIMENSION: Final = "ecs:service:DesiredCount"
SCALE_IN_SECONDS: Final = 15 * 60.0  # an idle service's target-tracking scale-in alarm

_patches = PatchSet()


def _truthy(value: Any) -> bool:
    return str(value).lower() == "true"


def _service_for(account_id: str, region: str, resource_id: str) -> Any:
    from moto.ecs.models import ecs_backends

    parts = resource_id.split("/")
    if len(parts) != 3 or parts[0] != "service":
        return None
    return ecs_backends[account_id][region].services.get(f"{parts[1]}:{parts[2]}")


def _target_for(service: Any) -> tuple[Any, Any] | None:
    """(Application Auto Scaling backend, scalable target) of an ECS service, if registered."""
    from moto.applicationautoscaling.models import applicationautoscaling_backends

    backend = applicationautoscaling_backends[service._account_id][service.region_name]
    target = backend.targets.get(DIMENSION, {}).get(
        f"service/{service.cluster_name}/{service.name}"
    )
    return (backend, target) if target is not None else None


def _clamp(service: Any, target: Any) -> None:
    """Move an active service's desired count into the target's range."""
    if service is None or service.status != "ACTIVE":
        return
    count = int(service.desired_count or 0)
    if target.min_capacity is not None:
        count = max(count, int(target.min_capacity))
    if target.max_capacity is not None:
        count = min(count, int(target.max_capacity))
    if count != service.desired_count:
        service.desired_count = count


def scale_in_if_idle(service: Any) -> None:
    """A target-tracking policy scales an idle service in to its minimum once the scale-in
    alarm has seen ``SCALE_IN_SECONDS`` of low load since the last change."""
    found = _target_for(service)
    changed = desired_changed_at(service)
    if found is None or changed is None or service.status != "ACTIVE":
        return
    backend, target = found
    if _truthy((target.suspended_state or {}).get("DynamicScalingInSuspended")):
        return
    resource_id = target.resource_id
    scales_in = any(
        policy.resource_id == resource_id
        and policy.scalable_dimension == DIMENSION
        and policy.policy_type == "TargetTrackingScaling"
        and not _truthy(
            (policy.target_tracking_scaling_policy_configuration or {}).get("DisableScaleIn")
        )
        for policy in backend.policies.values()
    )
    floor = int(target.min_capacity or 0)
    if not scales_in or int(service.desired_count or 0) <= floor:
        return
    if aws_time.now() >= changed + timedelta(seconds=SCALE_IN_SECONDS):
        service.desired_count = floor


_original_register: Any = None
_original_describe_services: Any = None


def _register(
    backend: Any, namespace: str, r_id: str, dimension: str, *args: Any, **kwargs: Any
) -> Any:
    from moto.applicationautoscaling.exceptions import AWSValidationException

    min_capacity = kwargs.get("min_capacity")
    max_capacity = kwargs.get("max_capacity")
    existing = backend.targets.get(dimension, {}).get(r_id)
    if existing is None and (min_capacity is None or max_capacity is None):
        raise AWSValidationException(
            "MinCapacity and MaxCapacity are required when registering a new scalable target"
        )
    low = min_capacity if min_capacity is not None else existing.min_capacity
    high = max_capacity if max_capacity is not None else existing.max_capacity
    if low is not None and high is not None and int(low) > int(high):
        raise AWSValidationException(
            f"Minimum capacity ({low}) cannot be greater than maximum capacity ({high})"
        )
    target = _original_register(backend, namespace, r_id, dimension, *args, **kwargs)
    if namespace == "ecs" and dimension == DIMENSION:
        _clamp(_service_for(backend.account_id, backend.region_name, r_id), target)
    return target


def _describe_services(backend: Any, *args: Any, **kwargs: Any) -> Any:
    services, failures = _original_describe_services(backend, *args, **kwargs)
    for service in services:
        scale_in_if_idle(service)
    return services, failures


def install() -> None:
    """Patch moto's Application Auto Scaling and ECS backends; idempotent."""
    global _original_register, _original_describe_services
    if _patches.active:
        return
    from moto.applicationautoscaling.models import ApplicationAutoscalingBackend
    from moto.ecs.models import EC2ContainerServiceBackend

    _original_register = ApplicationAutoscalingBackend.register_scalable_target
    _original_describe_services = EC2ContainerServiceBackend.describe_services
    _patches.replace(ApplicationAutoscalingBackend, "register_scalable_target", _register)
    _patches.replace(EC2ContainerServiceBackend, "describe_services", _describe_services)


def uninstall() -> None:
    """Restore moto's behaviour."""
    _patches.restore_all()


def is_installed() -> bool:
    """Whether this extension is in effect."""
    return _patches.active
