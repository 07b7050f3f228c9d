"""Route 53 ARC routing control, which moto 5.2.5 does not mock at all.

Without this module a call to ``route53-recovery-control-config`` or to a cluster endpoint
leaves the machine. It adds both services to moto the way moto's own services are added: a
backend (:class:`ControlConfigBackend`, :class:`ClusterBackend`) in a ``BackendDict``, a
response class whose parameters are parsed and whose results are serialized from the botocore
service model, and URL patterns in ``moto.backend_index`` so that the in-process stub
(``mock_aws``) and the moto server both dispatch to them (``moto.backends.get_backend`` is
wrapped to return them by name).

Behaviour, and its source (botocore ``route53-recovery-control-config/2020-11-02`` and
``route53-recovery-cluster/2019-12-02``; the ARC developer guide, linked from
docs/sandbox.md):

* ``CreateCluster`` gives a cluster five regional ``ClusterEndpoints`` ({Endpoint, Region});
  "Route 53 ARC ensures that at least three out of the five Regional cluster endpoints are
  always accessible". A cluster comes with a ``DefaultControlPanel``; a routing control
  created without ``ControlPanelArn`` goes there.
* A new routing control is ``Off`` ("When you create a routing control, the state is set to
  Off").
* Safety rules: an *assertion rule* is evaluated on the states that would result from the
  transaction, over its ``AssertedControls``: ``ATLEAST`` needs ``Threshold`` of them On,
  ``AND`` all, ``OR`` one; ``Inverted`` negates the outcome. A *gating rule* allows changing its
  ``TargetControls`` only while its ``GatingControls`` satisfy its ``RuleConfig``. A transaction
  that would break a rule is refused whole (nothing changes) with ``ConflictException`` -- the
  error the model lists for ``UpdateRoutingControlState(s)``; the message is this sandbox's
  wording. Rules named in ``SafetyRulesToOverride`` are skipped.
* The data plane answers on each regional endpoint, and a request must be signed for that
  endpoint's Region. An endpoint is down exactly when the sandbox's outage layer takes
  ``route53-recovery-cluster`` down in its Region (``--outage us-east-1`` or
  ``--outage route53-recovery-cluster@us-east-1``): the request is dropped like a dead
  endpoint's. A routing control of another cluster is ``ResourceNotFoundException``.

Endpoint addresses never name a real host: in-process they are
``https://host-<id>.<region>.arc-cluster.example/v1`` (RFC 2606); when the cluster is created
through the sandbox server they are ``http://127.0.0.1:<port>/arc-cluster/host-<id>.<region>/v1``
on that server, so a CLI run reaches them as it would reach AWS's.

Not modelled (recorded in docs/sandbox.md): the minutes a cluster spends ``PENDING`` (resources
are ``DEPLOYED`` at once), ``WaitPeriodMs``, updates and deletes of configuration, tags,
resource policies, paging tokens.
"""

from __future__ import annotations

import ipaddress
import re
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, Final
from urllib.parse import unquote

from moto.core.base_backend import BackendDict, BaseBackend
from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult, EmptyResult

from drctl.kinds.moto_service import PARTITION, ModelResponse, account_backends
from drctl.kinds.sandboxing import PatchSet, register_service

__all__ = [
    "CLUSTER_SERVICE",
    "CONFIG_SERVICE",
    "ENDPOINT_REGIONS",
    "ClusterBackend",
    "ControlConfigBackend",
    "cluster_backends",
    "control_config_backends",
    "install",
    "is_installed",
    "routing_control_state",
    "uninstall",
]

CONFIG_SERVICE: Final = "route53-recovery-control-config"
CLUSTER_SERVICE: Final = "route53-recovery-cluster"
# The five Regions ARC hosts cluster endpoints in (developer guide, "Cluster").
ENDPOINT_REGIONS: Final = (
    "us-east-1",
    "us-west-2",
    "eu-west-1",
    "ap-northeast-1",
    "ap-southeast-2",
)
ENDPOINT_DOMAIN: Final = "arc-cluster.example"
SERVER_PREFIX: Final = "/arc-cluster"
_ARN_PREFIX: Final = "arn:aws:route53-recovery-control::"
_ENDPOINT_ID: Final = re.compile(r"host-(?P<token>[a-z0-9]+)\.(?P<region>[a-z0-9-]+)")

_patches = PatchSet()
_lock = threading.RLock()


# ---------------------------------------------------------------- errors (botocore shapes)


class ArcError(ServiceException):
    """An error of either ARC API, serialized from the botocore model's error shape."""

    def __init__(self, message: str, resource_id: str = "", resource_type: str = "") -> None:
        super().__init__(message)
        # The data plane's errors carry these members (route53-recovery-cluster model).
        self.resourceId = resource_id
        self.resourceType = resource_type


class ResourceNotFound(ArcError):
    code = "ResourceNotFoundException"


class Conflict(ArcError):
    code = "ConflictException"


class Validation(ArcError):
    code = "ValidationException"


# ---------------------------------------------------------------- the configuration


@dataclass
class SafetyRule:
    """An assertion or gating rule of a control panel (botocore ``Rule``)."""

    arn: str
    kind: str  # "ASSERTION" | "GATING"
    name: str
    control_panel_arn: str
    rule_type: str  # ATLEAST | AND | OR
    threshold: int
    inverted: bool
    wait_period_ms: int
    asserted: list[str] = field(default_factory=list)  # assertion rules
    gating: list[str] = field(default_factory=list)  # gating rules
    targets: list[str] = field(default_factory=list)
    owner: str = ""

    def satisfied(self, controls: Iterable[str], states: dict[str, str]) -> bool:
        """Whether ``controls`` (by their ``states``) meet this rule's ``RuleConfig``."""
        on = [states.get(arn) == "On" for arn in controls]
        if self.rule_type == "AND":
            outcome = all(on)
        elif self.rule_type == "OR":
            outcome = any(on)
        else:  # ATLEAST
            outcome = sum(on) >= self.threshold
        return not outcome if self.inverted else outcome

    def describe(self) -> dict[str, Any]:
        common: dict[str, Any] = {
            "ControlPanelArn": self.control_panel_arn,
            "Name": self.name,
            "RuleConfig": {
                "Type": self.rule_type,
                "Threshold": self.threshold,
                "Inverted": self.inverted,
            },
            "SafetyRuleArn": self.arn,
            "Status": "DEPLOYED",
            "WaitPeriodMs": self.wait_period_ms,
            "Owner": self.owner,
        }
        if self.kind == "ASSERTION":
            return {"AssertionRule": {**common, "AssertedControls": list(self.asserted)}}
        return {
            "GatingRule": {
                **common,
                "GatingControls": list(self.gating),
                "TargetControls": list(self.targets),
            }
        }


class ControlConfigBackend(BaseBackend):
    """Clusters, control panels, routing controls (with their state) and safety rules."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.clusters: dict[str, dict[str, Any]] = {}
        self.panels: dict[str, dict[str, Any]] = {}
        self.controls: dict[str, dict[str, Any]] = {}
        self.states: dict[str, str] = {}
        self.rules: dict[str, SafetyRule] = {}

    @property
    def _url_module(self) -> Any:
        return SimpleNamespace(url_bases=_CONFIG_URL_BASES, url_paths=_config_paths())

    def _arn(self, resource: str) -> str:
        return f"{_ARN_PREFIX}{self.account_id}:{resource}"

    def create_cluster(self, name: str, network_type: str | None, host: str) -> dict[str, Any]:
        with _lock:
            for cluster in self.clusters.values():
                if cluster["Name"] == name:
                    return cluster  # ClientToken idempotence, as a re-run of a build expects
            cluster_id = uuid.uuid4().hex
            arn = self._arn(f"cluster/{cluster_id}")
            token = cluster_id[:8]
            cluster = {
                "ClusterArn": arn,
                "ClusterEndpoints": [
                    {"Endpoint": endpoint_url(host, token, region), "Region": region}
                    for region in ENDPOINT_REGIONS
                ],
                "Name": name,
                "Status": "DEPLOYED",
                "Owner": self.account_id,
                "NetworkType": network_type or "IPV4",
            }
            self.clusters[arn] = cluster
            self._create_panel(arn, "DefaultControlPanel", default=True)
            return cluster

    def describe_cluster(self, arn: str) -> dict[str, Any]:
        cluster = self.clusters.get(arn)
        if cluster is None:
            raise ResourceNotFound(f"Cluster {arn} not found", arn, "Cluster")
        return cluster

    def _create_panel(self, cluster_arn: str, name: str, default: bool) -> dict[str, Any]:
        arn = self._arn(f"controlpanel/{uuid.uuid4().hex}")
        panel = {
            "ClusterArn": cluster_arn,
            "ControlPanelArn": arn,
            "DefaultControlPanel": default,
            "Name": name,
            "RoutingControlCount": 0,
            "Status": "DEPLOYED",
            "Owner": self.account_id,
        }
        self.panels[arn] = panel
        return panel

    def create_control_panel(self, cluster_arn: str, name: str) -> dict[str, Any]:
        with _lock:
            self.describe_cluster(cluster_arn)
            for panel in self.panels.values():
                if panel["ClusterArn"] == cluster_arn and panel["Name"] == name:
                    return panel
            return self._create_panel(cluster_arn, name, default=False)

    def describe_control_panel(self, arn: str) -> dict[str, Any]:
        panel = self.panels.get(arn)
        if panel is None:
            raise ResourceNotFound(f"ControlPanel {arn} not found", arn, "ControlPanel")
        return panel

    def create_routing_control(
        self, cluster_arn: str, panel_arn: str | None, name: str
    ) -> dict[str, Any]:
        with _lock:
            self.describe_cluster(cluster_arn)
            if panel_arn is None:
                panel_arn = next(
                    arn
                    for arn, p in self.panels.items()
                    if p["ClusterArn"] == cluster_arn and p["DefaultControlPanel"]
                )
            panel = self.describe_control_panel(panel_arn)
            if panel["ClusterArn"] != cluster_arn:
                raise Validation(f"control panel {panel_arn} is not in cluster {cluster_arn}")
            for control in self.controls.values():
                if control["ControlPanelArn"] == panel_arn and control["Name"] == name:
                    return control
            arn = f"{panel_arn}/routingcontrol/{uuid.uuid4().hex[:16]}"
            control = {
                "ControlPanelArn": panel_arn,
                "Name": name,
                "RoutingControlArn": arn,
                "Status": "DEPLOYED",
                "Owner": self.account_id,
            }
            self.controls[arn] = control
            self.states[arn] = "Off"  # a new routing control is Off
            panel["RoutingControlCount"] += 1
            return control

    def describe_routing_control(self, arn: str) -> dict[str, Any]:
        control = self.controls.get(arn)
        if control is None:
            raise ResourceNotFound(f"RoutingControl {arn} not found", arn, "RoutingControl")
        return control

    def create_safety_rule(
        self, assertion: dict[str, Any] | None, gating: dict[str, Any] | None
    ) -> SafetyRule:
        if (assertion is None) == (gating is None):
            raise Validation("Specify exactly one of AssertionRule and GatingRule")
        spec = assertion if assertion is not None else gating
        assert spec is not None
        with _lock:
            panel_arn = spec["ControlPanelArn"]
            self.describe_control_panel(panel_arn)
            config = spec["RuleConfig"]
            if config["Type"] not in ("ATLEAST", "AND", "OR"):
                raise Validation(f"RuleConfig.Type {config['Type']!r} is not ATLEAST, AND or OR")
            named = (
                list(spec.get("AssertedControls", []))
                + list(spec.get("GatingControls", []))
                + list(spec.get("TargetControls", []))
            )
            for arn in named:
                self.describe_routing_control(arn)
            rule = SafetyRule(
                arn=f"{panel_arn}/safetyrule/{uuid.uuid4().hex[:16]}",
                kind="ASSERTION" if assertion is not None else "GATING",
                name=spec["Name"],
                control_panel_arn=panel_arn,
                rule_type=config["Type"],
                threshold=int(config["Threshold"]),
                inverted=bool(config["Inverted"]),
                wait_period_ms=int(spec["WaitPeriodMs"]),
                asserted=list(spec.get("AssertedControls", [])),
                gating=list(spec.get("GatingControls", [])),
                targets=list(spec.get("TargetControls", [])),
                owner=self.account_id,
            )
            self.rules[rule.arn] = rule
            return rule

    def describe_safety_rule(self, arn: str) -> SafetyRule:
        rule = self.rules.get(arn)
        if rule is None:
            raise ResourceNotFound(f"SafetyRule {arn} not found", arn, "SafetyRule")
        return rule

    def associated_health_checks(self, control_arn: str) -> list[str]:
        """Route 53 ``RECOVERY_CONTROL`` health checks bound to ``control_arn``."""
        from moto.route53.models import route53_backends

        self.describe_routing_control(control_arn)
        checks = route53_backends[self.account_id][PARTITION].health_checks
        return [
            hc.id
            for hc in checks.values()
            if getattr(hc, "routing_control_arn", None) == control_arn
        ]

    # ------------------------------------------------------------ the data plane's state

    def update_states(
        self, cluster_arn: str, entries: list[tuple[str, str]], overrides: set[str]
    ) -> None:
        """Apply ``entries`` (arn, On|Off) as one transaction, or refuse it whole."""
        with _lock:
            for arn, state in entries:
                control = self.controls.get(arn)
                panel = self.panels.get(control["ControlPanelArn"]) if control else None
                if control is None or panel is None or panel["ClusterArn"] != cluster_arn:
                    raise ResourceNotFound(
                        f"Routing control {arn} not found in this cluster", arn, "RoutingControl"
                    )
                if state not in ("On", "Off"):
                    raise Validation(f"RoutingControlState {state!r} is not On or Off")
            after = dict(self.states)
            changed = {arn for arn, state in entries if after.get(arn) != state}
            after.update(dict(entries))
            for rule in self.rules.values():
                if rule.arn in overrides:
                    continue
                if rule.kind == "ASSERTION":
                    touched = set(rule.asserted) & {arn for arn, _ in entries}
                    if touched and not rule.satisfied(rule.asserted, after):
                        raise Conflict(
                            f"The update would break safety rule {rule.name} ({rule.arn}): "
                            f"{_rule_text(rule)} of its asserted controls",
                            rule.arn,
                            "SafetyRule",
                        )
                elif set(rule.targets) & changed and not rule.satisfied(rule.gating, self.states):
                    raise Conflict(
                        f"Gating rule {rule.name} ({rule.arn}) does not allow changing its "
                        f"target controls now: {_rule_text(rule)} of its gating controls",
                        rule.arn,
                        "SafetyRule",
                    )
            self.states = after


def _rule_text(rule: SafetyRule) -> str:
    need = {"AND": "all On", "OR": "at least one On"}.get(
        rule.rule_type, f"at least {rule.threshold} On"
    )
    return f"needs {'NOT ' if rule.inverted else ''}{need}"


class ClusterBackend(BaseBackend):
    """The data plane: reads and writes the state kept by the account's configuration."""

    @property
    def _url_module(self) -> Any:
        return SimpleNamespace(url_bases=_CLUSTER_URL_BASES, url_paths=_cluster_paths())

    @property
    def config(self) -> ControlConfigBackend:
        return control_config_backends[self.account_id][PARTITION]

    def cluster_for(self, token: str, region: str) -> dict[str, Any]:
        """The cluster whose endpoint in ``region`` carries ``token``."""
        for cluster in self.config.clusters.values():
            for endpoint in cluster["ClusterEndpoints"]:
                found = _ENDPOINT_ID.search(endpoint["Endpoint"])
                if found and found["token"] == token and endpoint["Region"] == region:
                    return cluster
        raise ResourceNotFound(f"No cluster endpoint host-{token} in {region}", token, "Cluster")


control_config_backends = account_backends(ControlConfigBackend, CONFIG_SERVICE)
cluster_backends = account_backends(ClusterBackend, CLUSTER_SERVICE)


def routing_control_state(arn: str) -> str | None:
    """The state of routing control ``arn`` (None: no such control), for health checks."""
    parts = arn.split(":")
    if len(parts) < 5 or not parts[4]:
        return None
    config = control_config_backends[parts[4]][PARTITION]
    with _lock:
        return config.states.get(arn) if arn in config.controls else None


def endpoint_url(host: str, token: str, region: str) -> str:
    """A regional cluster endpoint: on the sandbox server when reached through it."""
    name = host.rsplit(":", 1)[0].strip("[]")
    try:
        local = ipaddress.ip_address(name).is_loopback
    except ValueError:
        local = name == "localhost"
    if local:
        return f"http://{host}{SERVER_PREFIX}/host-{token}.{region}/v1"
    return f"https://host-{token}.{region}.{ENDPOINT_DOMAIN}/v1"


# ---------------------------------------------------------------- protocol handling


class ControlConfigResponse(ModelResponse[ControlConfigBackend]):
    """``route53-recovery-control-config`` (rest-json); parsing and output from the model."""

    def __init__(self) -> None:
        super().__init__(CONFIG_SERVICE, control_config_backends)

    def _arn_param(self, name: str) -> str:
        return unquote(str(self._get_param(name)))

    def create_cluster(self) -> ActionResult:
        host = str(self.headers.get("Host") or "")
        cluster = self.backend.create_cluster(
            self._get_param("ClusterName"), self._get_param("NetworkType"), host
        )
        return ActionResult({"Cluster": cluster})

    def describe_cluster(self) -> ActionResult:
        return ActionResult(
            {"Cluster": self.backend.describe_cluster(self._arn_param("ClusterArn"))}
        )

    def list_clusters(self) -> ActionResult:
        return ActionResult({"Clusters": list(self.backend.clusters.values())})

    def create_control_panel(self) -> ActionResult:
        panel = self.backend.create_control_panel(
            self._get_param("ClusterArn"), self._get_param("ControlPanelName")
        )
        return ActionResult({"ControlPanel": panel})

    def describe_control_panel(self) -> ActionResult:
        arn = self._arn_param("ControlPanelArn")
        return ActionResult({"ControlPanel": self.backend.describe_control_panel(arn)})

    def list_control_panels(self) -> ActionResult:
        cluster = self._get_param("ClusterArn")
        panels = [
            p for p in self.backend.panels.values() if cluster is None or p["ClusterArn"] == cluster
        ]
        return ActionResult({"ControlPanels": panels})

    def create_routing_control(self) -> ActionResult:
        control = self.backend.create_routing_control(
            self._get_param("ClusterArn"),
            self._get_param("ControlPanelArn"),
            self._get_param("RoutingControlName"),
        )
        return ActionResult({"RoutingControl": control})

    def describe_routing_control(self) -> ActionResult:
        arn = self._arn_param("RoutingControlArn")
        return ActionResult({"RoutingControl": self.backend.describe_routing_control(arn)})

    def list_routing_controls(self) -> ActionResult:
        panel = self._arn_param("ControlPanelArn")
        self.backend.describe_control_panel(panel)
        controls = [c for c in self.backend.controls.values() if c["ControlPanelArn"] == panel]
        return ActionResult({"RoutingControls": controls})

    def create_safety_rule(self) -> ActionResult:
        rule = self.backend.create_safety_rule(
            self._get_param("AssertionRule"), self._get_param("GatingRule")
        )
        return ActionResult(rule.describe())

    def describe_safety_rule(self) -> ActionResult:
        rule = self.backend.describe_safety_rule(self._arn_param("SafetyRuleArn"))
        return ActionResult(rule.describe())

    def list_safety_rules(self) -> ActionResult:
        panel = self._arn_param("ControlPanelArn")
        self.backend.describe_control_panel(panel)
        rules = [r.describe() for r in self.backend.rules.values() if r.control_panel_arn == panel]
        return ActionResult({"SafetyRules": rules})

    def list_associated_route53_health_checks(self) -> ActionResult:
        ids = self.backend.associated_health_checks(self._arn_param("RoutingControlArn"))
        return ActionResult({"HealthCheckIds": ids})


class ClusterResponse(ModelResponse[ClusterBackend]):
    """``route53-recovery-cluster`` (json, X-Amz-Target ``ToggleCustomerAPI.*``)."""

    def __init__(self) -> None:
        super().__init__(CLUSTER_SERVICE, cluster_backends)

    def _cluster(self) -> dict[str, Any]:
        found = _ENDPOINT_ID.search(f"{self.uri}")
        if found is None:
            raise Validation("The request did not reach a cluster endpoint")
        if found["region"] != self.region:
            raise Validation(
                f"The request is signed for {self.region} but reached the {found['region']} "
                "endpoint: specify the Region of the endpoint"
            )
        return self.backend.cluster_for(found["token"], found["region"])

    def _control(self, cluster: dict[str, Any], arn: str) -> dict[str, Any]:
        control = self.backend.config.controls.get(arn)
        panel = self.backend.config.panels.get(control["ControlPanelArn"]) if control else None
        if control is None or panel is None or panel["ClusterArn"] != cluster["ClusterArn"]:
            raise ResourceNotFound(f"Routing control {arn} not found", arn, "RoutingControl")
        return control

    def get_routing_control_state(self) -> ActionResult:
        cluster = self._cluster()
        arn = self._get_param("RoutingControlArn")
        control = self._control(cluster, arn)
        with _lock:
            state = self.backend.config.states[arn]
        return ActionResult(
            {
                "RoutingControlArn": arn,
                "RoutingControlState": state,
                "RoutingControlName": control["Name"],
            }
        )

    def list_routing_controls(self) -> ActionResult:
        cluster = self._cluster()
        config = self.backend.config
        panel_filter = self._get_param("ControlPanelArn")
        listed = []
        with _lock:
            for arn, control in config.controls.items():
                panel = config.panels[control["ControlPanelArn"]]
                if panel["ClusterArn"] != cluster["ClusterArn"]:
                    continue
                if panel_filter and panel["ControlPanelArn"] != panel_filter:
                    continue
                listed.append(
                    {
                        "ControlPanelArn": panel["ControlPanelArn"],
                        "ControlPanelName": panel["Name"],
                        "RoutingControlArn": arn,
                        "RoutingControlName": control["Name"],
                        "RoutingControlState": config.states[arn],
                        "Owner": control["Owner"],
                    }
                )
        return ActionResult({"RoutingControls": listed})

    def update_routing_control_state(self) -> ActionResult:
        cluster = self._cluster()
        entry = (self._get_param("RoutingControlArn"), self._get_param("RoutingControlState"))
        overrides = set(self._get_param("SafetyRulesToOverride") or [])
        self.backend.config.update_states(cluster["ClusterArn"], [entry], overrides)
        return EmptyResult()

    def update_routing_control_states(self) -> ActionResult:
        cluster = self._cluster()
        entries = [
            (e["RoutingControlArn"], e["RoutingControlState"])
            for e in self._get_param("UpdateRoutingControlStateEntries") or []
        ]
        overrides = set(self._get_param("SafetyRulesToOverride") or [])
        self.backend.config.update_states(cluster["ClusterArn"], entries, overrides)
        return EmptyResult()


# ---------------------------------------------------------------- registration

_CONFIG_URL_BASES: Final = [r"https?://route53-recovery-control-config\.(.+)\.amazonaws\.com"]
_CLUSTER_URL_BASES: Final = [
    rf"https?://host-[a-z0-9]+\.[a-z0-9-]+\.{re.escape(ENDPOINT_DOMAIN)}",
    # The server resolves a signed request to this name (moto's werkzeug app).
    r"https?://route53-recovery-cluster\.(.+)\.amazonaws\.com",
]


def _config_paths() -> dict[str, Callable[..., Any]]:
    dispatch = ControlConfigResponse.dispatch
    return {
        "{0}/cluster/?$": dispatch,
        "{0}/cluster/(?P<ClusterArn>.+)$": dispatch,
        "{0}/controlpanel/?$": dispatch,
        "{0}/controlpanels/?$": dispatch,
        "{0}/controlpanel/(?P<ControlPanelArn>.+)$": dispatch,
        "{0}/routingcontrol/?$": dispatch,
        "{0}/routingcontrol/(?P<RoutingControlArn>.+)$": dispatch,
        "{0}/safetyrule/?$": dispatch,
        "{0}/safetyrule/(?P<SafetyRuleArn>.+)$": dispatch,
    }


def _cluster_paths() -> dict[str, Callable[..., Any]]:
    dispatch = ClusterResponse.dispatch
    return {
        "{0}/v1/?$": dispatch,
        "{0}" + SERVER_PREFIX + "/(?P<endpoint>[^/]+)/v1/?$": dispatch,
    }


_OWN_BACKENDS: Final[dict[str, BackendDict[Any]]] = {
    CONFIG_SERVICE: control_config_backends,
    CLUSTER_SERVICE: cluster_backends,
}


def install() -> None:
    """Add both ARC services to moto; idempotent."""
    if _patches.active:
        return
    patterns = [(CONFIG_SERVICE, base) for base in _CONFIG_URL_BASES]
    patterns += [(CLUSTER_SERVICE, base) for base in _CLUSTER_URL_BASES]
    register_service(_patches, _OWN_BACKENDS, patterns)


def uninstall() -> None:
    """Remove them again."""
    _patches.restore_all()


def is_installed() -> bool:
    return _patches.active
