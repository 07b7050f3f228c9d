"""The alarm and Config rule specs: the request each makes, and the comparison that makes a
second apply a no-op (every field drctl sets is compared; nothing else is)."""

from __future__ import annotations

from drctl.aws import alarms, config_rules
from drctl.aws.alarms import AlarmSpec
from drctl.aws.config_rules import ConfigRuleSpec

SPEC = AlarmSpec(
    name="drctl-shop-orders-db-replica-lag",
    resource="orders-db",
    side="dr",
    description="lag",
    namespace="AWS/RDS",
    metric="ReplicaLag",
    dimensions=(("DBInstanceIdentifier", "shop-orders-dr"),),
    statistic="Maximum",
    period=60,
    evaluation_periods=3,
    threshold=300.0,
    comparison="GreaterThanThreshold",
    treat_missing_data="breaching",
    actions=("arn:aws:sns:us-west-2:123456789012:shop-dr",),
)


def _as_aws_reports(spec: AlarmSpec) -> dict[str, object]:
    """What DescribeAlarms returns for an alarm put with ``spec``'s request."""
    return {**alarms.put_request(spec), "AlarmArn": "arn:aws:cloudwatch:...", "StateValue": "OK"}


def test_an_alarm_as_put_has_no_differences() -> None:
    assert alarms.differences(SPEC, _as_aws_reports(SPEC)) == []


def test_every_field_drctl_sets_is_compared() -> None:
    have = _as_aws_reports(SPEC)
    changed = {
        "Namespace": "AWS/Other",
        "MetricName": "Other",
        "Statistic": "Average",
        "Period": 300,
        "EvaluationPeriods": 1,
        "ComparisonOperator": "LessThanThreshold",
        "TreatMissingData": "missing",
        "Threshold": 3600.0,
        "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": "other"}],
        "AlarmActions": [],
        "ActionsEnabled": False,
    }
    for key, value in changed.items():
        found = alarms.differences(SPEC, {**have, key: value})
        assert found, key
    assert alarms.differences(SPEC, {**have, "Period": 300}, ignore=("Period",)) == []
    # Actions someone added besides drctl's are left alone.
    extra = {**have, "AlarmActions": [*SPEC.actions, "arn:aws:sns:us-west-2:1:pager"]}
    assert alarms.differences(SPEC, extra) == []


def test_an_alarm_without_actions_is_put_disabled() -> None:
    request = alarms.put_request(SPEC.with_actions(()))
    assert request["ActionsEnabled"] is False and request["AlarmActions"] == []


RULE = ConfigRuleSpec(
    name="drctl-shop-orders-db-db-instance-backup-enabled",
    resource="orders-db",
    side="primary",
    identifier="DB_INSTANCE_BACKUP_ENABLED",
    resource_type="AWS::RDS::DBInstance",
    resource_id="db-ABC",
    description="backups",
    parameters=(("backupRetentionMinimum", "7"),),
)


def test_a_rule_as_put_has_no_differences_and_parameters_are_compared() -> None:
    rule = config_rules.put_request(RULE)["ConfigRule"]
    assert config_rules.differences(RULE, rule) == []
    other = {**rule, "InputParameters": '{"backupRetentionMinimum": "35"}'}
    assert config_rules.differences(RULE, other) == [
        "parameters {'backupRetentionMinimum': '35'}, not {'backupRetentionMinimum': '7'}"
    ]
    moved = {**rule, "Scope": {**rule["Scope"], "ComplianceResourceId": "db-OTHER"}}
    assert config_rules.differences(RULE, moved) == ["resource id 'db-OTHER'"]


def test_rule_names_fit_configs_128_characters() -> None:
    assert config_rules.rule_name("shop", "orders-db", "RDS_STORAGE_ENCRYPTED", "dr") == (
        "drctl-shop-orders-db-rds-storage-encrypted-dr"
    )
    long_app = "a" * 63
    name = config_rules.rule_name(long_app, "r" * 63, "RDS_STORAGE_ENCRYPTED", "primary")
    assert len(name) == 128
    other = config_rules.rule_name(long_app, "r" * 63, "RDS_STORAGE_ENCRYPTED", "dr")
    assert other != name and len(other) == 128


def test_the_declared_iam_actions_name_real_operations() -> None:
    """Each IAM action the readiness modules declare is an operation of its service."""
    import re

    import botocore.session

    from drctl.drills import alarms as plan_alarms
    from drctl.drills import compliance
    from drctl.engine import publish

    declared = {
        a
        for actions in [*plan_alarms.IAM_ACTIONS.values(), *compliance.IAM_ACTIONS.values()]
        for a in actions
    } | set(publish.IAM_ACTIONS)
    session = botocore.session.get_session()
    for action in sorted(declared):
        service, operation = action.split(":")
        model = session.get_service_model({"cloudwatch": "cloudwatch"}.get(service, service))
        assert operation in model.operation_names, action
        assert re.fullmatch(r"[A-Z][A-Za-z]+", operation), action
