"""Readiness of ARC routing control: cluster, controls, a safety rule keeping one On, failover
records bound to the controls by ``RECOVERY_CONTROL`` health checks, primary serving now.

These read the control planes (ARC configuration, Route 53) on purpose: that is what ``check``
is for, and it keeps what the failover needs (:mod:`.targets`) so the failover need not.
"""

from __future__ import annotations

from typing import Any

from drctl.engine.context import RunContext
from drctl.engine.step import Check, CheckResult, failed, passed, warned
from drctl.errors import DrctlError
from drctl.kinds.arc_routing_control import api, targets
from drctl.kinds.arc_routing_control.switch import NAME
from drctl.kinds.steps import check_maker
from drctl.plan.models import ArcRoutingControl

MIN_ENDPOINTS = 3  # ARC keeps at least three of the five endpoints available


def checks(res: ArcRoutingControl, ctx: RunContext) -> list[Check]:
    def config() -> Any:
        return ctx.sessions.client(api.CONFIG_SERVICE, api.CONFIG_REGION, "global")

    def route53() -> Any:
        return ctx.client("route53", "global")

    def resolved() -> api.Targets | str:
        try:
            return targets.resolve(res, ctx)
        except DrctlError as exc:
            return str(exc).split(": ", 1)[-1]

    def cluster() -> CheckResult:
        found = resolved()
        if isinstance(found, str):
            return failed(found)
        count = len(found.endpoints)
        regions = ", ".join(r for r, _ in found.endpoints)
        if count < MIN_ENDPOINTS:
            return failed(f"cluster has {count} endpoints ({regions}); ARC gives five", count)
        return passed(
            f"cluster {res.cluster}: {count} regional endpoints ({regions}), kept for failover",
            count,
        )

    def controls() -> CheckResult:
        found = resolved()
        if isinstance(found, str):
            return failed(found)
        return passed(f"{res.primary_control} and {res.dr_control} exist")

    def safety_rule() -> CheckResult:
        found = resolved()
        if isinstance(found, str):
            return failed(found)
        panel = api.find_routing_control(config(), None, found.primary_arn) or {}
        rules = api.safety_rules(config(), str(panel.get("ControlPanelArn", "")))
        pair = (found.primary_arn, found.dr_arn)
        keeping = [
            r["ASSERTION"]["Name"]
            for r in rules
            if "ASSERTION" in r and api.keeps_one_on(r["ASSERTION"], pair)
        ]
        if not keeping:
            return failed(
                "no assertion rule keeps at least one of the two controls On: a mistaken "
                "update could turn both Off and send traffic nowhere"
            )
        return passed(f"assertion rule {keeping[0]} keeps at least one control On")

    def health_checks() -> CheckResult:
        found = resolved()
        if isinstance(found, str):
            return failed(found)
        zone_id = api.find_zone_id(route53(), res.zone)
        if zone_id is None:
            return failed(f"hosted zone {res.zone} not found")
        records = api.failover_records(route53(), zone_id, res.record)
        problems = []
        for role, arn, control in (
            ("PRIMARY", found.primary_arn, res.primary_control),
            ("SECONDARY", found.dr_arn, res.dr_control),
        ):
            hc_id = records.get(role, {}).get("HealthCheckId")
            cfg = api.health_check_config(route53(), hc_id) if hc_id else None
            if role not in records:
                problems.append(f"no {role} failover record")
            elif cfg is None:
                problems.append(f"the {role} record has no health check")
            elif cfg.get("Type") != "RECOVERY_CONTROL" or cfg.get("RoutingControlArn") != arn:
                problems.append(
                    f"the {role} record's health check {hc_id} is not a RECOVERY_CONTROL check "
                    f"of {control}: the control would not move its traffic"
                )
        if problems:
            return failed("; ".join(problems))
        return passed(f"{res.record} PRIMARY and SECONDARY follow the two routing controls")

    def primary_serving() -> CheckResult:
        found = resolved()
        if isinstance(found, str):
            return failed(found)
        endpoints = api.ordered_endpoints(found.endpoints, None)

        def read(cluster: Any) -> tuple[str, str]:
            return (
                api.control_state(cluster, found.primary_arn),
                api.control_state(cluster, found.dr_arn),
            )

        (primary, dr), region, failures = api.on_any_endpoint(
            endpoints,
            lambda region, url: ctx.sessions.endpoint_client(api.CLUSTER_SERVICE, region, url),
            read,
        )
        text = f"{res.primary_control}={primary}, {res.dr_control}={dr} (read on {region})"
        if failures:
            text += f"; endpoints not answering: {', '.join(failures)}"
        if (primary, dr) == ("On", "Off"):
            return passed(f"primary serving: {text}")
        if (primary, dr) == ("Off", "On"):
            return warned(f"DR serving (a failover is in effect): {text}")
        return failed(f"neither side alone is serving: {text}")

    check = check_maker(res.name, NAME, f"{res.name} (arc {res.record})")
    return [
        check("cluster", "ARC cluster exists with its regional endpoints", cluster),
        check("routing-controls", "primary and DR routing controls exist", controls),
        check("safety-rule", "a safety rule keeps at least one control On", safety_rule),
        check(
            "health-checks",
            "failover records carry RECOVERY_CONTROL health checks of the controls",
            health_checks,
        ),
        check("primary-serving", "routing controls say primary serving", primary_serving),
    ]
