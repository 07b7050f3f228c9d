"""The definition's structure: the validator catches what Step Functions would refuse or
never run, and the generator's branches follow the step graph."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from drctl.engine.declarative import Probe, SdkCall, SfnStep, equals
from drctl.engine.graph import build_graph
from drctl.engine.step import Phase, Precheck, Step, StepOutcome
from drctl.errors import DrctlError
from drctl.export.iam import role_policy
from drctl.export.stepfunctions import (
    Target,
    branches,
    cross_region_calls,
    declarative_forms,
    definition,
    state_transitions,
    unsupported_fields,
)
from drctl.export.validate import problems

TARGET = Target("shop", "failover", "unplanned", "us-west-2", 900.0)


def _step(resource: str, action: str, phase: Phase, *, sfn: bool = True) -> Step:
    probe = Probe(SdkCall("rds", "describeDBInstances", {"DbInstanceIdentifier": resource}),
                  equals("$.DbInstances[0].DbInstanceStatus", "available"))  # fmt: skip
    form = SfnStep(
        precheck=probe,
        run=(SdkCall("rds", "rebootDBInstance", {"DbInstanceIdentifier": resource}),),
        verify=probe,
    )
    return Step(
        id=f"{resource}.{action}", resource=resource, kind="rds-instance", action=action,
        phase=phase, description=f"{action} {resource}", cli=[],
        precheck=lambda: Precheck(False, "", ""), run=StepOutcome,
        sfn=(lambda: form) if sfn else None,
    )  # fmt: skip


def _graph() -> Any:
    steps = [
        _step("a", "one", Phase.DATA),
        _step("a", "two", Phase.DATA),  # waits for a.one (its resource's chain)
        _step("b", "one", Phase.DATA),  # independent of a
        _step("c", "move", Phase.TRAFFIC),
    ]
    return build_graph(steps, {"c": ["a", "b"]})


def test_independent_steps_get_their_own_branch_and_chains_stay_in_order() -> None:
    graph = _graph()
    groups = [[s.id for s in group] for group in branches(graph, Phase.DATA.rank)]
    assert groups == [["a.one", "a.two"], ["b.one"]]
    assert [[s.id for s in g] for g in branches(graph, Phase.TRAFFIC.rank)] == [["c.move"]]


def test_the_generated_definition_is_well_formed_and_ordered_by_phase() -> None:
    document = definition(_graph(), TARGET)
    assert problems(document) == []
    top = document["States"]
    assert document["StartAt"] == "RPO gate"
    assert top["RPO gate"]["Next"] == "Phase 1: data"
    assert top["Phase 1: data"]["Next"] == "Phase 2: traffic"
    assert len(top["Phase 1: data"]["Branches"]) == 2
    chain = top["Phase 1: data"]["Branches"][0]["States"]
    assert chain["a.one: done"]["Next"] == "a.two: precheck"
    assert chain["a.two: done"]["End"] is True
    retry = chain["a.one: call 1"]["Retry"][0]
    assert "Rds.ThrottlingException" in retry["ErrorEquals"]
    # Every step skipped: gate, 2 phases, and precheck + Choice + done per step.
    assert state_transitions(document) == 1 + 2 + 4 * 3 + 1


def test_a_planned_definition_gates_on_the_input() -> None:
    document = definition(_graph(), Target("shop", "failover", "planned", "us-west-2", 900.0))
    gate = document["States"]["RPO gate"]
    assert gate["Type"] == "Choice" and gate["Default"] == "RPO gate refused"
    assert document["States"]["RPO gate refused"]["Error"] == "drctl.RpoGateRefused"


def test_a_step_without_a_declarative_form_is_named() -> None:
    steps = [_step("a", "one", Phase.DATA), _step("b", "local", Phase.DATA, sfn=False)]
    with pytest.raises(DrctlError) as caught:
        declarative_forms(build_graph(steps, {}))
    assert caught.value.exit_code == 2
    assert "b.local has no declarative form" in caught.value.message


def test_calls_to_another_region_go_through_the_region_proxy() -> None:
    """Step Functions calls only its own Region: a call elsewhere invokes drctl's Region
    proxy, and every reader of its answer looks inside the function's ``Payload``."""
    east = "us-east-1"
    probe = Probe(
        SdkCall("rds", "describeDBInstances", {"DbInstanceIdentifier": "a"}, region=east),
        equals("$.DbInstances[0].DbInstanceStatus", "available"),
    )
    picked = Probe(
        SdkCall("rds", "describeDBInstances", {"DbInstanceIdentifier": "a"}, region=east),
        equals("$.status", "available"),
        select={"status": "$.DbInstances[0].DbInstanceStatus",
                "count": "States.ArrayLength($.DbInstances)"},
    )  # fmt: skip
    started = SdkCall("ssm", "startAutomationExecution", {"DocumentName": "d"}, region=east,
                      result_path="$.automation")  # fmt: skip
    steps = [_step("a", "one", Phase.DATA)]
    form = SfnStep(precheck=probe, run=(started,), verify=picked)
    steps[0].sfn = lambda: form
    target = Target("shop", "failover", "planned", "us-west-2", 900.0,
                    roles={"dr": "arn:aws:iam::123456789012:role/dr-side"})  # fmt: skip
    document = definition(build_graph(steps, {}), target)
    assert problems(document) == []
    states = document["States"]["Phase 1: data"]["Branches"][0]["States"]
    call = states["a.one: call 1"]
    assert call["Resource"] == "arn:aws:states:::lambda:invoke"
    assert call["Parameters"] == {
        "FunctionName": "drctl-shop-region-proxy",
        "Payload": {
            "Region": east, "Service": "ssm", "Action": "startAutomationExecution",
            "ErrorPrefix": "Ssm", "Parameters": {"DocumentName": "d"},
            "RoleArn": "arn:aws:iam::123456789012:role/dr-side",
        },
    }  # fmt: skip
    assert "Credentials" not in call  # the state machine's role invokes its own proxy
    retried = call["Retry"][0]["ErrorEquals"]
    assert "Ssm.ThrottlingException" in retried and "Lambda.ServiceException" in retried
    # A kept answer is unwrapped where later calls read it.
    assert call["Next"] == "a.one: call 1 answer"
    assert states["a.one: call 1 answer"] == {
        "Type": "Pass", "InputPath": "$.automation.Payload", "ResultPath": "$.automation",
        "Next": "a.one: start verify",
    }  # fmt: skip
    # The precheck's rule reads the Payload; the verify's selection picks from it.
    rule = json.dumps(states["a.one: done already?"]["Choices"][0])
    assert '"$.probe.Payload.DbInstances[0].DbInstanceStatus"' in rule
    assert '"$.probe.DbInstances' not in rule
    assert states["a.one: verify"]["ResultSelector"] == {
        "status.$": "$.Payload.DbInstances[0].DbInstanceStatus",
        "count.$": "States.ArrayLength($.Payload.DbInstances)",
    }
    verified = json.dumps(states["a.one: verified?"]["Choices"][0])
    assert '"$.probe.status"' in verified and "Payload" not in verified
    assert "rds:describeDBInstances in us-east-1" in document["Comment"]
    assert sorted(cross_region_calls(document)) == [
        "a.one: call 1: ssm:startAutomationExecution in us-east-1",
        "a.one: precheck: rds:describeDBInstances in us-east-1",
        "a.one: verify: rds:describeDBInstances in us-east-1",
    ]
    actions = role_policy(document, [])["Statement"][0]["Action"]
    assert {"rds:DescribeDBInstances", "ssm:StartAutomationExecution",
            "lambda:InvokeFunction"} <= set(actions)  # fmt: skip


def test_a_field_the_api_does_not_have_is_an_internal_error_naming_it() -> None:
    """Step Functions refuses the field at CreateStateMachine (a direct AWS SDK task) or the
    proxy refuses it when the call runs: the exporter refuses it first, either way."""
    east = "us-east-1"
    for call, where in (
        (SdkCall("rds", "createDBInstanceReadReplica",
                 {"DbInstanceIdentifier": "a-ro", "SourceDbInstanceIdentifier": "a"}),
         "/Branches/0/States/a.one: call 1/Parameters"),
        (SdkCall("rds", "createDBInstanceReadReplica",
                 {"DbInstanceIdentifier": "a-ro", "SourceDbInstanceIdentifier": "a"},
                 region=east),
         "/States/a.one: call 1/Parameters/Payload/Parameters"),
    ):  # fmt: skip
        steps = [_step("a", "one", Phase.DATA)]
        form = SfnStep(run=(call,))
        steps[0].sfn = lambda form=form: form  # type: ignore[misc]
        with pytest.raises(DrctlError) as caught:
            definition(build_graph(steps, {}), TARGET)
        assert 'The field "SourceDbInstanceIdentifier" is not supported' in caught.value.message
        assert caught.value.message.endswith(where)
    # Spelled as the SDK for Java v2 spells it, the same call is exported.
    good = SdkCall("rds", "createDBInstanceReadReplica",
                   {"DbInstanceIdentifier": "a-ro", "SourceDBInstanceIdentifier": "a",
                    "MultiAZ": False, "Tags": [{"Key": "k", "Value.$": "$.v"}]})  # fmt: skip
    steps = [_step("a", "one", Phase.DATA)]
    steps[0].sfn = lambda: SfnStep(run=(good,))
    assert unsupported_fields(definition(build_graph(steps, {}), TARGET)) == []


def _broken(edit: Any) -> list[str]:
    document = copy.deepcopy(definition(_graph(), TARGET))
    edit(document)
    return problems(document)


def _branch(document: dict[str, Any]) -> dict[str, Any]:
    return dict(document["States"]["Phase 1: data"]["Branches"][0]["States"])


def test_the_validator_finds_a_transition_to_nowhere() -> None:
    def edit(d: dict[str, Any]) -> None:
        d["States"]["Phase 1: data"]["Branches"][0]["States"]["a.one: done"]["Next"] = "gone"

    assert any("transition to 'gone'" in p for p in _broken(edit))


def test_the_validator_finds_an_unreachable_state_and_a_missing_start() -> None:
    def orphan(d: dict[str, Any]) -> None:
        d["States"]["Orphan"] = {"Type": "Succeed"}

    assert _broken(orphan) == ["top level: 'Orphan' is unreachable from 'RPO gate'"]

    def no_start(d: dict[str, Any]) -> None:
        d["StartAt"] = "Nowhere"

    assert "top level: StartAt 'Nowhere' is not a state" in _broken(no_start)


def test_the_validator_finds_duplicate_names_and_bad_branches() -> None:
    def duplicate(d: dict[str, Any]) -> None:
        branch = d["States"]["Phase 1: data"]["Branches"][1]["States"]
        branch["a.one: done"] = {"Type": "Succeed"}

    assert any("used twice" in p for p in _broken(duplicate))

    def empty(d: dict[str, Any]) -> None:
        d["States"]["Phase 2: traffic"]["Branches"] = []

    assert "'Phase 2: traffic': a Parallel state needs Branches" in _broken(empty)

    def both(d: dict[str, Any]) -> None:
        d["States"]["Phase 1: data"]["End"] = True

    assert "'Phase 1: data': needs exactly one of Next and End" in _broken(both)

    def long_name(d: dict[str, Any]) -> None:
        d["States"]["x" * 81] = {"Type": "Succeed"}

    assert any("longer than 80" in p for p in _broken(long_name))


def test_long_step_ids_get_short_unique_state_names() -> None:
    steps = [_step("r" * 70 + "-1", "promote", Phase.DATA),
             _step("r" * 70 + "-2", "promote", Phase.DATA)]  # fmt: skip
    document = definition(build_graph(steps, {}), TARGET)
    assert problems(document) == []


def test_a_refusal_with_a_reason_is_named_with_it() -> None:
    from drctl.engine.declarative import NoDeclarativeForm

    def refused() -> SfnStep | None:
        raise NoDeclarativeForm("it runs a local command")

    steps = [_step("a", "one", Phase.DATA), _step("b", "local", Phase.DATA)]
    steps[1].sfn = refused
    with pytest.raises(DrctlError) as caught:
        declarative_forms(build_graph(steps, {}))
    assert caught.value.exit_code == 2
    assert "b.local has no declarative form" in caught.value.message
    assert "-- b.local: it runs a local command" in caught.value.message


def test_a_wait_loop_that_sees_a_failure_fails_at_once() -> None:
    call = SdkCall("ssm", "getAutomationExecution", {"AutomationExecutionId": "x"})
    status = "$.AutomationExecution.AutomationExecutionStatus"
    form = SfnStep(
        run=(SdkCall("ssm", "startAutomationExecution", {}, result_path="$.automation"),),
        verify=Probe(call, equals(status, "Success"), fails=(equals(status, "Failed"), "boom")),
    )
    steps = [_step("a", "one", Phase.DATA)]
    steps[0].sfn = lambda: form
    document = definition(build_graph(steps, {}), TARGET)
    assert problems(document) == []
    chain = document["States"]["Phase 1: data"]["Branches"][0]["States"]
    assert chain["a.one: call 1"]["ResultPath"] == "$.automation"
    choices = chain["a.one: verified?"]["Choices"]
    assert choices[1]["Next"] == "a.one: failed"
    assert chain["a.one: failed"] == {
        "Type": "Fail", "Error": "drctl.StepFailed", "Cause": "a.one: boom",
    }  # fmt: skip


def test_a_lookup_runs_first_and_keeps_its_selection_for_the_other_calls() -> None:
    """A precheck that must read by an id another call answers: the lookup state comes
    first, keeps its selection at ``$.lookup``, and the precheck reads it."""
    lookup = Probe(
        SdkCall("backup", "listBackupPlans", {}),
        equals("$.Found", 1),
        select={"Ids": "$.BackupPlansList[?(@.BackupPlanName == 'p')].BackupPlanId"},
    )
    check = Probe(
        SdkCall("backup", "listBackupSelections", {"BackupPlanId.$": "$.lookup.Ids[0]"}),
        equals("$.Found", 1),
        select={"Found": "States.ArrayLength($.BackupSelectionsList)"},
    )
    steps = [_step("a", "one", Phase.DATA)]
    form = SfnStep(lookup=lookup, precheck=check, run=(SdkCall("backup", "x", {}),))
    steps[0].sfn = lambda: form
    document = definition(build_graph(steps, {}), TARGET)
    assert problems(document) == []
    branch = document["States"]["Phase 1: data"]["Branches"][0]
    assert branch["StartAt"] == "a.one: lookup"
    first = branch["States"]["a.one: lookup"]
    assert first["ResultPath"] == "$.lookup" and first["Next"] == "a.one: precheck"
    assert first["ResultSelector"] == {
        "Ids.$": "$.BackupPlansList[?(@.BackupPlanName == 'p')].BackupPlanId"
    }
    precheck = branch["States"]["a.one: precheck"]
    assert precheck["Parameters"] == {"BackupPlanId.$": "$.lookup.Ids[0]"}


def _parameter_part(name: str) -> SfnStep:
    """Create SSM parameter ``name`` unless it exists: one idempotent part."""
    found = Probe(
        SdkCall("ssm", "describeParameters",
                {"ParameterFilters": [{"Key": "Name", "Values": [name]}]}),
        equals("$.Found", 1),
        select={"Found": "States.ArrayLength($.Parameters)"},
    )  # fmt: skip
    put = SdkCall("ssm", "putParameter", {"Name": name, "Value": "new", "Type": "String"})
    return SfnStep(precheck=found, run=(put,), verify=found)


def test_a_step_of_parts_chains_them_in_order_each_with_its_own_states() -> None:
    steps = [_step("a", "one", Phase.DATA), _step("a", "two", Phase.DATA)]
    form = SfnStep(parts=(_parameter_part("/x"), _parameter_part("/y")))
    steps[0].sfn = lambda: form
    document = definition(build_graph(steps, {}), TARGET)
    assert problems(document) == []
    branch = document["States"]["Phase 1: data"]["Branches"][0]
    chain = branch["States"]
    assert branch["StartAt"] == "a.one: part 1: precheck"
    # A part already done skips to the next part, not past the step.
    assert chain["a.one: part 1: done already?"]["Choices"][0]["Next"] == "a.one: part 1: done"
    assert chain["a.one: part 1: done"]["Next"] == "a.one: part 2: precheck"
    assert chain["a.one: part 1: call 1"]["Parameters"]["Name"] == "/x"
    assert chain["a.one: part 2: call 1"]["Parameters"]["Name"] == "/y"
    assert chain["a.one: part 2: done"]["Next"] == "a.two: precheck"
    assert form.calls() == [c for p in form.parts for c in p.calls()]
    actions = {a for s in role_policy(document, [])["Statement"] for a in s["Action"]}
    assert {"ssm:DescribeParameters", "ssm:PutParameter"} <= actions


def test_a_form_with_parts_has_no_calls_of_its_own() -> None:
    with pytest.raises(ValueError, match="no other field"):
        SfnStep(parts=(_parameter_part("/x"),), run=(SdkCall("ssm", "x", {}),))


def test_skip_if_reads_each_describe_in_turn_after_the_lookup_and_skips_when_all_hold() -> None:
    """What one describe cannot tell (a state read in two Regions): each ``skip_if`` describe
    in turn; one that does not hold goes on to the precheck, the last holding ends the step;
    a call to another Region reads its answer under the proxy's ``Payload``."""
    home = Probe(SdkCall("rds", "describeDBInstances", {}, "us-east-1"), equals("$.N", 1))
    away = Probe(SdkCall("rds", "describeDBInstances", {}), equals("$.N", 0))
    lookup = Probe(SdkCall("rds", "describeDBInstances", {}), equals("$.N", 0))
    steps = [_step("a", "one", Phase.DATA)]
    form = SfnStep(
        lookup=lookup,
        skip_if=(away, home),
        precheck=away,
        run=(SdkCall("rds", "rebootDBInstance", {}),),
    )
    steps[0].sfn = lambda: form
    document = definition(build_graph(steps, {}), TARGET)
    assert problems(document) == []
    states = document["States"]["Phase 1: data"]["Branches"][0]["States"]
    assert states["a.one: lookup"]["Next"] == "a.one: skip if 1"
    assert states["a.one: skip if 1"]["Next"] == "a.one: skip if 1?"
    first = states["a.one: skip if 1?"]
    assert first["Choices"][0]["Next"] == "a.one: skip if 2"
    assert first["Default"] == "a.one: precheck"
    assert first["Choices"][0]["And"][1] == {"Variable": "$.probe.N", "NumericEquals": 0}
    second = states["a.one: skip if 2?"]
    assert second["Choices"][0]["Next"] == "a.one: done"
    assert second["Default"] == "a.one: precheck"
    assert second["Choices"][0]["And"][1] == {"Variable": "$.probe.Payload.N", "NumericEquals": 1}
    assert cross_region_calls(document) == [
        "a.one: skip if 2: rds:describeDBInstances in us-east-1"
    ]
    # An execution that finds it done: the gate, the phase, the lookup, both describes and
    # their Choices, done, Succeeded.
    assert state_transitions(document) == 2 + 1 + 4 + 1 + 1
    assert form.calls().count(home.call) == 1


def test_a_probe_reads_an_answer_of_its_own_when_aws_says_nothing_is_there() -> None:
    """``missing``: those errors are caught (before any other catch) and the rules read
    ``missing_answer``; a lookup keeps it at ``$.lookup``."""
    from drctl.engine.declarative import negate, present

    read = SdkCall("efs", "describeFileSystemPolicy", {"FileSystemId": "fs-1"})
    probe = Probe(read, negate(present("$.Policy")), missing=("Efs.PolicyNotFoundException",))
    lookup = Probe(
        read, present("$.Policy"), missing=probe.missing, missing_answer={"Policy": "{}"}
    )
    form = SfnStep(lookup=lookup, precheck=probe, run=(SdkCall("efs", "x", {}),), verify=probe)
    steps = [_step("a", "one", Phase.DATA)]
    steps[0].sfn = lambda: form
    document = definition(build_graph(steps, {}), TARGET)
    assert problems(document) == []
    chain = document["States"]["Phase 1: data"]["Branches"][0]["States"]
    for task, then in (("precheck", "done already?"), ("verify", "verified?")):
        [catch] = chain[f"a.one: {task}"]["Catch"]
        assert catch == {
            "ErrorEquals": ["Efs.PolicyNotFoundException"],
            "ResultPath": None,
            "Next": f"a.one: {task} missing",
        }
        assert chain[f"a.one: {task} missing"] == {
            "Type": "Pass", "Result": {}, "ResultPath": "$.probe", "Next": f"a.one: {then}",
        }  # fmt: skip
    assert chain["a.one: lookup missing"]["Result"] == {"Policy": "{}"}
    assert chain["a.one: lookup missing"]["Next"] == "a.one: precheck"


def test_computed_values_and_a_guard_come_between_the_precheck_and_the_calls() -> None:
    from drctl.engine.declarative import Compute, present

    form = SfnStep(
        precheck=Probe(SdkCall("ssm", "getParameter", {"Name": "/x"}), present("$.Parameter")),
        compute=(
            Compute("$.parts", {"items.$": "States.StringSplit($.lookup.Text, ',')"}),
            Compute(when=present("$.parts.items[2]"), fail="too many parts"),
        ),
        run=(SdkCall("ssm", "putParameter", {"Name": "/x", "Value.$": "$.parts.items[0]"}),),
    )
    steps = [_step("a", "one", Phase.DATA)]
    steps[0].sfn = lambda: form
    document = definition(build_graph(steps, {}), TARGET)
    assert problems(document) == []
    chain = document["States"]["Phase 1: data"]["Branches"][0]["States"]
    assert chain["a.one: done already?"]["Default"] == "a.one: compute 1"
    assert chain["a.one: compute 1"]["Type"] == "Pass"
    assert chain["a.one: compute 1"]["ResultPath"] == "$.parts"
    assert chain["a.one: compute 1"]["Next"] == "a.one: compute 2?"
    guard = chain["a.one: compute 2?"]
    assert guard["Choices"][0]["Next"] == "a.one: compute 2"
    assert guard["Default"] == "a.one: call 1"
    assert chain["a.one: compute 2"] == {
        "Type": "Fail", "Error": "drctl.StepFailed", "Cause": "a.one: too many parts",
    }  # fmt: skip


def test_a_settling_wait_loop_waits_first_and_may_compare_with_when_it_began() -> None:
    last = "$.Replications[0].Destinations[0].LastReplicatedTimestamp"
    rule = {"Variable": last, "TimestampGreaterThanPath": "$.polls.since"}
    call = SdkCall("efs", "describeReplicationConfigurations", {"FileSystemId": "fs-1"})
    form = SfnStep(verify=Probe(call, rule, settle_seconds=300))
    steps = [_step("a", "one", Phase.DATA)]
    steps[0].sfn = lambda: form
    document = definition(build_graph(steps, {}), TARGET)
    assert problems(document) == []
    chain = document["States"]["Phase 1: data"]["Branches"][0]["States"]
    assert chain["a.one: start verify"] == {
        "Type": "Wait", "Seconds": 300, "Next": "a.one: settled",
    }  # fmt: skip
    assert chain["a.one: settled"]["Parameters"]["since.$"] == "$$.State.EnteredTime"
    [held, *_] = chain["a.one: verified?"]["Choices"]
    # The answer's path is read where the task put it; the loop's own data is not.
    assert held["Variable"] == "$.probe" + last[1:]
    assert held["TimestampGreaterThanPath"] == "$.polls.since"
