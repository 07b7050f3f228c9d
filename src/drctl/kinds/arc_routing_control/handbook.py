"""``arc-routing-control`` by hand: the readiness checks and step verifications as AWS CLI
commands. The configuration API (cluster, panels, controls) is a control plane in us-west-2;
the routing-control states are read and set on the cluster's own regional endpoints."""

from __future__ import annotations

from drctl.engine.context import RunContext
from drctl.kinds.arc_routing_control.api import CONFIG_REGION
from drctl.kinds.handbook import HandCheck
from drctl.plan.models import ArcRoutingControl

PANEL = "<control-panel-arn>"
ENDPOINT = "--endpoint-url <cluster-endpoint> --region <cluster-endpoint-region>"


def _arn(ref: str, placeholder: str) -> str:
    return ref if ref.startswith("arn:") else placeholder


def _state(ref: str, target: str) -> HandCheck:
    arn = _arn(ref, f"<arn-of-{ref}>")
    return HandCheck(
        f"routing control {ref}",
        f"aws route53-recovery-cluster get-routing-control-state --routing-control-arn {arn} "
        f"{ENDPOINT}",
        f'`"RoutingControlState": "{target}"` (any endpoint answers; try the next if one does not)',
    )


def prechecks(res: ArcRoutingControl, ctx: RunContext) -> list[HandCheck]:
    if res.cluster.startswith("arn:"):
        cluster = (
            f"aws route53-recovery-control-config describe-cluster --cluster-arn {res.cluster} "
            f"--query 'Cluster.[Status,ClusterEndpoints]' --region {CONFIG_REGION}"
        )
    else:
        cluster = (
            "aws route53-recovery-control-config list-clusters --query "
            f"\"Clusters[?Name=='{res.cluster}'].[ClusterArn,Status,ClusterEndpoints]\" "
            f"--region {CONFIG_REGION}"
        )
    controls = {res.primary_control.rsplit("/", 1)[-1], res.dr_control.rsplit("/", 1)[-1]}
    wanted = " || ".join(f"Name=='{c}'" for c in sorted(controls))
    panel = PANEL
    found: list[HandCheck] = [
        HandCheck(
            f"ARC cluster {res.cluster}",
            cluster,
            '`"DEPLOYED"` and five regional endpoints (note them: the states are read there)',
            ("cluster",),
        )
    ]
    if res.control_panel is not None and res.control_panel.startswith("arn:"):
        panel = res.control_panel
    elif res.control_panel is not None:
        found.append(
            HandCheck(
                f"control panel {res.control_panel}",
                "aws route53-recovery-control-config list-control-panels --cluster-arn "
                f"<cluster-arn> --query \"ControlPanels[?Name=='{res.control_panel}']"
                f'.[ControlPanelArn,Status]" --region {CONFIG_REGION}',
                "its ARN (used below as the control panel ARN) and `DEPLOYED`",
                ("routing-controls",),
            )
        )
    return [
        *found,
        HandCheck(
            "the two routing controls",
            f"aws route53-recovery-control-config list-routing-controls --control-panel-arn "
            f'{panel} --query "RoutingControls[?{wanted}].[Name,RoutingControlArn,Status]" '
            f"--region {CONFIG_REGION}",
            "both controls, `DEPLOYED` (note their ARNs)",
            ("routing-controls",),
        ),
        HandCheck(
            "the safety rule",
            f"aws route53-recovery-control-config list-safety-rules --control-panel-arn {panel} "
            "--query 'SafetyRules[].ASSERTION.[Name,RuleConfig,AssertedControls]' "
            f"--region {CONFIG_REGION}",
            "an assertion rule over both controls with `Type: ATLEAST`, `Threshold: 1`",
            ("safety-rule",),
        ),
        HandCheck(
            f"failover records of {res.record}",
            "aws route53 list-resource-record-sets --hosted-zone-id "
            f'"$(aws route53 list-hosted-zones-by-name --dns-name {res.zone} --max-items 1 '
            "--query 'HostedZones[0].Id' --output text)\" --query "
            f"\"ResourceRecordSets[?Name=='{res.record}'].[Failover,HealthCheckId]\"",
            "PRIMARY and SECONDARY, each with a health check of type RECOVERY_CONTROL on its "
            "routing control (`aws route53 get-health-check --health-check-id ID`)",
            ("health-checks",),
        ),
        _state(res.primary_control, "On").covering(("primary-serving",)),
        _state(res.dr_control, "Off").covering(("primary-serving",)),
    ]


def verifications(
    res: ArcRoutingControl, ctx: RunContext, action: str
) -> dict[str, list[HandCheck]]:
    if action == "failover":
        return {"route-to-dr": [_state(res.dr_control, "On"), _state(res.primary_control, "Off")]}
    return {"route-to-primary": [_state(res.primary_control, "On"), _state(res.dr_control, "Off")]}
