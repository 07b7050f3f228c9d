"""AWS Global Accelerator (standard accelerators), which moto 5.2.5 does not mock at all.

Without this module a ``globalaccelerator`` call leaves the machine. It adds the service to moto
the way :mod:`drctl.kinds.arc_routing_control.moto_arc` adds ARC: a backend in a
``BackendDict``, a response class whose parameters are parsed and whose results are serialized
from the botocore service model (``globalaccelerator/2018-08-08``, JSON protocol, target prefix
``GlobalAccelerator_V20180706``), and a URL pattern in ``moto.backend_index`` so that both
``mock_aws`` and the moto server dispatch to it.

The subset drctl needs, and its sources (API reference and developer guide, linked from
docs/sandbox.md):

* ``CreateAccelerator``/``DescribeAccelerator``/``ListAccelerators``/``UpdateAccelerator``,
  ``CreateListener``/``DescribeListener``/``ListListeners``, ``CreateEndpointGroup``/
  ``DescribeEndpointGroup``/``UpdateEndpointGroup``/``ListEndpointGroups``.
* The API is served from US West (Oregon) only ("you must specify the US West (Oregon) Region
  to create, update, or otherwise work with accelerators"): a request signed for another
  Region is refused with ``InvalidArgumentException``; the outage layer treats the API as a
  service of us-west-2.
* Every change (creating or updating the accelerator, a listener or an endpoint group) puts the
  accelerator ``IN_PROGRESS`` until it has deployed, then ``DEPLOYED`` -- over the sandbox's AWS
  clock (:data:`drctl.kinds.sandboxing.aws_time`). AWS documents no duration; the sandbox takes
  :data:`DEPLOY_SECONDS`. ``UpdateAccelerator`` during a deployment is refused with
  ``TransactionInProgressException`` (listed for it in the model); endpoint-group updates are
  not (the model lists no such error for them).
* One endpoint group per Region per listener (``EndpointGroupAlreadyExistsException``);
  defaults from the model's documentation: ``TrafficDialPercentage`` 100, health checks
  ``TCP`` on the listener's first port every 30 s, ``ThresholdCount`` 3, endpoint ``Weight``
  128. ``HealthCheckIntervalSeconds`` is 10 or 30, ``ThresholdCount`` 1-10, the dial 0-100,
  weights 0-255 (``InvalidArgumentException`` otherwise). "A resource must be valid and active
  when you add it as an endpoint": an Elastic IP allocation, an EC2 instance or a load
  balancer that moto does not hold in the group's Region is ``InvalidArgumentException``.
* Endpoint health (``EndpointDescriptions[].HealthState``): ``INITIAL`` when added, then
  ``HEALTHY``/``UNHEALTHY`` once ``ThresholdCount`` consecutive checks, one every
  ``HealthCheckIntervalSeconds``, found it so ("the number of consecutive health checks
  required to set the state of a healthy endpoint to unhealthy, or to set an unhealthy endpoint
  to healthy"). An endpoint is found down while the sandbox's outage layer has its Region (or
  its service there: ``ec2`` for instances and Elastic IPs, ``elasticloadbalancing`` for load
  balancers) out, or while a test says so (:func:`set_endpoint_health`); a change undone
  before ``ThresholdCount`` checks saw it is never reported.

Not modelled (recorded in docs/sandbox.md): traffic itself (which endpoint a client reaches,
the fail-over to another group when a group has no healthy endpoint, fail-open), custom routing
accelerators, deletes, tags, BYOIP, port overrides' effect, paging tokens. ``DnsName`` ends in
``.awsglobalaccelerator.example`` and the static addresses are RFC 5737 documentation
addresses: nothing names a real host. An ``IdempotencyToken`` shaped like the id AWS would
generate becomes the id (a sandbox-only convenience so a plan's ARNs can be built).
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any, Final

from moto.core.base_backend import BaseBackend
from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult

from drctl.kinds.moto_service import ModelResponse, account_backends
from drctl.kinds.sandboxing import PatchSet, aws_time, register_service, unreachable

__all__ = [
    "API_REGION",
    "DEPLOY_SECONDS",
    "SERVICE",
    "GlobalAcceleratorBackend",
    "backends",
    "install",
    "is_installed",
    "reset_endpoint_health",
    "set_endpoint_health",
    "uninstall",
]

SERVICE: Final = "globalaccelerator"
API_REGION: Final = "us-west-2"
DEPLOY_SECONDS: Final = 30.0  # AWS documents no figure: the sandbox's choice
DEFAULT_INTERVAL: Final = 30
DEFAULT_THRESHOLD: Final = 3
DEFAULT_WEIGHT: Final = 128
_ACCELERATOR_ID: Final = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)
_LISTENER_ID: Final = re.compile(r"^[0-9a-z]{8}$")

_patches = PatchSet()
_lock = threading.RLock()
_forced: dict[str, list[tuple[datetime, bool]]] = {}  # endpoint id -> test-set health changes


# ---------------------------------------------------------------- errors (botocore shapes)


class GaError(ServiceException):
    """A Global Accelerator error: ``{"__type": code, "Message": ...}`` as the model's shapes."""


class AcceleratorNotFound(GaError):
    code = "AcceleratorNotFoundException"


class ListenerNotFound(GaError):
    code = "ListenerNotFoundException"


class EndpointGroupNotFound(GaError):
    code = "EndpointGroupNotFoundException"


class EndpointGroupAlreadyExists(GaError):
    code = "EndpointGroupAlreadyExistsException"


class InvalidArgument(GaError):
    code = "InvalidArgumentException"


class InvalidPortRange(GaError):
    code = "InvalidPortRangeException"


class TransactionInProgress(GaError):
    code = "TransactionInProgressException"


# ---------------------------------------------------------------- test hooks


def set_endpoint_health(endpoint_id: str, healthy: bool) -> None:
    """From now on every health check finds ``endpoint_id`` ``healthy`` (test hook); the
    state changes after ThresholdCount checks, as any change does."""
    with _lock:
        _forced.setdefault(endpoint_id, []).append((aws_time.now(), healthy))


def reset_endpoint_health() -> None:
    """Forget :func:`set_endpoint_health`: every endpoint answers its checks again."""
    with _lock:
        _forced.clear()


def _endpoint_service(endpoint_id: str) -> str:
    return "elasticloadbalancing" if ":elasticloadbalancing:" in endpoint_id else "ec2"


def _observed_up(endpoint_id: str, region: str, at: datetime) -> bool:
    """Whether a health check of the endpoint at ``at`` succeeds."""
    for start, end in unreachable.periods(_endpoint_service(endpoint_id), region):
        if start <= at and (end is None or at < end):
            return False
    forced = [healthy for when, healthy in _forced.get(endpoint_id, []) if when <= at]
    return forced[-1] if forced else True


def _change_times(
    endpoint_id: str, region: str, since: datetime, until: datetime
) -> list[datetime]:
    times = {since}
    for start, end in unreachable.periods(_endpoint_service(endpoint_id), region):
        times.update(t for t in (start, end) if t is not None and since < t <= until)
    times.update(when for when, _ in _forced.get(endpoint_id, []) if since < when <= until)
    return sorted(times)


# ---------------------------------------------------------------- the backend


@dataclass
class Endpoint:
    endpoint_id: str
    weight: int
    client_ip_preservation: bool
    added_at: datetime

    def health_state(self, region: str, window: timedelta, now: datetime) -> str:
        """INITIAL until the first verdict; then the last result that lasted ``window``."""
        state = "INITIAL"
        times = _change_times(self.endpoint_id, region, self.added_at, now)
        runs: list[tuple[datetime, bool]] = []
        for at in times:
            up = _observed_up(self.endpoint_id, region, at)
            if not runs or runs[-1][1] != up:
                runs.append((at, up))
        for index, (at, up) in enumerate(runs):
            due = at + window
            ends = runs[index + 1][0] if index + 1 < len(runs) else None
            if due <= now and (ends is None or due <= ends):
                state = "HEALTHY" if up else "UNHEALTHY"
        return state


@dataclass
class EndpointGroup:
    arn: str
    listener_arn: str
    region: str
    dial: float
    port: int
    protocol: str
    path: str | None
    interval: int
    threshold: int
    endpoints: list[Endpoint] = field(default_factory=list)
    port_overrides: list[dict[str, Any]] = field(default_factory=list)

    def describe(self, now: datetime) -> dict[str, Any]:
        window = timedelta(seconds=self.interval * self.threshold)
        data: dict[str, Any] = {
            "EndpointGroupArn": self.arn,
            "EndpointGroupRegion": self.region,
            "EndpointDescriptions": [
                {
                    "EndpointId": e.endpoint_id,
                    "Weight": e.weight,
                    "HealthState": e.health_state(self.region, window, now),
                    "ClientIPPreservationEnabled": e.client_ip_preservation,
                }
                for e in self.endpoints
            ],
            "TrafficDialPercentage": self.dial,
            "HealthCheckPort": self.port,
            "HealthCheckProtocol": self.protocol,
            "HealthCheckIntervalSeconds": self.interval,
            "ThresholdCount": self.threshold,
            "PortOverrides": list(self.port_overrides),
        }
        if self.path is not None:
            data["HealthCheckPath"] = self.path
        return data


class GlobalAcceleratorBackend(BaseBackend):
    """Accelerators, their listeners and endpoint groups, one account (global service)."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.accelerators: dict[str, dict[str, Any]] = {}
        self.deployed_at: dict[str, datetime] = {}
        self.tokens: dict[str, str] = {}  # IdempotencyToken -> ARN
        self.listeners: dict[str, dict[str, Any]] = {}
        self.groups: dict[str, EndpointGroup] = {}

    @property
    def _url_module(self) -> Any:
        return SimpleNamespace(url_bases=_URL_BASES, url_paths=_paths())

    # ------------------------------------------------------------ accelerators

    def _changed(self, accelerator_arn: str) -> None:
        """A change of this accelerator's configuration starts deploying now."""
        now = aws_time.now()
        self.deployed_at[accelerator_arn] = now + timedelta(seconds=DEPLOY_SECONDS)
        self.accelerators[accelerator_arn]["LastModifiedTime"] = now

    def create_accelerator(
        self, name: str, token: str, enabled: bool | None, ip_type: str | None
    ) -> dict[str, Any]:
        with _lock:
            if token in self.tokens:
                return self.describe_accelerator(self.tokens[token])
            if not re.match(r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,62}[A-Za-z0-9])?$", name):
                raise InvalidArgument(f"Invalid accelerator name {name!r}")
            accelerator_id = token if _ACCELERATOR_ID.match(token) else str(uuid.uuid4())
            arn = f"arn:aws:globalaccelerator::{self.account_id}:accelerator/{accelerator_id}"
            if arn in self.accelerators:
                raise InvalidArgument(f"Accelerator {arn} already exists")
            now = aws_time.now()
            octet = 1 + len(self.accelerators) % 250
            self.accelerators[arn] = {
                "AcceleratorArn": arn,
                "Name": name,
                "IpAddressType": ip_type or "IPV4",
                "Enabled": True if enabled is None else bool(enabled),
                "IpSets": [
                    {
                        "IpFamily": "IPv4",
                        "IpAddresses": [f"192.0.2.{octet}", f"198.51.100.{octet}"],
                        "IpAddressFamily": "IPv4",
                    }
                ],
                "DnsName": f"a{uuid.uuid4().hex[:16]}.awsglobalaccelerator.example",
                "CreatedTime": now,
            }
            self.tokens[token] = arn
            self._changed(arn)
            return self.describe_accelerator(arn)

    def describe_accelerator(self, arn: str) -> dict[str, Any]:
        with _lock:
            accelerator = self.accelerators.get(arn)
            if accelerator is None:
                raise AcceleratorNotFound(f"Accelerator {arn} not found")
            deploying = aws_time.now() < self.deployed_at[arn]
            return {**accelerator, "Status": "IN_PROGRESS" if deploying else "DEPLOYED"}

    def update_accelerator(
        self, arn: str, name: str | None, enabled: bool | None
    ) -> dict[str, Any]:
        with _lock:
            if self.describe_accelerator(arn)["Status"] == "IN_PROGRESS":
                raise TransactionInProgress(
                    f"Accelerator {arn} is deploying a change; try again when it is DEPLOYED"
                )
            if name is not None:
                self.accelerators[arn]["Name"] = name
            if enabled is not None:
                self.accelerators[arn]["Enabled"] = bool(enabled)
            self._changed(arn)
            return self.describe_accelerator(arn)

    # ------------------------------------------------------------ listeners

    def create_listener(
        self, accelerator_arn: str, ports: list[dict[str, int]], protocol: str, token: str
    ) -> dict[str, Any]:
        with _lock:
            self.describe_accelerator(accelerator_arn)
            if protocol not in ("TCP", "UDP"):
                raise InvalidArgument(f"Protocol {protocol!r} is not TCP or UDP")
            if not ports or any(
                not 1 <= int(p["FromPort"]) <= int(p["ToPort"]) <= 65535 for p in ports
            ):
                raise InvalidPortRange(f"Invalid port ranges {ports}")
            listener_id = token if _LISTENER_ID.match(token) else uuid.uuid4().hex[:8]
            arn = f"{accelerator_arn}/listener/{listener_id}"
            if arn not in self.listeners:
                self.listeners[arn] = {
                    "ListenerArn": arn,
                    "PortRanges": [
                        {"FromPort": int(p["FromPort"]), "ToPort": int(p["ToPort"])} for p in ports
                    ],
                    "Protocol": protocol,
                    "ClientAffinity": "NONE",
                }
                self._changed(accelerator_arn)
            return self.listeners[arn]

    def describe_listener(self, arn: str) -> dict[str, Any]:
        listener = self.listeners.get(arn)
        if listener is None:
            raise ListenerNotFound(f"Listener {arn} not found")
        return listener

    # ------------------------------------------------------------ endpoint groups

    def _endpoints(
        self, region: str, configs: list[dict[str, Any]], old: list[Endpoint]
    ) -> list[Endpoint]:
        kept = {e.endpoint_id: e for e in old}
        endpoints = []
        for config in configs:
            endpoint_id = str(config.get("EndpointId") or "")
            if not _resource_exists(self.account_id, region, endpoint_id):
                raise InvalidArgument(
                    f"Endpoint {endpoint_id!r} is not a valid, active resource in {region}"
                )
            weight = int(config.get("Weight", DEFAULT_WEIGHT))
            if not 0 <= weight <= 255:
                raise InvalidArgument(f"Weight {weight} is not between 0 and 255")
            previous = kept.get(endpoint_id)
            endpoints.append(
                Endpoint(
                    endpoint_id=endpoint_id,
                    weight=weight,
                    client_ip_preservation=bool(config.get("ClientIPPreservationEnabled", False)),
                    # an endpoint already in the group keeps its health history
                    added_at=previous.added_at if previous else aws_time.now(),
                )
            )
        return endpoints

    @staticmethod
    def _settings(params: dict[str, Any], group: EndpointGroup | None) -> dict[str, Any]:
        dial = params.get("TrafficDialPercentage")
        interval = params.get("HealthCheckIntervalSeconds")
        threshold = params.get("ThresholdCount")
        if dial is not None and not 0 <= float(dial) <= 100:
            raise InvalidArgument(f"TrafficDialPercentage {dial} is not between 0 and 100")
        if interval is not None and int(interval) not in (10, 30):
            raise InvalidArgument(f"HealthCheckIntervalSeconds {interval} is not 10 or 30")
        if threshold is not None and not 1 <= int(threshold) <= 10:
            raise InvalidArgument(f"ThresholdCount {threshold} is not between 1 and 10")
        protocol = params.get("HealthCheckProtocol")
        if protocol is not None and protocol not in ("TCP", "HTTP", "HTTPS"):
            raise InvalidArgument(f"HealthCheckProtocol {protocol!r} is not TCP, HTTP or HTTPS")
        return {
            "dial": float(dial) if dial is not None else (group.dial if group else 100.0),
            "interval": int(interval)
            if interval is not None
            else (group.interval if group else DEFAULT_INTERVAL),
            "threshold": int(threshold)
            if threshold is not None
            else (group.threshold if group else DEFAULT_THRESHOLD),
            "protocol": protocol or (group.protocol if group else "TCP"),
        }

    def create_endpoint_group(
        self, listener_arn: str, region: str, params: dict[str, Any]
    ) -> EndpointGroup:
        with _lock:
            listener = self.describe_listener(listener_arn)
            if any(
                g.listener_arn == listener_arn and g.region == region for g in self.groups.values()
            ):
                raise EndpointGroupAlreadyExists(
                    f"Listener {listener_arn} already has an endpoint group in {region}"
                )
            settings = self._settings(params, None)
            group = EndpointGroup(
                arn=f"{listener_arn}/endpoint-group/{uuid.uuid4().hex[:12]}",
                listener_arn=listener_arn,
                region=region,
                dial=settings["dial"],
                port=int(params.get("HealthCheckPort") or listener["PortRanges"][0]["FromPort"]),
                protocol=settings["protocol"],
                path=params.get("HealthCheckPath")
                or ("/" if settings["protocol"] != "TCP" else None),
                interval=settings["interval"],
                threshold=settings["threshold"],
                port_overrides=list(params.get("PortOverrides") or []),
            )
            group.endpoints = self._endpoints(
                region, params.get("EndpointConfigurations") or [], []
            )
            self.groups[group.arn] = group
            self._changed(_accelerator_of(listener_arn))
            return group

    def describe_endpoint_group(self, arn: str) -> EndpointGroup:
        group = self.groups.get(arn)
        if group is None:
            raise EndpointGroupNotFound(f"Endpoint group {arn} not found")
        return group

    def update_endpoint_group(self, arn: str, params: dict[str, Any]) -> EndpointGroup:
        with _lock:
            group = self.describe_endpoint_group(arn)
            settings = self._settings(params, group)
            configs = params.get("EndpointConfigurations")
            endpoints = (
                self._endpoints(group.region, configs, group.endpoints)
                if configs is not None
                else group.endpoints
            )
            group.dial = settings["dial"]
            group.interval = settings["interval"]
            group.threshold = settings["threshold"]
            group.protocol = settings["protocol"]
            if params.get("HealthCheckPort") is not None:
                group.port = int(params["HealthCheckPort"])
            if params.get("HealthCheckPath") is not None:
                group.path = params["HealthCheckPath"]
            if params.get("PortOverrides") is not None:
                group.port_overrides = list(params["PortOverrides"])
            group.endpoints = endpoints
            self._changed(_accelerator_of(group.listener_arn))
            return group


def _accelerator_of(listener_arn: str) -> str:
    return listener_arn.split("/listener/", 1)[0]


def _resource_exists(account_id: str, region: str, endpoint_id: str) -> bool:
    """Whether moto holds the endpoint's resource (EIP, instance, load balancer) in ``region``."""
    if endpoint_id.startswith("eipalloc-"):
        from moto.ec2.models import ec2_backends

        return any(
            a.allocation_id == endpoint_id for a in ec2_backends[account_id][region].addresses
        )
    if endpoint_id.startswith("i-"):
        from moto.ec2.models import ec2_backends

        try:
            ec2_backends[account_id][region].get_instance(endpoint_id)
        except Exception:  # moto raises InvalidInstanceIdError; any failure means absent
            return False
        return True
    if endpoint_id.startswith(f"arn:aws:elasticloadbalancing:{region}:"):
        from moto.elbv2.models import elbv2_backends

        return endpoint_id in elbv2_backends[account_id][region].load_balancers
    return False


backends = account_backends(GlobalAcceleratorBackend, SERVICE)


# ---------------------------------------------------------------- protocol handling


# What CreateEndpointGroup and UpdateEndpointGroup both take besides the group's ARN(s).
_GROUP_PARAMS: Final = (
    "EndpointConfigurations",
    "TrafficDialPercentage",
    "HealthCheckPort",
    "HealthCheckProtocol",
    "HealthCheckPath",
    "HealthCheckIntervalSeconds",
    "ThresholdCount",
    "PortOverrides",
)


class GlobalAcceleratorResponse(ModelResponse[GlobalAcceleratorBackend]):
    """JSON protocol, ``X-Amz-Target: GlobalAccelerator_V20180706.<Operation>``."""

    def __init__(self) -> None:
        super().__init__(SERVICE, backends)

    @property
    def backend(self) -> GlobalAcceleratorBackend:
        if self.region != API_REGION:
            raise InvalidArgument(
                f"Global Accelerator is served from {API_REGION} only; the request was signed "
                f"for {self.region}"
            )
        return super().backend

    def _params(self, *names: str) -> dict[str, Any]:
        return {n: self._get_param(n) for n in names if self._get_param(n) is not None}

    def create_accelerator(self) -> ActionResult:
        accelerator = self.backend.create_accelerator(
            self._get_param("Name"),
            self._get_param("IdempotencyToken"),
            self._get_param("Enabled"),
            self._get_param("IpAddressType"),
        )
        return ActionResult({"Accelerator": accelerator})

    def describe_accelerator(self) -> ActionResult:
        arn = self._get_param("AcceleratorArn")
        return ActionResult({"Accelerator": self.backend.describe_accelerator(arn)})

    def list_accelerators(self) -> ActionResult:
        backend = self.backend
        return ActionResult(
            {"Accelerators": [backend.describe_accelerator(a) for a in backend.accelerators]}
        )

    def update_accelerator(self) -> ActionResult:
        accelerator = self.backend.update_accelerator(
            self._get_param("AcceleratorArn"), self._get_param("Name"), self._get_param("Enabled")
        )
        return ActionResult({"Accelerator": accelerator})

    def create_listener(self) -> ActionResult:
        listener = self.backend.create_listener(
            self._get_param("AcceleratorArn"),
            self._get_param("PortRanges") or [],
            self._get_param("Protocol"),
            self._get_param("IdempotencyToken"),
        )
        return ActionResult({"Listener": listener})

    def describe_listener(self) -> ActionResult:
        return ActionResult(
            {"Listener": self.backend.describe_listener(self._get_param("ListenerArn"))}
        )

    def list_listeners(self) -> ActionResult:
        backend = self.backend
        arn = self._get_param("AcceleratorArn")
        backend.describe_accelerator(arn)
        listeners = [
            listener
            for listener_arn, listener in backend.listeners.items()
            if _accelerator_of(listener_arn) == arn
        ]
        return ActionResult({"Listeners": listeners})

    def create_endpoint_group(self) -> ActionResult:
        params = self._params(*_GROUP_PARAMS)
        group = self.backend.create_endpoint_group(
            self._get_param("ListenerArn"), self._get_param("EndpointGroupRegion"), params
        )
        return ActionResult({"EndpointGroup": group.describe(aws_time.now())})

    def describe_endpoint_group(self) -> ActionResult:
        group = self.backend.describe_endpoint_group(self._get_param("EndpointGroupArn"))
        with _lock:
            return ActionResult({"EndpointGroup": group.describe(aws_time.now())})

    def update_endpoint_group(self) -> ActionResult:
        params = self._params(*_GROUP_PARAMS)
        group = self.backend.update_endpoint_group(self._get_param("EndpointGroupArn"), params)
        return ActionResult({"EndpointGroup": group.describe(aws_time.now())})

    def list_endpoint_groups(self) -> ActionResult:
        backend = self.backend
        arn = self._get_param("ListenerArn")
        backend.describe_listener(arn)
        now = aws_time.now()
        with _lock:
            groups = [g.describe(now) for g in backend.groups.values() if g.listener_arn == arn]
        return ActionResult({"EndpointGroups": groups})


# ---------------------------------------------------------------- registration

_URL_BASES: Final = [r"https?://globalaccelerator\.(.+)\.amazonaws\.com"]


def _paths() -> dict[str, Callable[..., Any]]:
    return {"{0}/$": GlobalAcceleratorResponse.dispatch}


def install() -> None:
    """Add Global Accelerator to moto; idempotent."""
    if _patches.active:
        return
    register_service(_patches, {SERVICE: backends}, [(SERVICE, base) for base in _URL_BASES])


def uninstall() -> None:
    """Remove it again and forget the test-set endpoint health."""
    _patches.restore_all()
    reset_endpoint_health()


def is_installed() -> bool:
    return _patches.active
