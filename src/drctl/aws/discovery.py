"""Reads shared by every kind's discovery (``drctl plan init --discover``): what a tag or a
CloudFormation stack names, and Route 53's failover record pairs.

- Tags: the Resource Groups Tagging API (``GetResources``), one call per Region, for RDS,
  S3, DynamoDB and ECS. Auto Scaling groups read their tags from DescribeAutoScalingGroups:
  "the GetTagKey, GetTagValues and GetResources operations aren't supported at this time and
  return an empty response for this service" (Tagging API, "Services that support the Resource
  Groups Tagging API"; moto 5.2.5 returns nothing for them either). Route 53 hosted zones, a
  global resource, read theirs with Route 53's own ``ListTagsForResources`` (moto 5.2.5 does
  not list zones in ``GetResources``).
- Stacks: ``ListStackResources`` (paginated) in the primary Region; a stack is regional, so
  the DR side is found from the primary's replication, never from the stack.
- Route 53 (global): hosted zones, their tags, and the record sets that form a failover
  pair -- the same name and type, one ``PRIMARY`` and one ``SECONDARY``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from drctl.errors import UsageError

# What these reads need (drills.discovery.iam_actions and docs/commands/plan.md list them).
IAM_ACTIONS = (
    "tag:GetResources",
    "cloudformation:ListStackResources",
    "route53:ListHostedZones",
    "route53:ListTagsForResources",
    "route53:ListResourceRecordSets",
    "route53:GetHealthCheck",
)
# ListTagsForResources takes at most 10 ids per call (Route 53 API reference).
ZONE_TAG_BATCH = 10


@dataclass(frozen=True)
class StackResource:
    resource_type: str  # "AWS::RDS::DBInstance"
    logical_id: str
    physical_id: str


@dataclass(frozen=True)
class FailoverPair:
    """A record name's PRIMARY and SECONDARY record sets in one hosted zone."""

    zone_id: str
    zone_name: str
    name: str
    record_type: str
    primary: dict[str, Any]
    secondary: dict[str, Any]


def tagged_arns(
    tagging: Any, tags: Mapping[str, str], resource_types: Sequence[str]
) -> dict[str, dict[str, str]]:
    """ARN -> tags of the Region's resources of ``resource_types`` carrying every tag."""
    found: dict[str, dict[str, str]] = {}
    pages = tagging.get_paginator("get_resources").paginate(
        TagFilters=[{"Key": key, "Values": [value]} for key, value in tags.items()],
        ResourceTypeFilters=list(resource_types),
    )
    for page in pages:
        for mapping in page.get("ResourceTagMappingList", []):
            found[str(mapping["ResourceARN"])] = {
                str(t["Key"]): str(t["Value"]) for t in mapping.get("Tags", [])
            }
    return found


def stack_resources(cloudformation: Any, stack: str) -> list[StackResource]:
    """Every resource of ``stack`` that has a physical id (created, not only declared)."""
    from botocore.exceptions import ClientError

    pages = cloudformation.get_paginator("list_stack_resources").paginate(StackName=stack)
    try:
        summaries = [s for page in pages for s in page.get("StackResourceSummaries", [])]
    except ClientError as exc:
        # An unknown stack is a ValidationError "Stack with id X does not exist".
        if exc.response["Error"]["Code"] == "ValidationError" and "does not exist" in str(exc):
            raise UsageError(
                f"no CloudFormation stack {stack} in {cloudformation.meta.region_name}",
                hint="give the stack's name as `aws cloudformation list-stacks` shows it, and "
                "its Region with --primary-region",
            ) from None
        raise
    return [
        StackResource(str(s["ResourceType"]), str(s["LogicalResourceId"]), physical)
        for s in summaries
        if (physical := s.get("PhysicalResourceId"))
    ]


def zone_id_of(zone: Mapping[str, Any]) -> str:
    return str(zone["Id"]).rsplit("/", 1)[-1]


def hosted_zones(route53: Any) -> list[dict[str, Any]]:
    zones: list[dict[str, Any]] = []
    for page in route53.get_paginator("list_hosted_zones").paginate():
        zones += page.get("HostedZones", [])
    return zones


def zone_tags(route53: Any, zone_ids: Sequence[str]) -> dict[str, dict[str, str]]:
    """Zone id -> its tags."""
    found: dict[str, dict[str, str]] = {}
    for start in range(0, len(zone_ids), ZONE_TAG_BATCH):
        batch = list(zone_ids[start : start + ZONE_TAG_BATCH])
        answer = route53.list_tags_for_resources(ResourceType="hostedzone", ResourceIds=batch)
        for entry in answer.get("ResourceTagSets", []):
            found[str(entry["ResourceId"])] = {
                str(t["Key"]): str(t.get("Value", "")) for t in entry.get("Tags", [])
            }
    return found


def failover_pairs(route53: Any, zone: Mapping[str, Any]) -> tuple[list[FailoverPair], list[str]]:
    """The zone's failover pairs, and the names of failover records missing their other half."""
    by_key: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    pages = route53.get_paginator("list_resource_record_sets").paginate(
        HostedZoneId=zone_id_of(zone)
    )
    for page in pages:
        for rrset in page.get("ResourceRecordSets", []):
            role = rrset.get("Failover")
            if role in ("PRIMARY", "SECONDARY"):
                key = (str(rrset["Name"]), str(rrset["Type"]))
                by_key.setdefault(key, {})[role] = rrset
    pairs, halves = [], []
    for (name, record_type), roles in sorted(by_key.items()):
        if "PRIMARY" in roles and "SECONDARY" in roles:
            pairs.append(
                FailoverPair(
                    zone_id_of(zone),
                    str(zone["Name"]),
                    name,
                    record_type,
                    roles["PRIMARY"],
                    roles["SECONDARY"],
                )
            )
        else:
            halves.append(f"{name} {record_type} ({', '.join(roles)} only)")
    return pairs, halves


def health_check(route53: Any, health_check_id: str | None) -> dict[str, Any] | None:
    """The health check's configuration, or None (no id, or deleted)."""
    from botocore.exceptions import ClientError

    if not health_check_id:
        return None
    try:
        answer = route53.get_health_check(HealthCheckId=health_check_id)
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "NoSuchHealthCheck":
            return None
        raise
    return dict(answer["HealthCheck"]["HealthCheckConfig"])


def arn_region(arn: str) -> str:
    """The Region field of an ARN ("" for global resources)."""
    parts = arn.split(":")
    return parts[3] if len(parts) > 3 else ""


def arn_resource_name(arn: str) -> str:
    """The last name in an ARN's resource part (``db:NAME``, ``table/NAME``)."""
    return arn.rsplit(":", 1)[-1].rsplit("/", 1)[-1]


def tag_dict(tags: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """``[{"Key": k, "Value": v}]`` (or ``key``/``value``, as ECS spells it) as a dict."""
    return {str(t.get("Key", t.get("key"))): str(t.get("Value", t.get("value", ""))) for t in tags}
