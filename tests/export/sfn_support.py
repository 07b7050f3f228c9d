"""Running an exported definition in moto's Step Functions interpreter, and reading back the
AWS state a failover leaves (to compare the two engines resource by resource)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from drctl.engine.run import step_graph
from drctl.engine.settings import default_settings, make_context
from drctl.export.stepfunctions import Target, definition, roles_of
from drctl.kinds.registry import registry
from drctl.plan.loader import LoadedPlan, load_plan
from tests.support import build_sandbox

ROLE = "arn:aws:iam::123456789012:role/drctl-stepfunctions"


@contextmanager
def sandbox(plan_path: Path) -> Iterator[LoadedPlan]:
    """``plan_path`` built in a fresh in-process moto that executes state machines."""
    from moto import mock_aws

    from drctl.kinds.sandboxing import aws_time
    from drctl.sandbox.extensions import install

    install()
    config: Any = {
        "core": {"reset_boto3_session": False},
        "stepfunctions": {"execute_state_machine": True},
    }
    try:
        with mock_aws(config=config):
            loaded = load_plan(str(plan_path))
            build_sandbox(loaded.plan, default_settings())
            yield loaded
    finally:
        aws_time.reset()


def export(
    loaded: LoadedPlan, action: str = "failover", mode: str = "unplanned",
    only: Sequence[str] = (), recorded: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The definition ``drctl export stepfunctions`` writes; a failback's restores
    ``recorded`` (what the failover it undoes journaled, by step id)."""
    plan = loaded.plan
    ctx = make_context(plan, default_settings(), mode=mode)
    ctx.recorded = dict(recorded or {})
    graph = step_graph(plan, ctx, registry(), action, list(only))
    return definition(
        graph,
        Target(
            app=plan.app,
            action=action,
            mode=mode,
            region=plan.regions.dr,
            default_timeout_seconds=float(plan.effective_objectives().rto_seconds),
            topic_arn=plan.notifications.sns_topic_arn if plan.notifications else None,
            roles=roles_of(plan),
        ),
    )


@dataclass
class Execution:
    arn: str
    status: str
    error: str | None
    history: list[dict[str, Any]]
    seconds: float  # wall time

    @property
    def entered(self) -> list[str]:
        """Names of the states entered, in order (each one a state transition)."""
        return [
            e["stateEnteredEventDetails"]["name"]
            for e in self.history
            if e["type"].endswith("StateEntered")
        ]


def machine(document: dict[str, Any], region: str, name: str = "drctl") -> str:
    """Create the state machine, and the Region proxy its cross-Region tasks invoke, as
    ``drctl deploy stepfunctions`` does (the proxy runs as the machine's role)."""
    from drctl.aws.stepfunctions import ensure_proxy, ensure_role
    from drctl.export.iam import role_policy

    sfn = boto3.client("stepfunctions", region_name=region)
    proxies = proxy_functions(document)
    if proxies:
        role = ensure_role(
            boto3.client("iam", region_name=region), ROLE.rsplit("/", 1)[1],
            role_policy(document, []), "drctl tests", lambda_too=True,
        )  # fmt: skip
        for function in proxies:
            ensure_proxy(boto3.client("lambda", region_name=region), function, role, "tests")
    return str(
        sfn.create_state_machine(name=name, definition=json.dumps(document), roleArn=ROLE)[
            "stateMachineArn"
        ]
    )


def proxy_functions(document: dict[str, Any]) -> set[str]:
    """The Region proxy functions ``document``'s tasks invoke."""
    return {str(state["Parameters"]["FunctionName"]) for state in _proxy_states(document["States"])}


def _proxy_states(states: dict[str, Any]) -> list[dict[str, Any]]:
    from drctl.export.stepfunctions import proxied_call

    found: list[dict[str, Any]] = []
    for state in states.values():
        for branch in state.get("Branches", []):
            found.extend(_proxy_states(branch["States"]))
        if proxied_call(state) is not None:
            found.append(state)
    return found


def zip_of(source: str, name: str = "drctl_region_proxy.py") -> bytes:
    """A deployment package holding ``source`` as ``name``."""
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(name, source)
    return out.getvalue()


def start(arn: str, region: str, name: str, payload: dict[str, Any]) -> str:
    sfn = boto3.client("stepfunctions", region_name=region)
    return str(
        sfn.start_execution(stateMachineArn=arn, name=name, input=json.dumps(payload))[
            "executionArn"
        ]
    )


def follow(execution_arn: str, region: str, *, until_not: str = "RUNNING") -> Execution:
    """Poll until the execution leaves RUNNING (or, ``until_not=""``, return at once)."""
    sfn = boto3.client("stepfunctions", region_name=region)
    started = time.monotonic()
    while True:
        described = sfn.describe_execution(executionArn=execution_arn)
        if described["status"] != until_not or time.monotonic() - started > 60:
            break
        time.sleep(0.05)  # each poll takes the GIL from the execution's thread
    history = sfn.get_execution_history(executionArn=execution_arn, maxResults=1000)["events"]
    return Execution(
        execution_arn,
        described["status"],
        described.get("error"),
        history,
        time.monotonic() - started,
    )


def run(
    loaded: LoadedPlan, *, mode: str = "unplanned", name: str = "run-1",
    payload: dict[str, Any] | None = None, only: Sequence[str] = (),
) -> Execution:  # fmt: skip
    """Export, create the state machine (once), execute, wait for the end."""
    region = loaded.plan.regions.dr
    sfn = boto3.client("stepfunctions", region_name=region)
    existing = sfn.list_state_machines()["stateMachines"]
    arn = (
        existing[0]["stateMachineArn"]
        if existing
        else machine(export(loaded, mode=mode, only=only), region)
    )
    return follow(start(arn, region, name, payload or {"rpo_gate": {"ok": True}}), region)


def run_approving(
    loaded: LoadedPlan, *, mode: str, name: str, action: str = "failover",
    only: Sequence[str] = (), recorded: dict[str, dict[str, Any]] | None = None,
) -> Execution:  # fmt: skip
    """``run``, approving each manual step as soon as the execution asks (what an on-call
    person does with ``drctl approve``). The state machine of ``action`` is created once.
    A machine without a ``waitForTaskToken`` task never asks: it is only followed."""
    from drctl.aws.stepfunctions import send_approval, waiting_approvals

    region = loaded.plan.regions.dr
    sfn = boto3.client("stepfunctions", region_name=region)
    existing = [
        m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"]
        if m["name"] == f"drctl-{action}"
    ]  # fmt: skip
    arn = (
        existing[0]
        if existing
        else machine(
            export(loaded, action=action, mode=mode, only=only, recorded=recorded), region,
            name=f"drctl-{action}",
        )
    )  # fmt: skip
    asks = "waitForTaskToken" in sfn.describe_state_machine(stateMachineArn=arn)["definition"]
    started = time.monotonic()
    sent: set[str] = set()
    execution = start(arn, region, name, {"rpo_gate": {"ok": True}})
    deadline = started + 60
    while asks and time.monotonic() < deadline:
        if sfn.describe_execution(executionArn=execution)["status"] != "RUNNING":
            break
        reading = time.monotonic()
        for token in waiting_approvals(sfn, execution).values():
            if token not in sent:  # the history may not show the answer yet
                send_approval(sfn, token, "on-call@example.com")
                sent.add(token)
        # The whole history is read (and serialized by moto) each time, under the GIL the
        # execution's thread needs: the pause is four times the read, so the reads take at
        # most a fifth of the time whatever the history's length.
        time.sleep(max(0.05, 4 * (time.monotonic() - reading)))
    finished = follow(execution, region)
    finished.seconds = time.monotonic() - started
    return finished
