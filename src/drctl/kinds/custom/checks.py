"""Readiness of a custom resource: each action it names can be carried out -- the Lambda
function exists in its Region, the Automation document exists there (and is a runbook), the
command's program is found. Nothing of the team's runs here: a check that ran the ``check``
action would run team code on every ``drctl check``."""

from __future__ import annotations

from collections.abc import Callable

from drctl.engine.context import RunContext
from drctl.engine.step import Check, CheckResult, failed, passed, warned
from drctl.kinds.custom import api, command
from drctl.kinds.custom.step import NAME
from drctl.kinds.steps import check_maker
from drctl.plan.models import Custom, CustomAction, CustomSteps


def checks(res: Custom, ctx: RunContext) -> list[Check]:
    check = check_maker(res.name, NAME, f"{res.name} (custom)")
    out: list[Check] = []
    directions: list[tuple[str, CustomSteps | None]] = [
        ("failover", res.failover),
        ("failback", res.failback),
    ]
    for direction, steps in directions:
        if steps is None:
            out.append(check(f"{direction}-defined", f"the {direction} is written", _no_failback))
            continue
        for role in ("check", "run", "verify"):
            action: CustomAction | None = getattr(steps, role)
            if action is not None:
                out.append(
                    check(
                        f"{direction}-{role}",
                        f"the {direction} {role} action can be carried out",
                        _ready(action, ctx),
                    )
                )
    return out


def _no_failback() -> CheckResult:
    return warned("no failback: a failback will not undo this step; add failback: if it must")


def _ready(action: CustomAction, ctx: RunContext) -> Callable[[], CheckResult]:
    def run() -> CheckResult:
        if action.invoke is not None:
            inv = action.invoke
            region = ctx.region(inv.side.value)
            if api.function_exists(ctx.client("lambda", inv.side.value), inv.function):
                return passed(f"Lambda function {inv.function} exists in {region}")
            return failed(f"no Lambda function {inv.function} in {region}")
        if action.automation is not None:
            auto = action.automation
            region = ctx.region(auto.side.value)
            doc = api.automation_document(ctx.client("ssm", auto.side.value), auto.document)
            if doc is None:
                return failed(f"no SSM document {auto.document} in {region}")
            if doc.get("DocumentType") != "Automation":
                return failed(
                    f"SSM document {auto.document} in {region} is a {doc.get('DocumentType')} "
                    "document, not an Automation runbook"
                )
            return passed(f"Automation runbook {auto.document} exists in {region}")
        assert action.command is not None
        cmd = action.command
        cwd = command.working_directory(cmd, ctx.plan.directory)
        if not cwd.is_dir():
            return failed(f"working directory {cwd} does not exist")
        found = command.executable(cmd, ctx.plan.directory)
        if found is None:
            where = f"in {cwd}" if "/" in cmd.argv[0] else "on PATH"
            return failed(f"{cmd.argv[0]} is not found {where} (or not executable)")
        return passed(f"{cmd.argv[0]} is {found}")

    return run
