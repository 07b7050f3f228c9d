"""The ARNs and cluster endpoints a failover needs, resolved before it is needed.

The ARC configuration API and Route 53 are control planes: AWS advises not to depend on them
during recovery. ``drctl check`` (and any run that can reach them) resolves the cluster's
regional endpoints and the two routing-control ARNs and keeps them in the plan's state
directory (owner-only); a failover reads them from there and journals them with its step, so
it makes no control-plane call at all. Only when nothing was kept (no ``check`` since the state
directory was created) does a failover resolve them itself, and says so in its step detail.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from drctl.engine.context import RunContext
from drctl.engine.journal import PRIVATE_FILE, private_dir
from drctl.errors import AwsError
from drctl.kinds.arc_routing_control import api
from drctl.plan.models import ArcRoutingControl

PLACEHOLDER = api.Targets(
    cluster_arn="<cluster-arn>",
    endpoints=(("<region>", "<cluster-endpoint>"),),
    primary_arn="<primary-routing-control-arn>",
    dr_arn="<dr-routing-control-arn>",
)


def _path(res: ArcRoutingControl, ctx: RunContext) -> Path | None:
    if ctx.state_dir is None:
        return None
    return ctx.state_dir / "arc" / f"{ctx.plan.app}.{res.name}.json"


def kept(res: ArcRoutingControl, ctx: RunContext) -> api.Targets | None:
    """The targets the last ``check`` kept, or None."""
    path = _path(res, ctx)
    if path is None or not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
        if data.get("resource") != res.model_dump(mode="json"):
            return None  # the plan's resource changed since: resolve again
        return api.Targets.from_dict(data["targets"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def keep(res: ArcRoutingControl, ctx: RunContext, targets: api.Targets) -> None:
    path = _path(res, ctx)
    if path is None:
        return
    private_dir(path.parent)
    text = json.dumps(
        {"resource": res.model_dump(mode="json"), "targets": targets.to_dict()}, indent=2
    )
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


def resolve(res: ArcRoutingControl, ctx: RunContext) -> api.Targets:
    """Read the targets from the ARC configuration API (a control plane) and keep them."""

    def compute() -> api.Targets:
        config = ctx.sessions.client(api.CONFIG_SERVICE, api.CONFIG_REGION, "global")
        cluster = api.find_cluster(config, res.cluster)
        if cluster is None:
            raise AwsError(f"{res.name}: ARC cluster {res.cluster} not found")
        panel_arn = None
        if res.control_panel is not None:
            panel = api.find_control_panel(config, cluster["ClusterArn"], res.control_panel)
            if panel is None:
                raise AwsError(f"{res.name}: control panel {res.control_panel} not found")
            panel_arn = panel["ControlPanelArn"]
        arns = []
        for ref in (res.primary_control, res.dr_control):
            control = api.find_routing_control(config, panel_arn, ref)
            if control is None:
                raise AwsError(f"{res.name}: routing control {ref} not found")
            arns.append(str(control["RoutingControlArn"]))
        endpoints = tuple(
            (str(e["Region"]), str(e["Endpoint"])) for e in cluster.get("ClusterEndpoints", [])
        )
        targets = api.Targets(cluster["ClusterArn"], endpoints, arns[0], arns[1])
        keep(res, ctx, targets)
        return targets

    return ctx.memo.get(("arc", "targets", res.name), compute)


def for_failover(res: ArcRoutingControl, ctx: RunContext) -> tuple[api.Targets, str]:
    """(targets, where they came from) for a failover or failback step."""
    if ctx.offline:
        return PLACEHOLDER, "placeholders (plan show builds steps offline)"
    found = kept(res, ctx)
    if found is not None:
        return found, "kept by the last check (no control-plane call)"
    return resolve(res, ctx), "resolved now from the ARC configuration API (run check first)"
