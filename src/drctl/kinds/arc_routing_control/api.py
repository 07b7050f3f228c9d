"""Every AWS call of ``arc-routing-control``: the ARC configuration API (control plane, read at
``check`` time), the cluster's regional endpoints (data plane, used by failover) and the
Route 53 reads that tie the failover record to the controls.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from drctl.errors import AwsError, EndpointUnreachable

T = TypeVar("T")

CONFIG_SERVICE = "route53-recovery-control-config"
CLUSTER_SERVICE = "route53-recovery-cluster"
CONFIG_REGION = "us-west-2"  # the configuration API is served from US West (Oregon) only
# A rule violation is the caller's doing: trying the next endpoint would not change the answer.
NOT_RETRIED_ELSEWHERE = frozenset(
    {
        "ConflictException",
        "ValidationException",
        "ResourceNotFoundException",
        "AccessDeniedException",
    }
)


@dataclass(frozen=True)
class Targets:
    """What a failover needs, resolved from the control plane beforehand (and journaled)."""

    cluster_arn: str
    endpoints: tuple[tuple[str, str], ...]  # (region, endpoint url)
    primary_arn: str
    dr_arn: str

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["endpoints"] = [list(e) for e in self.endpoints]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Targets:
        return cls(
            cluster_arn=str(data["cluster_arn"]),
            endpoints=tuple((str(r), str(u)) for r, u in data["endpoints"]),
            primary_arn=str(data["primary_arn"]),
            dr_arn=str(data["dr_arn"]),
        )


# ---------------------------------------------------------------- control plane (check time)


def find_cluster(config: Any, ref: str) -> dict[str, Any] | None:
    """The cluster by ARN (DescribeCluster) or by name (ListClusters)."""
    if ref.startswith("arn:"):
        try:
            return dict(config.describe_cluster(ClusterArn=ref)["Cluster"])
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ResourceNotFoundException":
                return None
            raise
    kwargs: dict[str, Any] = {}
    while True:
        page = config.list_clusters(**kwargs)
        for cluster in page.get("Clusters", []):
            if cluster.get("Name") == ref:
                return dict(cluster)
        if not page.get("NextToken"):
            return None
        kwargs["NextToken"] = page["NextToken"]


def find_control_panel(config: Any, cluster_arn: str, ref: str) -> dict[str, Any] | None:
    kwargs: dict[str, Any] = {"ClusterArn": cluster_arn}
    while True:
        page = config.list_control_panels(**kwargs)
        for panel in page.get("ControlPanels", []):
            if ref in (panel.get("ControlPanelArn"), panel.get("Name")):
                return dict(panel)
        if not page.get("NextToken"):
            return None
        kwargs["NextToken"] = page["NextToken"]


def find_routing_control(config: Any, panel_arn: str | None, ref: str) -> dict[str, Any] | None:
    if ref.startswith("arn:"):
        try:
            return dict(config.describe_routing_control(RoutingControlArn=ref)["RoutingControl"])
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ResourceNotFoundException":
                return None
            raise
    if panel_arn is None:
        return None
    kwargs: dict[str, Any] = {"ControlPanelArn": panel_arn}
    while True:
        page = config.list_routing_controls(**kwargs)
        for control in page.get("RoutingControls", []):
            if control.get("Name") == ref:
                return dict(control)
        if not page.get("NextToken"):
            return None
        kwargs["NextToken"] = page["NextToken"]


def safety_rules(config: Any, panel_arn: str) -> list[dict[str, Any]]:
    """The panel's rules, each as {"ASSERTION": {...}} or {"GATING": {...}}."""
    rules: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"ControlPanelArn": panel_arn}
    while True:
        page = config.list_safety_rules(**kwargs)
        rules.extend(page.get("SafetyRules", []))
        if not page.get("NextToken"):
            return rules
        kwargs["NextToken"] = page["NextToken"]


def keeps_one_on(rule: dict[str, Any], controls: Sequence[str]) -> bool:
    """Whether an assertion rule forbids both ``controls`` being Off at once."""
    config = rule.get("RuleConfig", {})
    asserted = set(rule.get("AssertedControls", []))
    if rule.get("Status") != "DEPLOYED" or config.get("Inverted") or not set(controls) <= asserted:
        return False
    kind = config.get("Type")
    return kind == "OR" or (kind == "ATLEAST" and int(config.get("Threshold", 0)) >= 1)


# ---------------------------------------------------------------- Route 53 (check time)


def find_zone_id(route53: Any, name: str) -> str | None:
    wanted = name if name.endswith(".") else name + "."
    page = route53.list_hosted_zones_by_name(DNSName=wanted, MaxItems="10")
    for zone in page.get("HostedZones", []):
        if zone["Name"].lower() == wanted.lower():
            return str(zone["Id"]).split("/")[-1]
    return None


def failover_records(route53: Any, zone_id: str, record: str) -> dict[str, dict[str, Any]]:
    """{"PRIMARY": rrset, "SECONDARY": rrset} of ``record``."""
    wanted = (record if record.endswith(".") else record + ".").lower()
    page = route53.list_resource_record_sets(HostedZoneId=zone_id, StartRecordName=wanted)
    found: dict[str, dict[str, Any]] = {}
    for rrset in page.get("ResourceRecordSets", []):
        if rrset["Name"].lower() != wanted:
            break
        role = rrset.get("Failover")
        if role in ("PRIMARY", "SECONDARY") and role not in found:
            found[role] = rrset
    return found


def health_check_config(route53: Any, health_check_id: str) -> dict[str, Any] | None:
    try:
        check = route53.get_health_check(HealthCheckId=health_check_id)["HealthCheck"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "NoSuchHealthCheck":
            return None
        raise
    return dict(check["HealthCheckConfig"])


def health_check_healthy(route53: Any, health_check_id: str) -> bool:
    """Whether Route 53's checkers report the check healthy (more than 18% of them)."""
    observations = route53.get_health_check_status(HealthCheckId=health_check_id).get(
        "HealthCheckObservations", []
    )
    ok = sum(
        1
        for o in observations
        if str(o.get("StatusReport", {}).get("Status", "")).startswith("Success")
    )
    return bool(observations) and ok / len(observations) > 0.18


# ---------------------------------------------------------------- data plane (failover time)


def ordered_endpoints(
    endpoints: Sequence[tuple[str, str]], avoid_region: str | None
) -> list[tuple[str, str]]:
    """The endpoints to try, those in ``avoid_region`` (the failing primary) last."""
    return sorted(endpoints, key=lambda e: e[0] == avoid_region)


def on_any_endpoint(
    endpoints: Sequence[tuple[str, str]],
    client_for: Callable[[str, str], Any],
    call: Callable[[Any], T],
) -> tuple[T, str, list[str]]:
    """``call(client)`` on the first endpoint that answers: (result, region used, failures).

    ARC keeps at least three of the five endpoints up and asks callers to try them in turn;
    an endpoint that does not answer, or answers that it is unavailable, is skipped. An error
    the service returns about the request itself (a safety rule, a bad ARN) is raised at once.
    """
    failures: list[str] = []
    for region, url in endpoints:
        try:
            return call(client_for(region, url)), region, failures
        except ClientError as exc:
            code = exc.response["Error"]["Code"]
            if code in NOT_RETRIED_ELSEWHERE:
                raise
            failures.append(f"{region}: {code}")
        except (BotoCoreError, EndpointUnreachable) as exc:
            failures.append(f"{region}: {type(exc).__name__}")
    raise AwsError(
        f"no ARC cluster endpoint answered ({'; '.join(failures) or 'none known'})",
        hint="ARC keeps at least three of five endpoints up: check the network to them",
    )


def control_state(cluster: Any, arn: str) -> str:
    return str(cluster.get_routing_control_state(RoutingControlArn=arn)["RoutingControlState"])


def set_states(cluster: Any, states: dict[str, str]) -> None:
    """One ``UpdateRoutingControlStates`` call: the safety rules see the whole transaction."""
    cluster.update_routing_control_states(
        UpdateRoutingControlStateEntries=[
            {"RoutingControlArn": arn, "RoutingControlState": state}
            for arn, state in states.items()
        ]
    )


# ---------------------------------------------------------------- discovery


def routing_control(config: Any, arn: str) -> dict[str, Any]:
    """A routing control by ARN: its name and control panel."""
    return dict(config.describe_routing_control(RoutingControlArn=arn)["RoutingControl"])


def control_panel(config: Any, arn: str) -> dict[str, Any]:
    """A control panel by ARN: its name and cluster."""
    return dict(config.describe_control_panel(ControlPanelArn=arn)["ControlPanel"])


def cluster(config: Any, arn: str) -> dict[str, Any]:
    """A cluster by ARN: its name."""
    return dict(config.describe_cluster(ClusterArn=arn)["Cluster"])
