"""Route 53 health status and DNS answers derived the way AWS derives them.

moto's ``GetHealthCheckStatus`` returns one hard-coded "Success" observation whatever the
health check says, and ``TestDNSAnswer`` is not routed at all (404). A failover drill that
inverts a health check to force traffic to the DR Region, or that checks which record
Route 53 would answer with, therefore cannot observe anything in moto.

What this module does, and from where:

- ``GetHealthCheckStatus`` (Route 53 API Reference; botocore ``route53/2013-04-01``): one
  ``HealthCheckObservation`` per health checker, each with ``Region`` (the eight
  ``HealthCheckRegion`` values, or the health check's own ``Regions``), ``IPAddress`` and
  ``StatusReport{Status, CheckedTime}``. AWS runs several checkers per Region, so two are
  reported per Region (16 by default). A ``CALCULATED`` health check is rejected with
  ``InvalidInput``: the API reference says its status cannot be read with this call.
- The status itself, per ``HealthCheckConfig`` in the API reference: each checker observes the
  endpoint (healthy unless a test calls ``set_endpoint_health``); ``Inverted`` makes Route 53
  "consider a health check unhealthy when it otherwise would be considered healthy" and vice
  versa; a ``Disabled`` health check stops probing and "Route 53 considers the status of the
  health check to always be healthy"; the same paragraph says that to stop routing to a
  disabled check's resource you "change the value of Inverted", so Disabled+Inverted is
  unhealthy.
- ``Status`` strings begin with ``Success:`` or ``Failure:`` as AWS's do
  ("Success: HTTP Status Code 200, OK"; a timed-out endpoint reads "Failure: Connection timed
  out. ..."). The explanatory text after the prefix for inverted and disabled checks is this
  sandbox's own wording: AWS does not document it.
- Time (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html):
  each checker probes every ``RequestInterval`` seconds, the checkers uncoordinated (here
  staggered evenly across the interval), and changes the status it reports only after
  ``FailureThreshold`` consecutive probes with the new result ("the number of consecutive
  health checks that an endpoint must pass or fail for Route 53 to change the current status",
  ``HealthCheckConfig.FailureThreshold``). So inverting, disabling or an endpoint going down
  takes effect checker by checker over interval x threshold, on the sandbox's AWS clock
  (:data:`drctl.kinds.sandboxing.aws_time`); a change undone before a checker saw it
  ``FailureThreshold`` times is never reported by that checker. A new health check starts
  healthy. Route 53 acts on the aggregate: healthy while more than 18% of the checkers report
  healthy (same page). ``CheckedTime`` is the checker's last probe.
- ``TestDNSAnswer`` (API reference; request/response shapes from the botocore model): "This
  call only supports querying public hosted zones"
  (https://docs.aws.amazon.com/Route53/latest/APIReference/API_TestDNSAnswer.html); a private
  zone gets ``InvalidInput``, the error the reference lists for input it does not accept.
  Answers from the hosted zone's records, choosing among failover/weighted/multivalue records by the
  derived health above, following the rules documented on ``ResourceRecordSet.Failover``,
  ``Weight``, ``MultiValueAnswer`` and ``HealthCheckId`` in the botocore model. An alias record
  with ``EvaluateTargetHealth`` is healthy only while its target is (``AliasTarget``): the
  sandbox can evaluate targets in the same hosted zone; any other target counts healthy.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

import moto.route53.urls as route53_urls
from moto.core.responses import ActionResult
from moto.route53.exceptions import InvalidInput
from moto.route53.models import HealthCheck
from moto.route53.responses import Route53

from drctl.kinds.sandboxing import PatchSet, aws_time

__all__ = [
    "CHECKERS_PER_REGION",
    "CHECKER_REGIONS",
    "answer_dns_query",
    "configured_healthy",
    "endpoint_healthy",
    "health_check_is_healthy",
    "install",
    "is_installed",
    "observations_for",
    "reset_endpoint_health",
    "set_endpoint_health",
    "uninstall",
]

# botocore route53 model, shape HealthCheckRegion: the Regions Route 53 checks from.
CHECKER_REGIONS: Final = (
    "us-east-1",
    "us-west-1",
    "us-west-2",
    "eu-west-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "sa-east-1",
)
CHECKERS_PER_REGION: Final = 2

# Illustrative checker addresses inside AWS's published ROUTE53_HEALTHCHECKS range 15.177.0.0/18.
_CHECKER_SUBNET: Final = {region: 2 + 8 * index for index, region in enumerate(CHECKER_REGIONS)}

_HTTP_OK: Final = "HTTP Status Code 200, OK"
_TCP_OK: Final = "TCP connection established"
_TIMED_OUT: Final = (
    "Connection timed out. The endpoint or the internet connection is down, or requests are "
    "being blocked by your firewall. See "
    "https://docs.aws.amazon.com/console/route53/health-checks-failure"
)
_MAX_MULTIVALUE_ANSWERS: Final = 8
_TEST_DNS_ANSWER_PATH: Final = r"{0}/(?P<api_version>[\d_-]+)/testdnsanswer$"

HEALTHY_FRACTION: Final = 0.18  # healthy while more than 18% of the checkers say so

_patches = PatchSet()
_endpoint_health: dict[str, bool] = {}
_endpoint_lock = threading.Lock()
_TIMELINE_ATTR: Final = "_drctl_timeline"
_live: dict[str, Any] = {}  # health check id -> moto HealthCheck, to note endpoint changes


@dataclass(frozen=True)
class Change:
    """From ``at`` on, every probe of the checkers finds ``healthy`` (reported as ``text``)."""

    at: datetime
    healthy: bool
    text: str


def set_endpoint_health(health_check_id: str, healthy: bool) -> None:
    """Make every checker observe the health check's endpoint as ``healthy`` from now on
    (test hook); the checkers report it over interval x threshold, like any change."""
    with _endpoint_lock:
        _endpoint_health[health_check_id] = healthy
    health_check = _live.get(health_check_id)
    if health_check is not None:
        _note_change(health_check)


def reset_endpoint_health() -> None:
    """Forget all ``set_endpoint_health`` calls: every endpoint is healthy again."""
    with _endpoint_lock:
        _endpoint_health.clear()
    _live.clear()


def endpoint_healthy(health_check_id: str) -> bool:
    """What the checkers observe at the endpoint, before Inverted/Disabled are applied."""
    with _endpoint_lock:
        return _endpoint_health.get(health_check_id, True)


def configured_healthy(health_check: Any) -> bool:
    """The status the checkers' probes find *now* for a moto ``HealthCheck`` (what they will
    report once they have seen it FailureThreshold times).

    Disabled means "not probed, considered healthy"; Inverted then flips whatever that base
    status is, which is how AWS lets you take a disabled check's resource out of DNS.
    """
    base = True if health_check.disabled else endpoint_healthy(health_check.id)
    return not base if health_check.inverted else base


def _timeline(health_check: Any) -> list[Change]:
    timeline: list[Change] = health_check.__dict__.setdefault(_TIMELINE_ATTR, [])
    return timeline


def _note_change(health_check: Any) -> None:
    """Record what the probes find from now on, when it differs from the last change."""
    if "_drctl_disabled" not in health_check.__dict__:
        return  # still inside moto's __init__: the change is noted once both flags are set
    _live[health_check.id] = health_check
    timeline = _timeline(health_check)
    now = aws_time.now()
    if not timeline:
        # A new health check reports healthy until its checkers have seen otherwise.
        timeline.append(Change(now, True, _status_text(health_check, True, endpoint_ok=True)))
    healthy = configured_healthy(health_check)
    text = _status_text(health_check, healthy)
    if (timeline[-1].healthy, timeline[-1].text) != (healthy, text):
        timeline.append(Change(now, healthy, text))


def _flag(name: str) -> property:
    """``inverted`` / ``disabled`` on moto's HealthCheck, noting each change on the timeline."""
    attr = f"_drctl_{name}"

    def get(health_check: Any) -> bool:
        return bool(health_check.__dict__.get(attr, False))

    def set_(health_check: Any, value: Any) -> None:
        health_check.__dict__[attr] = bool(value)
        _note_change(health_check)

    return property(get, set_)


def _interval(health_check: Any) -> float:
    return float(health_check.request_interval or 30)


def _threshold(health_check: Any) -> int:
    return int(health_check.failure_threshold or 3)


def _checker_view(
    health_check: Any, index: int, count: int, now: datetime
) -> tuple[Change, datetime]:
    """(what checker ``index`` of ``count`` reports at ``now``, its last probe time).

    The checker probes at ``base + offset + j * interval``; a change is reported from the
    ``threshold``-th probe at or after it, provided the next change did not come first.
    """
    timeline = _timeline(health_check)
    if not timeline:
        _note_change(health_check)
        timeline = _timeline(health_check)
    interval, threshold = _interval(health_check), _threshold(health_check)
    base = timeline[0].at
    offset = interval * index / count
    reported = timeline[0]
    for i, change in enumerate(timeline[1:], start=1):
        since = (change.at - base).total_seconds() - offset
        first = max(0, math.ceil(since / interval))
        flips = base + timedelta(seconds=offset + (first + threshold - 1) * interval)
        superseded = i + 1 < len(timeline) and timeline[i + 1].at <= flips
        if not superseded and flips <= now:
            reported = change
    probes = math.floor(((now - base).total_seconds() - offset) / interval)
    checked = base + timedelta(seconds=offset + max(0, probes) * interval)
    return reported, checked


def _checkers(health_check: Any) -> list[tuple[str, int]]:
    regions: Sequence[str] = health_check.regions or CHECKER_REGIONS
    return [(region, checker) for region in regions for checker in range(CHECKERS_PER_REGION)]


def health_check_is_healthy(health_check: Any) -> bool:
    """The status Route 53 acts on: more than 18% of the checkers report healthy now."""
    checkers = _checkers(health_check)
    now = aws_time.now()
    healthy = sum(
        1
        for index in range(len(checkers))
        if _checker_view(health_check, index, len(checkers), now)[0].healthy
    )
    return healthy / len(checkers) > HEALTHY_FRACTION


def _status_text(health_check: Any, healthy: bool, *, endpoint_ok: bool | None = None) -> str:
    if endpoint_ok is not None:
        return f"Success: {_TCP_OK if health_check.type_ == 'TCP' else _HTTP_OK}"
    if health_check.disabled:
        detail = "Health checking is disabled; Route 53 considers a disabled health check healthy"
        if health_check.inverted:
            detail += ", and the health check is inverted"
        return f"{'Success' if healthy else 'Failure'}: {detail}."
    if endpoint_healthy(health_check.id):
        observed = _TCP_OK if health_check.type_ == "TCP" else _HTTP_OK
    else:
        observed = _TIMED_OUT
    if health_check.inverted:
        observed += " (the health check is inverted)"
    return f"{'Success' if healthy else 'Failure'}: {observed}"


def observations_for(health_check: Any) -> list[dict[str, Any]]:
    """``HealthCheckObservations`` for a moto ``HealthCheck``: one per checker, each with
    the status that checker reports at the sandbox's AWS time."""
    checkers = _checkers(health_check)
    now = aws_time.now()
    observations = []
    for index, (region, checker) in enumerate(checkers):
        reported, checked = _checker_view(health_check, index, len(checkers), now)
        observations.append(
            {
                "Region": region,
                "IPAddress": f"15.177.{_CHECKER_SUBNET.get(region, 0)}.{10 * checker + 21}",
                "StatusReport": {"Status": reported.text, "CheckedTime": checked},
            }
        )
    return observations


def get_health_check_status(self: Any) -> ActionResult:
    """Replacement for moto's ``Route53.get_health_check_status`` response handler."""
    health_check = self.backend.get_health_check(self._get_param("HealthCheckId"))
    if health_check.type_ == "CALCULATED":
        raise InvalidInput(
            "You can't use GetHealthCheckStatus to get the status of a calculated health check."
        )
    return ActionResult({"HealthCheckObservations": observations_for(health_check)})


def _normalise(name: str) -> str:
    return name.lower().rstrip(".") + "."


def _values(record: Any) -> list[str]:
    if record.alias_target:
        return [str(record.alias_target.get("DNSName", "")).rstrip(".")]
    # moto keeps most values as strings but some (e.g. the zone's SOA) as {"Value": ...}.
    return [value["Value"] if isinstance(value, dict) else str(value) for value in record.records]


def _evaluates_target(record: Any) -> bool:
    flag = (record.alias_target or {}).get("EvaluateTargetHealth", False)
    return str(flag).lower() == "true"


def _record_healthy(backend: Any, record: Any, zone: Any = None, depth: int = 0) -> bool:
    """A record with no health check is always healthy (ResourceRecordSet.HealthCheckId); an
    alias with EvaluateTargetHealth is healthy only while its target is (AliasTarget)."""
    if record.health_check_id:
        health_check = backend.health_checks.get(record.health_check_id)
        if health_check is not None and not health_check_is_healthy(health_check):
            return False
    if zone is None or depth > 8 or not record.alias_target or not _evaluates_target(record):
        return True
    target = _normalise(str(record.alias_target.get("DNSName", "")))
    same = [
        r
        for r in zone.rrsets
        if _normalise(r.name) == target and str(r.type).upper() == str(record.type).upper()
    ]
    if not same:
        return True  # a target outside the zone (ELB, CloudFront...): not observable here
    return any(_record_healthy(backend, r, zone, depth + 1) for r in _choose(backend, same, zone))


def _choose_failover(backend: Any, records: Sequence[Any], zone: Any = None) -> list[Any]:
    primary = [r for r in records if str(r.failover).upper() == "PRIMARY"]
    secondary = [r for r in records if str(r.failover).upper() == "SECONDARY"]
    if not secondary:
        return primary
    if not primary:
        return secondary
    # Primary while healthy; secondary only while the primary is unhealthy and the
    # secondary healthy; an unhealthy secondary means the primary answers regardless.
    if _record_healthy(backend, primary[0], zone) or not _record_healthy(
        backend, secondary[0], zone
    ):
        return primary
    return secondary


def _choose_weighted(backend: Any, records: Sequence[Any]) -> list[Any]:
    healthy = [r for r in records if _record_healthy(backend, r)] or list(records)
    weighted = [r for r in healthy if int(r.weight or 0) > 0] or healthy
    # AWS answers in proportion to weight; the sandbox answers with the heaviest record so
    # that a drill sees a deterministic result.
    best = max(weighted, key=lambda r: (int(r.weight or 0), str(r.set_identifier)))
    return [best]


def _choose(backend: Any, records: Sequence[Any], zone: Any = None) -> list[Any]:
    if any(r.failover for r in records):
        return _choose_failover(backend, records, zone)
    if any(r.weight is not None for r in records):
        return _choose_weighted(backend, records)
    if any(r.multi_value_answer for r in records):
        healthy = [r for r in records if _record_healthy(backend, r)] or list(records)
        return healthy[:_MAX_MULTIVALUE_ANSWERS]
    if len(records) > 1:
        # Latency and geolocation records: the first healthy one stands in for the nearest.
        healthy = [r for r in records if _record_healthy(backend, r)] or list(records)
        return healthy[:1]
    return list(records)


def answer_dns_query(
    backend: Any, zone: Any, record_name: str, record_type: str
) -> tuple[str, list[str]]:
    """The ``(ResponseCode, RecordData)`` Route 53 would give for a query into ``zone``."""
    wanted = _normalise(record_name)
    same_name = [r for r in zone.rrsets if _normalise(r.name) == wanted]
    if not same_name:
        return "NXDOMAIN", []
    matching = [r for r in same_name if str(r.type).upper() == record_type.upper()]
    data: list[str] = []
    for record in _choose(backend, matching, zone):
        data.extend(_values(record))
    return "NOERROR", data


def _nameserver(zone: Any) -> str:
    delegation_set = getattr(zone, "delegation_set", None)
    servers: Iterable[str] = getattr(delegation_set, "name_servers", None) or ()
    return next(iter(servers), "ns-2048.awsdns-64.com")


def test_dns_answer(self: Any) -> ActionResult:
    """Response handler for ``GET /2013-04-01/testdnsanswer`` (moto has none)."""
    zone = self.backend.get_hosted_zone(self._get_param("HostedZoneId"))
    if zone.private_zone:
        raise InvalidInput(
            "TestDNSAnswer only supports querying public hosted zones; "
            f"{zone.id} is a private hosted zone."
        )
    record_name = self._get_param("RecordName")
    record_type = self._get_param("RecordType")
    code, data = answer_dns_query(self.backend, zone, record_name, record_type)
    return ActionResult(
        {
            "Nameserver": _nameserver(zone),
            "RecordName": record_name,
            "RecordType": record_type,
            "RecordData": data,
            "ResponseCode": code,
            "Protocol": "UDP",
        }
    )


# pytest would otherwise try to collect this handler when a test module imports it.
test_dns_answer.__test__ = False  # type: ignore[attr-defined]


def install() -> None:
    """Patch moto's Route 53 responses and URL table; idempotent."""
    if _patches.active:
        return
    _patches.replace(Route53, "get_health_check_status", get_health_check_status)
    _patches.replace(Route53, "test_dns_answer", test_dns_answer)
    _patches.replace(HealthCheck, "inverted", _flag("inverted"))
    _patches.replace(HealthCheck, "disabled", _flag("disabled"))
    _patches.add_item(route53_urls.url_paths, _TEST_DNS_ANSWER_PATH, Route53.dispatch)


def uninstall() -> None:
    """Restore moto's Route 53 behaviour and forget endpoint health overrides."""
    _patches.restore_all()
    reset_endpoint_health()


def is_installed() -> bool:
    """Whether this extension is in effect."""
    return _patches.active
