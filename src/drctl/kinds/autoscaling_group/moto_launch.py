"""EC2 Auto Scaling launches over time, and the scaling activities AWS reports about them.

moto launches every instance ``InService`` the moment the desired capacity changes, launches
with a suspended ``Launch`` process or from an image the Region does not have, and answers
``DescribeScalingActivities`` with an empty list. A scale-up step verified against that would
pass here and, on AWS, wait out its timeout while nothing launches. This module models what
AWS does, on the sandbox's AWS clock (:data:`drctl.kinds.sandboxing.aws_time`), never skipping
a state.

Sources (EC2 Auto Scaling API reference and User Guide; botocore ``autoscaling`` model):

* Instance lifecycle (https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-lifecycle.html):
  a launched instance is ``Pending`` and then ``InService``; with a launch lifecycle hook
  (``autoscaling:EC2_INSTANCE_LAUNCHING``) it waits in ``Pending:Wait`` until the hook's
  heartbeat timeout (moto has no ``CompleteLifecycleAction``), then its ``DefaultResult``
  decides: ``CONTINUE`` -> ``Pending:Proceed`` -> ``InService``; ``ABANDON`` -> the instance is
  terminated and replaced
  (https://docs.aws.amazon.com/autoscaling/ec2/userguide/lifecycle-hooks.html). Instances in
  the ``Pending`` states count towards the group's capacity, so a second request does not launch
  them again.
* Scaling activities (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_Activity.html,
  ``ScalingActivityStatusCode`` in the botocore model): one activity per launched instance,
  "Launching a new EC2 instance: i-...", whose ``Cause`` reads "At <time> an instance was
  started in response to a difference between desired and actual capacity, increasing the
  capacity from N to M."; ``InProgress`` while ``Pending``, ``MidLifecycleAction`` in
  ``Pending:Wait``, ``PreInService`` in ``Pending:Proceed``, ``Successful`` once ``InService``.
  An abandoned launch ends ``Cancelled`` with "Instance failed to complete user's Lifecycle
  Action: Lifecycle Action with token <token> was abandoned: Heartbeat Timeout". Newest first.
* Suspended processes (https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-suspend-resume-processes.html):
  with ``Launch`` suspended the group launches nothing and records no activity; once it is
  resumed the group launches up to its desired capacity.
* Launch failures (https://docs.aws.amazon.com/autoscaling/ec2/userguide/ts-as-instancelaunchfailure.html):
  EC2 refuses the launch and the activity, "Launching a new EC2 instance.  Status Reason:
  <EC2's message> Launching EC2 instance failed.", ends ``Failed`` with ``StatusMessage``
  "<EC2's message> Launching EC2 instance failed.": an image missing in the Region ("The image
  id '[ami-...]' does not exist") or no capacity for the instance type in the zone
  (``InsufficientInstanceCapacity``: "We currently do not have sufficient <type> capacity in
  the Availability Zone you requested (<zone>). ..."). The group keeps trying: the next
  attempt comes ``RETRY_SECONDS`` later (AWS backs off; the interval is the sandbox's choice),
  or at once on a new capacity request. Insufficient capacity is set by a test hook,
  :func:`set_insufficient_capacity`.

Not modelled: scale-in takes effect at once (moto terminates immediately, without the
``Terminating`` states or activities), warm pools, instance refresh, ELB health checks.
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from drctl.kinds.sandboxing import PatchSet, aws_time

__all__ = [
    "FAIL_SECONDS",
    "PENDING_SECONDS",
    "PROCEED_SECONDS",
    "RETRY_SECONDS",
    "clear_insufficient_capacity",
    "install",
    "is_installed",
    "set_insufficient_capacity",
    "uninstall",
]

# AWS seconds each state lasts in the sandbox (AWS: "a few minutes" to boot and pass checks).
PENDING_SECONDS: Final = 60.0  # Pending -> InService (or -> Pending:Wait with a launch hook)
PROCEED_SECONDS: Final = 10.0  # Pending:Proceed -> InService
FAIL_SECONDS: Final = 5.0  # a refused launch: InProgress, then Failed
RETRY_SECONDS: Final = 300.0  # the group's next attempt after a failed one
TERMINATE_SECONDS: Final = 30.0  # an abandoned launch: Terminating, then gone

LAUNCH_HOOK: Final = "autoscaling:EC2_INSTANCE_LAUNCHING"
PENDING_STATES: Final = ("Pending", "Pending:Wait", "Pending:Proceed")
_FAILED_SUFFIX: Final = "Launching EC2 instance failed."

_patches = PatchSet()
_lock = threading.RLock()
_LAUNCHES: Final = "_drctl_launches"
_NEXT_TRY: Final = "_drctl_next_try"
_STATE: Final = "_drctl_lifecycle"
_LAUNCH: Final = "_drctl_launch"
_no_capacity: set[tuple[str, str | None]] = set()


def set_insufficient_capacity(region: str, instance_type: str | None = None) -> None:
    """From now on EC2 has no capacity for ``instance_type`` (every type when None) in
    ``region`` (test hook): launches there fail with ``InsufficientInstanceCapacity``."""
    with _lock:
        _no_capacity.add((region, instance_type))


def clear_insufficient_capacity() -> None:
    """Capacity is back everywhere."""
    with _lock:
        _no_capacity.clear()


@dataclass
class Hook:
    """The launch lifecycle hook an instance waits on, and its token."""

    timeout: float
    default_result: str
    token: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass
class Launch:
    """One launch attempt of the group: an instance (or a refusal) and its scaling activity."""

    group_name: str
    group_arn: str
    started: datetime
    cause: str
    zone: str
    subnet: str | None
    instance_id: str | None = None
    failure: str | None = None  # EC2's message when the launch was refused
    hook: Hook | None = None
    activity_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    removed: bool = False

    def _at(self, seconds: float) -> datetime:
        return self.started + timedelta(seconds=seconds)

    def lifecycle(self, now: datetime) -> str:
        """The instance's ``LifecycleState`` at ``now``."""
        if now < self._at(PENDING_SECONDS):
            return "Pending"
        if self.hook is None:
            return "InService"
        waited = PENDING_SECONDS + self.hook.timeout
        if now < self._at(waited):
            return "Pending:Wait"
        if self.hook.default_result == "ABANDON":
            return "Terminating" if now < self._at(waited + TERMINATE_SECONDS) else "Terminated"
        return "Pending:Proceed" if now < self._at(waited + PROCEED_SECONDS) else "InService"

    def ended(self) -> datetime:
        """When the activity ends (``Successful``, ``Failed`` or ``Cancelled``)."""
        if self.failure is not None:
            return self._at(FAIL_SECONDS)
        if self.hook is None:
            return self._at(PENDING_SECONDS)
        waited = PENDING_SECONDS + self.hook.timeout
        if self.hook.default_result == "ABANDON":
            return self._at(waited)
        return self._at(waited + PROCEED_SECONDS)

    def activity(self, now: datetime) -> dict[str, Any]:
        """The ``Activity`` AWS reports for this launch at ``now``."""
        details: dict[str, str] = {}
        if self.subnet:
            details["Subnet ID"] = self.subnet
        details["Availability Zone"] = self.zone
        activity: dict[str, Any] = {
            "ActivityId": self.activity_id,
            "AutoScalingGroupName": self.group_name,
            "AutoScalingGroupARN": self.group_arn,
            "Cause": self.cause,
            "StartTime": self.started,
            "Details": json.dumps(details),
        }
        done = now >= self.ended()
        if self.failure is not None:
            message = f"{self.failure} {_FAILED_SUFFIX}"
            activity["Description"] = f"Launching a new EC2 instance.  Status Reason: {message}"
            if done:
                activity.update(StatusCode="Failed", StatusMessage=message, Progress=100)
            else:
                activity.update(StatusCode="InProgress", Progress=30)
        else:
            activity["Description"] = f"Launching a new EC2 instance: {self.instance_id}"
            state = self.lifecycle(now)
            if state in ("Terminating", "Terminated"):
                assert self.hook is not None
                message = (
                    "Instance failed to complete user's Lifecycle Action: Lifecycle Action with "
                    f"token {self.hook.token} was abandoned: Heartbeat Timeout"
                )
                activity["Description"] += f".  Status Reason: {message}"
                activity.update(StatusCode="Cancelled", StatusMessage=message, Progress=100)
            else:
                code, progress = {
                    "Pending": ("InProgress", 30),
                    "Pending:Wait": ("MidLifecycleAction", 50),
                    "Pending:Proceed": ("PreInService", 80),
                    "InService": ("Successful", 100),
                }[state]
                activity.update(StatusCode=code, Progress=progress)
        if done:
            activity["EndTime"] = self.ended()
        return activity


def _launches(group: Any) -> list[Launch]:
    launches: list[Launch] = group.__dict__.setdefault(_LAUNCHES, [])
    return launches


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _zones(group: Any) -> list[str]:
    return list(group.availability_zones or []) or [f"{group.region}a"]


def _refusal(group: Any, zone: str) -> str | None:
    """EC2's message when it would refuse this group's launch now, else None."""
    image = group.image_id
    if image and image not in group.ec2_backend.amis:
        return f"The image id '[{image}]' does not exist."
    instance_type = group.instance_type
    with _lock:
        short = bool({(group.region, None), (group.region, instance_type)} & _no_capacity)
    if short:
        others = ", ".join(
            z.name for z in group.ec2_backend.describe_availability_zones() if z.name != zone
        )
        return (
            f"We currently do not have sufficient {instance_type} capacity in the Availability "
            f"Zone you requested ({zone}). Our system will be working on provisioning additional "
            f"capacity. You can currently get {instance_type} capacity by not specifying an "
            f"Availability Zone in your request or choosing {others}."
        )
    return None


def _launch_hook(group: Any) -> Hook | None:
    for hook in group.autoscaling_backend.lifecycle_hooks.values():
        if hook.auto_scaling_group_name == group.name and hook.lifecycle_transition == LAUNCH_HOOK:
            return Hook(float(hook.heartbeat_timeout), str(hook.default_result))
    return None


_original_replace: Any = None


def _replace_instances(group: Any, count_needed: int, propagated_tags: dict[str, str]) -> None:
    """Replacement for ``FakeAutoScalingGroup.replace_autoscaling_group_instances``: launch
    ``count_needed`` instances over time, or record the refusal, or nothing at all."""
    if "Launch" in group._suspended_processes:
        return  # a suspended Launch process launches nothing and records nothing
    now = aws_time.now()
    before = len(_active(group))
    after = before + count_needed
    cause = (
        f"At {_iso(now)} an instance was started in response to a difference between desired "
        f"and actual capacity, increasing the capacity from {before} to {after}."
    )
    zone = _zones(group)[0]
    subnet = group.vpc_zone_identifier.split(",")[0] if group.vpc_zone_identifier else None
    refusal = _refusal(group, zone)
    with _lock:
        if refusal is not None:
            # One failed activity per attempt; the group tries again later.
            _launches(group).append(
                Launch(group.name, group.arn, now, cause, zone, subnet, failure=refusal)
            )
            group.__dict__[_NEXT_TRY] = now + timedelta(seconds=RETRY_SECONDS)
            return
        first = len(group.instance_states)
        _original_replace(group, count_needed, propagated_tags)
        hook = _launch_hook(group)
        for state in group.instance_states[first:]:
            launch = Launch(
                group.name,
                group.arn,
                now,
                cause,
                state.availability_zone or zone,
                subnet,
                instance_id=state.instance.id,
                hook=Hook(hook.timeout, hook.default_result) if hook else None,
            )
            state.__dict__[_LAUNCH] = launch
            _launches(group).append(launch)


def _active(group: Any) -> list[Any]:
    """Instances that count towards capacity: InService and the Pending states."""
    return [s for s in group.instance_states if s.lifecycle_state in ("InService", *PENDING_STATES)]


def _get_lifecycle(state: Any) -> str:
    explicit = str(state.__dict__.get(_STATE, "InService"))
    launch: Launch | None = state.__dict__.get(_LAUNCH)
    if launch is None or explicit != "InService":
        return explicit
    return launch.lifecycle(aws_time.now())


def _set_lifecycle(state: Any, value: str) -> None:
    state.__dict__[_STATE] = value


def settle(group: Any) -> None:
    """Apply what is due at ``aws_time.now()``: abandoned launches leave the group, and the
    group tries again to reach its desired capacity (unless Launch is suspended, or a failed
    attempt is too recent)."""
    now = aws_time.now()
    with _lock:
        gone = [
            s
            for s in group.instance_states
            if s.__dict__.get(_LAUNCH) is not None and s.lifecycle_state == "Terminated"
        ]
        if gone:
            group.instance_states = [s for s in group.instance_states if s not in gone]
            group.ec2_backend.terminate_instances([s.instance.id for s in gone])
        if "Launch" in group._suspended_processes:
            return
        if len(_active(group)) >= int(group.desired_capacity or 0):
            return
        next_try: datetime | None = group.__dict__.get(_NEXT_TRY)
        if next_try is not None and now < next_try:
            return
        group.set_desired_capacity(group.desired_capacity)


_original_describe_groups: Any = None
_original_describe_instances: Any = None


def _describe_groups(backend: Any, *args: Any, **kwargs: Any) -> list[Any]:
    groups: list[Any] = _original_describe_groups(backend, *args, **kwargs)
    for group in groups:
        settle(group)
    return groups


def _describe_instances(backend: Any, *args: Any, **kwargs: Any) -> list[Any]:
    for group in list(backend.autoscaling_groups.values()):
        settle(group)
    result: list[Any] = _original_describe_instances(backend, *args, **kwargs)
    return result


def describe_scaling_activities(self: Any) -> Any:
    """Replacement for moto's ``DescribeScalingActivities`` handler (always empty there)."""
    from moto.core.responses import ActionResult

    backend = self.autoscaling_backend
    name = self._get_param("AutoScalingGroupName")
    wanted = set(self._get_param("ActivityIds", []) or [])
    limit = int(self._get_int_param("MaxRecords") or 100)
    token = self._get_param("NextToken")
    groups = (
        [backend.autoscaling_groups[name]]
        if name in backend.autoscaling_groups
        else []
        if name
        else list(backend.autoscaling_groups.values())
    )
    now = aws_time.now()
    launches: list[Launch] = []
    for group in groups:
        settle(group)
        launches.extend(_launches(group))
    launches = [
        launch
        for launch in sorted(launches, key=lambda launch: launch.started, reverse=True)
        if launch.started <= now and (not wanted or launch.activity_id in wanted)
    ]
    start = int(token) if token and str(token).isdigit() else 0
    page = launches[start : start + limit]
    result: dict[str, Any] = {"Activities": [launch.activity(now) for launch in page]}
    if start + limit < len(launches):
        result["NextToken"] = str(start + limit)
    return ActionResult(result)


def install() -> None:
    """Patch moto's Auto Scaling models and responses; idempotent."""
    global _original_replace, _original_describe_groups, _original_describe_instances
    if _patches.active:
        return
    from moto.autoscaling.models import AutoScalingBackend, FakeAutoScalingGroup, InstanceState
    from moto.autoscaling.responses import AutoScalingResponse

    _original_replace = FakeAutoScalingGroup.replace_autoscaling_group_instances
    _original_describe_groups = AutoScalingBackend.describe_auto_scaling_groups
    _original_describe_instances = AutoScalingBackend.describe_auto_scaling_instances
    group = FakeAutoScalingGroup
    _patches.replace(group, "replace_autoscaling_group_instances", _replace_instances)
    _patches.replace(group, "active_instances", _active)
    _patches.replace(InstanceState, "lifecycle_state", property(_get_lifecycle, _set_lifecycle))
    _patches.replace(AutoScalingBackend, "describe_auto_scaling_groups", _describe_groups)
    _patches.replace(AutoScalingBackend, "describe_auto_scaling_instances", _describe_instances)
    _patches.replace(
        AutoScalingResponse, "describe_scaling_activities", describe_scaling_activities
    )


def uninstall() -> None:
    """Restore moto's Auto Scaling behaviour and forget the capacity hook."""
    _patches.restore_all()
    clear_insufficient_capacity()


def is_installed() -> bool:
    """Whether this extension is in effect."""
    return _patches.active
