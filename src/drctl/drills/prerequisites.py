"""What the plan's drills and experiments need in AWS, as readiness checks for ``drctl check``.

A resource's own checks say whether it can fail over; they do not say whether the plan's
drills can run. A restore drill restores from a source in regions.dr (an rds-instance's
replicated automated backups); an experiment's FIS template needs its stop-condition alarms
(FIS takes alarm ARNs, so a missing alarm stops the experiment before it starts) and a role
FIS can assume. These checks read exactly that, each failure naming what is missing, so a
green ``drctl check`` predicts drills that can start. The engine's readiness is handed
:func:`checks` (it imports no drill), like it is handed the kinds.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import unquote

from drctl.aws import fis
from drctl.engine.context import RunContext
from drctl.engine.step import Check, CheckResult, failed, passed
from drctl.kinds.registry import registry
from drctl.kinds.steps import check_maker
from drctl.plan.models import DrillType, Experiment, Plan

FIS_PRINCIPAL = "fis.amazonaws.com"


def checks(plan: Plan, ctx: RunContext, only: Sequence[str] | None = None) -> list[Check]:
    """The checks of every restore drill's resource and of every experiment.

    With ``only`` (``drctl check --only NAME``), the restore checks of the named resources;
    experiments belong to no resource and are checked only when the whole plan is."""
    found: list[Check] = []
    seen: set[str] = set()
    by_name = {r.name: r for r in plan.resources}
    for drill in plan.drills:
        if drill.type != DrillType.RESTORE or drill.resource in seen:
            continue
        res = by_name.get(drill.resource or "")
        if res is None or (only and res.name not in only):
            continue
        seen.add(res.name)
        restore = registry().get(res.kind).restore
        if restore is not None:
            found.extend(restore.checks(res, ctx))
    if not only:
        for exp in plan.experiments:
            found.extend(experiment_checks(exp, ctx))
    return found


def experiment_checks(exp: Experiment, ctx: RunContext) -> list[Check]:
    """Each stop-condition alarm exists in the experiment's region, and FIS can assume the
    experiment's role there."""
    side = exp.region.value
    region = ctx.region(side)
    check = check_maker(exp.name, "experiment", f"experiment {exp.name} ({region})")
    made = [
        check(
            f"stop-condition-{condition.alarm}",
            f"the stop-condition alarm {condition.alarm} exists in {region}",
            _alarm_exists(exp, ctx, condition.alarm),
        )
        for condition in exp.stop_conditions
    ]
    made.append(
        check("fis-role", "the experiment's role exists and trusts FIS", _fis_role(exp, ctx))
    )
    return made


def _alarm_exists(exp: Experiment, ctx: RunContext, alarm: str) -> Any:
    side = exp.region.value

    def run() -> CheckResult:
        region = ctx.region(side)
        arn = fis.alarm_arn(ctx.client("cloudwatch", side), alarm)
        if arn is None:
            return failed(
                f"stop-condition alarm {alarm} of experiment {exp.name} does not exist in "
                f"{region}: FIS cannot start the experiment without it",
                observed=None,
                threshold=alarm,
            )
        return passed(f"stop-condition alarm {alarm} exists in {region}", observed=arn)

    return run


def _fis_role(exp: Experiment, ctx: RunContext) -> Any:
    side = exp.region.value
    name = exp.role_arn.rsplit("/", 1)[-1]

    def run() -> CheckResult:
        role = fis.role(ctx.client("iam", side), name)
        if role is None or role.get("Arn") != exp.role_arn:
            return failed(
                f"FIS role {exp.role_arn} of experiment {exp.name} does not exist in the "
                f"account of regions.{side}",
                observed=role.get("Arn") if role else None,
                threshold=exp.role_arn,
            )
        if not trusts_fis(role.get("AssumeRolePolicyDocument")):
            return failed(
                f"FIS role {exp.role_arn} does not trust {FIS_PRINCIPAL}: FIS cannot assume it",
                observed=role.get("AssumeRolePolicyDocument"),
                threshold=FIS_PRINCIPAL,
            )
        return passed(f"FIS role {exp.role_arn} exists and trusts {FIS_PRINCIPAL}")

    return run


def trusts_fis(document: Any) -> bool:
    """Whether a trust policy allows ``fis.amazonaws.com`` to ``sts:AssumeRole`` (IAM returns
    it URL-encoded; boto3 usually decodes it already)."""
    if isinstance(document, str):
        try:
            document = json.loads(unquote(document))
        except ValueError:
            return False
    statements = document.get("Statement", []) if isinstance(document, dict) else []
    if isinstance(statements, dict):
        statements = [statements]
    for statement in statements:
        if statement.get("Effect") != "Allow":
            continue
        actions = statement.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        services = (statement.get("Principal") or {}).get("Service", [])
        services = [services] if isinstance(services, str) else services
        if FIS_PRINCIPAL in services and {"sts:AssumeRole", "sts:*", "*"} & set(actions):
            return True
    return False
