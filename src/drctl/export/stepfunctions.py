"""A run's step graph as an Amazon States Language definition, for AWS Step Functions.

The definition is generated from the same :class:`~drctl.engine.graph.StepGraph` the CLI
engine runs, so the two engines cannot drift: each phase rank is a ``Parallel`` state whose
branches are the groups of steps that wait for one another (run in their order); branches of
one rank run side by side, and a rank starts when the previous one is done, as the CLI
scheduler's phase barrier does. Each step, from its declarative form
(:class:`~drctl.engine.declarative.SfnStep`):

* precheck: a describe task and a Choice -- when its effect is already there, skip it;
* run: its AWS SDK calls in order (``arn:aws:states:::aws-sdk:<service>:<action>``);
* verify: describe, Choice, Wait -- until it holds, or fail after the step's timeout;
* manual: an SNS message carrying the task token; ``drctl approve`` sends it back.

The RPO gate is the first state: the starter (``drctl failover --engine stepfunctions``)
measures replication lag where CloudWatch can be read and passes the verdict in the
execution input; a planned execution without a passing verdict stops before any step.
Every SDK task retries on throttling.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from drctl.aws.sdk_fields import call_problems, definition_problems
from drctl.aws.stepfunctions import PROXY_RESOURCE, STEP_ATTRIBUTE, TOKEN_ATTRIBUTE, proxy_name
from drctl.engine.declarative import (
    Compute,
    Each,
    Let,
    Newest,
    NoDeclarativeForm,
    Probe,
    Rule,
    SdkCall,
    SfnStep,
)
from drctl.engine.graph import StepGraph
from drctl.engine.step import Step
from drctl.errors import DrctlError, UsageError
from drctl.export.validate import problems
from drctl.plan.models import Plan

MAX_STATE_NAME = 80  # Amazon States Language limit on a state's name
MANUAL_TIMEOUT_SECONDS = 86_400  # a person has a day to answer before the execution fails
THROTTLING = (
    "ThrottlingException",
    "ThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceededException",
    "PriorRequestNotCompleteException",
)
# How Step Functions spells a service in error names (ServiceName.ErrorName, PascalCase).
_ERROR_SERVICE = {
    "rds": "Rds",
    "route53": "Route53",
    "s3": "S3",
    "dynamodb": "DynamoDb",
    "autoscaling": "AutoScaling",
    "ecs": "Ecs",
    "elasticache": "ElastiCache",
    "globalaccelerator": "GlobalAccelerator",
    "route53recoverycluster": "Route53RecoveryCluster",
    "secretsmanager": "SecretsManager",
    "sns": "Sns",
}
GATE_STATE = "RPO gate"
# What AWS says of a task that calls another Region than the state machine's.
CROSS_REGION_DOC = (
    "https://docs.aws.amazon.com/step-functions/latest/dg/concepts-access-cross-acct-resources.html"
)
CROSS_REGION_NOTE = (
    "Step Functions calls AWS services only in the state machine's own Region "
    f"({CROSS_REGION_DOC}): these tasks invoke drctl's Region proxy, a Lambda function that "
    "drctl deploy stepfunctions creates beside the state machine and that makes each call in "
    "its Region"
)
# Errors of the Lambda service itself that AWS advises retrying on a lambda:invoke task.
LAMBDA_TRANSIENT = (
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
)
APPROVAL_SUFFIX = "wait for approval"
EACH_START = "each: start"


@dataclass(frozen=True)
class Target:
    """Where and what the definition is for."""

    app: str
    action: str  # failover | failback
    mode: str  # planned | unplanned
    region: str  # the state machine's Region (the plan's DR Region)
    default_timeout_seconds: float  # a step without its own timeout: the plan's RTO
    topic_arn: str | None = None  # the plan's notifications.sns_topic_arn
    roles: dict[str, str] = field(default_factory=dict)  # side -> the plan's accounts role


def roles_of(plan: Plan) -> dict[str, str]:
    """The plan's ``accounts`` roles by side: the tasks of a side act through its role."""
    roles: dict[str, str] = {}
    if plan.accounts is not None:
        for side in ("primary", "dr"):
            spec = getattr(plan.accounts, side)
            if spec is not None:
                roles[side] = spec.role_arn
    return roles


def declarative_forms(graph: StepGraph) -> dict[str, SfnStep]:
    """Every step's declarative form; a step without one is a usage error naming them all."""
    forms: dict[str, SfnStep] = {}
    missing: list[str] = []
    reasons: list[str] = []
    for step in graph.steps:
        try:
            form = step.sfn() if step.sfn is not None else None
        except NoDeclarativeForm as refused:
            form = None
            reasons.append(f"{step.id}: {refused.reason}")
        if form is None:
            missing.append(step.id)
        else:
            forms[step.id] = form
    if missing:
        raise UsageError(
            f"cannot run on Step Functions: {', '.join(missing)} "
            f"{'has' if len(missing) == 1 else 'have'} no declarative form (only the CLI "
            "engine can run them)" + (f" -- {'; '.join(reasons)}" if reasons else ""),
            hint="run those steps with drctl failover (or leave them out with --only); "
            "a step whose AWS ids cannot be read now (offline, unreachable) has none either",
        )
    return forms


def branches(graph: StepGraph, rank: int) -> list[list[Step]]:
    """The steps of one phase rank in groups that wait for one another (connected by
    ``depends_on`` within the rank), each group in the graph's execution order."""
    level = [s for s in graph.steps if s.phase.rank == rank]
    ids = {s.id for s in level}
    parent = {s.id: s.id for s in level}

    def root(sid: str) -> str:
        while parent[sid] != sid:
            parent[sid] = parent[parent[sid]]
            sid = parent[sid]
        return sid

    for step in level:
        for dep in graph.deps[step.id] & ids:
            parent[root(dep)] = root(step.id)
    groups: dict[str, list[Step]] = {}
    for step in level:  # graph order is topological: each group keeps it
        groups.setdefault(root(step.id), []).append(step)
    return list(groups.values())


def definition(graph: StepGraph, target: Target) -> dict[str, Any]:
    """The state machine definition (a JSON-able dict) running ``graph``."""
    if not graph.steps:
        raise UsageError(
            f"{target.app} has no {target.action} steps to export",
            hint="a plan of plans (include:) is exported plan by plan: export each plan it "
            "includes",
        )
    forms = declarative_forms(graph)
    document = _Builder(target, forms).build(graph)
    found = problems(document)
    if found:
        raise DrctlError(f"internal: the generated definition is malformed: {'; '.join(found)}")
    unsupported = unsupported_fields(document)
    if unsupported:
        raise DrctlError(
            f"internal: the generated definition names fields AWS does not have: "
            f"{'; '.join(unsupported)}"
        )
    return document


def unsupported_fields(definition_: dict[str, Any]) -> list[str]:
    """Every field of an AWS SDK call in ``definition_`` that its API does not have, as
    Step Functions would refuse it at ``CreateStateMachine``; a call through the Region proxy
    too, which AWS would only refuse when it runs (:mod:`drctl.aws.sdk_fields`)."""
    found = definition_problems(definition_)
    for name, call in proxied_calls(definition_):
        where = f"/States/{name}/Parameters/Payload/Parameters"
        found += call_problems(
            str(call["Service"]), str(call["Action"]), call.get("Parameters") or {}, where
        )
    return found


def cross_region_calls(definition_: dict[str, Any]) -> list[str]:
    """``<state>: <service>:<action> in <region>`` for every task that calls another Region
    than the state machine's, through the Region proxy (see :data:`CROSS_REGION_NOTE`)."""
    return [
        f"{name}: {call['Service']}:{call['Action']} in {call['Region']}"
        for name, call in proxied_calls(definition_)
        if not call.get("Endpoints")  # an ARC cluster's endpoints: not another Region's
    ]


def proxied_calls(definition_: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(state name, call) of every task that invokes the Region proxy."""
    found: list[tuple[str, dict[str, Any]]] = []

    def scan(states: dict[str, Any]) -> None:
        for name, state in states.items():
            for branch in state.get("Branches", []):
                scan(branch["States"])
            call = proxied_call(state)
            if call is not None:
                found.append((name, call))

    scan(definition_["States"])
    return found


def proxied_call(state: dict[str, Any]) -> dict[str, Any] | None:
    """The call a Region proxy task makes (its Payload), or None for any other state."""
    if state.get("Type") != "Task" or state.get("Resource") != PROXY_RESOURCE:
        return None
    payload = state.get("Parameters", {}).get("Payload")
    if isinstance(payload, dict) and {"Region", "Service", "Action"} <= payload.keys():
        return payload
    return None


def state_transitions(definition_: dict[str, Any]) -> int:
    """State transitions of one execution that finds every step already done (each
    precheck holds; a step without one verifies once). Step Functions Standard bills per
    transition; a step that acts adds one per call, and its wait loop four per poll (verify,
    Choice, Wait, count) -- see docs/engines.md."""
    return _count(definition_["States"], definition_["StartAt"])


def _count(states: dict[str, Any], start: str) -> int:
    count, name = 0, start
    seen: set[str] = set()
    while name and name not in seen:
        seen.add(name)
        state = states[name]
        count += 1
        if state["Type"] == "Parallel":
            count += sum(_count(b["States"], b["StartAt"]) for b in state["Branches"])
        name = _skip_next(state)
    return count


def _skip_next(state: dict[str, Any]) -> str:
    """The next state on the already-done path: a Choice takes its first rule."""
    if state["Type"] == "Choice":
        return str(state["Choices"][0]["Next"])
    return str(state.get("Next", ""))


class _Builder:
    def __init__(self, target: Target, forms: dict[str, SfnStep]) -> None:
        self.target = target
        self.forms = forms
        self.cross_region: set[str] = set()

    # ------------------------------------------------------------------ the machine

    def build(self, graph: StepGraph) -> dict[str, Any]:
        t = self.target
        states: dict[str, Any] = {}
        ranks = sorted({s.phase.rank for s in graph.steps})
        phase_names = [self._phase_name(graph, r) for r in ranks]
        first_after_gate = "Notify started" if t.topic_arn else (phase_names or ["Succeeded"])[0]
        states[GATE_STATE] = self._gate(first_after_gate)
        if t.mode == "planned":
            states["RPO gate refused"] = {
                "Type": "Fail",
                "Error": "drctl.RpoGateRefused",
                "Cause": "no passing RPO verdict in the input: start with drctl "
                f"{t.action} --engine stepfunctions (it measures replication lag), or pass "
                '{"accept_data_loss": true} to accept the loss',
            }
        if t.topic_arn:
            states["Notify started"] = self._publish(
                f"{t.action} of {t.app} started on Step Functions",
                "States.Format('drctl {} of {} ({}) started: execution {}', "
                f"'{t.action}', '{t.app}', '{t.mode}', $$.Execution.Id)",
                next_=(phase_names or ["Notify succeeded"])[0],
            )
        done = "Notify succeeded" if t.topic_arn else "Succeeded"
        failed = "Notify failed" if t.topic_arn else "Failed"
        for i, rank in enumerate(ranks):
            name = phase_names[i]
            nxt = phase_names[i + 1] if i + 1 < len(ranks) else done
            states[name] = {
                "Type": "Parallel",
                "Comment": "steps that do not wait for one another run side by side",
                "Branches": [self._branch(group) for group in branches(graph, rank)],
                "ResultPath": None,
                "Next": nxt,
                "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": failed}],
            }
        if t.topic_arn:
            states["Notify succeeded"] = self._publish(
                f"{t.action} of {t.app} succeeded",
                "States.Format('drctl {} of {} succeeded: execution {}', "
                f"'{t.action}', '{t.app}', $$.Execution.Id)",
                next_="Succeeded",
            )
            states["Notify failed"] = {
                **self._publish(
                    f"{t.action} of {t.app} FAILED",
                    "States.Format('drctl {} of {} failed: {} ({}); execution {}', "
                    f"'{t.action}', '{t.app}', $.error.Error, $.error.Cause, $$.Execution.Id)",
                    next_="Failed",
                ),
                # A notification that cannot be sent must not hide why the run failed.
                "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": None, "Next": "Failed"}],
            }
        states["Succeeded"] = {"Type": "Succeed"}
        states["Failed"] = {
            "Type": "Fail",
            "Error": "drctl.RunFailed",
            "Cause": f"a step of the {t.action} failed: see the execution's history",
        }
        comment = (
            f"drctl {t.action} of {t.app} ({t.mode}), generated by drctl export stepfunctions "
            "from the plan: regenerate it after editing the plan."
        )
        if not t.topic_arn:
            comment += (
                " The plan has no notifications.sns_topic_arn: no notification states (the "
                "CLI engine sends none either); a manual step's request is an event on the "
                f"default event bus of {t.region} (source drctl), answered with drctl approve."
            )
        if self.cross_region:
            comment += (
                " Calls to another Region than the state machine's: "
                + ", ".join(sorted(self.cross_region))
                + ". "
                + CROSS_REGION_NOTE
                + "."
            )
        return {"Comment": comment, "StartAt": GATE_STATE, "States": states}

    def _phase_name(self, graph: StepGraph, rank: int) -> str:
        labels = sorted(
            {s.phase.label for s in graph.steps if s.phase.rank == rank},
            key=lambda lbl: ["fence", "data", "compute", "traffic", "notify"].index(lbl),
        )
        return f"Phase {rank}: {' and '.join(labels)}"

    def _gate(self, next_: str) -> dict[str, Any]:
        if self.target.mode == "unplanned":
            return {
                "Type": "Pass",
                "Comment": "unplanned: the primary may be gone; lag is journaled, not enforced",
                "Next": next_,
            }
        return {
            "Type": "Choice",
            "Comment": "planned: replication lag within the RPO, measured by the starter "
            "(drctl failover --engine stepfunctions), or data loss accepted",
            "Choices": [
                {
                    "Or": [
                        {
                            "And": [
                                {"Variable": "$.rpo_gate.ok", "IsPresent": True},
                                {"Variable": "$.rpo_gate.ok", "BooleanEquals": True},
                            ]
                        },
                        {
                            "And": [
                                {"Variable": "$.accept_data_loss", "IsPresent": True},
                                {"Variable": "$.accept_data_loss", "BooleanEquals": True},
                            ]
                        },
                    ],
                    "Next": next_,
                }
            ],
            "Default": "RPO gate refused",
        }

    def _publish(self, subject: str, message_expr: str, *, next_: str) -> dict[str, Any]:
        return {
            "Type": "Task",
            "Resource": "arn:aws:states:::sns:publish",
            "Parameters": {
                "TopicArn": self.target.topic_arn,
                "Subject": subject[:100],
                "Message.$": message_expr,
            },
            "ResultPath": None,
            "Retry": [_throttle_retry("sns")],
            "Next": next_,
        }

    # ------------------------------------------------------------------ a branch

    def _branch(self, steps: Sequence[Step]) -> dict[str, Any]:
        states: dict[str, Any] = {}
        firsts = [self._name(s, self._first_suffix(self.forms[s.id])) for s in steps]
        for i, step in enumerate(steps):
            after = firsts[i + 1] if i + 1 < len(steps) else None
            states.update(self._step(step, self.forms[step.id], after))
        return {"StartAt": firsts[0], "States": states}

    @staticmethod
    def _first_suffix(form: SfnStep) -> str:
        if form.parts:
            return f"part 1: {_Builder._first_suffix(form.parts[0])}"
        if form.manual is not None:
            return APPROVAL_SUFFIX
        if form.lookup is not None:
            return "lookup"
        if form.skip_if:
            return "skip if 1"
        if form.precheck is not None:
            return "precheck"
        if form.each is not None:
            return EACH_START
        if form.newest is not None:
            return "list"
        if form.compute:
            return _compute_suffix(form.compute, 1)
        if form.run:
            return "call 1"
        return "start verify" if form.verify is not None else "done"

    def _step(
        self, step: Step, form: SfnStep, after: str | None, prefix: str = ""
    ) -> dict[str, Any]:
        """The states of ``step`` (or of one of its parts: ``prefix`` names it), ending at
        ``after`` (the next step of the branch, or the next part)."""

        def n(suffix: str) -> str:
            return self._name(step, prefix + suffix)

        if form.parts:
            return self._parts(step, form.parts, after, prefix)

        def then(state: dict[str, Any], nxt: str | None) -> dict[str, Any]:
            return {**state, "Next": nxt} if nxt else {**state, "End": True}

        states: dict[str, Any] = {}
        done = n("done")
        states[done] = then({"Type": "Pass", "Comment": f"{step.id} done"}, after)
        finish = done  # where a verified step goes: its ``after`` calls, then done
        for i in range(len(form.after), 0, -1):
            states[n(f"after {i}")] = self._task(form.after[i - 1], result=None, next_=finish)
            finish = n(f"after {i}")
        if form.manual is not None:
            states[n(APPROVAL_SUFFIX)] = self._approval(step, form.manual, done)
            return states
        verify_start = n("start verify") if form.verify is not None else finish
        first_call = n("call 1") if form.run else verify_start
        if form.compute:
            states.update(self._compute(step, form.compute, n, first_call))
            first_call = n(_compute_suffix(form.compute, 1))
        if form.newest is not None:
            states.update(self._newest(step, form.newest, n, first_call))
            first_call = n("list")
        if form.each is not None:
            states.update(self._each(step, form.each, n, first_call))
            first_call = n(EACH_START)
        if form.precheck is not None:
            precheck = self._probe(form.precheck, next_=n("done already?"))
            if form.unreachable_note:
                states[n("unreachable")] = then(
                    {"Type": "Pass", "Comment": form.unreachable_note, "ResultPath": None}, after
                )
                precheck["Catch"] = [
                    {"ErrorEquals": ["States.ALL"], "ResultPath": None, "Next": n("unreachable")}
                ]
            states.update(
                self._missing(form.precheck, precheck, n("precheck missing"), n("done already?"))
            )
            states[n("precheck")] = precheck
            states[n("done already?")] = {
                "Type": "Choice",
                "Choices": [
                    {**_rooted(form.precheck.holds, self._root(precheck, "$.probe")), "Next": done}
                ],
                "Default": first_call,
            }
            if form.precheck.fails is not None:
                states.update(self._precheck_fails(step, form.precheck, precheck, n, first_call))
        if form.skip_if:
            body = n("precheck") if form.precheck is not None else first_call
            states.update(self._skip_if(form.skip_if, n, done, body))
        if form.lookup is not None:
            first = n(_Builder._first_suffix(replace(form, lookup=None)))
            lookup = self._task(form.lookup.call, result="$.lookup", next_=first)
            if form.lookup.select:
                lookup["ResultSelector"] = {
                    f"{k}.$": self._answer_path(lookup, v) for k, v in form.lookup.select.items()
                }
            elif self._root(lookup, "$.lookup") != "$.lookup":
                states[n("lookup answer")] = {
                    "Type": "Pass", "InputPath": "$.lookup.Payload", "ResultPath": "$.lookup",
                    "Next": first,
                }  # fmt: skip
                lookup["Next"] = n("lookup answer")
            if form.lookup.missing:
                states[n("lookup missing")] = {
                    "Type": "Pass", "Result": form.lookup.missing_answer, "ResultPath": "$.lookup",
                    "Next": first,
                }  # fmt: skip
                lookup["Catch"] = [
                    {"ErrorEquals": list(form.lookup.missing), "ResultPath": None,
                     "Next": n("lookup missing")}
                ]  # fmt: skip
            states[n("lookup")] = lookup
        for i, call in enumerate(form.run, start=1):
            nxt = n(f"call {i + 1}") if i < len(form.run) else verify_start
            task = self._task(call, result=call.result_path, next_=nxt)
            if call.result_path and self._root(task, call.result_path) != call.result_path:
                # Later calls read the answer where an SDK task puts it: unwrap the proxy's.
                states[n(f"call {i} answer")] = {
                    "Type": "Pass",
                    "InputPath": f"{call.result_path}.Payload",
                    "ResultPath": call.result_path,
                    "Next": nxt,
                }
                task["Next"] = n(f"call {i} answer")
            if call.tolerate_failure:
                task["Catch"] = [{"ErrorEquals": ["States.ALL"], "ResultPath": None, "Next": nxt}]
            states[n(f"call {i}")] = task
        if form.verify is not None:
            states.update(self._wait_loop(step, form.verify, n, finish))
        return states

    def _parts(
        self, step: Step, parts: Sequence[SfnStep], after: str | None, prefix: str
    ) -> dict[str, Any]:
        """Each part's states, in order: part k ends where part k+1 begins."""
        names = [f"{prefix}part {k}: " for k in range(1, len(parts) + 1)]
        states: dict[str, Any] = {}
        for k, part in enumerate(parts):
            nxt = (
                self._name(step, names[k + 1] + self._first_suffix(parts[k + 1]))
                if k + 1 < len(parts)
                else after
            )
            states.update(self._step(step, part, nxt, names[k]))
        return states

    def _skip_if(
        self, probes: Sequence[Probe], n: Any, done: str, otherwise: str
    ) -> dict[str, Any]:
        """Each describe of ``SfnStep.skip_if`` in turn: one that does not hold goes on to
        ``otherwise`` (the precheck, or the calls); when the last holds, the step is done."""
        states: dict[str, Any] = {}
        for i, probe in enumerate(probes, start=1):
            holds = n(f"skip if {i + 1}") if i < len(probes) else done
            task = self._probe(probe, next_=n(f"skip if {i}?"))
            states[n(f"skip if {i}")] = task
            states[n(f"skip if {i}?")] = {
                "Type": "Choice",
                "Choices": [{**_rooted(probe.holds, self._root(task, "$.probe")), "Next": holds}],
                "Default": otherwise,
            }
        return states

    def _precheck_fails(
        self, step: Step, probe: Probe, task: dict[str, Any], n: Any, first_call: str
    ) -> dict[str, Any]:
        """A precheck that does not hold but whose ``fails`` does: the step fails, saying
        why (what it would change is no longer as the export read it)."""
        assert probe.fails is not None
        rule, why = probe.fails
        choice = {
            "Type": "Choice",
            "Choices": [
                {**_rooted(probe.holds, self._root(task, "$.probe")), "Next": n("done")},
                {**_rooted(rule, self._root(task, "$.probe")), "Next": n("refused")},
            ],
            "Default": first_call,
        }
        refused = {
            "Type": "Fail",
            "Error": "drctl.StepFailed",
            "Cause": f"{step.id}: {why}"[:32000],
        }
        return {n("done already?"): choice, n("refused"): refused}

    def _each(self, step: Step, each: Each, n: Any, then: str) -> dict[str, Any]:
        """Every item of a listing, page by page (see :class:`Each`): a Choice loop over
        one page at a time, at most ``each.limit`` items."""
        loop = "$.each.loop"
        keep = {"items.$": f"{loop}.items", "n.$": f"{loop}.n"}
        first = self._task(each.listing, result="$.each.page", next_=n("each: any?"))
        page = self._root(first, "$.each.page")
        count = n("each: next item")
        runs = [
            n(f"each: call {k}") if isinstance(c, SdkCall) else n(f"each: let {k}")
            for k, c in enumerate(each.run, start=1)
        ]
        first_run = runs[0] if runs else count
        act = n("each: act?") if each.refuse is not None else first_run
        states: dict[str, Any] = {
            n(EACH_START): {
                "Type": "Pass",
                "Result": {"loop": {"seen": 0}},
                "ResultPath": "$.each",
                "Next": n("each: page"),
            },
            n("each: page"): first,
            n("each: any?"): {
                "Type": "Choice",
                "Choices": [
                    {
                        "Not": {"Variable": page + each.present[1:], "IsPresent": True},
                        "Next": n("each: more pages?"),
                    }
                ],
                "Default": n("each: items"),
            },
            n("each: items"): {
                "Type": "Pass",
                "Parameters": {
                    "items.$": page + each.items[1:],
                    "n.$": f"States.ArrayLength({page + each.items[1:]})",
                    "i": 0,
                    "seen.$": f"States.MathAdd({loop}.seen, 1)",  # a page counts as an item
                },
                "ResultPath": loop,
                "Next": n("each: more items?"),
            },
            n("each: more items?"): {
                "Type": "Choice",
                "Choices": [
                    {
                        "Variable": f"{loop}.i",
                        "NumericGreaterThanEqualsPath": f"{loop}.n",
                        "Next": n("each: more pages?"),
                    },
                    {
                        "Variable": f"{loop}.seen",
                        "NumericGreaterThanEquals": each.limit,
                        "Next": n("each: beyond"),
                    },
                ],
                "Default": n("each: item"),
            },
            n("each: beyond"): {
                "Type": "Fail",
                "Error": "drctl.StepFailed",
                "Cause": f"{step.id}: {each.beyond}"[:32000],
            },
            n("each: item"): {
                "Type": "Pass",
                "Parameters": {
                    **keep,
                    "i.$": f"{loop}.i",
                    "seen.$": f"{loop}.seen",
                    "item.$": f"States.ArrayGetItem({loop}.items, {loop}.i)",
                },
                "ResultPath": loop,
                "Next": n("each: probe"),
            },
        }
        probe_next = n("each: done?") if each.done is not None else act
        probe = self._task(each.probe, result="$.each.probe", next_=probe_next)
        probe["ResultSelector"] = {"answer.$": "$.Payload" if self._proxied(probe) else "$"}
        if each.absent:
            probe["Catch"] = [
                {
                    "ErrorEquals": list(each.absent),
                    "ResultPath": "$.each.probe",
                    "Next": count if each.absent_done else act,
                }
            ]
        states[n("each: probe")] = probe
        if each.done is not None:
            states[n("each: done?")] = {
                "Type": "Choice",
                "Choices": [{**each.done, "Next": count}],
                "Default": act,
            }
        if each.refuse is not None:
            rule, why = each.refuse
            states[act] = {
                "Type": "Choice",
                "Choices": [{**rule, "Next": n("each: refused")}],
                "Default": first_run,
            }
            states[n("each: refused")] = {
                "Type": "Fail",
                "Error": "drctl.StepFailed",
                "Cause": f"{step.id}: {why}"[:32000],
            }
        for k, call in enumerate(each.run):
            nxt = runs[k + 1] if k + 1 < len(runs) else count
            if isinstance(call, Let):
                states[runs[k]] = {
                    "Type": "Pass",
                    "Parameters": call.value,
                    "ResultPath": call.path,
                    "Next": nxt,
                }
                continue
            task = self._task(call, result=call.result_path, next_=nxt)
            if call.result_path and self._root(task, call.result_path) != call.result_path:
                states[f"{runs[k]} answer"] = {
                    "Type": "Pass",
                    "InputPath": f"{call.result_path}.Payload",
                    "ResultPath": call.result_path,
                    "Next": nxt,
                }
                task["Next"] = f"{runs[k]} answer"
            states[runs[k]] = task
        states[count] = {
            "Type": "Pass",
            "Parameters": {
                **keep,
                "i.$": f"States.MathAdd({loop}.i, 1)",
                "seen.$": f"States.MathAdd({loop}.seen, 1)",
            },
            "ResultPath": loop,
            "Next": n("each: more items?"),
        }
        following = {f"{k}.$": page + v[1:] for k, v in each.next_page.items()}
        listing = replace(each.listing, parameters={**each.listing.parameters, **following})
        states[n("each: more pages?")] = {
            "Type": "Choice",
            "Choices": [{"Not": _rooted(each.more, page), "Next": n("each: end")}],
            "Default": n("each: next page"),
        }
        states[n("each: next page")] = self._task(
            listing, result="$.each.page", next_=n("each: any?")
        )
        # The page and the loop leave the state's data (it holds at most 256 KB).
        states[n("each: end")] = {
            "Type": "Pass",
            "Result": {},
            "ResultPath": "$.each",
            "Next": then,
        }
        return states

    def _newest(self, step: Step, pick: Newest, n: Any, then: str) -> dict[str, Any]:
        """List, then walk the items keeping the newest (see :class:`Newest`)."""
        keep = {"items.$": "$.newest.items", "n.$": "$.newest.n"}

        def later(field: str) -> Rule:
            return {
                "And": [
                    {"Variable": f"$.newest.candidate.{field}", "IsPresent": True},
                    {"Variable": f"$.newest.best.{field}", "IsPresent": True},
                    {
                        "Variable": f"$.newest.candidate.{field}",
                        "TimestampGreaterThanPath": f"$.newest.best.{field}",
                    },
                ]
            }

        both = {
            "And": [
                {"Variable": f"$.newest.candidate.{pick.time}", "IsPresent": True},
                {"Variable": f"$.newest.best.{pick.time}", "IsPresent": True},
            ]
        }
        listing = self._task(pick.call, result="$.newest", next_=n("any?"))
        listing["ResultSelector"] = {"items.$": self._answer_path(listing, pick.items)}
        return {
            n("list"): listing,
            n("any?"): {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.newest.items[0]", "IsPresent": True, "Next": n("start pick")}
                ],
                "Default": n("none"),
            },
            n("none"): {
                "Type": "Fail",
                "Error": "drctl.StepFailed",
                "Cause": f"{step.id}: {pick.none}"[:32000],
            },
            n("start pick"): {
                "Type": "Pass",
                "Parameters": {
                    "items.$": "$.newest.items",
                    "n.$": "States.ArrayLength($.newest.items)",
                    "best.$": "$.newest.items[0]",
                    "i": 1,
                },
                "ResultPath": "$.newest",
                "Next": n("more?"),
            },
            n("more?"): {
                "Type": "Choice",
                "Choices": [
                    {
                        "Variable": "$.newest.i",
                        "NumericLessThanPath": "$.newest.n",
                        "Next": n("next"),
                    }
                ],
                "Default": then,
            },
            n("next"): {
                "Type": "Pass",
                "Parameters": {
                    **keep,
                    "best.$": "$.newest.best",
                    "i.$": "$.newest.i",
                    "candidate.$": "States.ArrayGetItem($.newest.items, $.newest.i)",
                },
                "ResultPath": "$.newest",
                "Next": n("newer?"),
            },
            n("newer?"): {
                "Type": "Choice",
                "Choices": [
                    {"And": [both, later(pick.time)], "Next": n("take")},
                    {"And": [{"Not": both}, later(pick.fallback_time)], "Next": n("take")},
                ],
                "Default": n("count pick"),
            },
            n("take"): {
                "Type": "Pass",
                "Parameters": {**keep, "best.$": "$.newest.candidate", "i.$": "$.newest.i"},
                "ResultPath": "$.newest",
                "Next": n("count pick"),
            },
            n("count pick"): {
                "Type": "Pass",
                "Parameters": {
                    **keep,
                    "best.$": "$.newest.best",
                    "i.$": "States.MathAdd($.newest.i, 1)",
                },
                "ResultPath": "$.newest",
                "Next": n("more?"),
            },
        }

    def _wait_loop(self, step: Step, probe: Probe, n: Any, done: str) -> dict[str, Any]:
        timeout = step.timeout_seconds or self.target.default_timeout_seconds
        poll = max(1, int(step.poll_seconds))
        polls = max(1, math.ceil(timeout / poll))
        verify = self._probe(probe, next_=n("verified?"))
        root = self._root(verify, "$.probe")
        choices: list[dict[str, Any]] = [{**_rooted(probe.holds, root), "Next": done}]
        states: dict[str, Any] = {
            # ``since``: when the wait began, for calls that read what happened after it
            # (``"StartTime.$": "$.polls.since"``).
            n("start verify"): {
                "Type": "Pass",
                "Parameters": {"n": 0, "since.$": "$$.State.EnteredTime"},
                "ResultPath": "$.polls",
                "Next": n("wait") if probe.wait_first else n("verify"),
            },
            n("verify"): verify,
        }
        if probe.settle_seconds:
            states[n("settled")] = states[n("start verify")]
            states[n("start verify")] = {
                "Type": "Wait", "Seconds": probe.settle_seconds, "Next": n("settled"),
            }  # fmt: skip
        states.update(self._missing(probe, verify, n("verify missing"), n("verified?")))
        if probe.fails is not None:
            rule, why = probe.fails
            choices.append({**_rooted(rule, root), "Next": n("failed")})
            states[n("failed")] = {
                "Type": "Fail",
                "Error": "drctl.StepFailed",
                "Cause": f"{step.id}: {why}"[:32000],
            }
        if probe.nudge is not None:
            rule, call = probe.nudge
            choices.append({**_rooted(rule, root), "Next": n("nudge")})
            states[n("nudge")] = self._task(call, result=None, next_=n("wait"))
        choices.append(
            {"Variable": "$.polls.n", "NumericGreaterThanEquals": polls, "Next": n("timed out")}
        )
        states[n("verified?")] = {"Type": "Choice", "Choices": choices, "Default": n("wait")}
        states[n("wait")] = {"Type": "Wait", "Seconds": poll, "Next": n("count")}
        states[n("count")] = {
            "Type": "Pass",
            "Parameters": {"n.$": "States.MathAdd($.polls.n, 1)", "since.$": "$.polls.since"},
            "ResultPath": "$.polls",
            "Next": n("verify"),
        }
        states[n("timed out")] = {
            "Type": "Fail",
            "Error": "drctl.StepTimeout",
            "Cause": f"{step.id} not verified after {int(timeout)}s: {step.description}"[:32000],
        }
        return states

    def _missing(self, probe: Probe, task: dict[str, Any], name: str, next_: str) -> dict[str, Any]:
        """For a probe whose call may answer "nothing there" (``probe.missing``): catch those
        errors and go on with ``probe.missing_answer`` where the rules read the answer."""
        if not probe.missing:
            return {}
        result = task["ResultPath"]
        answer: Any = probe.missing_answer
        if self._root(task, result) != result:
            answer = {"Payload": answer}  # where a proxied answer is read
        task["Catch"] = [
            {"ErrorEquals": list(probe.missing), "ResultPath": None, "Next": name},
            *task.get("Catch", []),
        ]
        return {name: {"Type": "Pass", "Result": answer, "ResultPath": result, "Next": next_}}

    def _compute(self, step: Step, items: Sequence[Compute], n: Any, then: str) -> dict[str, Any]:
        """Each :class:`Compute` as a Pass state (a Fail for a guard), behind a Choice when it
        has a ``when``, in order, then ``then``."""
        states: dict[str, Any] = {}
        for i, item in enumerate(items, start=1):
            nxt = n(_compute_suffix(items, i + 1)) if i < len(items) else then
            if item.fail is not None:
                state: dict[str, Any] = {
                    "Type": "Fail",
                    "Error": "drctl.StepFailed",
                    "Cause": f"{step.id}: {item.fail}"[:32000],
                }
            else:
                state = {
                    "Type": "Pass",
                    "Parameters": item.parameters,
                    "ResultPath": item.result_path,
                    "Next": nxt,
                }
            states[n(f"compute {i}")] = state
            if item.when is not None:
                states[n(f"compute {i}?")] = {
                    "Type": "Choice",
                    "Choices": [{**item.when, "Next": n(f"compute {i}")}],
                    "Default": nxt,
                }
        return states

    def _approval(self, step: Step, instructions: str, done: str) -> dict[str, Any]:
        words = _format_argument(
            f"drctl {self.target.action} of {self.target.app} waits for {step.resource}: "
            f"{instructions} -- when done: drctl approve --plan PLAN --step {step.resource} "
        )
        message = f"States.Format('{{}}--execution {{}} (task token: {{}})', '{words}', "
        message += "$$.Execution.Id, $$.Task.Token)"
        if not self.target.topic_arn:
            # No topic (the CLI engine then asks on the terminal): the request is an event on
            # the DR Region's default bus, which needs nothing created; drctl approve and the
            # follower read the token from the execution's history.
            return {
                "Type": "Task",
                "Comment": f"By hand: {instructions}",
                "Resource": "arn:aws:states:::events:putEvents.waitForTaskToken",
                "Parameters": {
                    "Entries": [
                        {
                            "EventBusName": "default",
                            "Source": "drctl",
                            "DetailType": "drctl approval request",
                            "Detail": {
                                "app": self.target.app,
                                "message.$": message,
                                STEP_ATTRIBUTE: step.resource,
                                f"{TOKEN_ATTRIBUTE}.$": "$$.Task.Token",
                            },
                        }
                    ]
                },
                "TimeoutSeconds": MANUAL_TIMEOUT_SECONDS,
                "ResultPath": None,
                "Next": done,
            }
        return {
            "Type": "Task",
            "Comment": f"By hand: {instructions}",
            "Resource": "arn:aws:states:::sns:publish.waitForTaskToken",
            "Parameters": {
                "TopicArn": self.target.topic_arn,
                "Subject": f"drctl: {step.resource} needs a person"[:100],
                "Message.$": message,
                # drctl approve finds the token in the execution's history by these.
                "MessageAttributes": {
                    STEP_ATTRIBUTE: {"DataType": "String", "StringValue": step.resource},
                    TOKEN_ATTRIBUTE: {"DataType": "String", "StringValue.$": "$$.Task.Token"},
                },
            },
            "TimeoutSeconds": MANUAL_TIMEOUT_SECONDS,
            "ResultPath": None,
            "Next": done,
        }

    def _probe(self, probe: Probe, *, next_: str) -> dict[str, Any]:
        task = self._task(probe.call, result="$.probe", next_=next_)
        if probe.select:
            task["ResultSelector"] = {
                f"{k}.$": self._answer_path(task, v) for k, v in probe.select.items()
            }
        return task

    def _root(self, task: dict[str, Any], base: str) -> str:
        """Where a task with ``ResultPath: base`` left the answer its rules read: a proxied
        call's answer is the ``Payload`` of the function's result, unless a ResultSelector
        already picked from it."""
        proxied = self._proxied(task) and "ResultSelector" not in task
        return f"{base}.Payload" if proxied else base

    def _answer_path(self, task: dict[str, Any], path: str) -> str:
        """``path`` (or an intrinsic's paths) into the answer of ``task``."""
        return _under_payload(path) if self._proxied(task) else path

    def _proxied(self, task: dict[str, Any]) -> bool:
        return task.get("Resource") == PROXY_RESOURCE and task["Parameters"].get(
            "FunctionName"
        ) == proxy_name(self.target.app)

    def _task(self, call: SdkCall, *, result: str | None, next_: str) -> dict[str, Any]:
        region = call.region or self.target.region
        role = self.target.roles.get("primary" if call.side == "global" else call.side)
        if region != self.target.region or call.endpoints or call.paginate:
            return self._through_proxy(call, region, role, result=result, next_=next_)
        integration = "" if call.integration == "optimized" else "aws-sdk:"
        task: dict[str, Any] = {
            "Type": "Task",
            "Resource": f"arn:aws:states:::{integration}{call.service}:{call.action}",
            "Parameters": call.parameters,
            "ResultPath": result,
            "Retry": [_throttle_retry(call.service)],
            "Next": next_,
        }
        if role:
            task["Credentials"] = {"RoleArn": role}
        return task

    def _through_proxy(
        self, call: SdkCall, region: str, role: str | None, *, result: str | None, next_: str
    ) -> dict[str, Any]:
        """A call to another Region (Step Functions calls only its own), to an endpoint of its
        own (an ARC cluster's) or of every page: the task invokes drctl's Region proxy (a
        Lambda function deployed beside the state machine), which makes the call and answers
        as the AWS SDK integration would."""
        if call.endpoints:
            region = call.endpoints[0][0]
        if region != self.target.region:
            self.cross_region.add(f"{call.service}:{call.action} in {region}")
        payload: dict[str, Any] = {
            "Region": region,
            "Service": call.service,
            "Action": call.action,
            "ErrorPrefix": _error_service(call.service),
            "Parameters": call.parameters,
        }
        if call.integration == "optimized":
            payload["Integration"] = "optimized"
        if call.endpoints:
            payload["Endpoints"] = [{"Region": r, "Url": u} for r, u in call.endpoints]
        if call.paginate:
            payload["Paginate"] = True
        if role:
            payload["RoleArn"] = role  # the proxy assumes it, as Credentials would
        retry = _throttle_retry(call.service)
        retry["ErrorEquals"] = [*retry["ErrorEquals"], *LAMBDA_TRANSIENT]
        where = "on the cluster's endpoints" if call.endpoints else f"in {region}"
        return {
            "Type": "Task",
            "Comment": f"{call.service}:{call.action} {where}, through drctl's Region proxy "
            f"({CROSS_REGION_DOC})",
            "Resource": PROXY_RESOURCE,
            "Parameters": {"FunctionName": proxy_name(self.target.app), "Payload": payload},
            "ResultPath": result,
            "Retry": [retry],
            "Next": next_,
        }

    @staticmethod
    def _name(step: Step, suffix: str) -> str:
        name = f"{step.id}: {suffix}"
        if len(name) <= MAX_STATE_NAME:
            return name
        digest = hashlib.sha256(step.id.encode()).hexdigest()[:8]
        keep = MAX_STATE_NAME - len(suffix) - len(digest) - 4
        return f"{step.id[:keep]}~{digest}: {suffix}"


def state_name(step: Step, suffix: str) -> str:
    """The name of one of ``step``'s states (``<step id>: <suffix>``, shortened past the
    80-character limit): how a follower of the execution maps its history back to steps."""
    return _Builder._name(step, suffix)


def _error_service(service: str) -> str:
    """How Step Functions names ``service`` in an AWS SDK task's errors (``Rds``)."""
    return _ERROR_SERVICE.get(service, service[:1].upper() + service[1:])


error_service = _error_service  # for the sandbox's interpreter, which names errors alike


def _under_payload(expression: str) -> str:
    """``expression``'s ``$`` paths read inside ``$.Payload`` (context ``$$`` paths kept)."""
    if expression == "$":
        return "$.Payload"
    return re.sub(r"(?<!\$)\$(?=[.\[])", "$.Payload", expression)


def _throttle_retry(service: str) -> dict[str, Any]:
    svc = _error_service(service)
    return {
        "ErrorEquals": [f"{svc}.{name}" for name in THROTTLING],
        "IntervalSeconds": 2,
        "MaxAttempts": 6,
        "BackoffRate": 2.0,
    }


def _format_argument(text: str) -> str:
    """``text`` as a string argument of an intrinsic function. Step Functions lets quotes,
    braces and backslashes be escaped there; moto's interpreter does not parse the escapes,
    so they are replaced instead (the state's Comment keeps the exact words)."""
    for char, plain in (("\\", "/"), ("'", '"'), ("{", "("), ("}", ")")):
        text = text.replace(char, plain)
    return text


def _compute_suffix(items: Sequence[Compute], i: int) -> str:
    """The name of the first state of ``items[i - 1]``: its Choice when it has a ``when``."""
    return f"compute {i}?" if items[i - 1].when is not None else f"compute {i}"


def _rooted(rule: Rule, root: str) -> Rule:
    """``rule`` with its ``$.``-paths read under ``root`` (where the task put its answer);
    a path into the wait loop's own data (``$.polls.since``, when the wait began) stays as
    it is, so a rule may compare the answer with it."""
    out: Rule = {}
    for key, value in rule.items():
        if isinstance(value, str) and value.startswith("$.polls."):
            out[key] = value
        elif key == "Variable" or (key.endswith("Path") and isinstance(value, str)):
            # NumericEqualsPath & co. read paths too; the step's lookup is read where it is.
            out[key] = value if _in_lookup(str(value)) else root + str(value)[1:]
        elif key in ("And", "Or"):
            out[key] = [_rooted(r, root) for r in value]
        elif key == "Not":
            out[key] = _rooted(value, root)
        else:
            out[key] = value
    return out


LOOKUP_PATH = "$.lookup"  # where a step's (or part's) lookup keeps its answer


def _in_lookup(path: str) -> bool:
    """Whether a rule's ``path`` reads the lookup's answer, which stays at ``$.lookup``
    beside the precheck's or verify's: a decision on two describes (one per Region)."""
    return path == LOOKUP_PATH or path.startswith((LOOKUP_PATH + ".", LOOKUP_PATH + "["))
