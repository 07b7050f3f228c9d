"""``global-accelerator``: traffic moved by the traffic dials of a Global Accelerator listener.

A standard accelerator answers on static anycast addresses and sends each client to an endpoint
group (one per Region) by proximity, health and the group's traffic dial. Failover dials the DR
group up to 100% and then the primary group down to 0% (so capacity never drops to zero in
between), and waits until the accelerator has deployed the change and DR has a healthy
endpoint; failback dials primary back to 100% and DR to the plan's ``dr_traffic_dial``.

The dials are changed through the Global Accelerator API, which is served from us-west-2 only:
independent of us-east-1 (where Route 53's control plane lives), but not of us-west-2. Global
Accelerator's own data plane also fails over without any call when a group has no healthy
endpoint, after its health checks' interval x threshold -- which readiness holds to the RTO.
With ``move: weights`` failover sets the primary group's endpoint weights to 0 instead, which
makes that same failover happen at once, whatever the dials (``weights.py``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from drctl.engine.context import RunContext
from drctl.engine.step import Check, Step
from drctl.kinds.contract import IamActions, Kind
from drctl.kinds.global_accelerator import checks, dial, weights
from drctl.kinds.sandboxing import SandboxBuild
from drctl.plan.models import GlobalAccelerator

_DIAL = (
    "globalaccelerator:DescribeAccelerator",
    "globalaccelerator:ListEndpointGroups",
    "globalaccelerator:DescribeEndpointGroup",
    "globalaccelerator:UpdateEndpointGroup",
)


class GlobalAcceleratorKind(Kind):
    name = "global-accelerator"
    model = GlobalAccelerator
    iam_actions: ClassVar[IamActions] = {
        "check": (
            "globalaccelerator:DescribeAccelerator",
            "globalaccelerator:ListListeners",
            "globalaccelerator:ListEndpointGroups",
        ),
        "failover": _DIAL,
        "failback": _DIAL,
    }
    moto_extensions = ("moto_global_accelerator",)

    def checks(self, res: Any, ctx: RunContext) -> list[Check]:
        return checks.checks(res, ctx)

    def failover(self, res: Any, ctx: RunContext) -> list[Step]:
        if res.move == "weights":
            return weights.failover(res, ctx)
        return dial.failover(res, ctx)

    def failback(self, res: Any, ctx: RunContext) -> list[Step]:
        if res.move == "weights":
            return weights.failback(res, ctx)
        return dial.failback(res, ctx)

    def build_sandbox(self, b: SandboxBuild, res: Any) -> None:
        from drctl.kinds.global_accelerator import sandbox

        sandbox.build(b, res)


KIND = GlobalAcceleratorKind()
