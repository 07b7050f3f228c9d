"""Lambda event source mappings that change state over time, which moto 5.2.5 flips at once.

moto reports an event source mapping ``Enabled`` or ``Disabled`` the moment
``UpdateEventSourceMapping`` asks for it and takes any number of updates in a row. On AWS the
mapping passes through ``Enabling`` / ``Disabling`` first, and an update while it is in such a
state is refused: a failover step that believed the first answer would report a trigger on
that still is not polling, and one that updated twice would fail on AWS only. This module
models that, on the sandbox's AWS clock (:data:`drctl.kinds.sandboxing.aws_time`).

Sources (Lambda API reference; botocore ``lambda`` model):

* ``EventSourceMappingConfiguration.State``
  (https://docs.aws.amazon.com/lambda/latest/api/API_EventSourceMappingConfiguration.html):
  "Creating, Enabling, Enabled, Disabling, Disabled, Updating, or Deleting".
* ``UpdateEventSourceMapping`` errors
  (https://docs.aws.amazon.com/lambda/latest/api/API_UpdateEventSourceMapping.html):
  ``ResourceInUseException`` (HTTP 400), "The operation conflicts with the resource's
  availability. For example, you tried to update an event source mapping in the CREATING
  state, or you tried to delete an event source mapping currently UPDATING."

A mapping is ``Enabling`` / ``Disabling`` for ``TRANSITION_SECONDS`` AWS seconds after an
update that changes ``Enabled`` (the sandbox's choice: AWS gives no figure), then ``Enabled`` /
``Disabled``; an update meanwhile is ``ResourceInUseException``. Not modelled: ``Creating``
(a new mapping is in its final state at once), ``Updating`` for other settings, ``Deleting``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Final

from drctl.kinds.sandboxing import PatchSet, aws_time

__all__ = ["TRANSITION_SECONDS", "install", "is_installed", "uninstall"]

TRANSITION_SECONDS: Final = 20.0
_TRANSITION: Final = "_drctl_transition"

_patches = PatchSet()
_original_configuration: Any = None
_original_update: Any = None


def state(esm: Any) -> str:
    """The mapping's ``State`` now."""
    started: tuple[datetime, bool] | None = esm.__dict__.get(_TRANSITION)
    if started is not None and aws_time.now() < started[0] + timedelta(seconds=TRANSITION_SECONDS):
        return "Enabling" if started[1] else "Disabling"
    return "Enabled" if esm.enabled else "Disabled"


def _configuration(self: Any) -> dict[str, Any]:
    config: dict[str, Any] = _original_configuration(self)
    config["State"] = state(self)
    return config


def _update(backend: Any, uuid: str, spec: dict[str, Any]) -> Any:
    from moto.awslambda.exceptions import LambdaClientError

    esm = backend.get_event_source_mapping(uuid)
    if esm is not None:
        now = state(esm)
        if now in ("Enabling", "Disabling"):
            raise LambdaClientError(
                "ResourceInUseException",
                f"Cannot update the event source mapping {uuid} because it is in use "
                f"(state {now}).",
            )
        if "Enabled" in spec and bool(spec["Enabled"]) != bool(esm.enabled):
            esm.__dict__[_TRANSITION] = (aws_time.now(), bool(spec["Enabled"]))
    return _original_update(backend, uuid, spec)


def install() -> None:
    """Patch moto's Lambda event source mappings; idempotent."""
    global _original_configuration, _original_update
    if _patches.active:
        return
    from moto.awslambda.models import EventSourceMapping, LambdaBackend

    _original_configuration = EventSourceMapping.get_configuration
    _original_update = LambdaBackend.update_event_source_mapping
    _patches.replace(EventSourceMapping, "get_configuration", _configuration)
    _patches.replace(LambdaBackend, "update_event_source_mapping", _update)


def uninstall() -> None:
    """Restore moto's event source mappings."""
    _patches.restore_all()


def is_installed() -> bool:
    """Whether this extension is in effect."""
    return _patches.active
