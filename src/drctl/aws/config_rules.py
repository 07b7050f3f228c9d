"""AWS Config managed rules drctl deploys for a plan, and their evaluations read back.

Each rule is scoped to one resource (``Scope.ComplianceResourceTypes`` and
``ComplianceResourceId``), so a plan's rules judge the plan's resources and nothing else in
the account. Rules are named ``drctl-<app>-<resource>-<rule>[-dr]`` so that a second
``compliance rules`` finds and compares them instead of piling up copies.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

# ConfigRuleName is at most 128 characters (AWS Config API Reference, ConfigRule).
MAX_NAME = 128
MANAGED_BY = "drctl"


@dataclass(frozen=True)
class ConfigRuleSpec:
    """One managed rule for one resource of the plan, in one region (``side``)."""

    name: str
    resource: str  # the plan resource it judges
    side: str
    identifier: str  # the managed rule's SourceIdentifier, e.g. RDS_STORAGE_ENCRYPTED
    resource_type: str  # e.g. AWS::RDS::DBInstance
    resource_id: str  # the AWS Config resource id (DbiResourceId, bucket name, ...)
    description: str
    parameters: tuple[tuple[str, str], ...] = ()


def rule_name(app: str, resource: str, identifier: str, side: str) -> str:
    """``drctl-shop-orders-db-rds-storage-encrypted[-dr]``, shortened with a hash if long."""
    name = f"drctl-{app}-{resource}-{identifier.lower().replace('_', '-')}"
    name += "-dr" if side == "dr" else ""
    if len(name) <= MAX_NAME:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[: MAX_NAME - 9]}-{digest}"


def put_request(spec: ConfigRuleSpec) -> dict[str, Any]:
    """The PutConfigRule parameters for ``spec`` (what ``--dry-run`` prints)."""
    rule: dict[str, Any] = {
        "ConfigRuleName": spec.name,
        "Description": spec.description,
        "Scope": {
            "ComplianceResourceTypes": [spec.resource_type],
            "ComplianceResourceId": spec.resource_id,
        },
        "Source": {"Owner": "AWS", "SourceIdentifier": spec.identifier},
    }
    if spec.parameters:
        rule["InputParameters"] = json.dumps(dict(spec.parameters), sort_keys=True)
    return {"ConfigRule": rule, "Tags": [{"Key": "managed-by", "Value": MANAGED_BY}]}


def describe(config: Any, names: list[str]) -> dict[str, dict[str, Any]]:
    """The rules among ``names`` that exist, by name (an unknown name is skipped, not an
    error: DescribeConfigRules fails the whole call on one, so they are asked one by one)."""
    found: dict[str, dict[str, Any]] = {}
    for name in names:
        try:
            rules = config.describe_config_rules(ConfigRuleNames=[name]).get("ConfigRules", [])
        except config.exceptions.NoSuchConfigRuleException:
            continue
        for rule in rules:
            found[str(rule["ConfigRuleName"])] = rule
    return found


def differences(spec: ConfigRuleSpec, rule: dict[str, Any]) -> list[str]:
    """What a deployed rule has other than ``spec`` wants, one phrase per field."""
    want = put_request(spec)["ConfigRule"]
    found: list[str] = []
    if rule.get("Source", {}).get("SourceIdentifier") != spec.identifier:
        found.append(f"source {rule.get('Source', {}).get('SourceIdentifier')!r}")
    scope = rule.get("Scope", {})
    if scope.get("ComplianceResourceTypes") != want["Scope"]["ComplianceResourceTypes"]:
        found.append(f"resource types {scope.get('ComplianceResourceTypes')}")
    if scope.get("ComplianceResourceId") != spec.resource_id:
        found.append(f"resource id {scope.get('ComplianceResourceId')!r}")
    have = json.loads(rule.get("InputParameters") or "{}")
    if have != dict(spec.parameters):
        found.append(f"parameters {have}, not {dict(spec.parameters)}")
    return found


def put(config: Any, spec: ConfigRuleSpec) -> None:
    config.put_config_rule(**put_request(spec))


def recorder_state(config: Any) -> str:
    """``recording``, ``stopped`` or ``absent``: a managed rule cannot be put without a
    configuration recorder (NoAvailableConfigurationRecorderException), and evaluates only
    what a recording one records."""
    if not config.describe_configuration_recorders().get("ConfigurationRecorders"):
        return "absent"
    status = config.describe_configuration_recorder_status().get("ConfigurationRecordersStatus")
    return "recording" if any(s.get("recording") for s in status or []) else "stopped"


def evaluations(config: Any, name: str) -> list[dict[str, Any]]:
    """Every evaluation result of one rule (GetComplianceDetailsByConfigRule, all pages)."""
    results: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"ConfigRuleName": name, "Limit": 100}
    while True:
        page = config.get_compliance_details_by_config_rule(**kwargs)
        results.extend(page.get("EvaluationResults", []))
        token = page.get("NextToken")
        if not token:
            return results
        kwargs["NextToken"] = token
