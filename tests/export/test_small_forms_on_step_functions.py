"""The declarative forms of three small kinds, read in the definition and run in moto's
Step Functions interpreter against the sandbox: a custom step whose check is an SSM
Automation (started, waited for, then deciding), a secret's failback replication (the
target's entry searched in ReplicationStatus with a JSONPath filter), and a backup vault's
failback (the DR plan's selections, then the plan, removed; the primary's copy rule read)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from drctl.engine.settings import default_settings, make_context
from tests.conftest import REPO
from tests.export import sfn_support
from tests.support import run_action

EXAMPLES = REPO / "examples"


def _chain(document: dict[str, Any]) -> dict[str, Any]:
    """Every state of every branch of ``document``, by name."""
    found: dict[str, Any] = {}
    for state in document["States"].values():
        for branch in state.get("Branches", []):
            found.update(branch["States"])
    return found


def _output(execution: sfn_support.Execution, state: str) -> dict[str, Any]:
    """What ``state`` handed on (its last exit), as the execution's history has it."""
    exits = [
        e["stateExitedEventDetails"]
        for e in execution.history
        if e["type"].endswith("StateExited") and e["stateExitedEventDetails"]["name"] == state
    ]
    assert exits, state
    return dict(json.loads(exits[-1]["output"]))


# ------------------------------------------------------------------ custom


def test_an_automation_check_is_started_waited_for_then_decides(tmp_path: Path) -> None:
    """settlement-queue's check is an SSM Automation, as the CLI runs it: part 1 starts it
    (its id kept as the lookup) and waits for any end; part 2 skips the run when it ended in
    Success, else starts the run and waits for it. First execution: the check ends Failed
    (no flag says dr), the runbook sets it to dr. Second: the check ends Success, and
    no run is started."""
    step = "settlement-queue.run"
    with sfn_support.sandbox(EXAMPLES / "payments-custom-steps.yaml") as loaded:
        document = sfn_support.export(loaded, mode="planned", only=["settlement-queue"])
        chain = _chain(document)
        start = chain[f"{step}: part 1: lookup"]
        assert start["Resource"] == "arn:aws:states:::aws-sdk:ssm:startAutomationExecution"
        assert start["Parameters"]["DocumentName"] == "payments-settlement-drained"
        assert start["Next"] == f"{step}: part 1: start verify"
        ended = chain[f"{step}: part 1: verified?"]["Choices"][0]
        assert ended["Next"] == f"{step}: part 1: done"
        precheck = chain[f"{step}: part 2: precheck"]
        assert precheck["Parameters"] == {
            "AutomationExecutionId.$": "$.lookup.AutomationExecutionId"
        }
        skip = chain[f"{step}: part 2: done already?"]
        assert skip["Choices"][0]["Next"] == f"{step}: part 2: done"
        assert skip["Default"] == f"{step}: part 2: call 1"
        assert chain[f"{step}: part 2: call 1"]["Parameters"]["DocumentName"] == (
            "payments-drain-settlement"
        )

        ssm = boto3.client("ssm", region_name=loaded.plan.regions.dr)
        assert _flag(ssm) is None  # no Region switched to yet: the check fails
        first = sfn_support.run(loaded, mode="planned", only=["settlement-queue"])
        assert first.status == "SUCCEEDED", first.error
        assert _flag(ssm) == "dr"
        check = _output(first, f"{step}: part 1: lookup")["lookup"]["AutomationExecutionId"]
        ran = _output(first, f"{step}: part 2: call 1")["automation"]["AutomationExecutionId"]
        assert _automation(ssm, check) == ("payments-settlement-drained", "Failed")
        assert _automation(ssm, ran) == ("payments-drain-settlement", "Success")

        second = sfn_support.run(loaded, mode="planned", name="run-2", only=["settlement-queue"])
        assert second.status == "SUCCEEDED", second.error
        again = _output(second, f"{step}: part 1: lookup")["lookup"]["AutomationExecutionId"]
        assert _automation(ssm, again) == ("payments-settlement-drained", "Success")
        assert f"{step}: part 2: done already?" in second.entered
        assert not [n for n in second.entered if ": call " in n]
        assert _flag(ssm) == "dr"


def test_an_automation_check_before_a_function_and_what_stays_refused(tmp_path: Path) -> None:
    """A check that is an automation before a Lambda run: the same first part, then the
    invoke (and its verify) skipped when the check ended Success. A verify that is an
    automation still has no form (a poll is one call), nor a run that is a local command."""
    from drctl.engine.declarative import NoDeclarativeForm
    from drctl.kinds.custom.declarative import form
    from drctl.plan.loader import load_plan

    text = (EXAMPLES / "payments-custom-steps.yaml").read_text()
    check = "      check:\n        automation: {document: payments-settlement-drained, "
    old_run = (
        "      run:\n        automation: {document: payments-drain-settlement, "
        "parameters: {Queue: [settlement]}}\n"
    )
    assert check in text and old_run in text
    path = tmp_path / "plan.yaml"
    path.write_text(
        text.replace(
            old_run,
            "      run: {invoke: {function: drain}}\n      verify: {invoke: {function: drained}}\n",
            1,
        )
    )
    plan = load_plan(str(path)).plan
    ctx = make_context(plan, default_settings(), offline=True)
    res = next(r for r in plan.resources if r.name == "settlement-queue")
    started, action = form(res.failover, ctx).parts
    assert started.lookup is not None and started.lookup.call.action == "startAutomationExecution"
    assert action.precheck is not None
    assert action.precheck.call.parameters == {
        "AutomationExecutionId.$": "$.lookup.AutomationExecutionId"
    }
    assert [c.action for c in action.run] == ["invoke"]
    assert action.verify is not None and action.verify.call.parameters["FunctionName"] == "drained"
    automated = res.failover.model_copy(update={"verify": res.failover.check})
    with pytest.raises(NoDeclarativeForm, match="its verify is an SSM Automation"):
        form(automated, ctx)
    tell = next(r for r in plan.resources if r.name == "tell-on-call")
    local = tell.failover.model_copy(update={"check": res.failover.check})
    with pytest.raises(NoDeclarativeForm, match="it runs a local command"):
        form(local, ctx)


def _automation(ssm: Any, execution_id: str) -> tuple[str, str]:
    found = ssm.get_automation_execution(AutomationExecutionId=execution_id)
    execution = found["AutomationExecution"]
    return str(execution["DocumentName"]), str(execution["AutomationExecutionStatus"])


def _flag(ssm: Any) -> str | None:
    """The Region the sandbox's runbooks say serves (kinds/custom/sandbox.py), if any."""
    try:
        return str(ssm.get_parameter(Name="/drctl-sandbox/settlement-queue")["Parameter"]["Value"])
    except ssm.exceptions.ParameterNotFound:
        return None


# ------------------------------------------------------------------ secret


def _cli_failover(loaded: Any, state: Path, mode: str) -> dict[str, dict[str, Any]]:
    """A CLI failover of the whole plan; what it recorded, by step id."""
    from drctl.engine.run import recorded_by_step

    manual = [r.name for r in loaded.plan.resources if r.kind == "manual"]
    record = run_action(
        loaded, default_settings(state_dir=state), "failover", mode=mode, approve=manual
    )
    assert record.status == "succeeded"
    return recorded_by_step(record)


def test_a_secret_failback_searches_the_replication_list_for_the_target(
    tmp_path: Path,
) -> None:
    """Each replication is two parts. The answer is searched with a filter in the task's
    ResultSelector, behind a deep scan (a secret without replicas has no ReplicationStatus);
    the call names the key of the target Region's copy (read when exporting). Going home
    the source is DR (the machine's Region); back to DR it is home, through the Region
    proxy."""
    with sfn_support.sandbox(EXAMPLES / "serverless-warm-standby.yaml") as loaded:
        recorded = _cli_failover(loaded, tmp_path, "unplanned")
        document = sfn_support.export(
            loaded, action="failback", mode="unplanned", only=["api-credentials"],
            recorded=recorded,
        )  # fmt: skip
        home_key = _key(loaded, "us-east-1")
        dr_key = _key(loaded, "us-west-2")
    chain = _chain(document)
    home = "api-credentials.replicate-home"
    precheck = chain[f"{home}: part 1: precheck"]
    assert precheck["Resource"] == "arn:aws:states:::aws-sdk:secretsmanager:describeSecret"
    entry = "$..ReplicationStatus[?(@.Region == 'us-east-1')]"
    assert precheck["ResultSelector"] == {
        "Secret.$": "$",
        "Listed.$": f"States.ArrayLength({entry})",
        "InSync.$": f"States.ArrayContains({entry}.Status, 'InSync')",
        "Failed.$": f"States.ArrayContains({entry}.Status, 'Failed')",
    }
    assert "SecretsManager.ThrottlingException" in precheck["Retry"][0]["ErrorEquals"]
    call = chain[f"{home}: part 1: call 1"]
    assert call["Parameters"] == {
        "SecretId": "orders/api-credentials",
        "AddReplicaRegions": [{"Region": "us-east-1", "KmsKeyId": home_key}],
        "ForceOverwriteReplicaSecret": True,
    }
    assert chain[f"{home}: part 2: verified?"]["Choices"][1]["Next"] == f"{home}: part 2: failed"
    back = "api-credentials.replicate-dr"
    proxied = chain[f"{back}: part 1: call 1"]["Parameters"]["Payload"]
    assert (proxied["Region"], proxied["Action"]) == ("us-east-1", "replicateSecretToRegions")
    assert proxied["Parameters"]["AddReplicaRegions"] == [
        {"Region": "us-west-2", "KmsKeyId": dr_key}
    ]
    selector = chain[f"{back}: part 2: verify"]["ResultSelector"]
    assert selector["Listed.$"] == (
        "States.ArrayLength($.Payload..ReplicationStatus[?(@.Region == 'us-west-2')])"
    )


def test_a_secret_replication_that_fails_fails_the_step_at_once(tmp_path: Path) -> None:
    """The home key is scheduled for deletion after the export: replicating home fails
    (Secrets Manager cannot encrypt the copy), and the wait loop stops on the ``Failed``
    entry, as the CLI stops, instead of waiting out the step's timeout."""
    with sfn_support.sandbox(EXAMPLES / "serverless-warm-standby.yaml") as loaded:
        recorded = _cli_failover(loaded, tmp_path, "unplanned")
        sfn_support.export(loaded, action="failback", mode="unplanned", recorded=recorded,
                           only=["api-credentials"])  # fmt: skip
        kms = boto3.client("kms", region_name="us-east-1")
        key = kms.describe_key(KeyId=_key(loaded, "us-east-1"))["KeyMetadata"]["KeyId"]
        kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)
        execution = sfn_support.run_approving(
            loaded, mode="unplanned", name="back-1", action="failback",
            only=["api-credentials"], recorded=recorded,
        )  # fmt: skip
        dr = boto3.client("secretsmanager", region_name="us-west-2")
        status = dr.describe_secret(SecretId="orders/api-credentials")["ReplicationStatus"]
    assert execution.status == "FAILED"
    assert [(e["Region"], e["Status"]) for e in status] == [("us-east-1", "Failed")]
    failed = "api-credentials.replicate-home: part 2: failed"
    assert failed in execution.entered
    assert "api-credentials.replicate-home: part 2: timed out" not in execution.entered
    assert execution.entered.count("api-credentials.replicate-home: part 2: verify") == 1


def _key(loaded: Any, region: str) -> str:
    """The key the secret's copy in ``region`` is encrypted with."""
    client = boto3.client("secretsmanager", region_name=region)
    return str(client.describe_secret(SecretId="orders/api-credentials")["KmsKeyId"])


# ------------------------------------------------------------------ backup-vault


def test_a_backup_vault_failback_removes_every_selection_then_the_plan(tmp_path: Path) -> None:
    """remove-copy-home, as the CLI: the DR plan's selections are deleted one per poll (here
    the failover's and one added by hand since), then the plan; a rerun finds it gone and
    makes no call. copy-rule reads the primary's plan and holds. The whole failback exports."""
    only = ["audit-backups"]
    with sfn_support.sandbox(EXAMPLES / "hipaa-healthcare.yaml") as loaded:
        recorded = _cli_failover(loaded, tmp_path, "unplanned")
        whole = sfn_support.export(
            loaded, action="failback", mode="unplanned", recorded=recorded
        )  # every step of the plan's failback has a form
        assert "audit-backups.remove-copy-home" in json.dumps(whole)
        dr = boto3.client("backup", region_name=loaded.plan.regions.dr)
        plan_id = _plan_ids(dr)["drctl-audit-backups-copy-home"]
        dr.create_backup_selection(
            BackupPlanId=plan_id,
            BackupSelection={
                "SelectionName": "added-by-hand",
                "IamRoleArn": "arn:aws:iam::123456789012:role/backup",
                "Resources": ["arn:aws:dynamodb:us-west-2:123456789012:table/extra"],
            },
        )
        first = sfn_support.run_approving(
            loaded, mode="unplanned", name="back-1", action="failback", only=only,
            recorded=recorded,
        )  # fmt: skip
        assert first.status == "SUCCEEDED", first.error
        assert "drctl-audit-backups-copy-home" not in _plan_ids(dr)
        step = "audit-backups.remove-copy-home"
        assert first.entered.count(f"{step}: part 1: nudge") == 2
        assert f"{step}: part 2: call 1" in first.entered
        assert "audit-backups.copy-rule: done already?" in first.entered
        second = sfn_support.run_approving(
            loaded, mode="unplanned", name="back-2", action="failback", only=only,
            recorded=recorded,
        )  # fmt: skip
        assert second.status == "SUCCEEDED", second.error
        assert not [n for n in second.entered if ": call " in n or ": nudge" in n]


def test_a_copy_rule_that_is_gone_fails_the_failback_at_once(tmp_path: Path) -> None:
    """copy-rule is read only: a primary plan that no longer copies to the DR vault fails the
    step at once, saying how to put the rule back (the CLI step fails too)."""
    with sfn_support.sandbox(EXAMPLES / "hipaa-healthcare.yaml") as loaded:
        recorded = _cli_failover(loaded, tmp_path, "unplanned")
        home = boto3.client("backup", region_name=loaded.plan.regions.primary)
        plan_id = _plan_ids(home)["clinic-hourly"]
        rules = home.get_backup_plan(BackupPlanId=plan_id)["BackupPlan"]["Rules"]
        for chosen in home.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"]:
            home.delete_backup_selection(BackupPlanId=plan_id, SelectionId=chosen["SelectionId"])
        home.delete_backup_plan(BackupPlanId=plan_id)
        # The same name again (moto has no UpdateBackupPlan), its rules without the copy.
        home.create_backup_plan(
            BackupPlan={
                "BackupPlanName": "clinic-hourly",
                "Rules": [
                    {
                        "RuleName": r["RuleName"],
                        "TargetBackupVaultName": r["TargetBackupVaultName"],
                        "ScheduleExpression": r["ScheduleExpression"],
                    }
                    for r in rules
                ],
            }
        )
        execution = sfn_support.run_approving(
            loaded, mode="unplanned", name="back-1", action="failback",
            only=["audit-backups"], recorded=recorded,
        )  # fmt: skip
        by_cli = run_action(
            loaded, default_settings(state_dir=tmp_path), "failback", mode="unplanned",
            only=["audit-backups"],
        )  # fmt: skip
    assert by_cli.status == "failed"
    assert execution.status == "FAILED"
    assert "audit-backups.copy-rule: failed" in execution.entered
    assert execution.entered.count("audit-backups.copy-rule: verify") == 1
    caught = next(
        json.loads(e["stateEnteredEventDetails"]["input"])["error"]
        for e in execution.history
        if e["type"].endswith("StateEntered") and e["stateEnteredEventDetails"]["name"] == "Failed"
    )
    assert caught["Error"] == "drctl.StepFailed"
    assert (
        "backup plan clinic-hourly does not copy clinic-backups to arn:aws:backup:"
        in (caught["Cause"])
    )


def _plan_ids(backup: Any) -> dict[str, str]:
    """The Region's backup plans: name -> id."""
    return {
        p["BackupPlanName"]: p["BackupPlanId"]
        for p in backup.list_backup_plans()["BackupPlansList"]
    }
