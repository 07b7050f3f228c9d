"""``arc-routing-control``: traffic moved by Route 53 ARC routing controls.

Route 53's API (ChangeResourceRecordSets, UpdateHealthCheck) is a control plane hosted in
us-east-1, and AWS advises against depending on a control plane to recover. An ARC routing
control is a switch kept on a cluster of five regional endpoints (at least three always up);
failover records carry ``RECOVERY_CONTROL`` health checks that follow the switches, so
flipping them moves DNS traffic through the data plane alone.

Readiness: cluster and controls exist, a safety rule keeps one control On, the failover
records follow the controls, and primary is serving; ``check`` keeps the ARNs and endpoints
(:mod:`.targets`). Failover: DR On and primary Off in one ``UpdateRoutingControlStates``, on
whichever endpoint answers first; failback the reverse.
"""

from __future__ import annotations

from typing import Any, ClassVar

from drctl.engine.context import RunContext
from drctl.engine.step import Check, Step
from drctl.kinds.arc_routing_control import checks, discover, switch
from drctl.kinds.contract import IamActions, Kind
from drctl.kinds.sandboxing import SandboxBuild
from drctl.plan.models import ArcRoutingControl

_RESOLVE = (
    "route53-recovery-control-config:DescribeCluster",
    "route53-recovery-control-config:ListClusters",
    "route53-recovery-control-config:ListControlPanels",
    "route53-recovery-control-config:DescribeRoutingControl",
    "route53-recovery-control-config:ListRoutingControls",
)
_SWITCH = (
    "route53-recovery-cluster:GetRoutingControlState",
    "route53-recovery-cluster:UpdateRoutingControlStates",
)


class ArcRoutingControlKind(Kind):
    name = "arc-routing-control"
    model = ArcRoutingControl
    iam_actions: ClassVar[IamActions] = {
        "check": (
            *_RESOLVE,
            "route53-recovery-control-config:ListSafetyRules",
            "route53-recovery-cluster:GetRoutingControlState",
            "route53:ListHostedZonesByName",
            "route53:ListResourceRecordSets",
            "route53:GetHealthCheck",
            "route53:GetHealthCheckStatus",
        ),
        # Resolving is needed only when no check kept the targets beforehand.
        "failover": (*_RESOLVE, *_SWITCH),
        "failback": (*_RESOLVE, *_SWITCH),
        "discover": (
            "route53:ListHostedZones",
            "route53:ListTagsForResources",
            "route53:ListResourceRecordSets",
            "route53:GetHealthCheck",
            "route53-recovery-control-config:DescribeRoutingControl",
            "route53-recovery-control-config:DescribeControlPanel",
            "route53-recovery-control-config:DescribeCluster",
        ),
    }
    moto_extensions = ("moto_arc", "moto_recovery_health")
    discover = staticmethod(discover.discover)

    def checks(self, res: Any, ctx: RunContext) -> list[Check]:
        return checks.checks(res, ctx)

    def failover(self, res: Any, ctx: RunContext) -> list[Step]:
        return switch.failover(res, ctx)

    def failback(self, res: Any, ctx: RunContext) -> list[Step]:
        return switch.failback(res, ctx)

    def build_sandbox(self, b: SandboxBuild, res: Any) -> None:
        from drctl.kinds.arc_routing_control import sandbox

        sandbox.build(b, res)


KIND = ArcRoutingControlKind()
