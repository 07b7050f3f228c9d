"""A compliance policy over a plan: its controls as ``drctl check`` results, the AWS Config
managed rules that watch them (``drctl compliance rules``), and their evaluations read back
(``drctl compliance status``).

Each kind that has controls says which (``Kind.compliance``): this module asks the registry,
compares the rules with AWS, and reads Config's verdicts. Managed rules evaluate only what a
configuration recorder records, so every region without a recording recorder is named: its
rules would stay without evaluations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from drctl.aws import config_rules
from drctl.aws.config_rules import ConfigRuleSpec
from drctl.aws.errors import aws_errors
from drctl.drills.desired import Change, compare
from drctl.engine.context import RunContext
from drctl.engine.run import selected_resources
from drctl.engine.step import Check
from drctl.errors import AwsError, UsageError
from drctl.kinds.registry import registry
from drctl.plan.models import Plan
from drctl.plan.policies import POLICIES, Policy

# The IAM actions of this module's own calls, by command (the kinds' reads are in their
# ``iam_actions["check"]``), for ``drctl iam-policy``.
IAM_ACTIONS: dict[str, tuple[str, ...]] = {
    "compliance rules": (
        "config:DescribeConfigRules",
        "config:DescribeConfigurationRecorders",
        "config:DescribeConfigurationRecorderStatus",
        "config:PutConfigRule",
    ),
    "compliance status": ("config:DescribeConfigRules", "config:GetComplianceDetailsByConfigRule"),
}
# Evaluations that count as "holds": NOT_APPLICABLE is Config's verdict on a resource the
# rule does not judge (e.g. Multi-AZ on an engine without it).
HOLDING = ("COMPLIANT", "NOT_APPLICABLE")
# What ``status`` reports: Config's ComplianceType values, and drctl's own NOT_DEPLOYED.
COMPLIANCE_TYPES = (
    "COMPLIANT",
    "NON_COMPLIANT",
    "NOT_APPLICABLE",
    "INSUFFICIENT_DATA",
    "NOT_DEPLOYED",
)


def policy(name: str) -> Policy:
    found = POLICIES.get(name)
    if found is None:
        raise UsageError(f"unknown policy {name!r}", hint=f"policies: {', '.join(POLICIES)}")
    return found


def checks(
    plan: Plan, ctx: RunContext, chosen: Policy, only: Sequence[str] | None = None
) -> list[Check]:
    """The policy's checks of every selected resource whose kind has controls."""
    found: list[Check] = []
    for res in selected_resources(plan, only):
        compliance = registry().get(res.kind).compliance
        if compliance is not None:
            found.extend(compliance.checks(res, ctx, chosen))
    return found


@dataclass
class RuleChange(Change[ConfigRuleSpec]):
    """One wanted rule: what AWS Config has, and what ``rules`` does about it."""

    def document(self) -> dict[str, Any]:
        return {
            "rule": self.spec.name,
            "resource": self.spec.resource,
            "region": self.region,
            "identifier": self.spec.identifier,
            "action": self.action,
            "differences": list(self.differences),
            "request": config_rules.put_request(self.spec),
        }


def wanted(plan: Plan, ctx: RunContext, chosen: Policy) -> list[ConfigRuleSpec]:
    found: list[ConfigRuleSpec] = []
    for res in plan.resources:
        compliance = registry().get(res.kind).compliance
        if compliance is not None:
            with aws_errors(f"{res.name}: reading the ids AWS Config knows it by"):
                found.extend(compliance.rules(res, ctx, chosen))
    return found


def plan_changes(
    plan: Plan, ctx: RunContext, chosen: Policy
) -> tuple[list[RuleChange], dict[str, str]]:
    """Every wanted rule compared with AWS Config, and each region's configuration recorder
    (``recording``, ``stopped`` or ``absent``)."""
    recorders: dict[str, str] = {}

    def read(side: str, names: list[str]) -> dict[str, dict[str, Any]]:
        client = ctx.client("config", side)
        existing = config_rules.describe(client, names)
        recorders[ctx.region(side)] = config_rules.recorder_state(client)
        return existing

    changes = compare(
        wanted(plan, ctx, chosen),
        ctx.region,
        "AWS Config rules",
        read,
        config_rules.differences,
        RuleChange,
    )
    return changes, recorders


def apply(ctx: RunContext, changes: list[RuleChange], recorders: dict[str, str]) -> None:
    """Put every rule that is missing or different; refused up front (nothing put) when a
    region that needs one has no configuration recorder, as AWS Config would refuse it."""
    absent = sorted(
        {c.region for c in changes if c.action != "unchanged" and recorders[c.region] == "absent"}
    )
    if absent:
        raise AwsError(
            f"no AWS Config configuration recorder in {', '.join(absent)}: managed rules "
            "cannot be put there (NoAvailableConfigurationRecorderException)",
            hint="create and start one: aws configservice put-configuration-recorder ... and "
            "start-configuration-recorder (see docs/commands/compliance.md)",
        )
    for change in changes:
        if change.action != "unchanged":
            with aws_errors(f"putting AWS Config rule {change.spec.name} in {change.region}"):
                config_rules.put(ctx.client("config", change.spec.side), change.spec)


@dataclass
class RuleStatus:
    """A deployed rule's verdict on its resource, as AWS Config reports it."""

    spec: ConfigRuleSpec
    region: str
    compliance: str  # COMPLIANT | NON_COMPLIANT | NOT_APPLICABLE | INSUFFICIENT_DATA | NOT_DEPLOYED
    annotation: str = ""
    evaluated_at: str | None = None

    @property
    def holds(self) -> bool:
        return self.compliance in HOLDING

    def document(self) -> dict[str, Any]:
        return {
            "rule": self.spec.name,
            "resource": self.spec.resource,
            "region": self.region,
            "identifier": self.spec.identifier,
            "compliance": self.compliance,
            "annotation": self.annotation,
            "evaluated_at": self.evaluated_at,
        }


def status(plan: Plan, ctx: RunContext, chosen: Policy) -> list[RuleStatus]:
    """Each wanted rule's evaluation of its resource (GetComplianceDetailsByConfigRule)."""
    found: list[RuleStatus] = []
    for spec in wanted(plan, ctx, chosen):
        region = ctx.region(spec.side)
        with aws_errors(f"reading the evaluations of {spec.name} in {region}"):
            client = ctx.client("config", spec.side)
            if not config_rules.describe(client, [spec.name]):
                found.append(RuleStatus(spec, region, "NOT_DEPLOYED", "drctl compliance rules"))
                continue
            results = config_rules.evaluations(client, spec.name)
        mine = [r for r in results if _resource_id(r) == spec.resource_id]
        if not mine:
            found.append(RuleStatus(spec, region, "INSUFFICIENT_DATA", "not evaluated yet"))
            continue
        newest = max(mine, key=lambda r: str(r.get("ResultRecordedTime", "")))
        recorded: Any = newest.get("ResultRecordedTime")
        found.append(
            RuleStatus(
                spec,
                region,
                str(newest.get("ComplianceType", "INSUFFICIENT_DATA")),
                str(newest.get("Annotation") or ""),
                recorded.isoformat() if isinstance(recorded, datetime) else None,
            )
        )
    return found


def _resource_id(result: dict[str, Any]) -> str | None:
    qualifier = result.get("EvaluationResultIdentifier", {}).get("EvaluationResultQualifier", {})
    value = qualifier.get("ResourceId")
    return str(value) if value else None
